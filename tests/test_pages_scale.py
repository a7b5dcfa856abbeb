"""Ten years of reports, built for real: 200 weeks into site/, with the search index, on disk.

tests/test_pagination.py renders the 200-report pages in memory; this builds them with
``sitrepgen build`` (the same command, the staged folder, Pagefind, the sitemap, the build
state) and reads the written site/ back. Only the PDFs are stubs: 200 WeasyPrint renders would
take minutes on a two-core machine and are not pages (each PDF's content is tested elsewhere);
the stub replaces ``render_job``, the one call that makes a PDF, so everything else runs as it
does for a user.

With 200 reports: no file of site/ but the PDFs and the key-figures data files exceeds 300 KB
(pages, feed, sitemap, charts, every file of the search index), the feed holds exactly ``feed_entries``, the sitemap lists every
page of the site (search.html and the pages by year included) under base_url, and the index
holds every report page, each once. Without base_url there is no sitemap (its addresses must be
absolute; README says so).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitrepgen import site as site_module
from sitrepgen.charts import SPARK_WEEKS
from sitrepgen.cli import cli
from sitrepgen.pdf import PdfJob
from tests.helpers import copy_project, write_series
from tests.leaks import found

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "https://sitreps.example.org/"
LIMIT = 300 * 1024
REPORTS = 200
FEED_ENTRIES = 12  #: not the default (20), so the test sees the setting obeyed
OLDEST = "2013-02-21"  #: the seed's week, 199 weeks earlier
WORD = "Tallbisahrun"  #: planted in the oldest report only


class StubPdfs:
    """Stands in for WeasyPrint: counts the PDFs the build asks for, returns a few bytes each."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.made: list[str] = []

        def render_job(job: PdfJob) -> tuple[bytes, list[str]]:
            self.made.append(job.page_url)
            return b"%PDF-1.7 stub\n", []

        monkeypatch.setattr(site_module, "render_job", render_job)


def build(root: Path) -> str:
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "--jobs", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def decade(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("decade") / "project")
    config = root / "sitrepgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + f"feed_entries: {FEED_ENTRIES}\n", encoding="utf-8")
    write_series(root / "sitreps", REPORTS - 1)
    oldest = root / "sitreps" / f"{OLDEST}.yaml"
    text = oldest.read_text(encoding="utf-8")
    oldest.write_text(text.replace("The battle for Aleppo", f"The battle for {WORD} and Aleppo", 1), encoding="utf-8")
    with pytest.MonkeyPatch.context() as monkeypatch:
        stubs = StubPdfs(monkeypatch)
        output = build(root)
    assert len(stubs.made) == REPORTS and output.endswith(f"built {REPORTS} report(s) into site/ ({len(files(root / 'site'))} files, {REPORTS} PDF(s) rendered)\n")
    return root / "site"


def files(site: Path) -> dict[str, int]:
    """Every file of the site, by site path, with its size."""
    return {path.relative_to(site).as_posix(): path.stat().st_size for path in site.rglob("*") if path.is_file()}


def in_index(site: Path, word: str) -> list[str]:
    """The fragments of the search index (one per page) that hold ``word`` (read as tests/leaks.py
    reads every file, gunzipped; only the index: the stub PDFs are not PDFs to read)."""
    return [where for where in found(site / "pagefind", [word])[word] if where.startswith("fragment/")]


def test_no_file_of_the_site_but_the_pdfs_and_data_files_exceeds_300_kb(decade: Path) -> None:
    sizes = files(decade)
    assert len([name for name in sizes if name.startswith("reports/") and name.endswith(".html")]) == REPORTS
    assert len([name for name in sizes if name.startswith("pagefind/")]) > REPORTS  # a fragment a page, and the rest
    # The key-figures data files hold every figure of every week (downloads for analysts, like
    # the PDFs): they grow with the archive, and are weighed here only so that a change is seen.
    downloads = {name: size for name, size in sizes.items() if name.startswith("data/key-figures.")}
    assert sorted(downloads) == ["data/key-figures.csv", "data/key-figures.json"] and downloads["data/key-figures.json"] > LIMIT
    assert {name: size for name, size in sizes.items() if size > LIMIT and not name.endswith(".pdf") and name not in downloads} == {}
    assert max(size for name, size in sizes.items() if name.endswith(".html")) > 50 * 1024  # the check has something to weigh


def test_the_feed_holds_feed_entries_newest_first(decade: Path) -> None:
    entries = ET.parse(decade / "feed.xml").getroot().findall(f"{ATOM}entry")
    assert len(entries) == FEED_ENTRIES
    assert entries[0].findtext(f"{ATOM}published") == "2016-12-08T00:00:00Z"


def test_the_sitemap_lists_every_page_of_the_site(decade: Path) -> None:
    locations = [url.findtext(f"{SITEMAP}loc") for url in ET.parse(decade / "sitemap.xml").getroot().findall(f"{SITEMAP}url")]
    pages = {name for name in files(decade) if name.endswith(".html")} - {"404.html"}
    assert sorted(locations) == sorted(BASE + name for name in pages)
    assert {BASE + "search.html", BASE + "archive/2013.html", BASE + "regions/aleppo/2013.html", BASE + f"reports/{OLDEST}.html"} <= set(locations)


def test_the_index_holds_every_report_page_once(decade: Path) -> None:
    entry = json.loads((decade / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert {language: index["page_count"] for language, index in entry["languages"].items()} == {"en": REPORTS}
    assert len(in_index(decade, WORD)) == 1


def test_a_sparkline_draws_the_latest_year_not_the_whole_decade(decade: Path) -> None:
    """Each report page's small charts draw at most charts.SPARK_WEEKS points: drawing every earlier
    week made the pages' work grow with the square of the archive (docs/performance.md)."""
    html = (decade / "reports" / "2016-12-08.html").read_text(encoding="utf-8")
    sparks = re.findall(r'<a class="key-spark" href="[^"]+"><svg [^>]*>(.*?)</svg><span class="visually-hidden">([^<]*)</span>', html)
    assert sparks and all(label == f"Chart of this figure over {SPARK_WEEKS} reports" for _, label in sparks)
    assert all(len(re.findall(r"[0-9.]+,[0-9.]+", " ".join(re.findall(r'points="([^"]+)"', body)))) == SPARK_WEEKS for body, _ in sparks)
    assert SPARK_WEEKS == 52 < REPORTS


def test_one_edit_among_200_renders_one_pdf_and_reindexes(decade: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = decade.parent
    path = root / "sitreps" / f"{OLDEST}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(WORD, "Marjsultanqa"), encoding="utf-8")
    stubs = StubPdfs(monkeypatch)
    build(root)
    assert stubs.made == [f"reports/{OLDEST}.html"]
    assert len(in_index(decade, "Marjsultanqa")) == 1 and in_index(decade, WORD) == []
    assert "up to date" in build(root)  # and then nothing to do


def test_without_base_url_there_is_no_sitemap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    StubPdfs(monkeypatch)
    root = copy_project(tmp_path / "project")
    config = root / "sitrepgen.yaml"
    text = config.read_text(encoding="utf-8")
    assert f"base_url: {BASE}\n" in text
    config.write_text(text.replace(f"base_url: {BASE}\n", ""), encoding="utf-8")
    build(root)
    assert not (root / "site" / "sitemap.xml").exists()
    assert (root / "site" / "search.html").exists() and (root / "site" / "feed.xml").exists()
