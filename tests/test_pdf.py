"""The PDF as an archive record: PDF/A-3 with its YAML source, tagged, reproducible, fonts embedded."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pikepdf
import pytest

from sitrepgen.config import load_project
from sitrepgen.site import build
from tests.helpers import REPO, copy_project, need_tool

SLUG = "2016-12-08"


@pytest.fixture(scope="module")
def pdf_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("pdf"))
    build(load_project(root))
    return root / "site" / "reports" / f"{SLUG}.pdf"


def test_pdf_a3_metadata(pdf_path: Path) -> None:
    with pikepdf.open(pdf_path) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "3"
        assert meta["pdfaid:conformance"] == "A"
        assert meta["dc:title"] == "Weekly Conflict Summary – December 2–8, 2016"
        assert meta["dc:description"] == "Reporting period: December 2–8, 2016"
        assert meta["pdf:Keywords"] == "Aleppo, Rural Damascus, Idleb, Homs"
        # Dates come from the publication date, never from the clock.
        assert meta["xmp:CreateDate"] == meta["xmp:ModifyDate"] == "2016-12-08T00:00:00Z"
        assert str(pdf.docinfo["/CreationDate"]) == "D:20161208000000Z"


def test_figure_alt_text_reaches_the_structure_tree(pdf_path: Path) -> None:
    (alt,) = alt_texts(pdf_path)
    assert alt.startswith("Schematic map, not to scale and not the original")


def test_pdf_is_tagged_with_language(pdf_path: Path) -> None:
    with pikepdf.open(pdf_path) as pdf:
        assert "/StructTreeRoot" in pdf.Root
        assert pdf.Root.MarkInfo.Marked is True
        assert str(pdf.Root.Lang) == "en"
        assert "/OutputIntents" in pdf.Root


def test_yaml_source_is_embedded_as_the_editions_report(pdf_path: Path) -> None:
    """The report as YAML, written from the validated report: no comment of the writer's file
    (tests/test_audiences.py checks that excluded items are absent too)."""
    from sitrepgen.audience import source_yaml
    from sitrepgen.config import load_project
    from sitrepgen.reports import load_report

    with pikepdf.open(pdf_path) as pdf:
        assert list(pdf.attachments) == [f"{SLUG}.yaml"]
        spec = pdf.attachments[f"{SLUG}.yaml"]
        assert spec.obj.AFRelationship == "/Source"
        embedded = spec.get_file().read_bytes()
        assert "/AF" in pdf.Root  # associated with the document, as PDF/A-3 requires
    root = pdf_path.parents[2]  # the project the PDF was built from
    _, report = load_report(root / "sitreps" / f"{SLUG}.yaml", load_project(root))
    assert report is not None and embedded == source_yaml(report)
    assert b"# " not in embedded and b"Encoded from seeds/" not in embedded  # the file's comments stay out


def test_fonts_are_embedded_and_bundled(pdf_path: Path) -> None:
    names = set()
    with pikepdf.open(pdf_path) as pdf:
        for page in pdf.pages:
            for font in page.Resources.get("/Font", {}).values():
                for descendant in font.get("/DescendantFonts", [font]):
                    descriptor = descendant.FontDescriptor
                    assert "/FontFile2" in descriptor or "/FontFile3" in descriptor
                    names.add(str(descendant.BaseFont).split("+", 1)[1])
    assert names and all(name.startswith("Source-Sans-Pro") for name in names), names


def test_qpdf_finds_no_error(pdf_path: Path) -> None:
    result = subprocess.run([need_tool("qpdf"), "--check", str(pdf_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    """Whatever the clock, time zone or locale: no dates from the clock, no random ids."""
    import os

    first = copy_project(tmp_path / "a")
    second = copy_project(tmp_path / "b")
    build(load_project(first))
    environ = dict(os.environ)
    try:
        os.environ.update(TZ="Pacific/Kiritimati", LANG="fr_FR.UTF-8", LC_ALL="C.UTF-8")
        build(load_project(second))
    finally:
        os.environ.clear()
        os.environ.update(environ)
    files = sorted(p.relative_to(first / "site") for p in (first / "site").rglob("*") if p.is_file())
    assert Path("reports", f"{SLUG}.pdf") in files
    for relative in files:
        assert (first / "site" / relative).read_bytes() == (second / "site" / relative).read_bytes(), relative


def alt_texts(path: Path) -> list[str]:
    """The /Alt entries of the structure tree: one per image a screen reader can describe."""
    with pikepdf.open(path) as pdf:
        return [str(obj.Alt) for obj in pdf.objects if isinstance(obj, pikepdf.Dictionary) and "/Alt" in obj]


def test_project_assets_reach_the_site_and_the_pdf(tmp_path: Path, pdf_path: Path) -> None:
    """A project's own files (a logo, a font) under templates/assets/ are served to WeasyPrint."""
    root = copy_project(tmp_path)
    assets = root / "templates" / "assets"
    assets.mkdir()
    (assets / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#23313f"/></svg>',
        encoding="utf-8",
    )
    masthead = root / "templates" / "masthead.html.j2"
    masthead.write_text('<img class="logo" src="../assets/logo.svg" alt="Logo">\n' + masthead.read_text(encoding="utf-8"), encoding="utf-8")
    build(load_project(root))
    assert (root / "site" / "assets" / "logo.svg").is_file()
    assert alt_texts(root / "site" / "reports" / f"{SLUG}.pdf") == ["Logo", *alt_texts(pdf_path)]


def test_an_image_weasyprint_cannot_read_fails_the_build(tmp_path: Path) -> None:
    """A corrupt figure is an error, not a PDF published without its map: validation decodes
    every raster figure completely (tests/test_figures_hardening.py), so the build stops there."""
    from sitrepgen.site import BuildError

    root = copy_project(tmp_path)
    (root / "site").mkdir()
    (root / "site" / "keep.txt").write_text("previous", encoding="utf-8")
    (root / "site" / ".sitrepgen-site").write_text("", encoding="utf-8")  # a site sitrepgen made
    report = root / "sitreps" / "2016-12-08.yaml"
    report.write_text(report.read_text(encoding="utf-8").replace("aleppo-control.svg", "aleppo-control.png"), encoding="utf-8")
    (root / "sitreps" / "figures" / "2016-12-08-aleppo-control.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"not a picture" * 20)
    with pytest.raises(BuildError, match=r"^1 error\(s\); nothing was written$") as caught:
        build(load_project(root))
    assert [d.code for d in caught.value.diagnostics if d.is_error] == ["figure-format"]
    assert sorted(p.name for p in (root / "site").iterdir()) == [".sitrepgen-site", "keep.txt"]


def test_an_image_weasyprint_cannot_read_fails_the_pdf() -> None:
    """The second line: bytes handed to the renderer that are no image (a template's asset, or a
    figure should validation ever let one through) fail the PDF, naming the report."""
    from sitrepgen.pdf import PdfError, Source, render_pdf

    source = Source(name="x.yaml", data=b"", description="x", date=dt.datetime(2016, 12, 8, tzinfo=dt.timezone.utc))
    html = '<img src="x/map.png" alt="map">'
    with pytest.raises(PdfError, match=r"\(the PDF of x\.yaml\)$"):
        render_pdf(html, page_url="reports/x.html", files={"reports/x/map.png": b"\x89PNG\r\n\x1a\n" + b"not a picture" * 20}, source=source)
