"""Figures drawn from GeoJSON (``map:``): read and checked once a run, drawn, and published as
any other figure is.

The GeoJSON is read by ``maps.load_geojson`` during validation, once per file and run (the
``FigureStore`` keeps it), so the data that was checked is the data that is drawn. The drawing
is an SVG sitrepgen wrote itself; it still goes through ``figures.prepare_bytes`` (the SVG
allowlist of ``svg.rebuild``), so a published map is held to the same rules as a hand-drawn one.

Two SVGs are published for each map figure: the drawing with its labels as ``<text>`` (the
report page's ``<img>``), and the same drawing without text for the print page, whose PDF gets
the labels drawn over it as text (``maps.overlay_html``, ``maplabels``): WeasyPrint lays out SVG
text one character at a time, and each HTML label is a box of its own (docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .figures import FigureStore, prepare_bytes

if TYPE_CHECKING:
    from .maps import DrawnMap, MapData, MapProblem, MapSettings

#: The print page's text column: the page width less the margins of print.css (1in each side).
PRINT_COLUMN_PT = {"letter": 8.5 * 72 - 144, "a4": 210 / 25.4 * 72 - 144}
#: The tallest a printed map may be (print.css: ``.figure img { max-height: 3.5in }``), less a
#: point for rounding.
PRINT_MAX_HEIGHT_PT = 3.5 * 72 - 1


@dataclass(frozen=True)
class LoadedMap:
    """A GeoJSON file as checked: the data (None when it has an error) and every problem."""

    data: MapData | None
    problems: tuple[MapProblem, ...]


def load_map(store: FigureStore, path: Path, settings: MapSettings) -> LoadedMap:
    """The map at ``path`` (resolved), read and checked once per run; OSError when unreadable."""
    if path not in store.maps:
        from .maps import load_geojson

        data, problems = load_geojson(path, settings)
        store.maps[path] = LoadedMap(data, tuple(problems))
    loaded: LoadedMap = store.maps[path]
    return loaded


class MapNotPublished(Exception):
    """The drawing sitrepgen made did not pass the SVG rules: a bug in the drawing, not the input."""


@dataclass(frozen=True)
class PublishedMap:
    """A drawn map as published: ``svg`` (labels as text, for the page's ``<img>``), ``shapes``
    (no text, under the print page's labels) and the drawing itself (labels, km2)."""

    svg: bytes
    shapes: bytes
    drawn: DrawnMap

    def print_width(self, page_size: str) -> float:
        """The printed width in points: the text column, or less when that would make the map
        taller than a printed figure may be."""
        column = PRINT_COLUMN_PT.get(page_size, PRINT_COLUMN_PT["letter"])
        return round(min(column, PRINT_MAX_HEIGHT_PT * self.drawn.width / self.drawn.height), 2)

    def overlay(self, src: str, alt: str, page_size: str) -> str:
        """The print page's HTML: the text-less drawing at ``src`` with its labels over it."""
        from .maps import overlay_html

        return overlay_html(self.drawn, src=src, alt=alt, width_pt=self.print_width(page_size))


def publish_map(data: MapData, settings: MapSettings, *, previous: MapData | None = None, previous_date: dt.date | None = None) -> PublishedMap:
    """Draw the map (with what changed hands since ``previous``) and rebuild both SVGs through
    the figure rules; MapNotPublished if the rules refuse what was drawn."""
    from .maps import draw_map

    drawn = draw_map(data, settings, previous=previous, previous_date=previous_date if previous is not None else None, attribution=settings.attribution)
    return PublishedMap(_rebuilt(drawn.svg), _rebuilt(drawn.svg_shapes), drawn)


def _rebuilt(data: bytes) -> bytes:
    prepared = prepare_bytes(data, "svg")
    if prepared.data is None or prepared.problems:
        problems: Any = "; ".join(problem.message for problem in prepared.problems) or "no output"
        raise MapNotPublished(f"the drawn map did not pass the SVG rules ({problems}); this is a bug in sitrepgen")
    return prepared.data
