"""What a map measures, in its caption and in key figures (sitrepgen.measures).

The two-week test series of tests/data/maps: red takes the strip 36.05-36.07 E from blue
between week 1 and week 2 (about 10 km²). The expected areas are measured here on the GeoJSON
itself with pyproj's geodesic area, not with sitrepgen's projection.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.test_build import pdftotext
from tests.test_map_figures import DATA, FIGURE, REPORT, build, make, report, run, validate

CAPTION = "Areas of control on December 8; {map:changed_km2} km² changed hands, {map:lost_percent:blue} % of blue's ground."
KEY_FIGURE = """\
key_figures:
  - id: ground-taken
    label: taken by red forces since last week
    value: {map: front, measure: gained_km2, control: red}
    unit: km²
"""


def errors(*lines: str) -> str:
    """validate's output for the two-report series with these errors."""
    return "".join(f"{text}\n" for text in lines) + f"Error: 2 file(s) checked: {len(lines)} error(s), 0 warning(s)\n"


def week_1() -> str:
    return report(FIGURE.replace("week-2", "week-1").replace("December 8", "December 1"), start="2016-11-25", end="2016-12-01")


def week_2(caption: str = CAPTION, key_figures: str = KEY_FIGURE) -> str:
    text = report(FIGURE.replace("Areas of control on December 8.", caption)).replace("The front moved east", "The front moved further east")
    return text.replace("sections:", key_figures + "sections:", 1)


@pytest.fixture
def series(tmp_path: Path) -> Path:
    """Week 1 and week 2, each a report: week 2's map is compared with week 1's."""
    root = make(tmp_path / "project", FIGURE)
    (root / "sitreps" / "2016-12-01.yaml").write_text(week_1(), encoding="utf-8")
    (root / REPORT).write_text(week_2(), encoding="utf-8")
    return root


def expected() -> tuple[float, float]:
    """km² red took from blue, and the share of blue's week-1 ground that is, measured on the
    GeoJSON with pyproj's geodesic area."""
    import shapely
    from pyproj import Geod

    def ground(week: str, control: str) -> object:
        data = json.loads((DATA / f"{week}.geojson").read_text(encoding="utf-8"))
        shapes = [shapely.geometry.shape(f["geometry"]) for f in data["features"] if f["properties"].get("control") == control and f["geometry"]["type"] == "Polygon"]
        return shapely.union_all(shapes)

    def km2(geometry: object) -> float:
        area, _ = Geod(ellps="WGS84").geometry_area_perimeter(geometry)
        return abs(area) / 1e6

    taken = km2(shapely.intersection(ground("week-2", "red"), ground("week-1", "blue")))
    return taken, 100 * taken / km2(ground("week-1", "blue"))


def test_measures_are_printed_in_the_caption_and_as_the_key_figure_everywhere(series: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    taken, share = expected()
    assert 10 < taken < 11
    build(series, monkeypatch)
    site = series / "site"
    page = (site / "reports" / "2016-12-08.html").read_text(encoding="utf-8")
    caption = page[page.index("Areas of control on December 8;") :].split("</figcaption>")[0]
    number, percent = caption.split("; ")[1].split(" km² changed hands, ")
    assert float(number) == pytest.approx(taken, rel=0.01)
    assert int(percent.split(" %")[0]) == round(share)
    assert "{map:" not in page
    # the key figure: the same number in the strip, the data files, the Markdown and the PDF
    assert f"<strong>{number} km²</strong>" in page
    rows = list(csv.DictReader((site / "data" / "key-figures.csv").read_text(encoding="utf-8").splitlines()))
    (row,) = [row for row in rows if row["Indicator code"] == "ground-taken"]
    assert float(row["Value"]) == float(number) and row["Unit"] == "km²"
    markdown = (site / "reports" / "2016-12-08.md").read_text(encoding="utf-8")
    assert f"**{number.replace('.', chr(92) + '.', 1)} km²** taken by red forces since last week" in markdown  # '10\\.1': not a list
    assert f"Areas of control on December 8; {number} km² changed hands, {percent}" in markdown
    text = " ".join(pdftotext(site / "reports" / "2016-12-08.pdf").split())
    assert f"{number} km² changed hands, {percent}" in text and f"{number} km² taken by red forces" in text


def test_a_caption_measure_needs_no_key_figure_and_the_previous_map_may_be_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One report, last week's map named by previous_map: the same numbers."""
    from tests.test_map_figures import PREVIOUS

    root = make(tmp_path / "project", FIGURE.replace("Areas of control on December 8.", "Red took {map:gained_km2:red} km².") + PREVIOUS)
    build(root, monkeypatch)
    page = (root / "site" / "reports" / "2016-12-08.html").read_text(encoding="utf-8")
    taken = float(page.split("Red took ")[1].split(" km²")[0])
    assert taken == pytest.approx(expected()[0], rel=0.01)


def test_the_numbers_follow_the_reports_language(series: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """French groups and marks decimals its own way: '10,1'."""
    text = (series / REPORT).read_text(encoding="utf-8").replace("series: Test\n", "series: Test\nlanguage: fr\n")
    (series / REPORT).write_text(text, encoding="utf-8")
    (series / "sitreps" / "2016-12-01.yaml").write_text(week_1().replace("series: Test\n", "series: Test\nlanguage: fr\n"), encoding="utf-8")
    build(series, monkeypatch)
    page = (series / "site" / "reports" / "2016-12-08.html").read_text(encoding="utf-8")
    number = page.split("Areas of control on December 8; ")[1].split(" km²")[0]
    assert "," in number and float(number.replace(",", ".")) == pytest.approx(expected()[0], rel=0.01)


def test_validate_accepts_the_measures(series: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = validate(series, monkeypatch)
    assert (result.exit_code, result.stdout) == (0, ""), result.output


def test_diff_prints_a_measure_as_written(series: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No build measures anything in a diff: the key figure reads as its caption form."""
    monkeypatch.chdir(series)
    result = run(series, "diff", REPORT, "--previous")
    assert result.exit_code == 0, result.output
    assert "{map:gained\\_km2:red} km²" in result.stdout and "{map:changed_km2} km² changed hands" in result.stdout  # (Markdown)


def at(text: str, needle: str) -> str:
    line = text[: text.index(needle)].count("\n") + 1
    col = text.index(needle) - (text.rfind("\n", 0, text.index(needle)) + 1) + 1
    return f"{REPORT}:{line}:{col}"


@pytest.mark.parametrize(
    ("caption", "written", "why"),
    [
        ("Ground {map:nope} km²", "{map:nope}", "'nope' is not a map measure; the measures are: changed_km2, gained_km2, lost_km2, lost_percent, area_km2"),
        ("Ground {map:gained_km2} km²", "{map:gained_km2}", "'gained_km2' is measured for one actor: name it, e.g. {map:gained_km2:red}, with one of the 'map: control:' keys of sitrepgen.yaml (red, blue, green)"),
        ("Ground {map:changed_km2:red} km²", "{map:changed_km2:red}", "'changed_km2' counts every actor: leave out 'red'"),
        ("Ground {map:area_km2:purple} km²", "{map:area_km2:purple}", "'purple' is not an actor of the map; the 'map: control:' keys of sitrepgen.yaml are: red, blue, green"),
    ],
)
def test_a_caption_measure_that_cannot_be_measured_is_an_error_at_it(series: Path, monkeypatch: pytest.MonkeyPatch, caption: str, written: str, why: str) -> None:
    text = week_2(caption=caption, key_figures="")
    (series / REPORT).write_text(text, encoding="utf-8")
    result = validate(series, monkeypatch)
    assert result.stdout + result.stderr == errors(f"{at(text, written)}: error[map-measure]: {written}: {why}")


def test_a_measure_written_in_another_form_is_an_error(series: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = week_2(caption="Ground {map:Changed} km²", key_figures="")
    (series / REPORT).write_text(text, encoding="utf-8")
    result = validate(series, monkeypatch)
    message = "'{map:Changed}' is not a map measure: write {map:MEASURE} or {map:MEASURE:ACTOR} in lower case, e.g. {map:changed_km2}; the measures are: changed_km2, gained_km2, lost_km2, lost_percent, area_km2"
    assert result.stdout + result.stderr == errors(f"{at(text, '{map:Changed}')}: error[map-measure]: {message}")


def test_a_measure_outside_a_map_caption_is_an_error(series: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = week_2(key_figures="").replace("The front moved further east", "The front moved {map:changed_km2} km² east")
    (series / REPORT).write_text(text, encoding="utf-8")
    result = validate(series, monkeypatch)
    message = "{map:changed_km2} is a map measure, and this text is not the caption of a map figure; measures go in the caption of a figure with 'map:'"
    assert result.stdout + result.stderr == errors(f"{at(text, '{map:changed_km2} km² east')}: error[map-measure]: {message}")


def test_a_measure_of_what_changed_needs_last_weeks_map(series: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first report of a series has no previous map to compare with; area_km2 needs none."""
    text = week_1().replace("Areas of control on December 1.", "Areas of control on December 1; red holds {map:area_km2:red} km², {map:changed_km2} km² changed.")
    (series / "sitreps" / "2016-12-01.yaml").write_text(text, encoding="utf-8")
    result = validate(series, monkeypatch)
    where = at(text, "{map:changed_km2}").replace(REPORT, "sitreps/2016-12-01.yaml")
    message = "{map:changed_km2} measures what changed since last week's map, and this is the first report of its series; give figure 'front' previous_map: and previous_date:, or measure area_km2"
    assert result.stdout + result.stderr == errors(f"{where}: error[map-measure]: {message}")


@pytest.mark.parametrize(
    ("value", "needle", "why"),
    [
        ("{map: back, measure: gained_km2, control: red}", "back", "key figure 'ground-taken' is measured on 'back', which is not a map figure of this report; its map figures are: front"),
        ("{map: front, measure: lost_km2}", "lost_km2", "key figure 'ground-taken': 'lost_km2' is measured for one actor: name it, e.g. control: red, with one of the 'map: control:' keys of sitrepgen.yaml (red, blue, green)"),
        ("{map: front, measure: lost_km2, control: purple}", "purple", "key figure 'ground-taken': 'purple' is not an actor of the map; the 'map: control:' keys of sitrepgen.yaml are: red, blue, green"),
    ],
)
def test_a_key_figure_that_cannot_be_measured_is_an_error_at_its_value(series: Path, monkeypatch: pytest.MonkeyPatch, value: str, needle: str, why: str) -> None:
    text = week_2().replace("{map: front, measure: gained_km2, control: red}", value)
    (series / REPORT).write_text(text, encoding="utf-8")
    result = validate(series, monkeypatch)
    line = text.index(value)
    assert result.stdout + result.stderr == errors(f"{at(text, value[: value.index(needle)]).rsplit(':', 1)[0]}:{line - text.rfind(chr(10), 0, line) + value.index(needle)}: error[map-measure]: {why}")


def test_a_key_figure_value_of_an_unknown_measure_names_the_measures(series: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A mapping is judged as a measure (not as a number that is not one)."""
    text = week_2().replace("measure: gained_km2", "measure: sideways")
    (series / REPORT).write_text(text, encoding="utf-8")
    result = validate(series, monkeypatch)
    message = "'key_figures[0].value.measure' must be one of 'changed_km2', 'gained_km2', 'lost_km2', 'lost_percent' or 'area_km2'; not the text 'sideways'"
    assert result.stdout + result.stderr == errors(f"{at(text, 'sideways')}: error[invalid-value]: {message}")


def test_a_key_figure_measured_on_a_map_an_edition_leaves_out_is_an_error(series: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A public number measured on an internal map would publish what the map keeps from the
    public: an error at the key figure, before any build (which would otherwise have no map to
    measure in the public edition)."""
    text = week_2(caption="Areas of control on December 8.").replace(" ({fig:front})", "")
    text = text.replace("          alt: Map of the front; red holds the west.\n", "          alt: Map of the front; red holds the west.\n          audience: internal\n", 1)
    (series / REPORT).write_text(text, encoding="utf-8")
    result = validate(series, monkeypatch)
    message = "key figure 'ground-taken' is measured on figure 'front', which the 'public' edition leaves out (audience 'internal'): give the key figure the figure's audience, or the figure the key figure's"
    assert result.stdout + result.stderr == errors(f"{at(text, 'front, measure')}: error[audience-reference]: {message}")
    internal = text.replace("    unit: km²\n", "    unit: km²\n    audience: internal\n", 1)
    (series / REPORT).write_text(internal, encoding="utf-8")
    assert validate(series, monkeypatch).exit_code == 0
    build(series, monkeypatch)  # the public edition has neither
    assert "ground-taken" not in "".join(p.read_text(encoding="utf-8") for p in (series / "site").rglob("*.html"))
    build(series, monkeypatch, "--edition", "internal")  # the internal one has both
    page = (series / "site-internal" / "reports" / "2016-12-08.html").read_text(encoding="utf-8")
    shown = page.split('<span class="key-value">')[1].split("<strong>")[1].split(" km²</strong>")[0]
    assert float(shown) == pytest.approx(expected()[0], rel=0.01) and "taken by red forces since last week" in page


def test_a_measured_key_figure_left_out_this_week_is_named_by_its_label_and_map(series: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    held = KEY_FIGURE.replace("ground-taken", "ground-held").replace("taken by red forces since last week", "held by red forces").replace("gained_km2", "area_km2")
    (series / "sitreps" / "2016-12-01.yaml").write_text(week_1().replace("sections:", held + "sections:", 1), encoding="utf-8")
    (series / REPORT).write_text(week_2(key_figures=""), encoding="utf-8")
    result = validate(series, monkeypatch)
    assert result.output == (
        "sitreps/2016-12-08.yaml:1:1: warning[dropped-figure]: key figure 'ground-held' (held by red forces, measured on map 'front') "
        "of the previous report (sitreps/2016-12-01.yaml) is missing this week; give this week's value with the same id, or leave it "
        "out on purpose (the report then says it is no longer reported)\n"
        "2 file(s) checked: 0 error(s), 1 warning(s)\n"
    )


def test_the_model_and_the_measures_name_the_same_measures() -> None:
    """The schema's list (model.MapMeasure, what the editor and check-jsonschema see) and the
    build's (measures.MEASURES, what it can compute) are written twice: they must agree."""
    from typing import get_args

    from sitrepgen.measures import MEASURES
    from sitrepgen.model import MapMeasure

    field = MapMeasure.model_fields["measure"]
    assert get_args(field.annotation) == tuple(MEASURES)
    assert all(name in (field.description or "") for name in MEASURES)
