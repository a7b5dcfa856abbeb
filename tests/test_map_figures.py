"""Figures drawn from GeoJSON in reports: 'map:' checked at its place, drawn, published, printed.

The small project here uses the two-week series of tests/data/maps (red takes the strip
36.05-36.07 E from blue between week 1 and week 2); the bundled report's Figure 1 is built as
it is.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sitrepgen import svg
from sitrepgen.cli import cli
from tests.helpers import BUNDLED_REPORT, REPO, SEED_REPORT, copy_project
from tests.test_build import pdftotext

DATA = REPO / "tests" / "data" / "maps"
REPORT = "sitreps/2016-12-08.yaml"
SETTINGS = """\
map:
  control:
    red:
      label: Red forces
      actor: red forces
      colour: "#d04040"
    blue:
      label: Blue forces
      colour: "#4060c0"
    green:
      label: Green forces
      colour: "#40a040"
"""
FIGURE = """\
      - figure:
          id: front
          map: figures/week-2.geojson
          caption: Areas of control on December 8.
          alt: Map of the front; red holds the west.
"""
PREVIOUS = """\
          previous_map: figures/week-1.geojson
          previous_date: 2016-12-01
"""


def report(figure: str = FIGURE, *, end: str = "2016-12-08", start: str = "2016-12-02") -> str:
    return f"""\
title: Weekly Conflict Summary
series: Test
period: {{start: {start}, end: {end}}}
published: {end}
sections:
  - heading: The front
    blocks:
      - The front moved east ({{fig:front}}).
{figure}"""


def make(root: Path, figure: str = FIGURE + PREVIOUS, *, settings: str = SETTINGS) -> Path:
    """A project of one report whose figure is drawn from the test series."""
    (root / "sitreps" / "figures").mkdir(parents=True)
    for week in ("week-1", "week-2"):
        shutil.copy(DATA / f"{week}.geojson", root / "sitreps" / "figures" / f"{week}.geojson")
    (root / "sitrepgen.yaml").write_text("title: Test\n" + settings, encoding="utf-8")
    (root / REPORT).write_text(report(figure), encoding="utf-8")
    return root


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False)


def line(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return make(tmp_path / "project")


def set_geojson(root: Path, text: str, name: str = "week-2") -> Path:
    path = root / "sitreps" / "figures" / f"{name}.geojson"
    path.write_text(text, encoding="utf-8")
    return path


def validate(root: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    monkeypatch.chdir(root)
    return run(root, "validate")


def errors(*lines: str) -> str:
    return "".join(f"{text}\n" for text in lines) + f"Error: 1 file(s) checked: {len(lines)} error(s), 0 warning(s)\n"


# --------------------------------------------------------------------------- the bundled report


def test_the_hand_drawn_report_differs_from_the_bundled_one_only_in_figure_1() -> None:
    """The other tests' projects keep the hand-drawn SVG (SEED_REPORT); outside its Figure 1 it
    must stay the bundled report word for word, so that they test the report that is published."""
    bundled = BUNDLED_REPORT.read_text(encoding="utf-8")
    drawn = SEED_REPORT.read_text(encoding="utf-8")
    start = "      - id: aleppo-control\n"
    end = "\n  - name: Rural Damascus\n"

    def outside(text: str) -> str:
        return text[: text.index(start)] + text[text.index(end) :]

    assert outside(bundled) == outside(drawn)
    assert "map: figures/2016-12-08-aleppo-control.geojson" in bundled and "map:" not in drawn
    assert "image: figures/2016-12-08-aleppo-control.svg" in drawn


def test_the_bundled_project_validates(monkeypatch: pytest.MonkeyPatch) -> None:
    result = validate(REPO, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "error" not in result.output.split("checked:")[0]


# --------------------------------------------------------------------------- the figure in YAML


def test_image_and_map_together_is_an_error(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tiny / REPORT).write_text(report(FIGURE.replace("map:", "image: figures/x.svg\n          map:")), encoding="utf-8")
    result = validate(tiny, monkeypatch)
    assert (result.exit_code, result.output) == (1, errors(
        f"{REPORT}:10:11: error[invalid-value]: 'sections[0].blocks[1].figure': a figure has 'image:' (a file to show) or 'map:' (GeoJSON to draw), not both; remove one",
    ))


def test_a_figure_without_image_or_map_is_an_error(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tiny / REPORT).write_text(report(FIGURE.replace("          map: figures/week-2.geojson\n", "")), encoding="utf-8")
    result = validate(tiny, monkeypatch)
    assert (result.exit_code, result.output) == (1, errors(
        f"{REPORT}:10:11: error[invalid-value]: 'sections[0].blocks[1].figure': a figure needs 'image:' (an SVG, PNG or JPEG file) or 'map:' (a GeoJSON file to draw)",
    ))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("          previous_map: figures/week-1.geojson\n", "'previous_map' needs 'previous_date' too: the previous map and the day it shows go together"),
        ("          previous_date: 2016-12-01\n", "'previous_date' needs 'previous_map' too: the previous map and the day it shows go together"),
    ],
)
def test_previous_map_and_date_go_together(tiny: Path, monkeypatch: pytest.MonkeyPatch, extra: str, message: str) -> None:
    (tiny / REPORT).write_text(report(FIGURE + extra), encoding="utf-8")
    result = validate(tiny, monkeypatch)
    assert (result.exit_code, result.output) == (1, errors(f"{REPORT}:10:11: error[invalid-value]: 'sections[0].blocks[1].figure': {message}"))


def test_previous_map_is_for_maps_only(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tiny / REPORT).write_text(report(FIGURE.replace("map: figures/week-2.geojson", "image: figures/x.svg") + PREVIOUS), encoding="utf-8")
    result = validate(tiny, monkeypatch)
    assert (result.exit_code, result.output) == (1, errors(
        f"{REPORT}:10:11: error[invalid-value]: 'sections[0].blocks[1].figure': 'previous_map' is for a figure drawn from a map ('map:'), not for an image",
    ))


def test_a_map_without_map_settings_says_what_to_add(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make(tmp_path / "project", settings="")
    result = validate(root, monkeypatch)
    assert (result.exit_code, result.output) == (1, errors(
        f"{REPORT}:{line(report(FIGURE + PREVIOUS), 'map: figures/week-2')}:16: error[map-settings]: figure 'front' is drawn from a map, but sitrepgen.yaml has no "
        "'map:' settings; add 'map:' with 'control:', one entry for each properties.control value of the GeoJSON, with its 'label' and 'colour' (see docs/writers-guide.md)",
    ))


@pytest.mark.parametrize(
    ("path", "code", "message"),
    [
        ("figures/week-2.json", "figure-format", "map 'figures/week-2.json' must be a GeoJSON file (.geojson)"),
        ("figures/week-9.geojson", "figure-missing", "figure file 'figures/week-9.geojson' not found (looked for sitreps/figures/week-9.geojson)"),
        ("../week-2.geojson", "figure-path", "figure path '../week-2.geojson' leads outside sitreps/; keep figures there, or name their folder in figure_dirs in sitrepgen.yaml"),
        ("/etc/passwd.geojson", "figure-path", "figure path '/etc/passwd.geojson' must be relative to the report file, not absolute"),
    ],
)
def test_map_paths_follow_the_figure_rules(tiny: Path, monkeypatch: pytest.MonkeyPatch, path: str, code: str, message: str) -> None:
    (tiny / REPORT).write_text(report(FIGURE.replace("figures/week-2.geojson", path)), encoding="utf-8")
    (tiny.parent / "week-2.geojson").write_text((DATA / "week-2.geojson").read_text(encoding="utf-8"), encoding="utf-8")
    result = validate(tiny, monkeypatch)
    assert (result.exit_code, result.output) == (1, errors(f"{REPORT}:11:16: error[{code}]: {message}"))


def test_a_map_reached_through_a_link_out_of_the_project_is_refused(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tiny.parent / "secret.geojson"
    outside.write_text((DATA / "week-2.geojson").read_text(encoding="utf-8"), encoding="utf-8")
    (tiny / "sitreps" / "figures" / "week-2.geojson").unlink()
    (tiny / "sitreps" / "figures" / "week-2.geojson").symlink_to(outside)
    result = validate(tiny, monkeypatch)
    assert (result.exit_code, result.output) == (1, errors(
        f"{REPORT}:11:16: error[figure-path]: figure path 'figures/week-2.geojson' leads outside the project; keep figures inside it",
    ))


# --------------------------------------------------------------------------- the GeoJSON, at its place

GOOD = (DATA / "week-2.geojson").read_text(encoding="utf-8")
MAP = "sitreps/figures/week-2.geojson"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            '{"type": "FeatureCollection",\n  "features": [,]}\n',
            f"{MAP}:2:16: error[map-syntax]: not valid JSON: Expecting value",
            id="invalid-json",
        ),
        pytest.param(
            GOOD.replace('"control": "blue"', '"control": "purple"'),
            f"{MAP}:{line(GOOD, 'blue')}:33: error[map-control]: unknown control 'purple'; the actors of map.control in sitrepgen.yaml are: red, blue, green",
            id="unknown-control",
        ),
        pytest.param(
            '{"type": "FeatureCollection", "features": [\n  {"type": "Feature", "properties": {"control": "red"},\n'
            '   "geometry": {"type": "Polygon", "coordinates": [[[36.0, 35.0], [36.1, 35.1], [36.1, 35.0], [36.0, 35.1], [36.0, 35.0]]]}}\n]}\n',
            f"{MAP}:2:3: error[map-geometry]: the polygon is not valid: Self-intersection at longitude 36.05, latitude 35.05; fix it in a GIS (QGIS: 'Fix geometries') and export it again",
            id="self-intersection",
        ),
        pytest.param(
            '{"type": "FeatureCollection", "features": [\n  {"type": "Feature", "properties": {"name": "Far"},\n   "geometry": {"type": "Point", "coordinates": [200.0, 35.0]}}\n]}\n',
            f"{MAP}:3:49: error[map-coordinates]: position [200.0, 35.0] is out of range: longitude must be within -180..180 and latitude within -90..90 "
            "(GeoJSON is [longitude, latitude] in WGS 84; is the file projected, or the order swapped?)",
            id="out-of-range",
        ),
    ],
)
def test_geojson_problems_are_at_their_place_in_the_file(tiny: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str) -> None:
    set_geojson(tiny, text)
    result = validate(tiny, monkeypatch)
    assert (result.exit_code, result.output) == (1, errors(expected))


def test_the_previous_map_is_checked_too(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_geojson(tiny, GOOD.replace('"control": "blue"', '"control": "purple"'), "week-1")
    result = validate(tiny, monkeypatch)
    assert (result.exit_code, result.output) == (1, errors(
        f"sitreps/figures/week-1.geojson:{line(GOOD, 'blue')}:33: error[map-control]: unknown control 'purple'; the actors of map.control in sitrepgen.yaml are: red, blue, green",
    ))


def test_a_map_over_the_size_limit_is_refused_unread(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sitrepgen.maps import MAX_BYTES

    path = tiny / "sitreps" / "figures" / "week-2.geojson"
    with path.open("r+b") as handle:
        handle.truncate(MAX_BYTES + 1)  # a sparse file: the size is read, never the bytes
    result = validate(tiny, monkeypatch)
    assert (result.exit_code, result.output) == (1, errors(
        f"{MAP}:1:1: error[map-too-large]: the map file is {MAX_BYTES + 1:,} bytes, more than the limit of {MAX_BYTES:,}; "
        "simplify its shapes (for instance with mapshaper or QGIS 'Simplify')",
    ))


def test_a_map_over_the_vertex_limit_is_refused(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sitrepgen.maps import MAX_VERTICES

    ring = ", ".join(f"[36.{i:06d}, 35.0]" for i in range(MAX_VERTICES + 1))
    set_geojson(tiny, '{"type": "FeatureCollection", "features": [\n  {"type": "Feature", "properties": {"control": "red"},\n'
                f'   "geometry": {{"type": "Polygon", "coordinates": [[{ring}]]}}}}\n]}}\n')
    result = validate(tiny, monkeypatch)
    assert (result.exit_code, result.output) == (1, errors(
        f"{MAP}:2:3: error[map-too-many-vertices]: the map has more than {MAX_VERTICES:,} vertices (this feature brings the count to {MAX_VERTICES + 1:,}); "
        "simplify its shapes (for instance with mapshaper or QGIS 'Simplify')",
    ))


# --------------------------------------------------------------------------- the build


def build(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.chdir(root)
    result = run(root, "build", "--jobs", "1", *args)
    assert result.exit_code == 0, result.output
    return result


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every PDF job the build hands to the renderer (its print page and files)."""
    from sitrepgen import site

    found: list[object] = []
    submit = site.PdfRenderer.submit

    def record(self: site.PdfRenderer, name: str, key: str, job: object) -> None:
        found.append(job)
        submit(self, name, key, job)  # type: ignore[arg-type]

    monkeypatch.setattr(site.PdfRenderer, "submit", record)
    return found


def test_the_map_is_drawn_published_and_printed_with_its_labels_as_text(tiny: Path, monkeypatch: pytest.MonkeyPatch, jobs: list[object]) -> None:
    build(tiny, monkeypatch)
    site = tiny / "site" / "reports"
    published = (site / "2016-12-08" / "front.svg").read_bytes()
    # drawn by sitrepgen, and still what the figure rules publish (a fixed point of them)
    assert published == svg.rebuild(published).data
    assert b'<g id="change" class="change"' in published and b">Taken by red forces since December 1</text>" in published
    assert sorted(p.name for p in (site / "2016-12-08").iterdir()) == ["front.svg"]  # the print drawing goes to the PDF only
    page = (site / "2016-12-08.html").read_text(encoding="utf-8")
    assert '<img src="2016-12-08/front.svg" alt="Map of the front; red holds the west.">' in page
    # the print page: the text-less drawing with the labels over it as HTML
    (job,) = jobs
    html, files = job.html, job.files  # type: ignore[attr-defined]
    shapes = files["reports/2016-12-08/front.print.svg"]
    assert b"<text" not in shapes and shapes == svg.rebuild(shapes).data
    assert '<img src="2016-12-08/front.print.svg" alt="Map of the front; red holds the west."' in html
    assert re.search(r'<span class="map-label map-label-place" style="[^"]*">Alpha</span>', html)
    text = pdftotext(site / "2016-12-08.pdf")
    for name in ("Alpha", "Bravo", "Red town", "Taken by red forces since December 1", "Red forces", "Blue forces"):
        assert name in text, name


def test_two_builds_make_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = make(tmp_path / "one"), make(tmp_path / "two")
    build(first, monkeypatch)
    build(second, monkeypatch)
    one, two = snapshot(first / "site"), snapshot(second / "site")
    assert "reports/2016-12-08/front.svg" in one and one == two


def test_a_change_to_either_week_or_to_the_settings_draws_the_map_again(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(tiny, monkeypatch)
    published = tiny / "site" / "reports" / "2016-12-08" / "front.svg"
    pdf = tiny / "site" / "reports" / "2016-12-08.pdf"
    drawn, printed = published.read_bytes(), pdf.read_bytes()
    assert run(tiny, "build").output == "site/ is up to date: nothing changed since the last build\n"
    # last week's map: blue held the strip red takes, so less changed hands
    set_geojson(tiny, GOOD, "week-1")
    assert "1 PDF(s) rendered" in build(tiny, monkeypatch).output
    same = published.read_bytes()
    assert same != drawn and b'class="change"' not in same and pdf.read_bytes() != printed
    # this week's map
    set_geojson(tiny, GOOD.replace('"Alpha"', '"Alfa"'))
    build(tiny, monkeypatch)
    assert b">Alfa</text>" in published.read_bytes()
    # the settings: a colour
    config = tiny / "sitrepgen.yaml"
    before = published.read_bytes()
    config.write_text(config.read_text(encoding="utf-8").replace("#d04040", "#aa2222"), encoding="utf-8")
    build(tiny, monkeypatch)
    assert b"#aa2222" in published.read_bytes() and b"#d04040" not in published.read_bytes() and published.read_bytes() != before


def test_the_previous_report_of_the_series_gives_last_weeks_map(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tiny / REPORT).write_text(report(FIGURE), encoding="utf-8")  # no previous_map
    week_1 = report(FIGURE.replace("week-2", "week-1").replace("December 8", "December 1"), start="2016-11-25", end="2016-12-01")
    (tiny / "sitreps" / "2016-12-01.yaml").write_text(week_1, encoding="utf-8")
    build(tiny, monkeypatch)
    site = tiny / "site" / "reports"
    assert b'class="change"' not in (site / "2016-12-01" / "front.svg").read_bytes()  # the first of its series
    latest = (site / "2016-12-08" / "front.svg").read_bytes()
    assert b'<g id="change" class="change"' in latest and b">Taken by red forces since December 1</text>" in latest


def test_a_previous_figure_that_is_an_image_is_not_compared(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tiny / REPORT).write_text(report(FIGURE), encoding="utf-8")
    shutil.copy(REPO / "sitreps" / "figures" / "2016-12-08-aleppo-control.svg", tiny / "sitreps" / "figures" / "old.svg")
    week_1 = report(FIGURE.replace("map: figures/week-2.geojson", "image: figures/old.svg"), start="2016-11-25", end="2016-12-01")
    (tiny / "sitreps" / "2016-12-01.yaml").write_text(week_1, encoding="utf-8")
    build(tiny, monkeypatch)
    assert b'class="change"' not in (tiny / "site" / "reports" / "2016-12-08" / "front.svg").read_bytes()


def test_the_bundled_report_prints_its_map_with_the_place_names_as_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(tmp_path / "project")
    shutil.copy(BUNDLED_REPORT, root / REPORT)
    build(root, monkeypatch)
    published = (root / "site" / "reports" / "2016-12-08" / "aleppo-control.svg").read_bytes()
    assert b'<g id="change" class="change"' in published and b">Taken by pro-government forces since December 1</text>" in published
    text = pdftotext(root / "site" / "reports" / "2016-12-08.pdf")
    for name in ("West Aleppo", "Bustan al-Qasr", "Salah ad-Din", "Sukkari", "Old City", "Marjeh", "Jibreen", "Taken by pro-government forces since December 1"):
        assert name in text, name


def test_new_drops_the_previous_map_since_last_weeks_report_gives_it(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tiny)
    result = run(tiny, "new", "--end", "2016-12-15")
    assert result.exit_code == 0, result.output
    written = (tiny / "sitreps" / "2016-12-15.yaml").read_text(encoding="utf-8")
    assert "map: figures/week-2.geojson" in written
    assert "previous_map" not in written and "previous_date" not in written
