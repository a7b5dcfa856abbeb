"""Ten years of reports: the archive, series and region histories by year, a bounded feed.

The 200-report site is rendered in memory through the outputs, exactly as a build makes its
pages (without the PDFs and the search index, which are not pages: tests/test_search.py builds
the index). Every HTML, XML and JSON file is then under 300 KB, the feed holds the latest
``feed_entries``, every report is on exactly one year page of the archive and of each of its
regions, and every link between the pages resolves.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitrepgen import audience, render
from sitrepgen.cli import cli
from sitrepgen.config import load_project
from sitrepgen.outputs import Plan, render_all
from sitrepgen.series import order_key
from sitrepgen.site import gather, site_context
from tests.helpers import copy_project, line_of, write_series

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
LIMIT = 300 * 1024
REPORTS = 200


def render_site(root: Path) -> dict[str, bytes]:
    """Every page, feed and data file the public edition of ``root`` holds, as a build makes them."""
    project = load_project(root)
    reports, diagnostics = gather(project)
    assert not [d for d in diagnostics if d.is_error], diagnostics
    allowed = project.edition("public").audiences
    shown = [dataclasses.replace(item, report=audience.for_edition(item.report, allowed)) for item in reports]
    plan = Plan(project, render.make_environment(project.templates_dir), site_context(project), sorted(shown, key=order_key))
    return {name: data for name, data in render_all(plan, {}).items() if isinstance(data, bytes)}


def add_config(root: Path, text: str) -> None:
    config = root / "sitrepgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + text, encoding="utf-8")


@pytest.fixture(scope="module")
def decade(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    root = copy_project(tmp_path_factory.mktemp("decade") / "project")
    write_series(root / "sitreps", REPORTS - 1)
    return render_site(root)


def html(files: dict[str, bytes], name: str) -> str:
    return files[name].decode("utf-8")


def report_links(page: str) -> list[str]:
    """The report pages an archive or region page lists, in order."""
    return re.findall(r'<h2[^>]*><a href="[./]*reports/([^"#]+)\.html', page)


def test_no_page_or_feed_exceeds_300_kb(decade: dict[str, bytes]) -> None:
    # The data files (data/key-figures.csv and .json: every figure of every week, 490 KB of JSON
    # at 200 weeks) are downloads for analysts, like the PDFs, not pages a reader's browser loads.
    checked = {name: len(data) for name, data in decade.items() if name.endswith((".html", ".xml", ".json")) and not name.startswith("data/")}
    assert len([name for name in checked if name.startswith("reports/") and name.endswith(".html")]) == REPORTS
    assert {name: size for name, size in checked.items() if size > LIMIT} == {}


def test_the_feed_holds_the_latest_twenty_reports_newest_first(decade: dict[str, bytes]) -> None:
    entries = ET.fromstring(decade["feed.xml"]).findall(f"{ATOM}entry")
    assert len(entries) == 20
    links = [entry.find(f"{ATOM}link").get("href") for entry in entries]  # type: ignore[union-attr]
    assert links[0].endswith("reports/2016-12-08.html") and links[-1].endswith("reports/2016-07-28.html")


def test_the_feed_holds_what_feed_entries_says(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    write_series(root / "sitreps", 9)
    add_config(root, "feed_entries: 3\n")
    entries = ET.fromstring(render_site(root)["feed.xml"]).findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}published") for entry in entries] == ["2016-12-08T00:00:00Z", "2016-12-01T00:00:00Z", "2016-11-24T00:00:00Z"]


def test_the_archive_shows_the_newest_and_lists_every_report_once_by_year(decade: dict[str, bytes]) -> None:
    index = html(decade, "index.html")
    assert len(report_links(index)) == 20 and report_links(index)[0] == "2016-12-08"
    assert "The latest 20 of 200 weekly reports" in index
    years = sorted(name for name in decade if name.startswith("archive/"))
    assert years == ["archive/2013.html", "archive/2014.html", "archive/2015.html", "archive/2016.html"]
    for year in years:
        assert f'href="{year}"' in index
    listed = [slug for year in years for slug in report_links(html(decade, year))]
    assert sorted(listed) == sorted(name[len("reports/") : -len(".html")] for name in decade if re.fullmatch(r"reports/[^/]+\.html", name))
    assert len(set(listed)) == REPORTS
    assert all(slug.startswith("2015-") for slug in report_links(html(decade, "archive/2015.html")))
    page = html(decade, "archive/2015.html")
    assert '<strong aria-current="page">2015</strong>' in page
    assert 'rel="prev" href="2014.html"' in page and 'rel="next" href="2016.html"' in page
    assert '<p class="breadcrumb"><a href="../index.html">' in page


def test_each_region_history_has_its_newest_weeks_then_pages_by_year(decade: dict[str, bytes]) -> None:
    first = html(decade, "regions/aleppo.html")
    assert len(report_links(first)) == 20
    years = sorted(name for name in decade if name.startswith("regions/aleppo/"))
    assert years == [f"regions/aleppo/{year}.html" for year in (2013, 2014, 2015, 2016)]
    listed = [slug for year in years for slug in report_links(html(decade, year))]
    assert len(listed) == len(set(listed)) == REPORTS
    page = html(decade, "regions/aleppo/2014.html")
    assert '<p class="breadcrumb"><a href="../index.html">Regions</a></p>' in page
    assert 'src="../../reports/2014-' in page  # the map, seen from the year page's folder
    assert "200 weeks" in html(decade, "regions/index.html")


def test_every_link_between_the_pages_resolves(decade: dict[str, bytes]) -> None:
    written_later = {f"reports/{name[len('reports/'):-len('.html')]}.{ext}" for name in decade if name.startswith("reports/") and name.endswith(".html") for ext in ("pdf",)}
    figures = {"assets/fonts/", "pagefind/"}
    for name, data in decade.items():
        if not name.endswith(".html") or name == "404.html":
            continue
        for url in re.findall(r'(?:href|src)="([^"#]*)', data.decode("utf-8")):
            if not url or url.startswith(("http:", "https:", "mailto:")):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), url))
            if target.endswith(".svg") or target.startswith(tuple(figures)):
                continue  # figures and fonts are copied files, not rendered pages
            assert target in decade or target in written_later, f"{name}: {url}"


def test_the_sitemap_lists_every_page(decade: dict[str, bytes]) -> None:
    locations = {url.findtext(f"{SITEMAP}loc") for url in ET.fromstring(decade["sitemap.xml"]).findall(f"{SITEMAP}url")}
    pages = {name for name in decade if name.endswith(".html") and name != "404.html" and not name.endswith(".email.html")}
    assert locations == {f"https://sitreps.example.org/{name}" for name in pages}
    assert "https://sitreps.example.org/regions/aleppo/2013.html" in locations


def test_each_series_page_goes_by_year_when_there_are_several(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    (root / "sitreps" / "2016-12-08.yaml").unlink()
    for folder in ("a", "b"):
        shutil.copytree(root / "sitreps" / "figures", root / "sitreps" / folder / "figures")
        write_series(root / "sitreps" / folder, 3)
    add_config(root, "page_entries: 2\n")
    files = render_site(root)
    series = html(files, "series/a/syria.html")
    assert report_links(series) == ["a/2016-12-01", "a/2016-11-24"]
    assert 'href="syria/2016.html"' in series
    assert report_links(html(files, "series/a/syria/2016.html")) == ["a/2016-12-01", "a/2016-11-24", "a/2016-11-17"]


def test_a_site_that_fits_on_one_page_has_no_pages_by_year(tmp_path: Path) -> None:
    files = render_site(copy_project(tmp_path / "project"))
    assert not [name for name in files if name.startswith("archive/") or name.count("/") > 1 and name.startswith("regions/")]
    assert "By year" not in html(files, "index.html") and "1 weekly report, newest first." in html(files, "index.html")


def test_feed_entries_must_be_at_least_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(tmp_path / "project")
    add_config(root, "feed_entries: 0\n")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["build"], catch_exceptions=False)
    line = line_of((root / "sitrepgen.yaml").read_text(encoding="utf-8"), "feed_entries: 0")
    assert result.exit_code == 1
    assert result.output == (
        f"sitrepgen.yaml:{line}:15: error[invalid-value]: 'feed_entries' must be 1 or more, not the number 0\n"
        "Error: 1 error(s) in sitrepgen.yaml; nothing was written\n"
    )
