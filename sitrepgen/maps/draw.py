"""Drawing a map as SVG: areas, what changed hands, front lines, advances, places, legend, scale
bar, north arrow, frame and attribution.

The SVG is written here, element by element, from plain static SVG only (``svg``, ``defs``,
``pattern``, ``g``, ``path``, ``rect``, ``line``, ``polygon``, ``text``) and references only to
its own parts (``url(#id)``), so it passes the figure allowlist like any other figure. Every
coordinate is rounded to 0.1 unit and every element is written in a fixed order with an id made
from the map's own data, so the same files give the same bytes in every build.

Two drawings come out of one call: ``svg`` with its labels as ``<text>``, for the website and for
download, and ``svg_shapes``, the same drawing without any text, for the print page, whose
PDF gets the labels drawn over it as text (``overlay_html``, ``sitrepgen.maplabels``). WeasyPrint
70 lays out SVG text one character at a time (about 0.3 ms a character, and without kerning or
Arabic joining); drawn by maplabels the same labels cost one Pango line each, and the PDF's text
layer holds them as words, where they are seen.
"""

from __future__ import annotations

import colorsys
import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from html import escape
from typing import Any

from ..maplabels import HTML_LABELS_ATTRIBUTE, LABELS_ATTRIBUTE
from .geojson import MapData
from .labels import ASCENT, DESCENT, Label, Placer, split_in_two, text_width
from .project import Comparison, Projection, by_control, compare
from .settings import ControlStyle, MapSettings

WIDTH = 800.0
MARGIN = 12.0
FONT_FAMILY = "Source Sans Pro, DejaVu Sans, Arial, sans-serif"
INK = "#1b1b1b"
PAPER = "#f4f2ec"
PLACE_SIZE, AREA_SIZE, LEGEND_SIZE, SMALL_SIZE = 12.0, 14.0, 11.0, 9.5
DOT_RADIUS = 3.5
#: The drawing's height is kept between these shares of its width, whatever the data's shape.
MIN_ASPECT, MAX_ASPECT = 0.45, 1.05
PADDING = 0.05  #: space around the data, as a share of its extent
MIN_EXTENT = 1000.0  #: metres: a map of one place shows the kilometre around it


@dataclass(frozen=True)
class DrawnMap:
    """A drawn map and what it measured. ``svg`` has its labels as text; ``svg_shapes`` is the
    same drawing without text, for ``labels`` set over it (``overlay_html``)."""

    svg: bytes
    svg_shapes: bytes
    labels: tuple[Label, ...]
    width: float
    height: float
    metres_per_unit: float  #: scale of the drawing at its centre
    comparison: Comparison  #: areas by actor and what changed hands (none without a previous map)
    projection: str  #: the PROJ definition used, for the record

    @property
    def changed_km2(self) -> float:
        """Ground that changed hands since the previous map, in km2."""
        return self.comparison.changed_km2

    @property
    def area_km2(self) -> dict[str, float]:
        return self.comparison.area_km2


def month_day(day: dt.date) -> str:
    """'December 1' (English; the report's language is not known here yet)."""
    return f"{day:%B} {day.day}"


def taken_text(style: ControlStyle, since: dt.date) -> str:
    return f"Taken by {style.in_sentence} since {month_day(since)}"


def advance_text(style: ControlStyle) -> str:
    return f"Advances by {style.in_sentence}"


# --------------------------------------------------------------------------- numbers and colours


def _n(value: float) -> str:
    """A coordinate as written: rounded to 0.1, without a trailing '.0' or a '-0'."""
    text = f"{round(value, 1):.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _mix(colour: str, other: str, share: float) -> str:
    """``colour`` moved ``share`` of the way to ``other`` (both #rrggbb)."""
    a = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def _stripe(colour: str) -> str:
    """The hatch's stripes: the actor's hue, dark and saturated enough to read over a pale tint
    of it (an actor's fill is often pale), in print and in greyscale."""
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    hue, lightness, saturation = colorsys.rgb_to_hls(red, green, blue)
    rgb = colorsys.hls_to_rgb(hue, min(lightness, 0.45), max(saturation, 0.55))
    return "#" + "".join(f"{round(v * 255):02x}" for v in rgb)


def _edge(colour: str) -> str:
    return _mix(colour, "#000000", 0.45)


def _arrow_colour(colour: str) -> str:
    return _mix(colour, "#000000", 0.55)


# --------------------------------------------------------------------------- geometry to SVG


def _path_data(geometry: Any) -> str:
    """SVG path data of a (multi)polygon's rings, rounded, repeated points dropped."""
    import shapely

    parts: list[str] = []
    for polygon in shapely.get_parts(geometry):
        if polygon.geom_type != "Polygon":
            continue
        for ring in [polygon.exterior, *polygon.interiors]:
            points: list[str] = []
            for x, y in ring.coords[:-1]:
                point = f"{_n(x)},{_n(y)}"
                if not points or points[-1] != point:
                    points.append(point)
            if len(points) > 1 and points[-1] == points[0]:
                points.pop()
            if len(points) >= 3:
                parts.append("M" + "L".join(points) + "Z")
    return "".join(parts)


def _line_data(geometry: Any) -> str:
    """SVG path data of the lines in ``geometry``, rounded."""
    import shapely

    parts: list[str] = []
    for line in shapely.get_parts(shapely.line_merge(geometry)):
        if line.geom_type != "LineString":
            continue
        points: list[str] = []
        for x, y in line.coords:
            point = f"{_n(x)},{_n(y)}"
            if not points or points[-1] != point:
                points.append(point)
        if len(points) >= 2:
            parts.append("M" + "L".join(points))
    return "".join(parts)


def _fronts(current: dict[str, Any], frame: _Frame) -> str:
    """Path data of the lines where two actors' merged ground meets."""
    import shapely

    keys = list(current)
    lines = []
    for k, first in enumerate(keys):
        for second in keys[k + 1 :]:
            near = shapely.buffer(current[second], 0.3 / frame.scale)
            shared = shapely.intersection(shapely.boundary(current[first]), near)
            lines += [part for part in shapely.get_parts(shared) if part.geom_type in ("LineString", "MultiLineString")]
    if not lines:
        return ""
    clip = shapely.box(*frame.box)
    return _line_data(shapely.simplify(shapely.intersection(frame.geometry(shapely.union_all(lines)), clip), 0.25))


def _circle(x: float, y: float, r: float) -> str:
    """A circle as four cubic curves: WeasyPrint turns an arc into curves in Python, slowly."""
    k = 0.5523 * r
    return (
        f"M{_n(x + r)},{_n(y)}C{_n(x + r)},{_n(y + k)} {_n(x + k)},{_n(y + r)} {_n(x)},{_n(y + r)}"
        f"C{_n(x - k)},{_n(y + r)} {_n(x - r)},{_n(y + k)} {_n(x - r)},{_n(y)}"
        f"C{_n(x - r)},{_n(y - k)} {_n(x - k)},{_n(y - r)} {_n(x)},{_n(y - r)}"
        f"C{_n(x + k)},{_n(y - r)} {_n(x + r)},{_n(y - k)} {_n(x + r)},{_n(y)}Z"
    )


def _rect(box: tuple[float, float, float, float]) -> str:
    left, top, right, bottom = box
    return f"M{_n(left)},{_n(top)}H{_n(right)}V{_n(bottom)}H{_n(left)}Z"


def _attrs(**attributes: str | float | None) -> str:
    out = []
    for name, value in attributes.items():
        if value is None:
            continue
        shown = _n(value) if isinstance(value, float) else str(value)
        out.append(f' {name.rstrip("_").replace("_", "-")}="{escape(shown, quote=True)}"')
    return "".join(out)


@dataclass
class _Svg:
    """The drawing's elements in order; text elements are marked, to write the drawing twice."""

    parts: list[tuple[str, bool]] = field(default_factory=list)

    def add(self, markup: str) -> None:
        self.parts.append((markup, False))

    def text(self, label: Label) -> None:
        self.parts.append((_text_element(label), True))

    def render(self, width: float, height: float, *, with_text: bool) -> bytes:
        head = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_n(width)}" height="{_n(height)}" '
            f'viewBox="0 0 {_n(width)} {_n(height)}" font-family="{FONT_FAMILY}">\n'
        )
        body = "".join(markup + "\n" for markup, is_text in self.parts if with_text or not is_text)
        return (head + body + "</svg>\n").encode("utf-8")


def _text_element(label: Label) -> str:
    return (
        f"<text{_attrs(id=label.id, x=label.x, y=label.y, font_size=label.size, font_weight=str(label.weight) if label.weight != 400 else None, font_style='italic' if label.italic else None, fill=label.colour, text_anchor=label.anchor if label.anchor != 'start' else None, textLength=label.width, lengthAdjust='spacingAndGlyphs')}>"
        f"{escape(label.text, quote=False)}</text>"
    )


def _label(id_: str, text: str, kind: str, size: float, weight: int = 400, colour: str = INK, *, x: float = 0.0, y: float = 0.0, anchor: str = "start", italic: bool = False) -> Label:
    return Label(id_, text, kind, x, y, anchor, size, weight, colour, round(text_width(text, size, weight), 1), italic=italic)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class _Frame:
    """Where the data goes in the drawing: metres -> drawing units (y down)."""

    left: float
    top: float
    width: float
    height: float
    min_x: float
    max_y: float
    scale: float  #: drawing units per metre

    @property
    def box(self) -> tuple[float, float, float, float]:
        return self.left, self.top, self.left + self.width, self.top + self.height

    def point(self, x: float, y: float) -> tuple[float, float]:
        return self.left + (x - self.min_x) * self.scale, self.top + (self.max_y - y) * self.scale

    def geometry(self, geometry: Any) -> Any:
        import numpy
        import shapely

        def forward(coords: Any) -> Any:
            return numpy.column_stack([self.left + (coords[:, 0] - self.min_x) * self.scale, self.top + (self.max_y - coords[:, 1]) * self.scale])

        return shapely.transform(geometry, forward)


def _frame(bounds: tuple[float, float, float, float], top: float) -> _Frame:
    min_x, min_y, max_x, max_y = bounds
    if max_x - min_x < MIN_EXTENT and max_y - min_y < MIN_EXTENT:  # one place, or a block
        centre_x, centre_y = (min_x + max_x) / 2, (min_y + max_y) / 2
        min_x, max_x = centre_x - MIN_EXTENT / 2, centre_x + MIN_EXTENT / 2
        min_y, max_y = centre_y - MIN_EXTENT / 2, centre_y + MIN_EXTENT / 2
    span_x, span_y = max(max_x - min_x, 1.0), max(max_y - min_y, 1.0)
    min_x, max_x = min_x - span_x * PADDING, max_x + span_x * PADDING
    min_y, max_y = min_y - span_y * PADDING, max_y + span_y * PADDING
    span_x, span_y = max_x - min_x, max_y - min_y
    aspect = span_y / span_x
    if aspect < MIN_ASPECT:  # too flat: more ground above and below
        grow = (span_x * MIN_ASPECT - span_y) / 2
        min_y, max_y, span_y = min_y - grow, max_y + grow, span_x * MIN_ASPECT
    elif aspect > MAX_ASPECT:  # too tall: more ground left and right
        grow = (span_y / MAX_ASPECT - span_x) / 2
        min_x, max_x, span_x = min_x - grow, max_x + grow, span_y / MAX_ASPECT
    width = WIDTH - 2 * MARGIN
    scale = width / span_x
    return _Frame(MARGIN, top, width, round(span_y * scale, 1), min_x, max_y, scale)


def _nice_length(metres: float) -> float:
    """The largest 1, 2 or 5 x 10^n metres not above ``metres``."""
    power = 10 ** math.floor(math.log10(metres))
    return max(step * power for step in (1, 2, 5) if step * power <= metres)


# --------------------------------------------------------------------------- the drawing


@dataclass(frozen=True)
class _Entry:
    swatch: str  #: "fill:<key>", "change:<key>", "advance:<key>"
    text: str


def draw_map(
    data: MapData,
    settings: MapSettings,
    *,
    previous: MapData | None = None,
    previous_date: dt.date | None = None,
    title: str | None = None,
    attribution: str | None = None,
) -> DrawnMap:
    """Draw ``data``; with ``previous`` (the same figure in the previous report, drawn on
    ``previous_date``), also what changed hands since, hatched in the new controller's colour."""
    if (previous is None) != (previous_date is None):
        raise ValueError("previous and previous_date go together")
    projection = Projection.centred_on(data.bounds())
    order = list(settings.control)
    current = by_control(data, projection, order)
    before = by_control(previous, projection, order) if previous is not None else {}
    drawing = _Drawing(data, settings, projection, top=MARGIN + (26.0 if title else 0.0))
    comparison = compare(current, before, map_m2=(drawing.frame.width / drawing.frame.scale) * (drawing.frame.height / drawing.frame.scale))
    gained = [key for key in order if comparison.gained_km2(key) > 0]
    legend = _Legend(_entries(data, settings, current, gained, previous_date), drawing.frame.top + drawing.frame.height + 10)
    height = round(legend.bottom + (16.0 if attribution else 0.0) + MARGIN / 2, 1)

    drawing.start(height, [key for key in order if key in current], gained, title)
    drawing.areas()
    change = drawing.changes(comparison, gained)
    drawing.fronts(current)
    drawing.advances()
    drawing.names(change)
    legend.draw(drawing.svg, drawing.labels, settings)
    if attribution:
        drawing.text(_label("attribution", attribution, "attribution", SMALL_SIZE, colour="#555555", x=MARGIN, y=legend.bottom + 12, italic=True))

    labels = tuple(replace(label, x_pct=round(100 * label.x / WIDTH, 3), y_pct=round(100 * label.y / height, 3), size_pct=round(100 * label.size / WIDTH, 3)) for label in drawing.labels)
    return DrawnMap(
        svg=drawing.svg.render(WIDTH, height, with_text=True),
        svg_shapes=drawing.svg.render(WIDTH, height, with_text=False),
        labels=labels,
        width=WIDTH,
        height=height,
        metres_per_unit=1 / drawing.frame.scale,
        comparison=comparison,
        projection=f"+proj=laea +lat_0={projection.lat0} +lon_0={projection.lon0} +ellps=WGS84",
    )


def _entries(data: MapData, settings: MapSettings, current: dict[str, Any], gained: Sequence[str], since: dt.date | None) -> list[_Entry]:
    """The legend: the actors on the map (in the settings' order), the ground each took, the
    advances, and the front line."""
    entries = [_Entry(f"fill:{key}", style.label) for key, style in settings.control.items() if key in current]
    if since is not None:
        entries += [_Entry(f"change:{key}", taken_text(settings.control[key], since)) for key in gained]
    advancing = [key for key in settings.control if any(a.control == key for a in data.advances)]
    entries += [_Entry(f"advance:{key}", advance_text(settings.control[key])) for key in advancing]
    if len(current) > 1:
        entries.append(_Entry("front:", "Front line"))
    return entries


class _Drawing:
    """One map being drawn: the projected data, the frame, and the SVG and labels so far."""

    def __init__(self, data: MapData, settings: MapSettings, projection: Projection, *, top: float) -> None:
        import shapely

        self.data, self.settings = data, settings
        self.areas_m = [projection.geometry(area.geometry) for area in data.areas]
        places_m = [projection.points(place.lon, place.lat) for place in data.places]
        advances_m = [shapely.LineString([projection.points(x, y) for x, y in advance.coordinates]) for advance in data.advances]
        everything = shapely.union_all([*self.areas_m, *(shapely.Point(p) for p in places_m), *advances_m])
        self.frame = _frame(tuple(everything.bounds), top)  # type: ignore[arg-type]
        self.clip = shapely.box(*self.frame.box)
        self.dots = [self.frame.point(x, y) for x, y in places_m]
        self.arrows = [shapely.LineString(self.frame.geometry(line).coords) for line in advances_m]
        self.areas_px: list[Any] = []
        self.svg = _Svg()
        self.labels: list[Label] = []

    def text(self, label: Label) -> None:
        self.labels.append(label)
        self.svg.text(label)

    def clipped(self, geometry: Any) -> Any:
        """``geometry`` (metres) in the drawing's units, inside the frame, without detail finer
        than a quarter unit."""
        import shapely

        return shapely.simplify(shapely.intersection(self.frame.geometry(geometry), self.clip), 0.25)

    def start(self, height: float, present: Sequence[str], gained: Sequence[str], title: str | None) -> None:
        frame = self.frame
        self.svg.add(_defs(self.settings, present, gained))
        self.svg.add(f'<rect id="background"{_attrs(x=0.0, y=0.0, width=WIDTH, height=height)} fill="#ffffff"/>')
        if title:
            self.text(_label("title", title, "title", 17.0, 700, x=MARGIN, y=MARGIN + 15))
        self.svg.add(f'<rect id="land"{_attrs(x=frame.left, y=frame.top, width=frame.width, height=frame.height)} fill="{PAPER}"/>')

    def areas(self) -> None:
        """Every area in the file's order, each with its own id."""
        self.svg.add('<g id="areas" stroke-width="0.8" stroke-linejoin="round">')
        for n, (area, geometry) in enumerate(zip(self.data.areas, self.areas_m, strict=True), start=1):
            drawn = self.clipped(geometry)
            self.areas_px.append(drawn)
            style = self.settings.control[area.control]
            fill = f"url(#fill-{area.control})" if style.pattern else style.colour
            self.svg.add(f'<path id="area-{n}" class="area control-{area.control}"{_attrs(fill=fill, stroke=_edge(style.colour))} fill-rule="evenodd" d="{_path_data(drawn)}"/>')
        self.svg.add("</g>")

    def changes(self, comparison: Comparison, gained: Sequence[str]) -> Any:
        """What changed hands, one path per new controller; returns it all (drawing units)."""
        import shapely

        if not comparison.changes:
            return None
        self.svg.add('<g id="change" class="change" stroke-width="0.6" stroke-linejoin="round">')
        pieces = []
        for key in gained:
            drawn = self.clipped(shapely.union_all([c.geometry for c in comparison.changes if c.gained_by == key]))
            pieces.append(drawn)
            colour = self.settings.control[key].colour
            self.svg.add(f'<path id="change-{key}" class="change-{key}" fill="url(#hatch-{key})"{_attrs(stroke=_edge(colour))} fill-rule="evenodd" d="{_path_data(drawn)}"/>')
        self.svg.add("</g>")
        return shapely.union_all(pieces)

    def fronts(self, current: dict[str, Any]) -> None:
        """Where two actors' ground meets (within 0.3 unit, so that borders digitised twice still
        meet), over the areas and the hatching."""
        fronts = _fronts(current, self.frame)
        if fronts:
            self.svg.add(f'<path id="fronts" fill="none" stroke="{INK}" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round" d="{fronts}"/>')

    def advances(self) -> None:
        if self.data.advances:
            self.svg.add('<g id="advances" stroke-linecap="round" stroke-linejoin="round">')
            for n, (advance, line) in enumerate(zip(self.data.advances, self.arrows, strict=True), start=1):
                self.svg.add(_arrow(f"advance-{n}", list(line.coords), _arrow_colour(self.settings.control[advance.control].colour)))
            self.svg.add("</g>")

    def names(self, change: Any) -> None:
        """The places' dots, the north arrow and the scale bar, then every name placed around
        them (places, then advances, then areas), their halos, and the frame over it all."""
        import shapely

        frame, settings = self.frame, self.settings
        if self.dots:
            # One path: each element costs WeasyPrint more than its points.
            self.svg.add(f'<path id="places" fill="{INK}" stroke="#ffffff" stroke-width="1.2" d="{"".join(_circle(x, y, DOT_RADIUS) for x, y in self.dots)}"/>')
        north_box = _north_arrow(self.svg, frame)
        scale_box = _scale_bar(self.svg, self.labels, frame)
        placer = Placer(
            frame=(frame.left + 2, frame.top + 2, frame.left + frame.width - 2, frame.top + frame.height - 2),
            obstacles=[north_box, scale_box, *((x - DOT_RADIUS - 1, y - DOT_RADIUS - 1, x + DOT_RADIUS + 1, y + DOT_RADIUS + 1) for x, y in self.dots)],
            lines=shapely.union_all(self.arrows).buffer(3.0) if self.arrows else None,
        )
        placed: list[tuple[Label, bool]] = []  # (label, needs a halo)
        for n, (place, dot) in enumerate(zip(self.data.places, self.dots, strict=True), start=1):
            placed.append((placer.point(_label(f"label-place-{n}", place.name, "place", PLACE_SIZE, 700), dot, DOT_RADIUS), True))
        for n, (advance, line) in enumerate(zip(self.data.advances, self.arrows, strict=True), start=1):
            if advance.label:
                label = _label(f"label-advance-{n}", advance.label, "advance", LEGEND_SIZE, 700, _arrow_colour(settings.control[advance.control].colour))
                placed.append((placer.point(label, line.coords[0], 2.0), True))
        for n, (area, drawn) in enumerate(zip(self.data.areas, self.areas_px, strict=True), start=1):
            if area.label and not drawn.is_empty:
                for line in _area_labels(placer, f"label-area-{n}", area.label, drawn):
                    placed.append((line, change is not None and shapely.intersects(shapely.box(*line.box(1.0)), change)))
        halos = "".join(_rect(label.box(2.0)) for label, halo in placed if halo)
        if halos:
            self.svg.add(f'<path id="label-halos" fill="#ffffff" fill-opacity="0.85" d="{halos}"/>')
        for label, _ in placed:
            self.text(label)
        self.svg.add(f'<rect id="frame"{_attrs(x=frame.left, y=frame.top, width=frame.width, height=frame.height)} fill="none" stroke="#555555" stroke-width="1"/>')


def _defs(settings: MapSettings, present: Sequence[str], gained: Sequence[str]) -> str:
    """Patterns: an actor's own (dots, cross-hatching, lines) and the diagonal hatch of ground
    it took since the previous report (its colour over a pale tint of it)."""
    out = ["<defs>"]
    for key in present:
        style = settings.control[key]
        if style.pattern:
            out.append(_pattern(f"fill-{key}", style.pattern, style.colour))
    for key in gained:
        colour = settings.control[key].colour
        out.append(
            f'<pattern id="hatch-{key}" patternUnits="userSpaceOnUse" width="8" height="8" patternTransform="rotate(45)">'
            f'<rect width="8" height="8" fill="{_mix(colour, "#ffffff", 0.75)}"/><rect width="3" height="8" fill="{_stripe(colour)}"/></pattern>'
        )
    out.append("</defs>")
    return "".join(out)


def _pattern(id_: str, kind: str, colour: str) -> str:
    tint = _mix(colour, "#ffffff", 0.55)
    head = f'<pattern id="{id_}" patternUnits="userSpaceOnUse" width="8" height="8"><rect width="8" height="8" fill="{tint}"/>'
    if kind == "dots":
        body = f'<path d="{_circle(2, 2, 1.4)}{_circle(6, 6, 1.4)}" fill="{colour}"/>'
    elif kind == "crosshatch":
        body = f'<path d="M0,4H8M4,0V8" stroke="{colour}" stroke-width="1.4"/>'
    else:  # horizontal
        body = f'<rect y="2.5" width="8" height="3" fill="{colour}"/>'
    return head + body + "</pattern>"


def _arrow(id_: str, points: list[tuple[float, float]], colour: str) -> str:
    """An arrow along ``points``: the line stops short of the tip, the head is a polygon (markers
    are drawn differently from one renderer to the next)."""
    (x0, y0), (x1, y1) = points[-2], points[-1]
    length = math.hypot(x1 - x0, y1 - y0) or 1.0
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    head, half = 11.0, 6.0
    base = (x1 - ux * head, y1 - uy * head)
    line = [*points[:-1], (x1 - ux * head * 0.6, y1 - uy * head * 0.6)]
    d = "M" + "L".join(f"{_n(x)},{_n(y)}" for x, y in line)
    corners = [(x1, y1), (base[0] - uy * half, base[1] + ux * half), (base[0] + uy * half, base[1] - ux * half)]
    polygon = " ".join(f"{_n(x)},{_n(y)}" for x, y in corners)
    return (
        f'<g id="{id_}" class="advance"><path d="{d}" fill="none" stroke="#ffffff" stroke-width="7"/>'
        f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="3.2"/>'
        f'<polygon points="{polygon}" fill="{colour}" stroke="#ffffff" stroke-width="1.2"/></g>'
    )


def _north_arrow(svg: _Svg, frame: _Frame) -> tuple[float, float, float, float]:
    """The arrow and an 'N' drawn as strokes: a letter that is no label costs a text box in the
    print page's HTML, and says nothing a search needs."""
    x, y = frame.left + frame.width - 22, frame.top + 12
    n_top, n_bottom, half = y + 39, y + 49, 3.6
    svg.add(
        f'<g id="north-arrow"><polygon points="{_n(x)},{_n(y)} {_n(x + 9)},{_n(y + 34)} {_n(x)},{_n(y + 28)} {_n(x - 9)},{_n(y + 34)}" fill="{INK}"/>'
        f'<polygon points="{_n(x)},{_n(y)} {_n(x)},{_n(y + 28)} {_n(x - 9)},{_n(y + 34)}" fill="#ffffff" stroke="{INK}" stroke-width="1"/>'
        f'<path d="M{_n(x - half)},{_n(n_bottom)}V{_n(n_top)}L{_n(x + half)},{_n(n_bottom)}V{_n(n_top)}" fill="none" stroke="{INK}" stroke-width="1.8" stroke-linejoin="miter"/></g>'
    )
    return x - 12, y - 2, x + 12, y + 52


def _scale_bar(svg: _Svg, labels: list[Label], frame: _Frame) -> tuple[float, float, float, float]:
    """A bar of a round length (about a fifth of the map) in two halves, its length beside it."""
    metres = _nice_length(frame.width / frame.scale * 0.22)
    length = metres * frame.scale
    x, y = frame.left + 14, frame.top + frame.height - 16
    text = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    box = (x - 7, y - 9, x + length + 6 + text_width(text, SMALL_SIZE) + 7, y + 8)
    half = length / 2
    svg.add(
        f'<g id="scale-bar"><path d="{_rect(box)}" fill="#ffffff" fill-opacity="0.85"/>'
        f'<path d="{_rect((x, y - 2.5, x + half, y + 2.5))}" fill="{INK}"/>'
        f'<path d="{_rect((x, y - 2.5, x + length, y + 2.5))}" fill="none" stroke="{INK}" stroke-width="0.8"/></g>'
    )
    labels.append(_label("scale-length", text, "scale", SMALL_SIZE, x=x + length + 6, y=y + 3.3))
    svg.text(labels[-1])
    return box


def _area_labels(placer: Placer, id_: str, text: str, drawn: Any) -> list[Label]:
    """An area's name on one line, or on two when one would be much wider than the area."""
    import shapely

    largest = max(shapely.get_parts(drawn), key=lambda part: part.area)
    radius = shapely.length(shapely.maximum_inscribed_circle(largest, tolerance=0.5))
    one = [_label(id_, text, "area", AREA_SIZE, 700)]
    lines = split_in_two(text) if one[0].width > 2 * radius else [text]
    labels = one if len(lines) == 1 else [_label(f"{id_}-{k}", line, "area", AREA_SIZE, 700) for k, line in enumerate(lines, start=1)]
    return placer.area(labels, largest)


class _Legend:
    """The legend in columns under the map, filled column by column."""

    SWATCH, GAP, ROW = 24.0, 7.0, 18.0

    def __init__(self, entries: Sequence[_Entry], top: float) -> None:
        self.entries, self.top = entries, top
        widths = [self.SWATCH + self.GAP + text_width(entry.text, LEGEND_SIZE) for entry in entries]
        self.column = max(widths, default=0.0) + 18
        columns = max(1, min(len(entries), int((WIDTH - 2 * MARGIN) // self.column)))
        self.rows = math.ceil(len(entries) / columns)
        self.bottom = top + self.rows * self.ROW

    def draw(self, svg: _Svg, labels: list[Label], settings: MapSettings) -> None:
        if self.entries:
            svg.add('<g id="legend">')
            for k, entry in enumerate(self.entries):
                self._entry(svg, labels, settings, k, entry)
            svg.add("</g>")

    def _entry(self, svg: _Svg, labels: list[Label], settings: MapSettings, k: int, entry: _Entry) -> None:
        swatch, gap = self.SWATCH, self.GAP
        x = MARGIN + (k // self.rows) * self.column
        y = self.top + (k % self.rows) * self.ROW
        kind, key = entry.swatch.split(":")
        if kind == "front":
            svg.add(f'<path class="legend-swatch" d="M{_n(x + 1)},{_n(y + 6.5)}H{_n(x + swatch - 1)}" stroke="{INK}" stroke-width="2.6" stroke-linecap="round"/>')
            labels.append(_label(f"legend-{k + 1}", entry.text, "legend", LEGEND_SIZE, x=x + swatch + gap, y=y + 10.5))
            svg.text(labels[-1])
            return
        colour = settings.control[key].colour
        if kind == "advance":
            tip, ink = x + swatch, _arrow_colour(colour)
            svg.add(f'<g class="legend-swatch"><path d="M{_n(x)},{_n(y + 6.5)}H{_n(tip - 7)}" stroke="{ink}" stroke-width="3.2" stroke-linecap="round"/><polygon points="{_n(tip)},{_n(y + 6.5)} {_n(tip - 9)},{_n(y + 1.5)} {_n(tip - 9)},{_n(y + 11.5)}" fill="{ink}"/></g>')
        else:
            style = settings.control[key]
            fill = f"url(#hatch-{key})" if kind == "change" else f"url(#fill-{key})" if style.pattern else colour
            svg.add(f'<rect class="legend-swatch"{_attrs(x=x, y=y, width=swatch, height=13.0, fill=fill, stroke=_edge(colour))} stroke-width="0.8"/>')
        labels.append(_label(f"legend-{k + 1}", entry.text, "legend", LEGEND_SIZE, x=x + swatch + gap, y=y + 10.5))
        svg.text(labels[-1])


# --------------------------------------------------------------------------- labels over the drawing


def overlay_html(drawn: DrawnMap, *, src: str, alt: str, width_pt: float | None = None) -> str:
    """The map as HTML: ``svg_shapes`` (at ``src``) with every label laid out over it as text.

    With ``width_pt`` (print) the map is that wide and every position is in points; without it
    (screen) positions are percentages and sizes container units (``cqw``), so the map scales
    with its column. The labels are ``aria-hidden``: the image's ``alt`` says what the map shows.
    Each label is one absolutely placed box, except the legend, whose lines share one box per
    column. In print the ``<img>`` also carries the labels (``print_labels``): the PDF draws
    them itself (``sitrepgen.maplabels``, about a third of what WeasyPrint pays for a box) and
    leaves the boxes, marked ``data-html-labels``, out.
    """
    labels = ""
    if width_pt is not None:
        box = f"width:{width_pt:.2f}pt;height:{drawn.height * width_pt / drawn.width:.2f}pt"
        labels = f' {LABELS_ATTRIBUTE}="{escape(print_labels(drawn), quote=True)}"'
    else:
        box = "width:100%;container-type:inline-size"
    out = [
        f'<div class="map" style="position:relative;{box}">',
        f'<img src="{escape(src, quote=True)}" alt="{escape(alt, quote=True)}"{labels} style="display:block;width:100%;height:auto">',
        f'<div class="map-labels" aria-hidden="true"{" " + HTML_LABELS_ATTRIBUTE if labels else ""}>',
    ]
    out += [_lines_html(group, drawn, width_pt) for group in _html_groups(drawn.labels)]
    out += ["</div>", "</div>"]
    return "\n".join(out)


def print_labels(drawn: DrawnMap) -> str:
    """The labels as JSON: the drawing's width and, for each label, its text, anchor point
    (baseline), anchor (start, middle, end), size, weight, italic and colour, in the drawing's
    units. Sorted keys, no spaces: the same drawing gives the same bytes."""
    rows = [[label.text, round(label.x, 2), round(label.y, 2), label.anchor, round(label.size, 2), label.weight, label.italic, label.colour] for label in drawn.labels]
    return json.dumps({"width": drawn.width, "labels": rows}, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _html_groups(labels: Sequence[Label]) -> list[list[Label]]:
    """Labels in boxes: the legend's lines that stand one under the other share a box."""
    groups: list[list[Label]] = []
    for label in labels:
        last = groups[-1] if groups else None
        if last is not None and label.kind == "legend" and last[-1].kind == "legend" and label.x == last[-1].x and label.y > last[-1].y:
            step = label.y - last[-1].y
            if len(last) == 1 or abs(step - (last[1].y - last[0].y)) < 0.01:
                last.append(label)
                continue
        groups.append([label])
    return groups


def _lines_html(lines: Sequence[Label], drawn: DrawnMap, width_pt: float | None) -> str:
    # A box whose line height is the distance between the lines (one em for a single line):
    # each baseline falls half the leading, (line height - ascent - descent) / 2, plus the ascent
    # below the top of its line. A centred or end-anchored label gets a wide box around its
    # anchor and is aligned in it, so the browser's own text width moves nothing.
    first = lines[0]
    size = first.size
    step = lines[1].y - first.y if len(lines) > 1 else size
    baseline = (step - (ASCENT + DESCENT) * size) / 2 + ASCENT * size
    reach = max(line.width for line in lines) * 2 + size * 4
    left = first.x - (reach / 2 if first.anchor == "middle" else reach if first.anchor == "end" else 0.0)
    top = first.y - baseline
    unit = width_pt / drawn.width if width_pt is not None else None

    def length(value: float, along: float) -> str:
        return f"{value * unit:.2f}pt" if unit is not None else f"{100 * value / along:.3f}%"

    def font(value: float) -> str:
        return f"{value * unit:.2f}pt" if unit is not None else f"{100 * value / drawn.width:.3f}cqw"

    align = {"start": "left", "middle": "center", "end": "right"}[first.anchor]
    style = (
        f"position:absolute;left:{length(left, drawn.width)};top:{length(top, drawn.height)};width:{length(reach, drawn.width)};"
        f"font-size:{font(size)};line-height:{font(step)};font-weight:{first.weight};color:{first.colour};text-align:{align};white-space:nowrap"
        + (";font-style:italic" if first.italic else "")
    )
    text = "<br>".join(escape(line.text, quote=False) for line in lines)
    # No id: two maps on one page would repeat it, and WeasyPrint makes every id a PDF anchor.
    return f'<span class="map-label map-label-{first.kind}" style="{style}">{text}</span>'
