"""Key figures across weeks: ids, the change since the previous report, charts, the key-figures
page, the CSV (HXL) and JSON exports, and the checks that compare one week with the last.

The project tests/data/projects/keyfigures/ is one series of six weeks (January 5 to February 9,
2017) with four figures: 'people-displaced' (#affected+idps; 'approximately' in week 1, 'at
least' after), 'people-trapped' (region Aleppo), 'area-under-government-control' (in %), and
'civilians-evacuated' (#reached), given in weeks 3 to 5 only, so that week 6 no longer reports it.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import re
import shutil
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sitrepgen.cli import cli
from tests.helpers import REPO
from tests.test_build import pdftotext
from tests.test_sections import page, run, text_of

DATA = REPO / "tests" / "data" / "projects"
WEEKS = ["2017-01-05", "2017-01-12", "2017-01-19", "2017-01-26", "2017-02-02", "2017-02-09"]
DISPLACED = [80000, 90000, 95000, 110000, 120000, 118000]
TRAPPED = [150000, 120000, 100000, 60000, 40000, 35000]
CONTROL = [70, 75, 80, 85, 90, 95]
EVACUATED = {"2017-01-19": 8000, "2017-01-26": 15000, "2017-02-02": 21000}
SVG = "{http://www.w3.org/2000/svg}"

DROPPED = (
    "sitreps/2017-02-09.yaml:9:1: warning[dropped-figure]: key figure 'civilians-evacuated' (21,000 civilians "
    "evacuated under the agreement) of the previous report (sitreps/2017-02-02.yaml) is missing this week; give "
    "this week's value with the same id, or leave it out on purpose (the report then says it is no longer reported)\n"
)


def copy(tmp_path: Path, name: str = "keyfigures") -> Path:
    target = tmp_path / name
    shutil.copytree(DATA / "keyfigures", target, ignore=shutil.ignore_patterns("site", ".sitrepgen-cache"))
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def validate_in(root: Path, *args: str) -> Result:
    """validate run from the project folder, so paths print as the writer sees them."""
    here = Path.cwd()
    os.chdir(root)
    try:
        return CliRunner().invoke(cli, ["validate", *args], catch_exceptions=False)
    finally:
        os.chdir(here)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy(tmp_path_factory.mktemp("kf"))
    result = run(root, "build", "--jobs", "1")
    assert result.exit_code == 0, result.output
    return root


# --------------------------------------------------------------------------- exports


def hxl_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The CSV as libhxl reads it: its hashtag columns, and each row by hashtag (the first column
    of a tag). libhxl leaves the file open (upstream), hence the collection under a filter."""
    import hxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        source = hxl.data(str(path), hxl.InputOptions(allow_local=True))
        columns = [column.display_tag for column in source.columns]
        rows = [{tag: row.get(tag) for tag in columns} for row in source]
        del source
        gc.collect()
    return columns, rows


def test_csv_has_one_row_per_week_and_figure_and_parses_as_hxl(built: Path) -> None:
    path = built / "site" / "data" / "key-figures.csv"
    raw = path.read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n")
    lines = raw.decode("utf-8").splitlines()
    assert lines[1] == (
        "#meta+series,#date,#indicator+code,#indicator+name,#indicator+num,#indicator+unit,#indicator+qualifier,"
        "#date+asof,#adm1+name,#meta+source,#indicator+num+change,#date+previous,#meta+url,#affected+idps,#reached"
    )
    columns, data = hxl_rows(path)
    assert columns == lines[1].split(",")
    rows = [(row["#date"], row["#indicator+code"], row["#indicator+num"]) for row in data]
    expected = []
    for index, week in enumerate(WEEKS):
        found = {"people-displaced": DISPLACED[index], "people-trapped": TRAPPED[index], "area-under-government-control": CONTROL[index]}
        if week in EVACUATED:
            found["civilians-evacuated"] = EVACUATED[week]
        expected += [(week, key, str(found[key])) for key in sorted(found)]
    assert rows == expected  # by date, then id; one row per week and figure
    assert len(rows) == 6 * 3 + 3
    # The figures' own hashtags hold their values, so HXL tools find '#affected+idps' as such.
    assert [row["#affected+idps"] for row in data if row["#affected+idps"]] == [str(value) for value in DISPLACED]
    assert [row["#reached"] for row in data if row["#reached"]] == [str(value) for value in EVACUATED.values()]
    week2 = next(row for row in data if row["#date"] == WEEKS[1] and row["#indicator+code"] == "people-trapped")
    assert (week2["#indicator+num+change"], week2["#date+previous"], week2["#adm1+name"], week2["#meta+source"]) == ("-30000", "2017-01-05", "Aleppo", "Local councils")
    assert week2["#meta+url"] == "https://reports.example.org/reports/2017-01-12.html"


def test_json_has_one_row_per_report_and_figure(built: Path) -> None:
    rows = json.loads(page(built, "data/key-figures.json"))["key_figures"]
    assert len(rows) == 21
    first = rows[0]
    assert first == {
        "series": "syria", "series_name": "Syria", "date": "2017-01-05", "id": "area-under-government-control",
        "label": "of the eastern districts under government control", "value": 70, "unit": "%", "qualifier": "more than",
        "as_of": "2017-01-05", "region": None, "source": None, "hxl": None, "change": None, "since": None,
        "previous_value": None, "qualifiers_differ": None, "new": False, "report": "https://reports.example.org/reports/2017-01-05.html",
    }  # fmt: skip
    displaced = [row for row in rows if row["id"] == "people-displaced"]
    assert [row["change"] for row in displaced] == [None, 10000, 5000, 15000, 10000, -2000]
    assert [row["qualifiers_differ"] for row in displaced] == [None, True, False, False, False, False]
    evacuated = [row for row in rows if row["id"] == "civilians-evacuated"]
    assert [(row["date"], row["new"], row["change"]) for row in evacuated] == [("2017-01-19", True, None), ("2017-01-26", False, 7000), ("2017-02-02", False, 6000)]


def test_exports_and_charts_are_byte_identical_across_two_clean_builds(built: Path, tmp_path: Path) -> None:
    other = copy(tmp_path, "again")
    assert run(other, "build", "--jobs", "1").exit_code == 0
    made = sorted(p.relative_to(built / "site").as_posix() for p in (built / "site" / "data").rglob("*") if p.is_file())
    assert made == [
        "data/charts/syria/area-under-government-control.svg",
        "data/charts/syria/civilians-evacuated.svg",
        "data/charts/syria/people-displaced.svg",
        "data/charts/syria/people-trapped.svg",
        "data/key-figures.csv",
        "data/key-figures.json",
    ]
    for name in [*made, "key-figures.html", *(f"reports/{week}.html" for week in WEEKS)]:
        assert (built / "site" / name).read_bytes() == (other / "site" / name).read_bytes(), name


def test_hostile_labels_stay_text_in_charts_and_data(tmp_path: Path) -> None:
    root = copy(tmp_path)
    for week in WEEKS:
        path = root / "sitreps" / f"{week}.yaml"
        edit(path, "    label: people remaining in the besieged districts\n", "    label: \"</text><script>alert(1)</script>{{ 7*7 }}\"\n")
        edit(path, "    source: Local councils\n", '    source: "=HYPERLINK(\\"http://evil.example/\\")"\n')
    assert run(root, "build", "--jobs", "1").exit_code == 0
    chart = (root / "site" / "data" / "charts" / "syria" / "people-trapped.svg").read_text(encoding="utf-8")
    assert "<script" not in chart and "&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}, by report" in chart
    assert {e.tag.removeprefix(SVG) for e in ET.fromstring(chart).iter()} <= ALLOWED
    lines = (root / "site" / "data" / "key-figures.csv").read_text(encoding="utf-8").splitlines()
    trapped = [line for line in lines if ",people-trapped," in line]
    assert trapped[0].startswith('syria,2017-01-05,people-trapped,</text><script>alert(1)</script>{{ 7*7 }},150000,,,2017-01-05,Aleppo,"\'=HYPERLINK(""http://evil.example/"")",,,')
    assert trapped[1].split(",")[10] == "-30000"  # a number keeps its sign
    rows = json.loads((root / "site" / "data" / "key-figures.json").read_text(encoding="utf-8"))["key_figures"]
    assert next(row["source"] for row in rows if row["id"] == "people-trapped") == '=HYPERLINK("http://evil.example/")'


# --------------------------------------------------------------------------- the change since last week


CHANGES = {
    "2017-01-12": [
        "▲ 10,000 since January 5, 2017 (approximately 80,000 then, at least 90,000 now)",
        "▼ 30,000 since January 5, 2017",
        "▲ 5 percentage points since January 5, 2017",
    ],
    "2017-01-19": ["▲ 5,000 since January 12, 2017", "▼ 20,000 since January 12, 2017", "▲ 5 percentage points since January 12, 2017"],
    "2017-01-26": ["▲ 15,000 since January 19, 2017", "▼ 40,000 since January 19, 2017", "▲ 5 percentage points since January 19, 2017", "▲ 7,000 since January 19, 2017"],
    "2017-02-02": ["▲ 10,000 since January 26, 2017", "▼ 20,000 since January 26, 2017", "▲ 5 percentage points since January 26, 2017", "▲ 6,000 since January 26, 2017"],
    "2017-02-09": ["▼ 2,000 since February 2, 2017", "▼ 5,000 since February 2, 2017", "▲ 5 percentage points since February 2, 2017"],
}


def changes_in(html: str) -> list[str]:
    """The change of each figure as a sighted reader sees it (the words for screen readers left out)."""
    found = re.findall(r'<span class="key-change key-change-\w+">((?:<span[^>]*>[^<]*</span>|[^<])*)</span>', html)
    return [" ".join(re.sub(r'<span class="visually-hidden">[^<]*</span>|<[^>]+>', "", f).split()) for f in found]


def test_each_report_page_states_the_change_since_the_week_before(built: Path) -> None:
    first = page(built, f"reports/{WEEKS[0]}.html")
    assert "key-change" not in first and "key-spark" not in first  # nothing before the first week
    for week, expected in CHANGES.items():
        html = page(built, f"reports/{week}.html")
        assert changes_in(html) == expected, week
    # The arrow is hidden from screen readers, which read a word instead.
    html = page(built, "reports/2017-01-12.html")
    assert '<span aria-hidden="true">▼</span><span class="visually-hidden">down</span> 30,000 since January 5, 2017' in html
    # New this week, and no longer reported.
    assert text_of(page(built, "reports/2017-01-19.html")).count("new this week") == 1
    assert '<p class="key-dropped">No longer reported: 21,000 civilians evacuated under the agreement on February 2, 2017.</p>' in page(built, "reports/2017-02-09.html")


def test_markdown_states_the_change(built: Path) -> None:
    md = page(built, "reports/2017-01-12.md")
    assert (
        "- **at least 90,000** people displaced from the eastern districts (UNHCR, as of January 12, 2017) · "
        "▲ up 10,000 since January 5, 2017 (approximately 80,000 then, at least 90,000 now)\n"
    ) in md
    assert "- **120,000** people remaining in the besieged districts (Local councils, as of January 12, 2017) · ▼ down 30,000 since January 5, 2017\n" in md
    assert "civilians evacuated under the agreement (Russian Ministry of Defence, as of January 19, 2017) · new this week\n" in page(built, "reports/2017-01-19.md")
    assert "\nNo longer reported: 21,000 civilians evacuated under the agreement on February 2, 2017.\n" in page(built, "reports/2017-02-09.md")


def test_pdf_strip_states_the_change(built: Path) -> None:
    text = " ".join(pdftotext(built / "site" / "reports" / "2017-02-09.pdf").split())
    assert "▼down 2,000 since February 2, 2017" in text.replace("▼ down", "▼down")
    assert "No longer reported: 21,000 civilians evacuated under the agreement on February 2, 2017." in text


def test_sparkline_beside_each_figure_up_to_its_report(built: Path) -> None:
    html = page(built, "reports/2017-01-19.html")
    sparks = re.findall(r'<a class="key-spark" href="([^"]+)"><svg (.*?)</svg><span class="visually-hidden">([^<]*)</span>', html)
    # Three figures have two or more values by week 3; the evacuations start that week.
    assert [(href, label) for href, _, label in sparks] == [
        ("../key-figures.html#syria-people-displaced", "Chart of this figure over 3 reports"),
        ("../key-figures.html#syria-people-trapped", "Chart of this figure over 3 reports"),
        ("../key-figures.html#syria-area-under-government-control", "Chart of this figure over 3 reports"),
    ]
    assert all(body.count(",") == 3 for _, body, _ in sparks)  # three points drawn, no later week
    assert 'aria-hidden="true"' in sparks[0][1]


# --------------------------------------------------------------------------- charts and the page


ALLOWED = {"svg", "title", "desc", "g", "rect", "line", "polyline", "circle", "text"}


def test_charts_are_plain_static_svg_with_real_text(built: Path) -> None:
    path = built / "site" / "data" / "charts" / "syria" / "people-trapped.svg"
    root = ET.fromstring(path.read_bytes())
    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert tags <= ALLOWED
    for element in root.iter():
        for name, value in element.attrib.items():
            assert "url(" not in value and "href" not in name and not name.startswith("on"), (name, value)
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert "people remaining in the besieged districts, by report" in texts
    assert [t for t in texts if t and t[0].isdigit() and "," in t and t not in ("0",)][-6:] == [f"{v:,}" for v in TRAPPED]
    assert {"Jan 5, 2017", "Jan 12", "Feb 9"} <= set(texts)
    # A figure given 'at least' is drawn with open circles, and the chart says what they mean.
    displaced = ET.fromstring((built / "site" / "data" / "charts" / "syria" / "people-displaced.svg").read_bytes())
    assert [c.get("fill") for c in displaced.iter(f"{SVG}circle")] == ["#ffffff"] * 6
    assert "Open circles: values given as 'approximately' or 'at least'." in [t.text for t in displaced.iter(f"{SVG}text")]


def test_key_figures_page_has_each_chart_and_a_table_of_the_same_numbers(built: Path) -> None:
    html = page(built, "key-figures.html")
    assert '<a href="data/key-figures.csv" download>CSV with HXL hashtags</a> · <a href="data/key-figures.json" download>JSON</a>' in html
    assert '<img src="data/charts/syria/people-trapped.svg" alt="Line chart of people remaining in the besieged districts, Jan 5, 2017 to Feb 9, 2017: 6 values from 35,000 to 150,000. The numbers are in the table below."' in html
    section = html[html.index('id="syria-people-trapped"') : html.index('id="syria-area-under-government-control"')]
    rows = re.findall(r"<tr>(.*?)</tr>", section, re.S)[1:]
    assert [text_of(row) for row in rows][:2] == [
        "December 30, 2016 – January 5, 2017 150,000 (as of January 5, 2017) Local councils",
        "January 6–12, 2017 120,000 (as of January 12, 2017) ▼ down 30,000 since January 5, 2017 Local councils",
    ]
    assert len(rows) == 6
    # Every page links it from the navigation.
    assert '<a href="../key-figures.html">Key figures</a>' in page(built, "reports/2017-01-05.html")
    assert '<a href="key-figures.html">Key figures</a>' in page(built, "index.html")


def test_bundled_report_has_ids_but_no_change_and_one_point_charts(project: Path) -> None:
    assert run(project, "build", "--jobs", "1").exit_code == 0
    html = (project / "site" / "key-figures.html").read_text(encoding="utf-8")
    assert html.count("One report so far: the chart starts with the second.") == 4
    assert not (project / "site" / "data" / "charts").exists()
    rows = json.loads((project / "site" / "data" / "key-figures.json").read_text(encoding="utf-8"))["key_figures"]
    assert [(row["id"], row["value"], row["hxl"]) for row in rows] == [
        ("civilians-to-be-evacuated", 8000, None),
        ("east-aleppo-under-government-control", 70, None),
        ("people-in-opposition-canton", 150000, None),
        ("people-moved-to-government-areas", 90000, "#affected+idps"),
    ]


def test_a_site_without_key_figure_ids_has_no_page_nor_data(tmp_path: Path) -> None:
    root = tmp_path / "real"
    shutil.copytree(DATA / "real", root)
    assert run(root, "build", "--jobs", "1").exit_code == 0
    assert not (root / "site" / "key-figures.html").exists() and not (root / "site" / "data").exists()
    assert "key-figures.html" not in (root / "site" / "index.html").read_text(encoding="utf-8")


def test_a_gap_breaks_the_line_and_several_series_keep_their_charts_apart(tmp_path: Path) -> None:
    root = copy(tmp_path)
    week4 = root / "sitreps" / "2017-01-26.yaml"
    edit(week4, "  - id: people-trapped\n", "  - id: people-trapped-elsewhere\n")
    other = root / "sitreps" / "isw"
    other.mkdir()
    shutil.copy(root / "sitreps" / "2017-01-05.yaml", other / "2017-01-05.yaml")
    shutil.copy(root / "sitreps" / "2017-01-12.yaml", other / "2017-01-12.yaml")
    result = run(root, "build", "--jobs", "1")
    assert result.exit_code == 0, result.output
    chart = ET.fromstring((root / "site" / "data" / "charts" / "syria" / "people-trapped.svg").read_bytes())
    assert len(list(chart.iter(f"{SVG}polyline"))) == 2  # weeks 1-3, then 5-6
    assert (root / "site" / "data" / "charts" / "isw" / "syria" / "people-trapped.svg").is_file()
    html = (root / "site" / "key-figures.html").read_text(encoding="utf-8")
    assert 'id="isw-syria-people-trapped"' in html and 'id="syria-people-trapped"' in html
    assert "<td colspan=\"3\" class=\"key-missing\">not reported</td>" in html
    series = [row["series"] for row in json.loads((root / "site" / "data" / "key-figures.json").read_text(encoding="utf-8"))["key_figures"]]
    assert series == ["syria"] * series.count("syria") + ["isw/syria"] * 6  # by series (folder, name), then date


# --------------------------------------------------------------------------- what the outputs read


def test_charts_and_exports_read_only_the_plans_reports(built: Path) -> None:
    """A figure removed from the models (as the audiences filter will do) reaches no chart,
    page or data file: the outputs never read the YAML again."""
    from sitrepgen import render
    from sitrepgen.config import load_project
    from sitrepgen.outputs import Plan, data, key_figures
    from sitrepgen.series import order_key
    from sitrepgen.site import gather, site_context

    project = load_project(built)
    reports, _ = gather(project)
    for item in reports:
        item.report = item.report.model_copy(update={"key_figures": [f for f in item.report.key_figures if f.id != "people-trapped"]})
    plan = Plan(project, render.make_environment(project.templates_dir), site_context(project), sorted(reports, key=order_key))
    files = {**key_figures.render(plan), **data.render(plan)}
    assert "data/charts/syria/people-trapped.svg" not in files
    assert all(b"people-trapped" not in content and b"besieged" not in content for content in files.values() if isinstance(content, bytes))


def test_validate_and_a_noop_build_do_not_import_chart_code(built: Path) -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from sitrepgen.cli import cli\n"
        f"r = CliRunner().invoke(cli, ['-C', {str(built)!r}, 'validate'])\n"
        "assert r.exit_code == 0, r.output\n"
        f"r = CliRunner().invoke(cli, ['-C', {str(built)!r}, 'build'])\n"
        "assert 'up to date' in r.output, r.output\n"
        "print(sorted(m for m in sys.modules if m in ('sitrepgen.charts', 'sitrepgen.outputs.key_figures', 'sitrepgen.outputs.data', 'weasyprint')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- lints over the series


def test_dropped_figure(tmp_path: Path) -> None:
    root = copy(tmp_path)
    result = validate_in(root)
    assert result.exit_code == 0
    assert result.stdout == DROPPED


def test_unit_jump_and_label_across_weeks(tmp_path: Path) -> None:
    root = copy(tmp_path)
    week4 = root / "sitreps" / "2017-01-26.yaml"
    edit(week4, "    value: 60000\n", "    value: 160000\n")
    edit(week4, '    unit: "%"\n', "    unit: km2\n")
    edit(week4, "  - id: civilians-evacuated\n", "  - id: evacuated-civilians\n")
    result = validate_in(root, "sitreps/2017-01-19.yaml", "sitreps/2017-01-26.yaml")
    assert result.exit_code == 0
    assert result.stdout == (
        "sitreps/2017-01-26.yaml:9:1: warning[dropped-figure]: key figure 'civilians-evacuated' (8,000 civilians evacuated under the agreement) "
        "of the previous report (sitreps/2017-01-19.yaml) is missing this week; give this week's value with the same id, or leave it out on "
        "purpose (the report then says it is no longer reported)\n"
        "sitreps/2017-01-26.yaml:19:12: warning[key-figure-jump]: key figure 'people-trapped' went from 100,000 to 160,000 (+60%) since the "
        "previous report (sitreps/2017-01-19.yaml) with the same source ('Local councils'); check the number, and name the new source if it "
        "is a new estimate (key_figure_jump: 0.5 in sitrepgen.yaml)\n"
        "sitreps/2017-01-26.yaml:27:11: warning[key-figure-unit]: key figure 'area-under-government-control' is in 'km2' this week but was "
        "in '%' in the previous report (sitreps/2017-01-19.yaml); the change cannot be computed across units: use the same unit, or a new "
        "id for a new measure\n"
        "sitreps/2017-01-26.yaml:29:9: warning[key-figure-label]: key figure 'evacuated-civilians' has the label that 'civilians-evacuated' "
        "had in the previous report (sitreps/2017-01-19.yaml); if it is the same figure, keep the id 'civilians-evacuated' so that its "
        "weeks join up\n"
    )
    # The page says what it can: the other unit, instead of a difference.
    assert run(root, "build", "--jobs", "1").exit_code == 0
    html = (root / "site" / "reports" / "2017-01-26.html").read_text(encoding="utf-8")
    assert '<span class="key-change key-change-other-unit">more than 80% on January 19, 2017, in another unit</span>' in html


def test_jump_threshold_is_a_setting(tmp_path: Path) -> None:
    root = copy(tmp_path)
    edit(root / "sitreps" / "2017-01-26.yaml", "    value: 60000\n", "    value: 160000\n")
    files = ("sitreps/2017-01-19.yaml", "sitreps/2017-01-26.yaml")
    assert "key-figure-jump" in validate_in(root, *files).stdout
    edit(root / "sitrepgen.yaml", "key_figure_jump: 0.5\n", "key_figure_jump: 0.7\n")
    assert "key-figure-jump" not in validate_in(root, *files).stdout
    edit(root / "sitrepgen.yaml", "key_figure_jump: 0.7\n", "key_figure_jump: null\n")
    assert "key-figure-jump" not in validate_in(root, *files).stdout
    # A new source is a new estimate: no warning however far it moved.
    edit(root / "sitrepgen.yaml", "key_figure_jump: null\n", "key_figure_jump: 0.5\n")
    edit(root / "sitreps" / "2017-01-26.yaml", "    source: Local councils\n", "    source: OCHA\n")
    assert "key-figure-jump" not in validate_in(root, *files).stdout
    edit(root / "sitrepgen.yaml", "key_figure_jump: 0.5\n", "key_figure_jump: 0\n")
    result = validate_in(root, *files)
    assert result.exit_code == 1
    assert result.stdout == "sitrepgen.yaml:4:18: error[invalid-value]: 'key_figure_jump' must be more than 0, not the number 0\n"


def test_two_labels_in_one_report(tmp_path: Path) -> None:
    root = copy(tmp_path)
    edit(root / "sitreps" / "2017-01-05.yaml", "    label: people remaining in the besieged districts\n", "    label: People displaced from the  eastern districts\n")
    result = validate_in(root, "sitreps/2017-01-05.yaml")
    assert result.stdout == (
        "sitreps/2017-01-05.yaml:18:12: warning[key-figure-label]: key figures 'people-displaced' (line 12) and 'people-trapped' have one "
        "label; give them labels that tell them apart, or one id if they are one figure\n"
    )


def test_series_checks_compare_only_the_files_given(tmp_path: Path) -> None:
    """validate FILE (the pre-commit hook) compares the files given; week 6 alone has no week 5."""
    root = copy(tmp_path)
    assert validate_in(root, "sitreps/2017-02-09.yaml").stdout == ""
    assert validate_in(root, "sitreps/2017-02-02.yaml", "sitreps/2017-02-09.yaml").stdout == DROPPED


def test_a_cached_report_is_parsed_only_to_place_a_series_diagnostic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports whose lint diagnostics come from the cache are read with the fast loader; the
    round-trip tree (positions) is built only for the report a series check places a warning in."""
    from sitrepgen import load
    from sitrepgen.cache import ReportCache, cache_folder
    from sitrepgen.config import load_project
    from sitrepgen.diagnostics import CODES
    from sitrepgen.site import gather

    root = copy(tmp_path)
    monkeypatch.chdir(root)
    project = load_project(root)
    folder = cache_folder(root, lambda message: None)
    cache = ReportCache(folder, lambda message: None, CODES)
    _, first = gather(project, cache=cache)
    cache.save()
    calls: list[str] = []
    original = load._parse

    def counted(doc: load.Document) -> object:
        calls.append(doc.path.name)
        return original(doc)

    monkeypatch.setattr(load, "_parse", counted)
    reports, second = gather(project, cache=ReportCache(folder, lambda message: None, CODES))
    assert len(reports) == 6
    assert [d.format_text() + "\n" for d in second] == [DROPPED] == [d.format_text() + "\n" for d in first]
    assert calls == ["2017-02-09.yaml"]  # week 6, to place its warning; the five others are never parsed


# --------------------------------------------------------------------------- validating ids and tags


def test_invalid_id_and_hxl_tag_are_errors_at_their_values(tmp_path: Path) -> None:
    root = copy(tmp_path)
    week2 = root / "sitreps" / "2017-01-12.yaml"
    edit(week2, "  - id: people-displaced\n", "  - id: People Displaced\n")
    edit(week2, '    hxl: "#affected+idps"\n', '    hxl: "affected +IDPs"\n')
    edit(week2, "  - id: people-trapped\n", "  - id: 42\n")
    edit(week2, "  - id: area-under-government-control\n", '  - id: area-under-government-control\n    hxl: "#1area"\n')
    result = validate_in(root, "sitreps/2017-01-12.yaml")
    assert result.exit_code == 1
    assert result.stdout == (
        "sitreps/2017-01-12.yaml:10:9: error[invalid-value]: 'key_figures[0].id': 'People Displaced' is not an id: write it in lower case, "
        "with letters, digits and single hyphens between words, e.g. 'people-displaced'\n"
        "sitreps/2017-01-12.yaml:11:10: error[invalid-value]: 'key_figures[0].hxl': 'affected +IDPs' is not an HXL hashtag: write '#', "
        "the tag, then each attribute after '+', in lower case without spaces: '#affected+idps'\n"
        "sitreps/2017-01-12.yaml:17:9: error[wrong-type]: 'key_figures[1].id' must be text, not the number 42\n"
        "sitreps/2017-01-12.yaml:24:10: error[invalid-value]: 'key_figures[2].hxl': '#1area' is not an HXL hashtag: write '#', the tag, "
        "then each attribute after '+', in lower case without spaces, e.g. '#affected+idps' or '#inneed'\n"
    )


def test_two_figures_with_one_id_is_an_error_and_a_missing_id_a_warning(tmp_path: Path) -> None:
    root = copy(tmp_path)
    week1 = root / "sitreps" / "2017-01-05.yaml"
    edit(week1, "  - id: area-under-government-control\n", "  - id: people-trapped\n")
    edit(week1, "sections:\n", "  - label: towns retaken\n    value: 4\nsections:\n")
    result = validate_in(root, "sitreps/2017-01-05.yaml")
    assert result.exit_code == 1
    assert result.stdout == (
        "sitreps/2017-01-05.yaml:23:9: error[duplicate-key-figure-id]: key figure id 'people-trapped' is already used (line 17); each key "
        "figure of a report needs its own id\n"
        "sitreps/2017-01-05.yaml:29:5: warning[missing-key-figure-id]: key figure 'towns retaken' has no id, unlike the others of this "
        "report; without one it gets no change since last week, no chart and no row in the data files\n"
    )


def test_old_reports_without_ids_are_not_asked_for_them(tmp_path: Path) -> None:
    root = copy(tmp_path)
    for path in (root / "sitreps").glob("*.yaml"):
        text = re.sub(r"  - id: [a-z-]+\n    ", "  - ", path.read_text(encoding="utf-8"))
        path.write_text(text, encoding="utf-8")
    assert validate_in(root).stdout == ""
    assert run(root, "build", "--jobs", "1").exit_code == 0
    assert "key-change" not in (root / "site" / "reports" / "2017-01-12.html").read_text(encoding="utf-8")
    assert not (root / "site" / "key-figures.html").exists()


def test_new_keeps_ids_tags_and_regions(tmp_path: Path) -> None:
    root = copy(tmp_path)
    assert run(root, "new").exit_code == 0
    made = (root / "sitreps" / "2017-02-16.yaml").read_text(encoding="utf-8")
    assert made.count("  - id: ") == 3
    assert "  - id: people-displaced\n    hxl: \"#affected+idps\"\n    label: 'TODO: people displaced from the eastern districts'\n" in made
    assert "    region: Aleppo\n" in made
    # Last week's values are kept: no change, so no jump; and no figure is dropped.
    result = validate_in(root, "sitreps/2017-02-09.yaml", "sitreps/2017-02-16.yaml")
    assert "dropped-figure" not in result.stdout and "key-figure-jump" not in result.stdout


# --------------------------------------------------------------------------- the parts


def test_differences_keep_the_precision_of_the_values() -> None:
    from sitrepgen.trends import difference

    assert difference(0.3, 0.1) == 0.2
    assert difference(70.5, 70) == 0.5
    assert difference(90000, 80000) == 10000 and isinstance(difference(90000, 80000), int)


def test_nice_ticks_and_wrapping() -> None:
    from sitrepgen.charts import nice_ticks, wrap

    assert nice_ticks(0, 150000) == [0, 50000, 100000, 150000]
    assert nice_ticks(0, 95) == [0, 25, 50, 75, 100]
    assert nice_ticks(0, 0) == [0, 0.25, 0.5, 0.75, 1]
    assert nice_ticks(-3, 7) == [-5, -2.5, 0, 2.5, 5, 7.5]
    assert wrap("a b c", 3) == ["a b", "c"]


def test_change_words() -> None:
    from sitrepgen.model import KeyFigure
    from sitrepgen.render import change_view
    from sitrepgen.trends import Change

    def change(old: KeyFigure, new: KeyFigure) -> str:
        return change_view(Change("x", old, new, dt.date(2016, 12, 1))).plain

    kf = KeyFigure
    assert change(kf(label="l", value=90000), kf(label="l", value=90000)) == "unchanged since December 1, 2016"
    assert change(kf(label="l", value=70, unit="%"), kf(label="l", value=71, unit="%")) == "▲ up 1 percentage point since December 1, 2016"
    assert change(kf(label="l", value=12, unit="km"), kf(label="l", value=10.5, unit="km")) == "▼ down 1.5 km since December 1, 2016"
    assert change(kf(label="l", value=9, qualifier="exactly"), kf(label="l", value=9)) == "unchanged since December 1, 2016"
