"""Maps from GeoJSON: what changed hands, labels as text, stable bytes, and every error at its place.

The two-week series under tests/data/maps/ is made to be checked by hand: on week 1 red holds the
square 36.00-36.05 E x 35.00-35.05 N and blue the square east of it; on week 2 red holds up to
36.07 E, so the strip 36.05-36.07 E changed hands, from blue to red.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html as html_module
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from pydantic import ValidationError
from ruamel.yaml import YAML

from sitrepgen import svg as svg_check
from sitrepgen.maps import CODES, DrawnMap, MapData, MapSettings, draw_map, load_geojson, overlay_html, parse_geojson
from sitrepgen.maps.labels import overlap
from sitrepgen.pdf import Source
from tests.helpers import REPO
from tests.test_build import pdftotext

DATA = REPO / "tests" / "data" / "maps"
FIGURES = REPO / "sitreps" / "figures"
NS = "{http://www.w3.org/2000/svg}"
SETTINGS = MapSettings.model_validate(
    {
        "control": {
            "red": {"label": "Red forces", "actor": "red forces", "colour": "#d04040"},
            "blue": {"label": "Blue forces", "colour": "#4060c0", "pattern": "dots"},
            "green": {"label": "Green forces", "colour": "#40a040"},
        }
    }
)
WEEK_1 = dt.date(2016, 12, 1)
#: The elements a drawn map may use: plain static SVG, which the figure allowlist accepts.
STATIC_SVG = {"svg", "defs", "pattern", "g", "path", "rect", "line", "polygon", "text", "clipPath", "marker"}


def load(path: Path, settings: MapSettings = SETTINGS) -> MapData:
    data, problems = load_geojson(path, settings)
    assert problems == []
    assert data is not None
    return data


@pytest.fixture(scope="module")
def drawn() -> DrawnMap:
    return draw_map(load(DATA / "week-2.geojson"), SETTINGS, previous=load(DATA / "week-1.geojson"), previous_date=WEEK_1, attribution="Test data, not a real place")


def texts(svg: bytes) -> list[str]:
    return [element.text or "" for element in ET.fromstring(svg).iter(f"{NS}text")]


def drawn_area(d: str) -> float:
    """Area of SVG path data made of M, L, H, V and Z (even-odd), in the drawing's units."""
    import shapely

    rings = [ring for ring in re.findall(r"M([^MZ]+)Z", d)]
    shape = shapely.Polygon()
    for ring in rings:
        points = [tuple(float(v) for v in pair.split(",")) for pair in ring.split("L")]
        shape = shapely.symmetric_difference(shape, shapely.Polygon(points))
    return float(shape.area)


def geodesic_km2(geometry: Any) -> float:
    from pyproj import Geod

    area, _ = Geod(ellps="WGS84").geometry_area_perimeter(geometry)
    return abs(area) / 1e6


# --------------------------------------------------------------------------- what changed


def test_change_group_covers_the_ground_that_changed_hands(drawn: DrawnMap) -> None:
    import shapely

    now, before = load(DATA / "week-2.geojson"), load(DATA / "week-1.geojson")
    red_now = shapely.union_all([a.geometry for a in now.areas if a.control == "red"])
    blue_before = shapely.union_all([a.geometry for a in before.areas if a.control == "blue"])
    expected = geodesic_km2(shapely.intersection(red_now, blue_before))  # the strip 36.05-36.07 E
    assert 10 < expected < 11

    (group,) = [g for g in ET.fromstring(drawn.svg).iter(f"{NS}g") if g.get("class") == "change"]
    (path,) = list(group)
    assert (path.get("id"), path.get("fill")) == ("change-red", "url(#hatch-red)")
    drawn_km2 = drawn_area(path.get("d") or "") * drawn.metres_per_unit**2 / 1e6
    assert drawn_km2 == pytest.approx(expected, rel=0.01)
    assert drawn.changed_km2 == pytest.approx(expected, rel=0.01)
    (change,) = drawn.comparison.changes
    assert (change.gained_by, change.lost_by) == ("red", "blue")
    assert drawn.comparison.lost_share("blue") == pytest.approx(0.4, rel=0.01)  # 2 of 5 hundredths of a degree
    assert drawn.area_km2["red"] == pytest.approx(geodesic_km2(red_now), rel=0.001)


def test_the_hatch_is_in_the_new_controllers_colour(drawn: DrawnMap) -> None:
    root = ET.fromstring(drawn.svg)
    (pattern,) = [p for p in root.iter(f"{NS}pattern") if p.get("id") == "hatch-red"]
    assert pattern.get("patternTransform") == "rotate(45)"
    assert [r.get("fill") for r in pattern] == ["#f3cfcf", "#b82d2d"]  # a tint of #d04040, then the stripe: its hue, darker


def test_front_lines_where_two_actors_meet(drawn: DrawnMap) -> None:
    (front,) = [p for p in ET.fromstring(drawn.svg).iter(f"{NS}path") if p.get("id") == "fronts"]
    # One line, along 36.07 E from 35.00 to 35.05 N: vertical in the drawing.
    (line,) = re.findall(r"M[^M]+", front.get("d") or "")
    xs = [float(pair.split(",")[0]) for pair in line[1:].split("L")]
    assert max(xs) - min(xs) < 0.7  # the meridian converges a little; ends within 0.3 of the corner
    ys = [float(pair.split(",")[1]) for pair in line[1:].split("L")]
    assert (max(ys) - min(ys)) * drawn.metres_per_unit == pytest.approx(5560, rel=0.01)  # 0.05 degree of latitude


def test_without_a_previous_map_nothing_is_hatched() -> None:
    alone = draw_map(load(DATA / "week-2.geojson"), SETTINGS)
    assert b'class="change"' not in alone.svg
    assert not any(text.startswith("Taken by") for text in texts(alone.svg))
    assert alone.changed_km2 == 0
    with pytest.raises(ValueError, match="go together"):
        draw_map(load(DATA / "week-2.geojson"), SETTINGS, previous=load(DATA / "week-1.geojson"))


def test_the_bundled_pocket_lost_more_than_70_percent() -> None:
    settings = MapSettings.model_validate(YAML(typ="safe").load((DATA / "aleppo-settings.yaml").read_text(encoding="utf-8")))
    dec8 = load(FIGURES / "2016-12-08-aleppo-control.geojson", settings)
    dec1 = load(FIGURES / "2016-12-01-aleppo-control.geojson", settings)
    drawn = draw_map(dec8, settings, previous=dec1, previous_date=WEEK_1)
    share = drawn.comparison.lost_share("opposition")
    assert share is not None and 0.70 < share < 0.80
    assert b'<g id="change" class="change"' in drawn.svg
    names = set(texts(drawn.svg))
    for place in ("Old City", "al-Qaterji", "Marjeh", "Bustan al-Qasr", "Salah ad-Din", "Sukkari", "Aleppo International Airport", "IDP shelters, Jibreen"):
        assert place in names
    assert "Taken by pro-government forces since December 1" in names


# --------------------------------------------------------------------------- drawing


def test_labels_and_legend_are_text(drawn: DrawnMap) -> None:
    assert texts(drawn.svg) == [
        "2 km",
        "Alpha",
        "Bravo",
        "Eastern push",
        "Red town",
        "Blue hills",
        "Red forces",
        "Blue forces",
        "Taken by red forces since December 1",
        "Advances by red forces",
        "Front line",
        "Test data, not a real place",
    ]
    assert [label.text for label in drawn.labels] == texts(drawn.svg)
    assert [label.id for label in drawn.labels] == [e.get("id") for e in ET.fromstring(drawn.svg).iter(f"{NS}text")]


def test_the_legend_lists_only_the_actors_on_the_map(drawn: DrawnMap) -> None:
    assert "Green forces" not in texts(drawn.svg)
    assert [label.text for label in drawn.labels if label.kind == "legend"][:2] == ["Red forces", "Blue forces"]


def test_labels_do_not_overlap_and_stay_in_the_frame() -> None:
    settings = MapSettings.model_validate(YAML(typ="safe").load((DATA / "aleppo-settings.yaml").read_text(encoding="utf-8")))
    drawn = draw_map(load(FIGURES / "2016-12-08-aleppo-control.geojson", settings), settings)
    frame = ET.fromstring(drawn.svg).find(f".//{NS}rect[@id='frame']")
    assert frame is not None
    left, top = float(frame.get("x") or 0), float(frame.get("y") or 0)
    right, bottom = left + float(frame.get("width") or 0), top + float(frame.get("height") or 0)
    names = [label for label in drawn.labels if label.kind in ("place", "area", "advance")]
    assert len(names) == 12  # 8 places, 3 area names, one of them on two lines
    for k, label in enumerate(names):
        box = label.box()
        assert left <= box[0] and box[2] <= right and top <= box[1] and box[3] <= bottom, label
        for other in names[k + 1 :]:
            assert overlap(box, other.box()) == 0, (label.text, other.text)


def test_a_map_of_one_place_shows_the_kilometre_around_it() -> None:
    data, _ = parse_geojson(fc(feature('{"name": "A"}', '{"type": "Point", "coordinates": [36.0, 35.0]}')), SETTINGS)
    assert data is not None
    drawn = draw_map(data, SETTINGS)
    assert texts(drawn.svg) == ["200 m", "A"]
    assert drawn.width * drawn.metres_per_unit == pytest.approx(1000 * 1.1 * 800 / 776, rel=0.01)


def test_an_area_with_a_hole_and_two_parts() -> None:
    import shapely

    donut = '{"type": "MultiPolygon", "coordinates": [[[[36.0, 35.0], [36.1, 35.0], [36.1, 35.1], [36.0, 35.1], [36.0, 35.0]], [[36.02, 35.02], [36.08, 35.02], [36.08, 35.08], [36.02, 35.08], [36.02, 35.02]]], [[[36.2, 35.0], [36.21, 35.0], [36.21, 35.01], [36.2, 35.0]]]]}'
    data, _ = parse_geojson(fc(feature('{"control": "red", "label": "Donut"}', donut)), SETTINGS)
    assert data is not None
    drawn = draw_map(data, SETTINGS)
    area = ET.fromstring(drawn.svg).find(f".//{NS}path[@id='area-1']")
    assert area is not None and area.get("fill-rule") == "evenodd" and (area.get("d") or "").count("M") == 3
    (label,) = [label for label in drawn.labels if label.kind == "area"]
    ring = shapely.Polygon([(36.0, 35.0), (36.1, 35.0), (36.1, 35.1), (36.0, 35.1)]).difference(shapely.box(36.02, 35.02, 36.08, 35.08))
    assert label.text == "Donut" and drawn.area_km2["red"] == pytest.approx(geodesic_km2(ring) + geodesic_km2(shapely.Polygon([(36.2, 35.0), (36.21, 35.0), (36.21, 35.01)])), rel=0.001)
    assert drawn_area(area.get("d") or "") > 0


def test_the_same_data_draw_the_same_bytes_in_another_process(drawn: DrawnMap) -> None:
    again = draw_map(load(DATA / "week-2.geojson"), SETTINGS, previous=load(DATA / "week-1.geojson"), previous_date=WEEK_1, attribution="Test data, not a real place")
    assert (again.svg, again.svg_shapes) == (drawn.svg, drawn.svg_shapes)
    script = (
        "import datetime, hashlib, sys\n"
        "from tests.test_maps import DATA, SETTINGS, WEEK_1, load\n"
        "from sitrepgen.maps import draw_map\n"
        "d = draw_map(load(DATA / 'week-2.geojson'), SETTINGS, previous=load(DATA / 'week-1.geojson'), previous_date=WEEK_1, attribution='Test data, not a real place')\n"
        "print(hashlib.sha256(d.svg).hexdigest(), hashlib.sha256(d.svg_shapes).hexdigest())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, check=True, capture_output=True, text=True).stdout.split()
    assert out == [hashlib.sha256(drawn.svg).hexdigest(), hashlib.sha256(drawn.svg_shapes).hexdigest()]


def test_coordinates_are_rounded(drawn: DrawnMap) -> None:
    root = ET.fromstring(drawn.svg)
    values = [e.get(name) or "" for e in root.iter() for name in ("d", "points", "x", "y", "width", "height", "textLength") if e.get(name)]
    numbers = [n for value in values for n in re.findall(r"-?\d+(?:\.\d+)?", value)]
    assert len(numbers) > 100
    assert all(len(n.partition(".")[2]) <= 1 and n != "-0" for n in numbers)


def test_the_svg_is_plain_static_svg_referring_only_to_itself(drawn: DrawnMap, tmp_path: Path) -> None:
    text = drawn.svg.decode("utf-8")
    root = ET.fromstring(drawn.svg)
    assert {element.tag.removeprefix(NS) for element in root.iter()} <= STATIC_SVG
    ids = {element.get("id") for element in root.iter()}
    references = re.findall(r"url\(([^)]*)\)", text)
    assert references and all(ref.startswith("#") and ref[1:] in ids for ref in references)
    assert "href" not in text and "<style" not in text and " style=" not in text
    assert "http" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    path = tmp_path / "map.svg"
    path.write_bytes(drawn.svg)
    rebuilt = svg_check.rebuild(path.read_bytes())  # the project's own figure rebuilder keeps it whole
    assert rebuilt.problems == ()


def test_ids_are_unique_and_stable(drawn: DrawnMap) -> None:
    ids = [element.get("id") for element in ET.fromstring(drawn.svg).iter() if element.get("id")]
    assert len(ids) == len(set(ids))
    assert ids[:7] == ["fill-blue", "hatch-red", "background", "land", "areas", "area-1", "area-2"]


def test_the_shapes_drawing_is_the_drawing_without_its_text(drawn: DrawnMap) -> None:
    assert b"<text" not in drawn.svg_shapes
    without_text = [line for line in drawn.svg.splitlines() if not line.startswith(b"<text")]
    assert without_text == drawn.svg_shapes.splitlines()


def test_labels_as_html_are_escaped_and_placed_in_points(drawn: DrawnMap) -> None:
    html = overlay_html(drawn, src="map.svg", alt="Map", width_pt=400)
    assert html.count('class="map-label ') == len(drawn.labels) - 2  # the legend: two columns of two lines
    assert ">Red forces<br>Blue forces</span>" in html
    assert 'style="position:relative;width:400.00pt;height:' in html
    data = load(DATA / "week-2.geojson")
    place = data.places[0]
    tricky = MapData(data.areas, (type(place)("Tom & Jerry <b>", place.lon, place.lat, 1, 1),), data.advances, data.vertices)
    drawn = draw_map(tricky, SETTINGS)
    html = overlay_html(drawn, src="map.svg", alt='Map "A"', width_pt=400)
    assert '<img src="map.svg" alt="Map &quot;A&quot;" data-map-labels="' in html
    assert ">Tom &amp; Jerry &lt;b&gt;</span>" in html
    screen = overlay_html(drawn, src="map.svg", alt="Map")
    assert "container-type:inline-size" in screen and "cqw" in screen and "pt;" not in screen
    assert "data-map-labels" not in screen and "data-html-labels" not in screen


def test_the_print_page_carries_every_label_for_the_pdf_to_draw(drawn: DrawnMap) -> None:
    html = overlay_html(drawn, src="map.svg", alt="Map", width_pt=400)
    (attribute,) = re.findall(r' data-map-labels="([^"]*)"', html)
    carried = json.loads(html_module.unescape(attribute))
    assert carried["width"] == drawn.width
    rows = [(label.text, label.x, label.y, label.anchor, label.size, label.weight, label.italic, label.colour) for label in drawn.labels]
    assert [tuple(row) for row in carried["labels"]] == [(t, pytest.approx(x, abs=0.005), pytest.approx(y, abs=0.005), *rest) for t, x, y, *rest in rows]
    assert '<div class="map-labels" aria-hidden="true" data-html-labels>' in html
    assert overlay_html(drawn, src="map.svg", alt="Map", width_pt=400) == html  # the same bytes every time


def _word_boxes(pdf: bytes) -> dict[str, tuple[float, float]]:
    """Where each word of page 1 starts (x0, baseline), in points, as pdfplumber reads it."""
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        words = document.pages[0].extract_words()
    return {word["text"]: (word["x0"], word["bottom"]) for word in words}


@pytest.fixture
def map_page(drawn: DrawnMap, tmp_path: Path) -> Any:
    from sitrepgen.pdf import render_pdf

    (tmp_path / "map.svg").write_bytes(drawn.svg)
    (tmp_path / "map-shapes.svg").write_bytes(drawn.svg_shapes)
    files = {"map.svg": tmp_path / "map.svg", "map-shapes.svg": tmp_path / "map-shapes.svg"}

    def render(figure: str, direction: str = "ltr") -> bytes:
        html = f'<!DOCTYPE html><html lang="en" dir="{direction}"><head><meta charset="utf-8"><title>Map</title></head><body><p>Before the map.</p>{figure}</body></html>'
        pdf, warnings = render_pdf(html, page_url="page.html", files=files, source=SOURCE)
        assert warnings == []
        return pdf

    return render


SOURCE_YAML = b"title: A week\n"
SOURCE = Source("week.yaml", SOURCE_YAML, "The report", dt.datetime(2016, 12, 8, tzinfo=dt.timezone.utc))
NAMES = ("Alpha", "Bravo", "Red town", "Blue hills", "Eastern push", "Taken by red forces since December 1")


@pytest.mark.parametrize("variant", ["svg text", "drawn labels", "drawn labels, right to left", "html labels", "drawn labels, other internals"])
def test_the_pdf_text_layer_has_the_place_names(drawn: DrawnMap, map_page: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variant: str) -> None:
    from sitrepgen import maplabels

    drawings: list[object] = []
    draw = maplabels._LabelledImage.draw
    monkeypatch.setattr(maplabels._LabelledImage, "draw", lambda self, *args: (drawings.append(self), draw(self, *args)))
    if variant == "html labels":  # a WeasyPrint without the internals maplabels uses
        monkeypatch.setattr(maplabels, "available", lambda: False)
    else:
        assert maplabels.available()  # the WeasyPrint this is tested on draws the labels itself
    if variant.endswith("other internals"):  # they are there, but not as in WeasyPrint 70: rendered again, HTML labels

        class Changed:  # a text box that lacks what WeasyPrint's drawer reads, as if it read more
            def __init__(self, text: str, style: object, layout: object) -> None:
                self.text, self.style = text, style

        monkeypatch.setattr(maplabels, "_Line", Changed)
    figure = '<img src="map.svg" alt="Map">' if variant == "svg text" else overlay_html(drawn, src="map-shapes.svg", alt="Map", width_pt=400)
    pdf = map_page(figure, "rtl" if "right to left" in variant else "ltr")
    assert len(drawings) == (1 if variant.startswith("drawn") else 0)  # then, for other internals, the HTML labels
    (tmp_path / "map.pdf").write_bytes(pdf)
    text = " ".join(pdftotext(tmp_path / "map.pdf").split())
    for name in NAMES:
        assert text.count(name) == 1, name  # once: the HTML labels are left out when drawn
    with pikepdf.open(tmp_path / "map.pdf") as document:  # whole, also when rendered a second time
        assert document.attachments["week.yaml"].get_file().read_bytes() == SOURCE_YAML


def test_a_drawn_label_is_the_writers_text_not_markup(map_page: Any, tmp_path: Path) -> None:
    data = load(DATA / "week-2.geojson")
    place = data.places[0]
    tricky = draw_map(MapData(data.areas, (type(place)("Tom & Jerry <b>x</b>", place.lon, place.lat, 1, 1),), data.advances, data.vertices), SETTINGS)
    (tmp_path / "map-shapes.svg").write_bytes(tricky.svg_shapes)
    (tmp_path / "map.pdf").write_bytes(map_page(overlay_html(tricky, src="map-shapes.svg", alt="Map", width_pt=400)))
    assert "Tom & Jerry <b>x</b>" in pdftotext(tmp_path / "map.pdf")


@pytest.mark.parametrize(
    "carried",
    [
        "not json",
        '{"width": 800}',
        '{"width": 0, "labels": []}',
        '{"width": 800, "labels": [], "extra": 1}',
        '{"width": 800, "labels": [["A", 1, 2, "start", 12, 700, false]]}',
        '{"width": 800, "labels": [["A", 1, 2, "left", 12, 700, false, "#000000"]]}',
        '{"width": 800, "labels": [["A", 1, 2, "start", 0, 700, false, "#000000"]]}',
        '{"width": 800, "labels": [["A", 1, 2, "start", 12, 700, false, "red"]]}',
    ],
)
def test_labels_sitrepgen_did_not_write_stop_the_pdf_with_a_message(map_page: Any, carried: str) -> None:
    from sitrepgen.pdf import PdfError

    with pytest.raises(PdfError) as caught:
        map_page(f'<img src="map-shapes.svg" alt="Map" data-map-labels="{html_module.escape(carried)}">')
    assert str(caught.value) == "a map's data-map-labels on the print page is not what sitrepgen writes there; a custom print template must not set it (the PDF of week.yaml)"


def test_a_laid_out_document_not_shaped_as_weasyprint_70s_is_labels_not_drawn() -> None:
    from types import SimpleNamespace

    from sitrepgen import maplabels

    with pytest.raises(maplabels.LabelsNotDrawn):  # render_pdf then renders with the HTML labels
        maplabels.attach(SimpleNamespace(pages=[SimpleNamespace()]))


def test_drawn_labels_stand_where_the_html_labels_stood(drawn: DrawnMap, map_page: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from sitrepgen import maplabels

    figure = overlay_html(drawn, src="map-shapes.svg", alt="Map", width_pt=400)
    placed = _word_boxes(map_page(figure))
    monkeypatch.setattr(maplabels, "available", lambda: False)
    laid_out = _word_boxes(map_page(figure))
    words = [word for name in NAMES for word in name.split()]
    assert set(words) <= set(placed)
    for word in words:
        (x, y), (x_html, y_html) = placed[word], laid_out[word]
        assert abs(x - x_html) < 0.6 and abs(y - y_html) < 0.6, (word, placed[word], laid_out[word])


# --------------------------------------------------------------------------- reading: what is loaded


def test_the_series_loads_in_the_files_order() -> None:
    data = load(DATA / "week-2.geojson")
    assert [(a.control, a.label, a.line) for a in data.areas] == [("red", "Red town", 4), ("blue", "Blue hills", 9)]
    assert [(p.name, p.lon, p.lat, p.line, p.col) for p in data.places] == [("Alpha", 36.02, 35.02, 14, 5), ("Bravo", 36.08, 35.03, 15, 5)]
    (advance,) = data.advances
    assert (advance.control, advance.label, advance.coordinates) == ("red", "Eastern push", ((36.035, 35.035), (36.065, 35.035)))
    assert data.vertices == 10 + 2 + 2
    assert data.bounds() == (36.0, 35.0, 36.1, 35.05)


def test_importing_maps_and_reading_a_map_stay_light() -> None:
    script = (
        "import sys\n"
        "import sitrepgen.maps as maps\n"
        "print(sorted(m for m in ('shapely', 'numpy', 'pyproj') if m in sys.modules))\n"
        "from tests.test_maps import SETTINGS\n"
        "maps.parse_geojson('{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"properties\": {\"name\": \"A\"}, \"geometry\": {\"type\": \"Point\", \"coordinates\": [1, 2]}}]}', SETTINGS)\n"
        "print(sorted(m for m in ('shapely', 'numpy', 'pyproj') if m in sys.modules))\n"
        "from tests.test_maps import DATA, load\n"
        "load(DATA / 'week-2.geojson')\n"
        "print(sorted(m for m in ('shapely', 'pyproj') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, check=True, capture_output=True, text=True).stdout
    assert out.splitlines() == ["[]", "[]", "['shapely']"]  # pyproj only when a map is drawn


# --------------------------------------------------------------------------- reading: every error


def fc(*features: str) -> str:
    return '{"type": "FeatureCollection", "features": [\n' + ",\n".join(features) + "\n]}\n"


def feature(properties: str, geometry: str) -> str:
    return f'{{"type": "Feature", "properties": {properties}, "geometry": {geometry}}}'


SQUARE = '{"type": "Polygon", "coordinates": [[[36.0, 35.0], [36.1, 35.0], [36.1, 35.1], [36.0, 35.1], [36.0, 35.0]]]}'
RED = feature('{"control": "red"}', SQUARE)


def problems(text: str) -> list[tuple[str, int, int, str]]:
    data, found = parse_geojson(text, SETTINGS)
    if any(p.severity.value == "error" for p in found):
        assert data is None
    return [(p.code, p.line, p.col, p.message) for p in found]


ERRORS = {
    "missing comma between features": (
        '{"type": "FeatureCollection", "features": [\n' + RED + "\n" + RED + "\n]}",
        ("map-syntax", 3, 1, "not valid JSON: Expecting ',' delimiter"),
    ),
    "missing comma in coordinates": (
        fc(feature('{"control": "red"}', SQUARE.replace("[36.1, 35.0]", "[36.1 35.0]"))),
        ("map-syntax", 2, 124, "not valid JSON: Expecting ',' delimiter"),
    ),
    "trailing data": (fc(RED) + "x", ("map-syntax", 4, 1, "not valid JSON: Extra data")),
    "NaN": (
        fc(feature('{"name": "A"}', '{"type": "Point", "coordinates": [36.0, NaN]}')),
        ("map-syntax", 2, 95, "not valid JSON: NaN is not a JSON number"),
    ),
    "unknown control": (
        fc(RED, feature('{"control": "purple", "label": "X"}', SQUARE)),
        ("map-control", 3, 47, "unknown control 'purple'; the actors of map.control in sitrepgen.yaml are: red, blue, green"),
    ),
    "unknown control of an advance": (
        fc(feature('{"kind": "advance", "control": "Red"}', '{"type": "LineString", "coordinates": [[36.0, 35.0], [36.1, 35.0]]}')),
        ("map-control", 2, 66, "unknown control 'Red'; the actors of map.control in sitrepgen.yaml are: red, blue, green"),
    ),
    "self-intersection": (
        fc(RED, feature('{"control": "blue"}', '{"type": "Polygon", "coordinates": [[[36.0, 35.0], [36.1, 35.1], [36.1, 35.0], [36.0, 35.1], [36.0, 35.0]]]}')),
        ("map-geometry", 3, 1, "the polygon is not valid: Self-intersection at longitude 36.05, latitude 35.05; fix it in a GIS (QGIS: 'Fix geometries') and export it again"),
    ),
    "hole outside its shell": (
        fc(feature('{"control": "red"}', '{"type": "MultiPolygon", "coordinates": [[[[36.0, 35.0], [36.1, 35.0], [36.1, 35.1], [36.0, 35.1], [36.0, 35.0]], [[37.0, 35.0], [37.1, 35.0], [37.1, 35.1], [37.0, 35.0]]]]}')),
        ("map-geometry", 2, 1, "the multipolygon is not valid: Hole lies outside shell at longitude 37, latitude 35; fix it in a GIS (QGIS: 'Fix geometries') and export it again"),
    ),
    "longitude out of range": (
        fc(feature('{"control": "red"}', SQUARE.replace("[36.1, 35.1]", "[361.0, 35.1]"))),
        ("map-coordinates", 2, 132, "position [361.0, 35.1] is out of range: longitude must be within -180..180 and latitude within -90..90 (GeoJSON is [longitude, latitude] in WGS 84; is the file projected, or the order swapped?)"),
    ),
    "latitude and longitude swapped": (
        fc(feature('{"name": "A"}', '{"type": "Point", "coordinates": [35.0, 136.0]}')),
        ("map-coordinates", 2, 95, "position [35.0, 136.0] is out of range: longitude must be within -180..180 and latitude within -90..90 (GeoJSON is [longitude, latitude] in WGS 84; is the file projected, or the order swapped?)"),
    ),
    "projected coordinate system": (
        '{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}, "features": [' + RED + "]}",
        ("map-coordinates", 1, 38, "the file declares the coordinate system urn:ogc:def:crs:EPSG::3857; a map must be in longitude/latitude (WGS 84, RFC 7946): export it again as EPSG:4326"),
    ),
    "an array": ("[1, 2]", ("map-structure", 1, 1, 'a map file must be a GeoJSON FeatureCollection (an object with "type": "FeatureCollection"), not an array')),
    "no features member": ('{"type": "FeatureCollection"}', ("map-structure", 1, 1, 'missing member "features" (as in "features": [...])')),
    "no features": ('{"type": "FeatureCollection", "features": []}', ("map-structure", 1, 43, '"features" is empty; a map needs at least one feature')),
    "features not an array": ('{"type": "FeatureCollection", "features": {}}', ("map-structure", 1, 43, '"features" must be an array of features, not an object')),
    "a feature that is not an object": (fc("3"), ("map-structure", 2, 1, 'a feature must be an object with "type": "Feature", not the number 3')),
    "feature type": (fc(RED.replace('"Feature"', '"feature"')), ("map-structure", 2, 10, 'a feature\'s "type" must be "Feature", not "feature"')),
    "geometry null": (
        fc(feature('{"control": "red"}', "null")),
        ("map-structure", 2, 67, '"geometry" must be an object with "type" and "coordinates", not null: a feature on a map needs a shape'),
    ),
    "unsupported geometry": (
        fc(feature('{"name": "A"}', '{"type": "MultiPoint", "coordinates": [[36.0, 35.0]]}')),
        ("map-structure", 2, 71, 'geometry type "MultiPoint" is not drawn on maps (draw each part as its own feature); use Polygon or MultiPolygon for areas, Point for places, LineString for advances'),
    ),
    "coordinates too shallow": (
        fc(feature('{"control": "red"}', '{"type": "Polygon", "coordinates": [[36.0, 35.0]]}')),
        ("map-structure", 2, 104, "a position must be [longitude, latitude] (two or three numbers), not 36.0"),
    ),
    "ring not closed": (
        fc(feature('{"control": "red"}', SQUARE.replace(", [36.0, 35.0]]]}", "]]}"))),
        ("map-structure", 2, 103, "a polygon ring does not end where it starts; a ring needs at least four positions, the last the same as the first"),
    ),
    "ring too short": (
        fc(feature('{"control": "red"}', '{"type": "Polygon", "coordinates": [[[36.0, 35.0], [36.1, 35.0], [36.0, 35.0]]]}')),
        ("map-structure", 2, 103, "a polygon ring has 3 positions; a ring needs at least four positions, the last the same as the first"),
    ),
    "polygon without rings": (
        fc(feature('{"control": "red"}', '{"type": "Polygon", "coordinates": []}')),
        ("map-structure", 2, 102, "a polygon needs at least one ring (its outline)"),
    ),
    "position as text": (
        fc(feature('{"control": "red"}', SQUARE.replace("[36.1, 35.1]", '["36.1", 35.1]'))),
        ("map-structure", 2, 132, 'a position must be [longitude, latitude] (two or three numbers), not ["36.1", 35.1]'),
    ),
    "advance of one position": (
        fc(feature('{"kind": "advance", "control": "red"}', '{"type": "LineString", "coordinates": [[36.0, 35.0]]}')),
        ("map-structure", 2, 124, "an advance (LineString) needs at least two positions"),
    ),
    "misspelt property": (
        fc(feature('{"control": "red", "lable": "X"}', SQUARE)),
        ("map-structure", 2, 54, "unknown property 'lable' of an area; its properties are: control, label"),
    ),
    "empty label": (fc(feature('{"control": "red", "label": " "}', SQUARE)), ("map-structure", 2, 63, "property 'label' must be non-empty text, not \" \"")),
    "place without a name": (
        fc(feature("null", '{"type": "Point", "coordinates": [36.0, 35.0]}')),
        ("map-structure", 2, 1, "a place (Point) needs the property 'name' (\"name\": \"Old City\")"),
    ),
    "properties not an object": (fc(feature("[]", SQUARE)), ("map-structure", 2, 35, '"properties" must be an object, not an array')),
    "kind other than advance": (
        fc(feature('{"kind": "arrow", "control": "red"}', '{"type": "LineString", "coordinates": [[36.0, 35.0], [36.1, 35.0]]}')),
        ("map-structure", 2, 44, 'unknown kind "arrow"; a LineString is drawn as an arrow with "kind": "advance"'),
    ),
    "duplicate key": (fc(feature('{"control": "red", "control": "blue"}', SQUARE)), ("map-structure", 2, 54, "the key 'control' appears twice in one object")),
    "duplicate key deeper": (
        fc(feature('{"control": "red"}', '{"type": "Point", "coordinates": [36.0, 35.0], "extra": {"a": 1, "a": 2}}')),
        ("map-syntax", 2, 123, "not valid JSON: the key 'a' appears twice in one object"),
    ),
}


@pytest.mark.parametrize("name", ERRORS)
def test_each_error_at_its_place(name: str) -> None:
    text, expected = ERRORS[name]
    assert problems(text) == [expected]


def test_a_feature_is_not_a_collection() -> None:
    assert problems(RED) == [
        ("map-structure", 1, 1, 'missing member "features" (as in "features": [...])'),
        ("map-structure", 1, 10, '"type" is "Feature"; a map file must be a FeatureCollection (put the features in its "features" array)'),
    ]


def test_every_problem_of_a_file_at_once() -> None:
    text = fc(
        feature('{"contol": "red"}', SQUARE),
        feature('{"control": "red", "label": 3}', SQUARE),
        feature('{"name": "A"}', '{"type": "Point", "coordinates": [200, 35.0]}'),
    )
    assert problems(text) == [
        ("map-structure", 2, 35, "an area needs the property 'control' (\"control\": \"red\")"),
        ("map-structure", 2, 36, "unknown property 'contol' of an area; its properties are: control, label"),
        ("map-structure", 3, 63, "property 'label' must be non-empty text, not the number 3"),
        ("map-coordinates", 4, 95, "position [200, 35.0] is out of range: longitude must be within -180..180 and latitude within -90..90 (GeoJSON is [longitude, latitude] in WGS 84; is the file projected, or the order swapped?)"),
    ]


def test_overlapping_actors_are_a_warning() -> None:
    assert problems(fc(RED, feature('{"control": "blue"}', SQUARE))) == [
        ("map-overlap", 3, 1, "this area of 'blue' overlaps an area of 'red' (line 2) over 100.0% of it; an area has one controller on a map"),
    ]
    data, _ = parse_geojson(fc(RED, feature('{"control": "blue"}', SQUARE)), SETTINGS)
    assert data is not None  # a warning does not stop the map


def test_shared_borders_are_not_overlaps() -> None:
    assert problems(Path(DATA / "week-1.geojson").read_text(encoding="utf-8")) == []


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "map.geojson"
    path.write_bytes(fc(feature('{"name": "Caf\xe9"}', '{"type": "Point", "coordinates": [1, 2]}')).encode("latin-1"))
    data, found = load_geojson(path, SETTINGS)
    assert data is None
    assert [(p.code, p.line, p.col, p.message) for p in found] == [("map-encoding", 2, 48, "the file is not UTF-8 text (byte 0xe9); save it as UTF-8, as GeoJSON requires")]


def test_a_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "map.geojson"
    path.write_bytes(b"\xef\xbb\xbf" + fc(RED).encode("utf-8"))
    data, found = load_geojson(path, SETTINGS)
    assert found == [] and data is not None


def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.geojson"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB long, nothing written

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(Path, "open", no_reading)
    data, found = load_geojson(path, SETTINGS)
    assert data is None
    assert [(p.code, p.line, p.col, p.message) for p in found] == [
        ("map-too-large", 1, 1, "the map file is 52,428,800 bytes, more than the limit of 8,388,608; simplify its shapes (for instance with mapshaper or QGIS 'Simplify')")
    ]


def test_the_size_limit_is_a_parameter(tmp_path: Path) -> None:
    path = tmp_path / "map.geojson"
    path.write_text(fc(RED), encoding="utf-8")
    data, found = load_geojson(path, SETTINGS, max_bytes=100)
    assert [p.code for p in found] == ["map-too-large"] and data is None


def test_a_million_vertices_are_counted_before_they_are_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The positions of each coordinates array are counted in its text before it is decoded, so
    the million-position ring is never turned into lists (nor is its bad last position seen)."""
    ring = "[" + ",".join(["[0,0]"] * 999_999) + ",[999,0]]"
    text = fc(RED, feature('{"control": "blue"}', '{"type": "Polygon", "coordinates": [' + ring + "]}"), RED)
    assert len(text) < 8 * 1024 * 1024  # under the size limit: the count refuses it
    decoded: list[int] = []
    original = json.JSONDecoder.raw_decode

    def recording(self: json.JSONDecoder, s: str, idx: int = 0) -> tuple[Any, int]:
        value, end = original(self, s, idx)
        decoded.append(end - idx)
        return value, end

    monkeypatch.setattr(json.JSONDecoder, "raw_decode", recording)
    assert problems(text) == [
        ("map-too-many-vertices", 3, 1, "the map has more than 200,000 vertices (this feature brings the count to 1,000,005); simplify its shapes (for instance with mapshaper or QGIS 'Simplify')")
    ]
    assert decoded and max(decoded) < 100  # the first feature's values only


def test_the_vertex_limit_is_a_parameter() -> None:
    assert problems(fc(RED)) == []
    _, found = parse_geojson(fc(RED), SETTINGS, max_vertices=4)
    assert [(p.code, p.line, p.col) for p in found] == [("map-too-many-vertices", 2, 1)]
    data, _ = parse_geojson(fc(RED), SETTINGS, max_vertices=5)
    assert data is not None and data.vertices == 5


def test_an_unreadable_file_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_geojson(tmp_path / "missing.geojson", SETTINGS)


# --------------------------------------------------------------------------- settings


def test_settings_are_strict() -> None:
    good = {"label": "Red forces", "colour": "#d04040"}
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        MapSettings.model_validate({"control": {"red": {**good, "color": "#d04040"}}})
    with pytest.raises(ValidationError, match="should match pattern"):
        MapSettings.model_validate({"control": {"red": {**good, "colour": "red"}}})
    with pytest.raises(ValidationError, match="should match pattern"):
        MapSettings.model_validate({"control": {"Red Forces": good}})
    with pytest.raises(ValidationError, match="Input should be a valid string"):
        MapSettings.model_validate({"control": {"red": {**good, "label": 3}}})
    with pytest.raises(ValidationError, match="at least 1 item"):
        MapSettings.model_validate({"control": {}})
    with pytest.raises(ValidationError, match="'dots', 'crosshatch' or 'horizontal'"):
        MapSettings.model_validate({"control": {"red": {**good, "pattern": "stripes"}}})


def test_settings_schema_documents_every_field() -> None:
    schema = json.loads(json.dumps(MapSettings.model_json_schema()))
    style = schema["$defs"]["ControlStyle"]
    for name, spec in style["properties"].items():
        assert spec.get("description") and spec.get("examples"), name
    assert schema["properties"]["control"]["description"]


def test_every_map_code_is_registered() -> None:
    assert sorted(CODES) == ["map-control", "map-coordinates", "map-encoding", "map-geometry", "map-measure", "map-overlap", "map-settings", "map-structure", "map-syntax", "map-too-large", "map-too-many-vertices"]
    found = {code for _, (_, (code, *_)) in ERRORS.items()} | {"map-encoding", "map-too-large", "map-too-many-vertices", "map-overlap"}
    found |= {"map-settings", "map-measure"}  # raised by a report, not a GeoJSON file: tests/test_map_figures.py, test_map_measures.py
    assert found == set(CODES)  # each is raised by a test here
