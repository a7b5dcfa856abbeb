"""Search across the archive: a Pagefind index of the report pages and the search page.

A real browser (Debian's Chromium through Playwright, as tests/browser/support.py sets it up)
types a word that only one report holds into the search box, over HTTP on 127.0.0.1 (a plain
static server under a subpath, and ``sitrepgen serve``'s own server), and sees that report's
title in the results; opened as a file, the page says to serve the site. The index holds only
the edition's own pages, is the same bytes on every run, and keeps the no-op build a no-op.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from sitrepgen.cli import cli
from sitrepgen.config import load_project
from sitrepgen.outputs import search
from sitrepgen.serve import PreviewServer
from sitrepgen.site import build
from tests.browser.support import CHROMIUM_ARGS, chromium, serve_site
from tests.helpers import REPO, copy_project, write_series
from tests.leaks import found

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

WORD = "Qaryatzuhaylan"  #: planted in one report only
PLANTED = "2016-11-17"
TITLE = "Weekly Conflict Summary – November 11–17, 2016"
TIMEOUT_MS = 30_000


def make_project(root: Path) -> Path:
    copy_project(root)
    write_series(root / "sitreps", 5)
    path = root / "sitreps" / f"{PLANTED}.yaml"
    text = path.read_text(encoding="utf-8")
    planted = text.replace("The battle for Aleppo continued", f"The battle for Aleppo, near {WORD}, continued", 1)
    assert planted != text
    path.write_text(planted, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("search") / "project")
    result = CliRunner().invoke(cli, ["-C", str(root), "build"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root / "site"


# --------------------------------------------------------------------------- the index


def test_only_report_pages_are_indexed_one_index_per_language(site: Path) -> None:
    import json

    entry = json.loads((site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"]["en"]["page_count"] == 6  # the six report pages, no archive or region page
    assert set(entry["languages"]) == {"en"}
    holders = found(site, [WORD])[WORD]
    fragments = [where for where in holders if where.startswith("pagefind/fragment/")]
    assert len(fragments) == 1 and fragments[0].endswith("(gunzipped)")
    assert f"reports/{PLANTED}.html" in holders and not any(where.startswith("reports/2016-12-08") for where in holders)


def test_the_index_is_the_same_bytes_on_every_run(site: Path, tmp_path: Path) -> None:
    made = []
    for run in range(3):
        copy = tmp_path / f"run{run}"
        shutil.copytree(site, copy, ignore=shutil.ignore_patterns("pagefind"))
        made.append(search.index_site(copy))
    assert made[0] == made[1] == made[2]
    assert made[0] == {p.relative_to(site).as_posix(): p.read_bytes() for p in (site / "pagefind").rglob("*") if p.is_file()}


def test_a_second_build_with_nothing_changed_stays_a_no_op(site: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(site.parent), "build"], catch_exceptions=False)
    assert result.exit_code == 0 and result.output.endswith("site/ is up to date: nothing changed since the last build\n")


class Runs:
    """Counts the runs of the real Pagefind binary (``search.pagefind_binary`` is asked once a run)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = search.pagefind_binary

        def counted() -> Path:
            self.count += 1
            return real()

        monkeypatch.setattr(search, "pagefind_binary", counted)


def fragments_with(site: Path, word: str) -> list[str]:
    """The index fragments (one per indexed page) that hold ``word``."""
    return [where for where in found(site, [word])[word] if where.startswith("pagefind/fragment/")]


def test_an_edited_report_is_found_by_its_new_word_and_not_its_old_one(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = "Zawiyatqasrun", "Kafrnabudaliq"
    path = project / "sitreps" / "2016-12-08.yaml"
    text = path.read_text(encoding="utf-8")
    assert old not in text and new not in text
    path.write_text(text.replace("The battle for Aleppo", f"The battle for {old} and Aleppo", 1), encoding="utf-8")
    runs = Runs(monkeypatch)
    assert CliRunner().invoke(cli, ["-C", str(project), "build", "--jobs", "1"], catch_exceptions=False).exit_code == 0
    assert len(fragments_with(project / "site", old)) == 1 and fragments_with(project / "site", new) == []
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(project), "build", "--jobs", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert len(fragments_with(project / "site", new)) == 1 and fragments_with(project / "site", old) == []
    assert runs.count == 2


def test_a_no_op_build_does_not_run_pagefind(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = Runs(monkeypatch)
    assert CliRunner().invoke(cli, ["-C", str(project), "build", "--jobs", "1"], catch_exceptions=False).exit_code == 0
    index = {p: p.read_bytes() for p in (project / "site" / "pagefind").rglob("*") if p.is_file()}
    assert runs.count == 1
    result = CliRunner().invoke(cli, ["-C", str(project), "build", "--jobs", "1"], catch_exceptions=False)
    assert result.output.endswith("site/ is up to date: nothing changed since the last build\n")
    assert runs.count == 1
    assert {p: p.read_bytes() for p in (project / "site" / "pagefind").rglob("*") if p.is_file()} == index


def test_the_index_follows_the_language_of_each_page(project: Path) -> None:
    """Pagefind makes one index per ``<html lang>`` (its stemming and all): a report page carries
    its report's language, so a French week among English ones is in a French index of its own."""
    import json

    write_series(project / "sitreps", 1)
    path = project / "sitreps" / "2016-12-01.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("\nlanguage: en\n", "\nlanguage: fr\n", 1), encoding="utf-8")
    result = build(load_project(project), jobs=1)
    assert '<html lang="fr">' in (result.output_dir / "reports" / "2016-12-01.html").read_text(encoding="utf-8")
    entry = json.loads((result.output_dir / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert {language: index["page_count"] for language, index in entry["languages"].items()} == {"en": 1, "fr": 1}


def test_every_page_links_to_the_search_page(site: Path) -> None:
    pages = [p for p in site.rglob("*.html") if not p.is_relative_to(site / "pagefind")]
    for page in pages:
        root = "../" * (len(page.relative_to(site).parts) - 1)
        href = "https://sitreps.example.org/" if page.name == "404.html" else root
        assert f'<a href="{href}search.html">Search</a>' in page.read_text(encoding="utf-8"), page


def test_search_false_makes_no_index_and_no_link(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    (root / "sitrepgen.yaml").write_text((root / "sitrepgen.yaml").read_text(encoding="utf-8") + "search: false\n", encoding="utf-8")
    result = build(load_project(root), jobs=1)
    assert not (result.output_dir / "search.html").exists() and not (result.output_dir / "pagefind").exists()
    page = (result.output_dir / "reports" / "2016-12-08.html").read_text(encoding="utf-8")
    assert "search.html" not in page and "data-pagefind" not in page


def test_the_internal_edition_indexes_its_own_items_and_the_public_one_does_not(tmp_path: Path) -> None:
    root = tmp_path / "audiences"
    shutil.copytree(REPO / "tests" / "data" / "projects" / "audiences", root, ignore=shutil.ignore_patterns("site*", ".sitrepgen-cache"))
    for edition in ("public", "internal"):
        result = CliRunner().invoke(cli, ["-C", str(root), "build", "--jobs", "1", "--edition", edition], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    internal = found(root / "site-internal", ["ZQPARAGRAPHMARK"])["ZQPARAGRAPHMARK"]
    assert [where for where in internal if where.startswith("pagefind/fragment/")]  # the reader sees into the index
    assert found(root / "site", ["ZQPARAGRAPHMARK"])["ZQPARAGRAPHMARK"] == []


def test_a_missing_pagefind_is_a_one_line_error(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pagefind_bin", None)  # as if pagefind[bin] were not installed
    result = CliRunner().invoke(cli, ["-C", str(project), "build", "--jobs", "1"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: search needs Pagefind, which is installed with sitrepgen (pip install 'pagefind[bin]'); "
        "or set 'search: false' in sitrepgen.yaml"
    )
    assert not (project / "site").exists()


def test_a_failing_pagefind_stops_the_build_and_keeps_the_last_site(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert CliRunner().invoke(cli, ["-C", str(project), "build", "--jobs", "1"], catch_exceptions=False).exit_code == 0
    before = (project / "site" / "index.html").read_bytes()
    (project / "sitreps" / "2016-12-08.yaml").write_text((project / "sitreps" / "2016-12-08.yaml").read_text(encoding="utf-8").replace("The battle for Aleppo", "The fight for Aleppo"), encoding="utf-8")
    monkeypatch.setattr(search, "pagefind_binary", lambda: Path(shutil.which("false") or "/bin/false"))
    result = CliRunner().invoke(cli, ["-C", str(project), "build", "--jobs", "1"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == "Error: the search index could not be made: Pagefind exited with status 1: "
    assert (project / "site" / "index.html").read_bytes() == before
    assert "The battle for Aleppo" in (project / "site" / "reports" / "2016-12-08.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS)
        yield launched
        launched.close()


def search_for(page: Page, url: str, word: str) -> list[tuple[str, str]]:
    """Type ``word`` into the search box at ``url``; (title, href) of every result."""
    page.goto(url, wait_until="load")
    box = page.get_by_label("A place, a name or a word")  # the page's visible label names Pagefind's box
    assert box.get_attribute("class", timeout=TIMEOUT_MS) is not None and "pagefind-ui__search-input" in str(box.get_attribute("class"))
    box.fill(word)
    page.locator(".pagefind-ui__result-link").first.wait_for()
    page.locator(".pagefind-ui__message").filter(has_text="result").wait_for()
    results = page.locator("li.pagefind-ui__result")
    links = [results.nth(i).locator(".pagefind-ui__result-link").first for i in range(results.count())]
    return [(link.inner_text().strip(), str(link.get_attribute("href"))) for link in links]


def local_only(page: Page, allowed: str) -> list[str]:
    """Refuse (and record) every request that does not go to ``allowed``."""
    refused: list[str] = []

    def route(route: object) -> None:
        request_url = route.request.url  # type: ignore[attr-defined]
        if request_url.startswith((allowed, "data:", "blob:")):
            route.continue_()  # type: ignore[attr-defined]
        else:
            refused.append(request_url)
            route.abort("blockedbyclient")  # type: ignore[attr-defined]

    page.route("**/*", route)
    return refused


def test_a_reader_finds_the_one_report_with_a_word_over_http_under_a_subpath(browser: Browser, site: Path) -> None:
    with serve_site(site, "/sub/") as url:
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        refused = local_only(page, url)
        page.goto(url + "index.html", wait_until="load")
        page.get_by_role("link", name="Search").click()
        page.wait_for_url(url + "search.html")
        results = search_for(page, page.url, WORD)
        assert results == [(TITLE, f"/sub/reports/{PLANTED}.html")]
        assert WORD in page.locator(".pagefind-ui__result-excerpt").first.inner_text()
        page.locator("li.pagefind-ui__result .pagefind-ui__result-link").first.click()
        page.wait_for_url(f"{url}reports/{PLANTED}.html")
        common = search_for(page, url + "search.html", "Aleppo")
        assert len(common) == 5  # Pagefind shows five results at first; all six weeks mention Aleppo
        page.close()
    assert refused == []


def test_sitrepgen_serve_serves_the_search(browser: Browser, tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    with PreviewServer(load_project(root), "127.0.0.1", 0, log=lambda line: None) as preview:
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        refused = local_only(page, preview.url)
        assert search_for(page, preview.url + f"search.html?q={WORD}", WORD) == [(TITLE, f"/reports/{PLANTED}.html")]
        page.close()
    assert refused == []


def test_opened_as_a_file_the_search_page_says_to_serve_the_site(browser: Browser, site: Path) -> None:
    page = browser.new_page()
    page.goto((site / "search.html").as_uri(), wait_until="load")
    note = page.locator("#search-offline")
    assert note.is_visible()
    assert "Run “sitrepgen serve” in the project (or put the site on a web server)" in note.inner_text()
    assert page.locator(".pagefind-ui__search-input").count() == 0
    assert not page.locator("#search-label").is_visible()  # no label for a box that is not there
    page.close()
