"""The Word document of each report (reports/SLUG.docx, made by pandoc), read back with
python-docx: the whole text in order, its headings, the figure embedded with its caption, the
key figures as a table, title and language in the properties, right to left for Arabic, the
same bytes in every build, and untrusted text that cannot reach pandoc's file or raw-XML
features."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from docx.document import Document as DocxDocument
from docx.shared import Twips
from docx.table import Table

from sitrepgen.cli import cli
from sitrepgen.config import load_project
from sitrepgen.outputs import docx as docx_output
from sitrepgen.site import build
from tests.helpers import copy_project, write_series
from tests.helpers import words as words_of
from tests.test_build import END_OF_FIRST, HAND_DRAWN_CAPTION, START_OF_SECOND, assert_carries_the_seed
from tests.test_pagination import add_config, render_site

SLUG = "2016-12-08"
INJECTED = "`<w:p><w:r><w:t>INJECTED</w:t></w:r></w:p>`{=openxml}"


def built_project(root: Path, edit: str = "") -> Path:
    copy_project(root)
    add_config(root, "docx: true\n")
    if edit:
        report = root / "sitreps" / f"{SLUG}.yaml"
        report.write_text(edit_report(report.read_text(encoding="utf-8"), edit), encoding="utf-8")
    build(load_project(root), jobs=1)
    return root / "site"


def edit_report(text: str, edit: str) -> str:
    """The seed in Arabic ('rtl'), with hostile Markdown in its conclusions."""
    assert edit == "rtl"
    hostile = f"Inline {INJECTED} and an image ![secret](/etc/hostname) and <img src=/etc/hostname>."
    return text.replace("language: en\n", "language: ar\n").replace("conclusions:\n", f"conclusions:\n  - '{hostile}'\n", 1)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_project(tmp_path_factory.mktemp("docx") / "project")


def document(site: Path) -> DocxDocument:
    return docx.Document(str(site / "reports" / f"{SLUG}.docx"))


def text_in_order(doc: DocxDocument) -> list[str]:
    """Every paragraph and table cell, in the document's order."""
    parts: list[str] = []
    for block in doc.iter_inner_content():
        if isinstance(block, Table):
            parts += [cell.text for row in block.rows for cell in row.cells]
        else:
            parts.append(block.text)
    return parts


def test_the_document_carries_every_word_of_the_seed_in_order(site: Path) -> None:
    assert_carries_the_seed(" ".join(text_in_order(document(site))), HAND_DRAWN_CAPTION)


def test_headings_title_and_language(site: Path) -> None:
    doc = document(site)
    assert doc.core_properties.title == "Weekly Conflict Summary \u2013 December 2\u20138, 2016"
    assert doc.core_properties.language == "en"
    assert doc.core_properties.created == doc.core_properties.modified == dt.datetime(2016, 12, 8, tzinfo=dt.timezone.utc)
    styled = [(p.style.name, p.text) for p in doc.paragraphs if p.style is not None and p.style.name in ("Title", "Heading 1", "Heading 2")]
    assert styled == [("Title", "Weekly Conflict Summary \u2013 December 2\u20138, 2016"), ("Heading 2", "Key figures"), ("Heading 2", "Conclusions:")]


def test_the_figure_is_embedded_where_the_report_places_it(site: Path) -> None:
    doc = document(site)
    assert len(doc.inline_shapes) == 1
    images = [part for part in doc.part.package.iter_parts() if part.content_type.startswith("image/")]
    published = (site / "reports" / SLUG / "aleppo-control.svg").read_bytes()
    assert [(part.content_type, part.blob) for part in images] == [("image/svg+xml", published)]
    # The picture sits between the first paragraph and its caption, before the second paragraph.
    paragraphs = [p for p in doc.paragraphs]
    picture = next(i for i, p in enumerate(paragraphs) if p._p.xpath(".//pic:pic"))
    words = " ".join(p.text for p in paragraphs[:picture]).lower()
    assert words.rstrip(".").endswith(" ".join(END_OF_FIRST))
    caption = paragraphs[picture + 1].text.lower().replace(",", "").replace("-", " ").split()
    assert caption[: len(HAND_DRAWN_CAPTION)] == HAND_DRAWN_CAPTION
    assert words_of(paragraphs[picture + 2].text)[: len(START_OF_SECOND)] == START_OF_SECOND


def test_the_key_figures_are_a_table(site: Path) -> None:
    table = document(site).tables[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert [column.width for column in table.columns] == [Twips(1800), Twips(3960), Twips(2520), Twips(1080)]  # the label widest
    assert rows[0] == ["Figure", "What it counts", "Source", "Change"]
    assert rows[1] == ["more than 70%", "of once opposition-held East Aleppo now under pro-government control", "as of December 8, 2016", ""]
    assert len(rows) == 5  # the header and the seed's four key figures


def test_the_same_bytes_in_every_build(site: Path, tmp_path: Path) -> None:
    again = built_project(tmp_path / "again")
    assert (again / "reports" / f"{SLUG}.docx").read_bytes() == (site / "reports" / f"{SLUG}.docx").read_bytes()


def test_an_arabic_report_runs_right_to_left_and_hostile_markdown_stays_text(tmp_path: Path) -> None:
    site = built_project(tmp_path / "project", "rtl")
    doc = document(site)
    assert doc.core_properties.language == "ar"
    body = [p for p in doc.paragraphs if p.text.strip()]
    assert body and all(p._p.xpath("./w:pPr/w:bidi") for p in body)  # every paragraph right to left, the title too
    assert doc.tables and all(table._tbl.xpath("./w:tblPr/w:bidiVisual") for table in doc.tables)  # columns from the right
    # The code span is shown as written (no raw OpenXML reaches the document), and no image
    # is read from a path in the text: the one image is the report's figure.
    assert not [p for p in doc.paragraphs if p.text == "INJECTED"]
    assert any("<w:p><w:r><w:t>INJECTED</w:t></w:r></w:p>" in p.text for p in doc.paragraphs)
    assert [part.content_type for part in doc.part.package.iter_parts() if part.content_type.startswith("image/")] == ["image/svg+xml"]


def test_an_unchanged_document_comes_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pandoc takes most of a second a document: a build runs it only for the reports that changed."""
    root = copy_project(tmp_path / "project")
    add_config(root, "docx: true\n")
    write_series(root / "sitreps", 2)
    made: list[str] = []
    real = docx_output.make_docx
    monkeypatch.setattr(docx_output, "make_docx", lambda *args: made.append(args[3].slug) or real(*args))
    build(load_project(root), jobs=1)
    first = {path.name: path.read_bytes() for path in (root / "site" / "reports").glob("*.docx")}
    assert sorted(made) == ["2016-11-24", "2016-12-01", SLUG]
    report = root / "sitreps" / f"{SLUG}.yaml"
    report.write_text(report.read_text(encoding="utf-8").replace("The battle for Aleppo", "The long battle for Aleppo"), encoding="utf-8")
    made.clear()
    build(load_project(root), jobs=1)
    assert made == [SLUG]
    again = {path.name: path.read_bytes() for path in (root / "site" / "reports").glob("*.docx")}
    assert again.keys() == first.keys() and [name for name in first if first[name] != again[name]] == [f"{SLUG}.docx"]
    assert "The long battle for Aleppo" in " ".join(p.text for p in docx.Document(str(root / "site" / "reports" / f"{SLUG}.docx")).paragraphs)


def test_no_document_unless_the_config_asks(tmp_path: Path) -> None:
    assert not [name for name in render_site(copy_project(tmp_path / "project")) if name.endswith(".docx")]


def test_without_pandoc_docx_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(tmp_path / "project")
    add_config(root, "docx: true\n")
    monkeypatch.setitem(sys.modules, "pypandoc", None)  # as if sitrepgen[docx] were not installed
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["build", "--jobs", "1"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        'Error: docx: true needs pandoc, which sitrepgen runs from the pypandoc_binary package: pip install "sitrepgen[docx]"; nothing was written'
    )
    assert [line for line in result.output.splitlines()[:-1] if "warning[number-format]" not in line] == []
    assert not (root / "site").exists()


def test_a_pandoc_failure_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(tmp_path / "project")
    add_config(root, "docx: true\n")
    monkeypatch.setattr(docx_output, "pandoc", lambda: "false")  # a program that fails at once
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["build", "--jobs", "1"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == f"Error: pandoc could not make reports/{SLUG}.docx from sitreps/{SLUG}.yaml: exit status 1"
    assert not (root / "site").exists()
