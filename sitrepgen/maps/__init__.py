"""Maps from data: areas of control drawn from GeoJSON, and what changed hands since last week.

A writer keeps one GeoJSON file per week (RFC 7946: a FeatureCollection in longitude/latitude)
instead of redrawing the map by hand; sitrepgen draws it, with the same legend, colours, scale
and labels every week, and compares it with the same figure of the previous report.

The GeoJSON
-----------
- ``Polygon`` / ``MultiPolygon`` features are areas: ``properties.control`` (required) is a key
  of ``map.control`` in ``sitrepgen.yaml``; ``properties.label`` (optional) names the area and is
  written inside it.
- ``Point`` features are places: ``properties.name`` (required), drawn as a dot and its name.
- ``LineString`` features with ``properties.kind: advance`` and ``properties.control`` are
  advances, drawn as arrows towards their last point; ``properties.label`` is optional.
- Anything else (another property, another geometry type, a ``crs`` other than WGS 84) is an
  error at its place in the file, never ignored.

The API (what the build calls)
------------------------------
``MapSettings`` / ``ControlStyle``
    The pydantic model of the ``map:`` section of ``sitrepgen.yaml`` (``Config.map: MapSettings |
    None``). There are no built-in actors: a project that draws maps declares them.

``load_geojson(path, settings, *, max_bytes=MAX_BYTES, max_vertices=MAX_VERTICES)``
    -> ``(MapData | None, list[MapProblem])``. ``MapData`` is None when any problem is an error.
    Each ``MapProblem(code, line, col, message, severity)`` is at a 1-based place in the GeoJSON
    file. Codes: ``map-too-large``, ``map-encoding``, ``map-syntax``, ``map-structure``,
    ``map-coordinates``, ``map-control``, ``map-geometry``, ``map-too-many-vertices`` (errors) and
    ``map-overlap`` (a warning). Raises OSError when the file cannot be read. Imports shapely
    only when the file is sound enough to build shapes from.

``draw_map(data, settings, *, previous=None, previous_date=None, title=None, attribution=None)``
    -> ``DrawnMap`` with ``svg`` (bytes; labels as ``<text>``), ``svg_shapes`` (the same drawing
    without text), ``labels`` (each ``Label`` with its text, kind -- place, area, advance,
    legend, scale, attribution, title --, anchor point, size, and the same as percentages of
    the drawing), ``width``/``height``, ``metres_per_unit``, ``changed_km2``,
    ``area_km2`` and ``comparison`` (``Comparison``: areas by actor this week and last, each
    ``Change(gained_by, lost_by, km2)``, ``lost_share(control)``). With ``previous`` the ground
    that changed hands is drawn hatched in the new controller's colour in ``<g class="change">``
    and the legend says "Taken by <actor> since <Month day>". Front lines are drawn where two
    actors' ground meets; the legend lists only the actors on the map.

``overlay_html(drawn, *, src, alt, width_pt=None)``
    The map as HTML for a page: ``svg_shapes`` as an ``<img>`` at ``src`` with every label laid
    out over it as text (print: ``width_pt`` given; screen: percentages). In print the ``<img>``
    also carries the labels as JSON (``print_labels``), and ``sitrepgen.maplabels`` draws them
    into the PDF instead of the HTML boxes: the fast PDF path (benchmarks/map_in_report.py).

Projection: Lambert azimuthal equal-area on WGS 84 through pyproj, centred on the map (see
``project``). Everything heavy is imported lazily: importing this package costs pydantic and the
report model (which ``validate`` loads anyway); reading a map imports shapely (and numpy) once it
has areas to check; pyproj comes only with drawing. A report without a map imports none of them.
"""

from __future__ import annotations

from ..diagnostics import CODES as DIAGNOSTIC_CODES
from .draw import DrawnMap, draw_map, month_day, overlay_html, taken_text
from .geojson import MAX_BYTES, MAX_VERTICES, Advance, Area, MapData, MapProblem, Place, load_geojson, parse_geojson
from .labels import Label
from .project import Change, Comparison
from .settings import ControlStyle, MapSettings

#: Every code a map can raise, with what it means: registered, with every other code, in
#: diagnostics.CODES (and so in docs/diagnostics.md).
CODES: dict[str, str] = {code: meaning for code, meaning in DIAGNOSTIC_CODES.items() if code.startswith("map-")}

__all__ = [
    "CODES",
    "MAX_BYTES",
    "MAX_VERTICES",
    "Advance",
    "Area",
    "Change",
    "Comparison",
    "ControlStyle",
    "DrawnMap",
    "Label",
    "MapData",
    "MapProblem",
    "MapSettings",
    "Place",
    "draw_map",
    "load_geojson",
    "month_day",
    "overlay_html",
    "parse_geojson",
    "taken_text",
]
