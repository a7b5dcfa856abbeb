"""Reading a map's GeoJSON: limits first, then JSON with positions, then RFC 7946 and the project.

Every problem is reported at its place in the GeoJSON file (1-based line and column), as an editor
shows it, and all of them at once where one does not hide the others.

Positions. Python's ``json`` gives a position for a syntax error only. A feature's position is
found by walking the top of the document ourselves (the FeatureCollection, its ``features`` array,
each feature and its ``geometry`` and ``properties``) and handing every value below that to the C
decoder (``JSONDecoder.raw_decode``) at its offset: the walk costs a few Python steps per feature,
the coordinates are decoded at C speed, and the whole read stays linear in the file's size. The
exact place of one bad coordinate is found only when there is one, by skipping to it.

Limits. The size is checked before anything is read. The vertices are counted before each
geometry's coordinates are decoded: a coordinates array holds only numbers, brackets, commas and
spaces, so one regular-expression scan finds its end and two C-speed counts its positions (every
'[' but those that open an array of arrays). A file over the limit is refused at the feature that
crosses it, before the arrays of the rest are built.

shapely is imported only once the structure is sound and there are areas to check.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..diagnostics import Severity
from .settings import MapSettings

#: Largest map file read, in bytes (checked before reading). A detailed city map is well under
#: 1 MB; a country at street-level detail a few MB.
MAX_BYTES = 8 * 1024 * 1024
#: Most vertices (positions) a map may have, counted before any geometry is built. A drawing is
#: about 800 units wide, so more detail than this cannot be seen.
MAX_VERTICES = 200_000

#: The coordinate reference systems that mean RFC 7946's longitude/latitude (WGS 84), as older
#: GeoJSON (QGIS, ogr2ogr) still names them in a ``crs`` member.
_LONLAT_CRS = frozenset({"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "EPSG:4326", "urn:ogc:def:crs:EPSG::4326"})

_AREA_PROPERTIES = ("control", "label")
_POINT_PROPERTIES = ("name",)
_LINE_PROPERTIES = ("kind", "control", "label")
_SUPPORTED = ("Polygon", "MultiPolygon", "Point", "LineString")
_OTHER_GEOMETRIES = ("MultiPoint", "MultiLineString", "GeometryCollection")
_NUMBER = (int, float)
_WS = re.compile(r"[ \t\n\r]*")


@dataclass(frozen=True)
class MapProblem:
    """A problem at a place in the GeoJSON file; ``line`` and ``col`` are 1-based."""

    code: str
    line: int
    col: int
    message: str
    severity: Severity = Severity.ERROR


@dataclass(frozen=True)
class Area:
    """Territory held by one actor: a shapely Polygon or MultiPolygon in longitude/latitude."""

    control: str
    label: str | None
    geometry: Any
    line: int
    col: int


@dataclass(frozen=True)
class Place:
    """A named place, drawn as a dot and its name."""

    name: str
    lon: float
    lat: float
    line: int
    col: int


@dataclass(frozen=True)
class Advance:
    """An advance by one actor, drawn as an arrow along the line to its last point."""

    control: str
    label: str | None
    coordinates: tuple[tuple[float, float], ...]
    line: int
    col: int


@dataclass(frozen=True)
class MapData:
    """One map's contents, validated, in longitude/latitude, in the order of the file."""

    areas: tuple[Area, ...]
    places: tuple[Place, ...]
    advances: tuple[Advance, ...]
    vertices: int

    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) of everything on the map."""
        xs: list[float] = []
        ys: list[float] = []
        for area in self.areas:
            west, south, east, north = area.geometry.bounds
            xs += [west, east]
            ys += [south, north]
        for place in self.places:
            xs.append(place.lon)
            ys.append(place.lat)
        for advance in self.advances:
            xs += [x for x, _ in advance.coordinates]
            ys += [y for _, y in advance.coordinates]
        return min(xs), min(ys), max(xs), max(ys)


# --------------------------------------------------------------------------- JSON with positions


class _SyntaxProblem(Exception):
    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message, self.pos = message, pos


class _DuplicateKey(Exception):
    pass


class _NotJson(Exception):
    pass


class _TooManyVertices(Exception):
    def __init__(self, count: int, feature: int) -> None:
        super().__init__(count)
        self.count, self.feature = count, feature


#: What a coordinates array may hold, and an opening bracket followed by another (an array of
#: arrays rather than a position).
_COORDINATES = re.compile(r"[\[\]\s0-9.,eE+\-]*")
_NESTING = re.compile(r"\[(?=\s*\[)")


@dataclass
class _Node:
    """A decoded value and the offset where it starts; for a walked object, its members
    (name -> (offset of the name, node)); for a walked array, its items."""

    value: Any
    start: int
    members: dict[str, tuple[int, _Node]] | None = None
    items: list[_Node] | None = None


#: What the walk tracks: a dict is an object whose listed members are walked by their own spec
#: (the others decoded whole, with their offsets kept); a one-item list is an array whose items
#: follow that spec; None is a value decoded whole.
#: ``_COUNTED`` is a value decoded whole whose positions are counted first (coordinates).
_COUNTED = "counted"
_FEATURE_SPEC: dict[str, Any] = {"geometry": {"coordinates": _COUNTED}, "properties": {}}
_ROOT_SPEC: dict[str, Any] = {"features": [_FEATURE_SPEC]}


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def _constant(name: str) -> float:
    raise _NotJson(name)


class _Walker:
    def __init__(self, text: str, max_vertices: int) -> None:
        self.text = text
        self.decoder = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_constant)
        self.duplicates: list[tuple[str, int]] = []
        self.max_vertices = max_vertices
        self.vertices = 0
        self.feature = 0  #: where the feature being read starts

    def skip(self, i: int) -> int:
        match = _WS.match(self.text, i)
        assert match is not None  # the pattern matches the empty string
        return match.end()

    def document(self) -> _Node:
        i = self.skip(0)
        node, i = self.value(i, _ROOT_SPEC)
        i = self.skip(i)
        if i != len(self.text):
            raise _SyntaxProblem("Extra data", i)
        return node

    def value(self, i: int, spec: Any) -> tuple[_Node, int]:
        char = self.text[i : i + 1]
        if spec is _FEATURE_SPEC:
            self.feature = i
        if spec is _COUNTED and char == "[":
            self.count(i)
        if isinstance(spec, dict) and char == "{":
            return self.walk_object(i, spec)
        if isinstance(spec, list) and char == "[":
            return self.walk_array(i, spec[0])
        try:
            value, end = self.decoder.raw_decode(self.text, i)
        except json.JSONDecodeError as exc:
            raise _SyntaxProblem(exc.msg, exc.pos) from None
        except _DuplicateKey as exc:
            raise _SyntaxProblem(f"the key '{exc.args[0]}' appears twice in one object", i) from None
        except _NotJson as exc:
            raise _SyntaxProblem(f"{exc.args[0]} is not a JSON number", i) from None
        except RecursionError:
            raise _SyntaxProblem("the value nests too deeply", i) from None
        return _Node(value, i), end

    def count(self, start: int) -> None:
        """Count the positions of the coordinates array at ``start`` before it is decoded."""
        match = _COORDINATES.match(self.text, start)
        assert match is not None  # the pattern matches the empty string
        end = match.end()
        self.vertices += self.text.count("[", start, end) - len(_NESTING.findall(self.text, start, end))
        if self.vertices > self.max_vertices:
            raise _TooManyVertices(self.vertices, self.feature)

    def walk_object(self, start: int, spec: dict[str, Any]) -> tuple[_Node, int]:
        text = self.text
        value: dict[str, Any] = {}
        members: dict[str, tuple[int, _Node]] = {}
        i = self.skip(start + 1)
        if text[i : i + 1] == "}":
            return _Node(value, start, members=members), i + 1
        while True:
            if text[i : i + 1] != '"':
                raise _SyntaxProblem("Expecting property name enclosed in double quotes", i)
            key_start = i
            try:
                key, i = json.decoder.scanstring(text, i + 1, True)
            except json.JSONDecodeError as exc:
                raise _SyntaxProblem(exc.msg, exc.pos) from None
            i = self.skip(i)
            if text[i : i + 1] != ":":
                raise _SyntaxProblem("Expecting ':' delimiter", i)
            node, i = self.value(self.skip(i + 1), spec.get(key))
            if key in members:
                self.duplicates.append((key, key_start))
            value[key] = node.value
            members[key] = (key_start, node)
            i = self.skip(i)
            char = text[i : i + 1]
            if char == "}":
                return _Node(value, start, members=members), i + 1
            if char != ",":
                raise _SyntaxProblem("Expecting ',' delimiter", i)
            i = self.skip(i + 1)

    def walk_array(self, start: int, spec: Any) -> tuple[_Node, int]:
        text = self.text
        items: list[_Node] = []
        i = self.skip(start + 1)
        if text[i : i + 1] == "]":
            return _Node([], start, items=items), i + 1
        while True:
            node, i = self.value(i, spec)
            items.append(node)
            i = self.skip(i)
            char = text[i : i + 1]
            if char == "]":
                return _Node([item.value for item in items], start, items=items), i + 1
            if char != ",":
                raise _SyntaxProblem("Expecting ',' delimiter", i)
            i = self.skip(i + 1)

    def locate(self, start: int, path: tuple[int, ...]) -> int:
        """Offset of the item at ``path`` (array indexes) inside the array starting at ``start``:
        the items before it are skipped by the C decoder. Used only to place an error."""
        i = start
        for index in path:
            i = self.skip(i + 1)  # past "["
            for _ in range(index):
                _, i = self.decoder.raw_decode(self.text, i)
                i = self.skip(self.skip(i) + 1)  # past ","
        return i


class _Lines:
    """Offsets to 1-based (line, column), by bisecting the line starts (found once)."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def at(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


# --------------------------------------------------------------------------- reading


def load_geojson(
    path: Path, settings: MapSettings, *, max_bytes: int = MAX_BYTES, max_vertices: int = MAX_VERTICES
) -> tuple[MapData | None, list[MapProblem]]:
    """Read and check the map at ``path``: the data (None when there is any error) and every
    problem found, sorted by position. Raises OSError when the file cannot be read."""
    size = path.stat().st_size
    if size > max_bytes:
        return None, [_too_large(size, max_bytes)]
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew since stat()
        return None, [_too_large(len(data), max_bytes)]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = len(data[data.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode("utf-8", "replace")) + 1
        message = f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8, as GeoJSON requires"
        return None, [MapProblem("map-encoding", line, col, message)]
    return parse_geojson(text.removeprefix("\ufeff"), settings, max_vertices=max_vertices)


def _too_large(size: int, limit: int) -> MapProblem:
    message = f"the map file is {size:,} bytes, more than the limit of {limit:,}; simplify its shapes (for instance with mapshaper or QGIS 'Simplify')"
    return MapProblem("map-too-large", 1, 1, message)


def parse_geojson(text: str, settings: MapSettings, *, max_vertices: int = MAX_VERTICES) -> tuple[MapData | None, list[MapProblem]]:
    """``load_geojson`` for text already read (positions are inside ``text``)."""
    lines = _Lines(text)
    walker = _Walker(text, max_vertices)
    try:
        root = walker.document()
    except _SyntaxProblem as exc:
        line, col = lines.at(exc.pos)
        return None, [MapProblem("map-syntax", line, col, f"not valid JSON: {exc.message}")]
    except _TooManyVertices as exc:
        line, col = lines.at(exc.feature)
        message = f"the map has more than {max_vertices:,} vertices (this feature brings the count to {exc.count:,}); simplify its shapes (for instance with mapshaper or QGIS 'Simplify')"
        return None, [MapProblem("map-too-many-vertices", line, col, message)]
    checker = _Checker(walker, lines, settings)
    for key, offset in walker.duplicates:
        checker.add(offset, "map-structure", f"the key '{key}' appears twice in one object")
    data = checker.run(root)
    problems = sorted(checker.problems, key=lambda p: (p.line, p.col, p.code, p.message))
    if any(p.severity is Severity.ERROR for p in problems):
        return None, problems
    return data, problems


# --------------------------------------------------------------------------- checking


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)[:40]
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return f"the number {value}"


@dataclass
class _Feature:
    node: _Node
    kind: str
    coordinates: _Node
    properties: dict[str, tuple[int, _Node]]


@dataclass
class _Checker:
    walker: _Walker
    lines: _Lines
    settings: MapSettings
    problems: list[MapProblem] = field(default_factory=list)

    def add(self, offset: int, code: str, message: str, severity: Severity = Severity.ERROR) -> None:
        line, col = self.lines.at(offset)
        self.problems.append(MapProblem(code, line, col, message, severity))

    def run(self, root: _Node) -> MapData | None:
        features = self.collection(root)
        if features is None:
            return None
        found = [f for f in (self.feature(node) for node in features) if f is not None]
        checked = [f for f in found if self.positions(f)]
        if any(p.severity is Severity.ERROR for p in self.problems):
            return None
        places, advances = [], []
        for feature in checked:
            line, col = self.lines.at(feature.node.start)
            props = {name: node.value for name, (_, node) in feature.properties.items()}
            if feature.kind == "Point":
                lon, lat = feature.coordinates.value[:2]
                places.append(Place(props["name"], float(lon), float(lat), line, col))
            elif feature.kind == "LineString":
                coords = tuple((float(p[0]), float(p[1])) for p in feature.coordinates.value)
                advances.append(Advance(props["control"], props.get("label"), coords, line, col))
        polygons = [f for f in checked if f.kind in ("Polygon", "MultiPolygon")]
        areas = self.geometries(polygons) if polygons else []  # shapely only for a map with areas
        vertices = sum(_count(feature.kind, feature.coordinates.value) for feature in checked)
        return MapData(tuple(areas), tuple(places), tuple(advances), vertices)

    # ---- the collection and its features

    def collection(self, root: _Node) -> list[_Node] | None:
        before = len(self.problems)
        if root.members is None:
            self.add(root.start, "map-structure", f"a map file must be a GeoJSON FeatureCollection (an object with \"type\": \"FeatureCollection\"), not {_describe(root.value)}")
            return None
        kind = self.member(root, "type", '"FeatureCollection"')
        if kind is not None and kind.value != "FeatureCollection":
            self.add(kind.start, "map-structure", f"\"type\" is {_describe(kind.value)}; a map file must be a FeatureCollection (put the features in its \"features\" array)")
        if "crs" in root.members:
            self.crs(root.members["crs"][1])
        features = self.member(root, "features", "[...]")
        if features is None:
            return None
        if features.items is None:
            self.add(features.start, "map-structure", f"\"features\" must be an array of features, not {_describe(features.value)}")
            return None
        if not features.items:
            self.add(features.start, "map-structure", "\"features\" is empty; a map needs at least one feature")
            return None
        return None if len(self.problems) > before else features.items

    def member(self, node: _Node, name: str, example: str) -> _Node | None:
        assert node.members is not None
        if name not in node.members:
            self.add(node.start, "map-structure", f'missing member "{name}" (as in "{name}": {example})')
            return None
        return node.members[name][1]

    def crs(self, node: _Node) -> None:
        value = node.value
        name = value.get("properties", {}).get("name") if isinstance(value, dict) and isinstance(value.get("properties"), dict) else None
        if name not in _LONLAT_CRS:
            shown = name if isinstance(name, str) else _describe(value)
            self.add(node.start, "map-coordinates", f"the file declares the coordinate system {shown}; a map must be in longitude/latitude (WGS 84, RFC 7946): export it again as EPSG:4326")

    def feature(self, node: _Node) -> _Feature | None:
        if node.members is None:
            self.add(node.start, "map-structure", f"a feature must be an object with \"type\": \"Feature\", not {_describe(node.value)}")
            return None
        kind = self.member(node, "type", '"Feature"')
        if kind is not None and kind.value != "Feature":
            self.add(kind.start, "map-structure", f"a feature's \"type\" must be \"Feature\", not {_describe(kind.value)}")
        geometry = self.member(node, "geometry", "{...}")
        if kind is None or kind.value != "Feature" or geometry is None:
            return None
        if geometry.members is None:
            what = "null: a feature on a map needs a shape" if geometry.value is None else _describe(geometry.value)
            self.add(geometry.start, "map-structure", f"\"geometry\" must be an object with \"type\" and \"coordinates\", not {what}")
            return None
        gtype = self.member(geometry, "type", '"Polygon"')
        coordinates = self.member(geometry, "coordinates", "[...]")
        if gtype is None or coordinates is None:
            return None
        if gtype.value not in _SUPPORTED:
            hint = " (draw each part as its own feature)" if gtype.value in _OTHER_GEOMETRIES else ""
            self.add(gtype.start, "map-structure", f"geometry type {_describe(gtype.value)} is not drawn on maps{hint}; use Polygon or MultiPolygon for areas, Point for places, LineString for advances")
            return None
        if not _nested(coordinates.value, _LEVELS[gtype.value]):
            self.add(coordinates.start, "map-structure", f"\"coordinates\" of a {gtype.value} must be {_SHAPE[gtype.value]}")
            return None
        properties = self.properties(node, gtype.value)
        if properties is None:
            return None
        return _Feature(node, gtype.value, coordinates, properties)

    def properties(self, feature: _Node, kind: str) -> dict[str, tuple[int, _Node]] | None:
        assert feature.members is not None
        node = feature.members["properties"][1] if "properties" in feature.members else None
        if node is not None and node.value is not None and node.members is None:
            self.add(node.start, "map-structure", f"\"properties\" must be an object, not {_describe(node.value)}")
            return None
        members = node.members if node is not None and node.members is not None else {}
        allowed = _POINT_PROPERTIES if kind == "Point" else _LINE_PROPERTIES if kind == "LineString" else _AREA_PROPERTIES
        what = "a place (Point)" if kind == "Point" else "an advance (LineString)" if kind == "LineString" else "an area"
        ok = True
        for name, (key_start, value) in members.items():
            if name not in allowed:
                self.add(key_start, "map-structure", f"unknown property '{name}' of {what}; its properties are: {', '.join(allowed)}")
                ok = False
            elif not isinstance(value.value, str) or not value.value.strip():
                self.add(value.start, "map-structure", f"property '{name}' must be non-empty text, not {_describe(value.value)}")
                ok = False
        where = node.start if node is not None and node.members is not None else feature.start
        for name in allowed:
            if name not in ("label",) and name not in members:
                example = {"name": "Old City", "kind": "advance", "control": next(iter(self.settings.control))}[name]
                self.add(where, "map-structure", f"{what} needs the property '{name}' (\"{name}\": \"{example}\")")
                ok = False
        if not ok:
            return None
        if "kind" in members and members["kind"][1].value != "advance":
            kind_node = members["kind"][1]
            self.add(kind_node.start, "map-structure", f"unknown kind {_describe(kind_node.value)}; a LineString is drawn as an arrow with \"kind\": \"advance\"")
            ok = False
        if "control" in members:
            control = members["control"][1]
            if control.value not in self.settings.control:
                known = ", ".join(self.settings.control)
                self.add(control.start, "map-control", f"unknown control '{control.value}'; the actors of map.control in sitrepgen.yaml are: {known}")
                ok = False
        return members if ok else None

    # ---- coordinates

    def positions(self, feature: _Feature) -> bool:
        """Every position is two or three numbers in range; rings are closed; lines have two."""
        coords = feature.coordinates
        for path, position in _positions(feature.kind, coords.value):
            problem = _position_problem(position)
            if problem is not None:
                code, message = problem
                self.add(self.walker.locate(coords.start, path), code, message)
                return False
        if feature.kind == "LineString" and len(coords.value) < 2:
            self.add(coords.start, "map-structure", "an advance (LineString) needs at least two positions")
            return False
        if feature.kind in ("Polygon", "MultiPolygon"):
            polygons = [coords.value] if feature.kind == "Polygon" else coords.value
            if any(not polygon for polygon in polygons):
                self.add(coords.start, "map-structure", "a polygon needs at least one ring (its outline)")
                return False
            for path, ring in _rings(feature.kind, coords.value):
                if len(ring) < 4 or ring[0][:2] != ring[-1][:2]:
                    shown = f"has {len(ring)} position{'s' if len(ring) != 1 else ''}" if len(ring) < 4 else "does not end where it starts"
                    self.add(self.walker.locate(coords.start, path), "map-structure", f"a polygon ring {shown}; a ring needs at least four positions, the last the same as the first")
                    return False
        return True

    # ---- geometry (shapely)

    def geometries(self, features: list[_Feature]) -> list[Area]:
        """Each area as a shapely shape, checked for validity (then for overlaps)."""
        import shapely

        built: list[Area] = []
        for feature in features:
            polygons = [feature.coordinates.value] if feature.kind == "Polygon" else feature.coordinates.value
            parts = [shapely.Polygon(_xy(rings[0]), [_xy(r) for r in rings[1:]]) for rings in polygons]
            geometry = parts[0] if feature.kind == "Polygon" else shapely.MultiPolygon(parts)
            reason = shapely.is_valid_reason(geometry)
            if reason != "Valid Geometry":
                self.add(feature.node.start, "map-geometry", f"{'the polygon' if feature.kind == 'Polygon' else 'the multipolygon'} is not valid: {_reason(reason)}; fix it in a GIS (QGIS: 'Fix geometries') and export it again")
                continue
            props = {name: node.value for name, (_, node) in feature.properties.items()}
            line, col = self.lines.at(feature.node.start)
            built.append(Area(props["control"], props.get("label"), geometry, line, col))
        if len(built) == len(features):
            self.overlaps(built, features)
        return built

    def overlaps(self, areas: list[Area], features: list[_Feature]) -> None:
        """Warn where two actors hold the same ground: the change layer would show it twice."""
        import shapely

        tree = shapely.STRtree([a.geometry for a in areas])
        for i, j in sorted(zip(*tree.query([a.geometry for a in areas], predicate="intersects").tolist(), strict=True)):
            first, second = areas[j], areas[i]
            if j >= i or first.control == second.control:
                continue
            shared = shapely.area(shapely.intersection(first.geometry, second.geometry))
            if shared > 1e-4 * min(first.geometry.area, second.geometry.area):
                share = shared / second.geometry.area
                self.add(features[i].node.start, "map-overlap", f"this area of '{second.control}' overlaps an area of '{first.control}' (line {first.line}) over {share:.1%} of it; an area has one controller on a map", Severity.WARNING)


#: Array levels down to the array that holds the positions (a Point's coordinates are one position).
_LEVELS = {"Point": 1, "LineString": 1, "Polygon": 2, "MultiPolygon": 3}
_SHAPE = {
    "Point": "one position [longitude, latitude]",
    "LineString": "an array of positions [[longitude, latitude], ...]",
    "Polygon": "an array of rings, each an array of positions [[[longitude, latitude], ...]]",
    "MultiPolygon": "an array of polygons, each an array of rings [[[[longitude, latitude], ...]]]",
}


def _nested(value: Any, depth: int) -> bool:
    """``value`` is an array nested ``depth`` deep down to the array of positions (a step per
    ring); the positions themselves are checked one by one later."""
    if depth == 1:
        return isinstance(value, list)
    return isinstance(value, list) and all(_nested(item, depth - 1) for item in value)


def _count(kind: str, coords: Any) -> int:
    if kind == "Point":
        return 1
    if kind == "LineString":
        return len(coords)
    if kind == "Polygon":
        return sum(len(ring) for ring in coords)
    return sum(len(ring) for polygon in coords for ring in polygon)


def _rings(kind: str, coords: Any) -> list[tuple[tuple[int, ...], list[Any]]]:
    if kind == "Polygon":
        return [((r,), ring) for r, ring in enumerate(coords)]
    return [((p, r), ring) for p, polygon in enumerate(coords) for r, ring in enumerate(polygon)]


def _positions(kind: str, coords: Any) -> Any:
    if kind == "Point":
        yield (), coords
    elif kind == "LineString":
        for k, position in enumerate(coords):
            yield (k,), position
    else:
        for path, ring in _rings(kind, coords):
            for k, position in enumerate(ring):
                yield (*path, k), position


def _position_problem(position: list[Any]) -> tuple[str, str] | None:
    if type(position) is not list or not 2 <= len(position) <= 3 or any(type(v) not in _NUMBER for v in position):
        return "map-structure", f"a position must be [longitude, latitude] (two or three numbers), not {json.dumps(position, ensure_ascii=False)[:60]}"
    lon, lat = position[0], position[1]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or not all(math.isfinite(v) for v in position):
        return "map-coordinates", f"position [{lon}, {lat}] is out of range: longitude must be within -180..180 and latitude within -90..90 (GeoJSON is [longitude, latitude] in WGS 84; is the file projected, or the order swapped?)"
    return None


def _xy(ring: list[list[float]]) -> list[tuple[float, float]]:
    return [(p[0], p[1]) for p in ring]


_REASON = re.compile(r"^(?P<what>.*?)\s*\[(?P<x>[-0-9.eE+]+) (?P<y>[-0-9.eE+]+)\]$")


def _reason(reason: str) -> str:
    """shapely's 'Self-intersection[37.15 36.2]' as 'Self-intersection at longitude 37.15, latitude 36.2'."""
    match = _REASON.match(reason)
    if match is None:
        return reason
    x, y = float(match["x"]), float(match["y"])
    return f"{match['what']} at longitude {x:.6g}, latitude {y:.6g}"
