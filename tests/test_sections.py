"""Real reports, not one: sections and blocks, figure labels, several series and organisations.

The projects under tests/data/projects/ are four structurally different reports (and their
neighbours in a series): a topical report with section headings and a report-level map after its
summary (real/sitreps/syria/2017-11-15.yaml), a report with an unnumbered figure and the
"Figure 1 -" label style whose numbered figure does not fit at the foot of page 1
(labels/sitreps/2017-03-09.yaml), and two organisations' reports of the same week in two folders
(real/sitreps/syria/ and real/sitreps/isw/).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sitrepgen import render
from sitrepgen.cli import cli
from sitrepgen.model import Report
from tests.helpers import REPO, line_of

DATA = REPO / "tests" / "data" / "projects"
ATOM = "{http://www.w3.org/2005/Atom}"


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


def copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(DATA / name, target, ignore=shutil.ignore_patterns("site", ".sitrepgen-cache"))
    return target


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project of several series and organisations, built once."""
    root = copy("real", tmp_path_factory.mktemp("real"))
    result = run(root, "build", "--jobs", "1")
    assert result.exit_code == 0, result.output
    return root


def page(root: Path, name: str) -> str:
    return (root / "site" / name).read_text(encoding="utf-8")


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --------------------------------------------------------------------------- blocks in order


def test_blocks_print_where_they_are_listed(real: Path) -> None:
    html = page(real, "reports/syria/2017-11-15.html")
    order = [html.index(needle) for needle in (
        'class="summary"', 'id="fig-syria-2017-11-15-country"', 'class="key-figures"' if "key-figures" in html else 'id="opposition-developments"',
        "Pro-government forces entered Albu Kamal", 'id="fig-syria-2017-11-15-deir-ez-zor"', "In eastern Homs",
    )]
    assert order == sorted(order)
    # Both figures are placed where they are listed though no text cites them: no warning.
    assert run(real, "validate").stdout == ""
    assert "<span class=\"figure-label\">Figure 1</span> Areas of control by November 15." in html
    assert "<span class=\"figure-label\">Figure 2</span> The Euphrates valley" in html


def test_section_headings_and_regions(real: Path) -> None:
    html = page(real, "reports/syria/2017-11-15.html")
    assert '<h2 id="opposition-developments-heading">Opposition developments</h2>' in html
    assert 'data-region="Deir ez-Zor, Homs"' in html
    # A section without a heading after one with a heading is set apart in print and on screen.
    assert '<section class="region set-apart" id="rural-damascus" aria-label="Rural Damascus"' in html
    assert ".region.set-apart {" in page(real, "assets/style.css")
    # Each region of a section gets the section in its history, under the section's heading.
    homs = page(real, "regions/homs.html")
    assert '<h3 class="section-heading">Government and allies</h3>' in homs and "In eastern Homs" in homs
    assert "Opposition developments" not in homs
    assert 'href="../reports/syria/2017-11-15.html#government-and-allies"' in homs
    assert '<p class="region-week-series">Syria · Example Monitoring Group</p>' in homs


def test_markdown_follows_the_same_order(real: Path) -> None:
    md = page(real, "reports/syria/2017-11-15.md")
    assert md.index("**Figure 1** Areas of control") < md.index("## Opposition developments") < md.index("## Government and allies")
    assert md.index("Pro-government forces entered") < md.index("**Figure 2**") < md.index("In eastern Homs")


def test_older_regions_form_builds_as_before(project: Path, update_golden: bool) -> None:
    """The bundled report (regions, paragraphs, figures placed by their first reference) gives
    the same report page, Markdown and region page as before the sections form existed."""
    assert run(project, "build").exit_code == 0
    golden = REPO / "tests" / "data" / "golden"
    for name, file in (("reports/2016-12-08.html", "2016-12-08.html"), ("reports/2016-12-08.md", "2016-12-08.md"), ("regions/aleppo.html", "region-aleppo.html")):
        made = (project / "site" / name).read_text(encoding="utf-8")
        if update_golden:
            (golden / file).write_text(made, encoding="utf-8")
        assert made == (golden / file).read_text(encoding="utf-8"), name


def test_summary_of_several_paragraphs_and_excerpt(tmp_path: Path) -> None:
    root = copy("labels", tmp_path)
    assert run(root, "build", "--jobs", "1").exit_code == 0
    html = page(root, "reports/2017-03-09.html")
    summary = html[html.index('<section class="summary"') : html.index("</section>")]
    assert summary.count("<p>") == 2
    assert '<h1 class="title">Weekly Conflict Summary <span class="excerpt">(excerpt)</span></h1>' in html
    assert 'Published <time datetime="2017-03-10">Friday, March 10, 2017</time>' in html


# --------------------------------------------------------------------------- figure labels


def test_label_style_and_unnumbered_figure(tmp_path: Path) -> None:
    root = copy("labels", tmp_path)
    assert run(root, "build", "--jobs", "1").exit_code == 0
    html = page(root, "reports/2017-03-09.html")
    # The unnumbered overview has no label; the first numbered figure is "Figure 1 -".
    assert "<figcaption>Overview of the areas discussed in this report.</figcaption>" in html
    assert '<span class="figure-label">Figure 1 -</span> The Euphrates valley east of Raqqa' in html
    # A cross-reference prints the label without its separator.
    assert 'See <a class="figref" href="#fig-2017-03-09-raqqa">Figure 1</a> for the front lines' in html
    md = page(root, "reports/2017-03-09.md")
    assert "**Figure 1 -** The Euphrates valley" in md and "See Figure 1 for the front lines" in md
    assert "\nOverview of the areas discussed in this report.\n" in md


def test_label_and_reference_text() -> None:
    assert render.figure_label("Figure {n}:", 3) == "Figure 3:"
    assert [render.reference_text(label) for label in ("Figure 1 -", "Figure 1:", "Map 2.", "Figure 3", "Fig. 4 –")] == [
        "Figure 1", "Figure 1", "Map 2", "Figure 3", "Fig. 4",
    ]


def test_figure_label_setting_is_checked(tmp_path: Path) -> None:
    root = copy("labels", tmp_path)
    (root / "sitrepgen.yaml").write_text('title: Label styles\nfigure_label: "Figure -"\n', encoding="utf-8")
    result = run(root, "validate")
    assert result.exit_code == 1
    assert result.stdout == (
        f"{(root / 'sitrepgen.yaml').as_posix()}:2:15: error[invalid-value]: 'figure_label': 'Figure -' must hold {{n}} "
        "(the figure's number) exactly once, and no other braces: 'Figure {n} -'\n"
    )


# --------------------------------------------------------------------------- mistakes at their line

MINIMAL = """\
title: Weekly Conflict Summary
period:
  start: 2017-11-09
  end: 2017-11-15
published: 2017-11-16
"""


def check(tmp_path: Path, body: str, config: str = "") -> Result:
    root = tmp_path / "p"
    (root / "sitreps" / "figures").mkdir(parents=True, exist_ok=True)
    shutil.copy(DATA / "real" / "sitreps" / "syria" / "figures" / "country.svg", root / "sitreps" / "figures" / "map.svg")
    (root / "sitrepgen.yaml").write_text(config or "title: T\ngazetteer:\n  - name: Idleb\n    variants: [Idlib]\n", encoding="utf-8")
    (root / "sitreps" / "2017-11-15.yaml").write_text(MINIMAL + body, encoding="utf-8")
    return run(root, "validate")


def lines(result: Result) -> list[str]:
    """The diagnostics, with the folder of the temporary project taken off."""
    return [line.split("/p/", 1)[1] for line in result.stdout.splitlines()]


def test_region_given_twice(tmp_path: Path) -> None:
    body = "regions:\n  - name: Aleppo\n    paragraphs: [One.]\n  - name: Homs\n    paragraphs: [Two.]\n  - name: Aleppo\n    paragraphs: [Three.]\n"
    assert lines(check(tmp_path, body)) == [
        "sitreps/2017-11-15.yaml:11:11: error[duplicate-section]: region 'Aleppo' is given twice (first on line 7); put all of its text in one region",
    ]


def test_section_given_twice(tmp_path: Path) -> None:
    body = (
        "sections:\n  - heading: Opposition developments\n    region: Idleb\n    blocks: [One.]\n"
        "  - region: Homs\n    blocks: [Two.]\n  - heading: Opposition developments\n    blocks: [Three.]\n"
        "  - region: Homs\n    blocks: [Four.]\n"
    )
    assert lines(check(tmp_path, body)) == [
        "sitreps/2017-11-15.yaml:12:14: error[duplicate-section]: the section 'Opposition developments' is given twice (first on line 7); put all of its text in one section",
        "sitreps/2017-11-15.yaml:14:13: error[duplicate-section]: a section for 'Homs' without a heading is given twice (first on line 10); put all of its text in one section, or give each a heading",
    ]


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("{fig: map}", "'{fig: map}' is not a figure reference: write {fig:map}: the word 'fig', a colon, and the figure's lower-case id, with no spaces"),
        ("{fig:Map}", "'{fig:Map}' is not a figure reference: write {fig:map}: the word 'fig', a colon, and the figure's lower-case id, with no spaces"),
        ("{figure:map}", "'{figure:map}' is not a figure reference: write {fig:map}: the word 'fig', a colon, and the figure's lower-case id, with no spaces"),
        ("{fig:map and more", "'{fig:map' is not a figure reference: it is not closed with '}'; write {fig:map}"),
    ],
)
def test_malformed_reference(tmp_path: Path, written: str, message: str) -> None:
    body = (
        "sections:\n  - region: Aleppo\n    blocks:\n"
        f"      - 'The front lines ({written}).'\n"
        "      - figure: {id: map, image: figures/map.svg, caption: A map., alt: A map.}\n"
    )
    col = len("      - 'The front lines (") + 1
    assert lines(check(tmp_path, body)) == [f"sitreps/2017-11-15.yaml:9:{col}: error[malformed-reference]: {message}"]


def test_reference_to_an_unnumbered_figure(tmp_path: Path) -> None:
    body = (
        "sections:\n  - region: Aleppo\n    blocks:\n"
        "      - figure: {id: map, image: figures/map.svg, caption: A map., alt: A map., numbered: false}\n"
        "      - See {fig:map}.\n"
    )
    assert lines(check(tmp_path, body)) == [
        "sitreps/2017-11-15.yaml:10:13: error[unnumbered-reference]: {fig:map} refers to a figure with 'numbered: false', "
        "which has no number to print; remove the reference or number the figure",
    ]


def test_caption_that_starts_with_its_label(tmp_path: Path) -> None:
    body = (
        "sections:\n  - region: Aleppo\n    blocks:\n"
        "      - figure:\n          id: map\n          image: figures/map.svg\n"
        "          caption: Figure 1 - Areas of control by November 15.\n          alt: A map.\n"
    )
    message = "the caption starts with a figure label ('Figure 1 -'); sitrepgen prints the label itself: remove it from the caption"
    assert lines(check(tmp_path, body)) == [f"sitreps/2017-11-15.yaml:12:20: warning[caption-label]: {message}"]
    # With the project's own label style too: "Figure 1:" is a label of "Figure {n}:".
    styled = check(tmp_path, body.replace("caption: Figure 1 - Areas", "caption: 'Figure 1: Areas").replace("November 15.\n", "November 15.'\n"), 'title: T\nfigure_label: "Figure {n}:"\n')
    assert lines(styled) == [f"sitreps/2017-11-15.yaml:12:20: warning[caption-label]: {message.replace('Figure 1 -', 'Figure 1:')}"]


def test_gazetteer_checks_names_headings_labels_captions_and_alt_text(tmp_path: Path) -> None:
    body = (
        "title: Idlib weekly\n"
        "key_figures:\n  - label: people displaced in Idlib\n    value: 1000\n"
        "sections:\n  - heading: Idlib offensive\n    region: Idlib\n    blocks:\n"
        "      - The front in Idleb.\n"
        "      - figure: {id: map, image: figures/map.svg, caption: Control in Idlib., alt: Map of Idlib.}\n"
    )
    result = check(tmp_path, body.replace("title: Idlib weekly\n", ""))
    found = [(line.split(":")[1], line.split(": ")[1]) for line in lines(result)]
    assert found == [
        ("7", "warning[place-name]"),  # key figure label
        ("10", "warning[place-name]"),  # heading
        ("11", "warning[place-name]"),  # region name: would start a second history for Idleb
        ("14", "warning[place-name]"),  # caption
        ("14", "warning[place-name]"),  # alt text
    ]
    assert all("'Idlib' is spelled 'Idleb' in this series (gazetteer); write 'Idleb'" in line for line in lines(result))


def test_gazetteer_checks_the_title(tmp_path: Path) -> None:
    root = tmp_path / "p"
    check(tmp_path, "sections:\n  - region: Aleppo\n    blocks: [Text.]\n")
    path = root / "sitreps" / "2017-11-15.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Weekly Conflict Summary", "title: Idlib Weekly"), encoding="utf-8")
    assert lines(run(root, "validate")) == [
        "sitreps/2017-11-15.yaml:1:8: warning[place-name]: 'Idlib' is spelled 'Idleb' in this series (gazetteer); write 'Idleb'",
    ]


def test_both_forms_of_body(tmp_path: Path) -> None:
    body = "sections:\n  - region: Aleppo\n    blocks: [One.]\nregions:\n  - name: Homs\n    paragraphs: [Two.]\n"
    assert lines(check(tmp_path, body)) == [
        "sitreps/2017-11-15.yaml:10:3: error[invalid-value]: 'regions': a report has either 'sections' or the older 'regions', not both; move the regions into sections",
    ]


def test_no_body(tmp_path: Path) -> None:
    assert lines(check(tmp_path, "")) == [
        "sitreps/2017-11-15.yaml:1:1: error[missing-key]: the report's text is missing: add 'sections' (or the older 'regions')",
    ]
    assert lines(check(tmp_path, "sections: []\n")) == [
        "sitreps/2017-11-15.yaml:6:11: error[invalid-value]: 'sections' is empty; the report's text is missing: add 'sections' (or the older 'regions')",
    ]


def test_section_needs_a_heading_or_a_region(tmp_path: Path) -> None:
    assert lines(check(tmp_path, "sections:\n  - blocks: [One.]\n")) == [
        "sitreps/2017-11-15.yaml:7:5: error[invalid-value]: 'sections[0]': a section needs a heading, a region, or both",
    ]


def test_block_of_the_wrong_kind(tmp_path: Path) -> None:
    body = "sections:\n  - region: Aleppo\n    blocks:\n      - figur: {id: map}\n      - 3\n"
    assert lines(check(tmp_path, body)) == [
        "sitreps/2017-11-15.yaml:9:9: error[wrong-type]: 'sections[0].blocks[0]' must be a paragraph (text, or 'text:' with an "
        "'audience:') or a figure ('figure:' with id, image, caption, alt), not a mapping with 'figur'; did you mean 'figure'?",
        "sitreps/2017-11-15.yaml:10:9: error[wrong-type]: 'sections[0].blocks[1]' must be a paragraph (text, or 'text:' with an "
        "'audience:') or a figure ('figure:' with id, image, caption, alt), not the number 3",
    ]


def test_figures_at_report_level_say_where_they_go(tmp_path: Path) -> None:
    body = "figures: []\nsections:\n  - region: Aleppo\n    blocks: [One.]\n    figures: []\n"
    assert lines(check(tmp_path, body)) == [
        "sitreps/2017-11-15.yaml:6:1: error[unknown-key]: unknown key 'figures'; a figure at report level is a block: "
        "put it under 'blocks:' as '- figure: {id: ..., image: ..., caption: ..., alt: ...}'",
        "sitreps/2017-11-15.yaml:10:5: error[unknown-key]: unknown key 'figures'; in a section, a figure is one of its "
        "blocks: '- figure: {id: ..., image: ..., caption: ..., alt: ...}' in 'blocks:', where it is to print",
    ]


def test_unreferenced_figure_of_the_older_form_still_warns(tmp_path: Path) -> None:
    body = "regions:\n  - name: Aleppo\n    paragraphs: [One.]\n    figures:\n      - {id: map, image: figures/map.svg, caption: A map., alt: A map.}\n"
    (line,) = lines(check(tmp_path, body))
    assert line.startswith("sitreps/2017-11-15.yaml:10:14: warning[unreferenced-figure]: no text refers to figure 'map'")


# --------------------------------------------------------------------------- series and organisations


def test_two_organisations_one_week_in_two_folders(real: Path) -> None:
    site = real / "site"
    for slug in ("isw/2016-12-08", "syria/2016-12-08"):
        for suffix in (".html", ".md", ".pdf"):
            assert (site / "reports" / f"{slug}{suffix}").is_file()
    assert (site / "reports" / "isw" / "2016-12-08" / "aleppo.svg").is_file()
    isw = page(real, "reports/isw/2016-12-08.html")
    assert '<img src="../isw/2016-12-08/aleppo.svg"' in isw
    assert '<link rel="stylesheet" href="../../assets/style.css">' in isw
    assert '<a href="../../regions/aleppo.html">Aleppo</a>' in isw
    # Each is alone in its series: no previous or next report.
    assert "pager-previous" not in isw and "pager-next" not in isw


def test_archive_names_series_and_organisation(real: Path) -> None:
    index = page(real, "index.html")
    # Newest first; the two reports of one week in the documented order (later period start
    # first: Dec 2-8 before Dec 1-8), not by file name.
    titles = re.findall(r'<h2><a href="([^"]+)">', index)
    assert titles == ["reports/syria/2017-11-15.html", "reports/syria/2017-11-01.html", "reports/syria/2016-12-08.html", "reports/isw/2016-12-08.html"]
    assert '<span class="archive-series">Syria</span> · <span class="archive-organisation">Institute for the Study of War</span>' in index
    assert '<a href="series/isw/syria.html">Syria (Institute for the Study of War)</a>' in index
    series = page(real, "series/isw/syria.html")
    assert re.findall(r'<h2><a href="([^"]+)">', series) == ["../../reports/isw/2016-12-08.html"]
    assert '<link rel="alternate" type="application/atom+xml" title="Syria" href="syria.xml">' in series


def test_feed_per_series_with_authors(real: Path) -> None:
    feed = ET.parse(real / "site" / "feed.xml").getroot()
    authors = [entry.findtext(f"{ATOM}author/{ATOM}name") for entry in feed.iter(f"{ATOM}entry")]
    assert authors == ["Example Monitoring Group"] * 3 + ["Institute for the Study of War"]
    isw = ET.parse(real / "site" / "series" / "isw" / "syria.xml").getroot()
    assert [e.findtext(f"{ATOM}title") for e in isw.iter(f"{ATOM}entry")] == ["Syria Situation Report – December 1–8, 2016"]
    links = {link.get("rel"): link.get("href") for link in isw.findall(f"{ATOM}link")}
    assert links == {"alternate": "https://reports.example.org/series/isw/syria.html", "self": "https://reports.example.org/series/isw/syria.xml"}
    assert isw.findtext(f"{ATOM}title") == "Syria · Syria reports"


def test_previous_and_next_say_the_real_distance(real: Path) -> None:
    latest = page(real, "reports/syria/2017-11-15.html")
    assert '<a class="pager-previous" rel="prev" href="2017-11-01.html"><span class="pager-label">Previous report, 2 weeks earlier</span>' in latest
    older = page(real, "reports/syria/2016-12-08.html")
    assert '<span class="pager-label">Next report, about 47 weeks later</span>' in older


def test_order_of_reports_of_one_week() -> None:
    from sitrepgen.series import group, order_key

    def item(slug: str, start: int, published: int, organisation: str) -> object:
        report = Report.model_validate({
            "title": "T", "series": "S", "organisation": organisation,
            "period": {"start": dt.date(2016, 12, start), "end": dt.date(2016, 12, 8)},
            "published": dt.date(2016, 12, published), "sections": [{"region": "A", "blocks": ["x"]}],
        })
        return type("Item", (), {"report": report, "slug": slug})()

    items = [item("b", 2, 8, "Z"), item("a", 2, 9, "A"), item("c", 1, 9, "A"), item("d", 2, 8, "A")]
    assert [i.slug for i in sorted(items, key=order_key)] == ["c", "d", "b", "a"]  # type: ignore[attr-defined]
    assert [i.slug for i in group(items)[0].items] == ["c", "d", "b", "a"]  # type: ignore[attr-defined]


def test_collision_in_one_folder_names_both_and_suggests_a_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy("real", tmp_path)
    monkeypatch.chdir(root)
    shutil.copy(root / "sitreps" / "isw" / "2016-12-08.yaml", root / "sitreps" / "isw" / "2016-12-08.yml")
    result = run(root, "validate")
    assert result.exit_code == 1
    assert result.stdout == (
        "sitreps/isw/2016-12-08.yml:1:1: error[output-collision]: this report would write reports/isw/2016-12-08.* like "
        "sitreps/isw/2016-12-08.yaml; rename one of them (two reports of one week in one folder need two names, e.g. "
        "2016-12-08-institute-for-the-study-of-war.yml; or give each organisation's reports a folder of their own)\n"
    )


def test_new_starts_from_the_series_named(tmp_path: Path) -> None:
    root = copy("real", tmp_path)
    result = run(root, "new")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: this project has several series; say which one: 'isw/syria' (Syria, isw/), 'syria/syria' (Syria, syria/)\n"
    )
    assert run(root, "new", "Syria").stderr == "Error: 'Syria' names several series; use one of: 'isw/syria' (Syria, isw/), 'syria/syria' (Syria, syria/)\n"
    assert run(root, "new", "nope").stderr == "Error: no series called 'nope'; the series are: 'isw/syria' (Syria, isw/), 'syria/syria' (Syria, syria/)\n"
    made = run(root, "new", "isw")
    assert made.exit_code == 0, made.output
    assert made.stdout.strip().endswith("sitreps/isw/2016-12-15.yaml")
    made = run(root, "new", "syria/syria")
    assert made.stdout.strip().endswith("sitreps/syria/2017-11-22.yaml")
    text = (root / "sitreps" / "syria" / "2017-11-22.yaml").read_text(encoding="utf-8")
    assert "      - >-\n        TODO: In Idleb, clashes" in text
    assert "      caption: 'TODO: Areas of control by November 15." in text or "caption: 'TODO: Areas" in text


def test_new_keeps_the_name_after_the_date(tmp_path: Path) -> None:
    from sitrepgen.new import next_name

    assert next_name("2016-12-08-isw.yaml", dt.date(2016, 12, 8), dt.date(2016, 12, 15)) == "2016-12-15-isw.yaml"
    assert next_name("week-49.yaml", dt.date(2016, 12, 8), dt.date(2016, 12, 15)) == "2016-12-15.yaml"


# --------------------------------------------------------------------------- figures that float


def _fill(pdf: Path) -> list[float]:
    """How full each page is: the share of the content area (between the page's top and bottom
    margins) above its lowest printed line or image, running header and page number left out."""
    import pdfplumber

    shares = []
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            top, bottom = 0.85 * 72, page.height - 0.8 * 72  # the print stylesheet's margins
            lows = [c["bottom"] for c in page.chars if top <= c["top"] and c["bottom"] <= bottom]
            lows += [i["bottom"] for i in page.images if i["bottom"] <= bottom + 1]
            shares.append((max(lows) - top) / (bottom - top))
    return shares


@pytest.mark.parametrize("floating", [True, False], ids=["floats", "without-the-pass"])
def test_text_after_a_figure_fills_the_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, floating: bool) -> None:
    """The Raqqa figure does not fit in what is left of page 1; the paragraph after it fills
    that space and the figure follows on page 2. Without the layout pass, page 1 is left short."""
    from sitrepgen import layout

    if not floating:
        monkeypatch.setattr(layout, "rearranged", lambda html, document: None)
    root = copy("labels", tmp_path)
    assert run(root, "build", "--jobs", "1").exit_code == 0
    shares = _fill(root / "site" / "reports" / "2017-03-09.pdf")
    assert len(shares) == 2
    if floating:
        assert all(share >= 0.85 for share in shares[:-1]), shares
    else:
        assert shares[0] < 0.85, shares  # the case the pass exists for


def test_the_pass_keeps_numbers_and_never_passes_a_heading(tmp_path: Path) -> None:
    import pdfplumber

    root = copy("labels", tmp_path)
    assert run(root, "build", "--jobs", "1").exit_code == 0
    with pdfplumber.open(root / "site" / "reports" / "2017-03-09.pdf") as pdf:  # text in reading order
        first, second = (" ".join((p.extract_text() or "").split()) for p in pdf.pages)
    assert "Coalition air strikes continued" in first  # moved ahead of the figure
    assert "Figure 1 - The Euphrates valley" in second and "See Figure 1 for the front lines" in second
    assert second.index("In the villages north") < second.index("Figure 1 - The Euphrates") < second.index("The advance leaves")  # the rest stays after it
    assert second.index("See Figure 1") < second.index("Homs")


def test_the_pass_is_deterministic(tmp_path: Path) -> None:
    first = copy("labels", tmp_path / "a")
    second = copy("labels", tmp_path / "b")
    for root in (first, second):
        assert run(root, "build", "--jobs", "1").exit_code == 0
    assert (first / "site/reports/2017-03-09.pdf").read_bytes() == (second / "site/reports/2017-03-09.pdf").read_bytes()


def test_section_children_of_the_print_page() -> None:
    from sitrepgen.layout import section_children

    html = (
        '<section class="region" id="a"><h2 id="h">A</h2>\n<p>One <b>two</b>.</p>\n'
        '<figure class="figure" id="f"><img src="x.svg" alt="x"><figcaption>C</figcaption></figure>\n'
        "<ul><li>x</li></ul></section>"
    )
    found = section_children(html)
    assert [(c.tag, html[c.start : c.end][:12]) for c in found["a"]] == [
        ("h2", '<h2 id="h">A'), ("p", "<p>One <b>tw"), ("figure", "<figure clas"), ("ul", "<ul><li>x</l"),
    ]
    assert html[found["a"][2].end - 9 : found["a"][2].end] == "</figure>"
