"""The preview shows warnings, not only errors: a good build's warnings in a notice on every page,
and, after a failed build, the real error first, before any other file's warnings.

Driven over real HTTP on loopback, as tests/test_serve.py does; the banners are compared whole.
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from sitrepgen.config import load_project
from sitrepgen.diagnostics import Diagnostic, Severity
from sitrepgen.serve import BuildFailure, PreviewServer, errors_first, inject
from tests.helpers import REPO, line_of, position_of, shifted
from tests.test_serve import fetch, save, wait_for_generation

LABELS = REPO / "tests" / "data" / "projects" / "labels"
REPORT = "2017-03-09"
OTHER = "2017-03-02"
TITLE = "title: Weekly Conflict Summary"
BROKEN_TITLE = "title: {text: Weekly Conflict Summary}"
ERROR_MARK = 'id="sitrepgen-build-error"'
WARNING_MARK = 'id="sitrepgen-build-warnings"'
_BANNER = re.compile(r'<div id="sitrepgen-build-(?:error|warnings)".*?</div>', re.DOTALL)


def banner_text(page: str) -> str:
    """The banner's text as a reader sees it: tags dropped, entities decoded."""
    found = _BANNER.search(page)
    assert found is not None, page[:2000]
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(0)))


@pytest.fixture
def desk(tmp_path: Path) -> Path:
    """The labels project plus a report of another series, published before its period ended (a
    warning), whose name sorts before the report the test breaks."""
    root = tmp_path / "project"
    shutil.copytree(LABELS, root)
    text = (root / "sitreps" / f"{REPORT}.yaml").read_text(encoding="utf-8")
    other = shifted(text, -1).replace("series: Syria", "series: Other").replace("published: 2017-03-03", "published: 2017-03-01")
    assert "published: 2017-03-01" in other
    (root / "sitreps" / f"{OTHER}.yaml").write_text(other, encoding="utf-8")
    return root


@pytest.fixture
def server(desk: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PreviewServer]:
    monkeypatch.chdir(desk)  # paths are shown as the writer would type them: relative to here
    preview = PreviewServer(load_project(desk), "127.0.0.1", 0, log=lambda line: None)
    try:
        yield preview
    finally:
        preview.stop()


def test_warnings_show_in_the_page_and_errors_come_first(server: PreviewServer, desk: Path) -> None:
    other = (desk / "sitreps" / f"{OTHER}.yaml").read_text(encoding="utf-8")
    warning = (
        f"sitreps/{OTHER}.yaml:{position_of(other, '2017-03-01')}: warning[date-outside-period]: "
        "published 2017-03-01 is before the end of the reporting period (2017-03-02)"
    )
    server.start()
    assert server.failure is None and server.warnings == [warning]
    for page_path in ("index.html", f"reports/{REPORT}.html"):
        page = fetch(server.url + page_path).text
        assert ERROR_MARK not in page
        assert banner_text(page) == f"sitrepgen: built with 1 warning(s){warning}"
    # Preview-only, like the error banner: the site on disk stays clean.
    assert WARNING_MARK not in (desk / "site" / "index.html").read_text(encoding="utf-8")

    report = desk / "sitreps" / f"{REPORT}.yaml"
    good = report.read_text(encoding="utf-8")
    broken = good.replace(TITLE, BROKEN_TITLE, 1)
    save(report, broken)
    generation = wait_for_generation(server, 1)
    error = (
        f"sitreps/{REPORT}.yaml:{line_of(broken, BROKEN_TITLE)}:{BROKEN_TITLE.index('{') + 1}: "
        "error[wrong-type]: 'title' must be text, not a mapping"
    )
    page = fetch(server.url + f"reports/{REPORT}.html").text
    assert WARNING_MARK not in page
    assert banner_text(page) == f"sitrepgen: build failed — 1 error(s) (showing the last good build){error}\n{warning}"
    assert server.warnings == []

    save(report, good)
    wait_for_generation(server, generation)
    assert banner_text(fetch(server.url + f"reports/{REPORT}.html").text) == f"sitrepgen: built with 1 warning(s){warning}"


def test_a_clean_build_shows_no_notice(server: PreviewServer, desk: Path) -> None:
    (desk / "sitreps" / f"{OTHER}.yaml").unlink()
    server.start()
    page = fetch(server.url + "index.html").text
    assert server.warnings == [] and WARNING_MARK not in page and ERROR_MARK not in page


def test_errors_first_orders_errors_before_warnings_whatever_the_file() -> None:
    found = [
        Diagnostic("a.yaml", 9, 1, Severity.WARNING, "place-name", "w2"),
        Diagnostic("a.yaml", 2, 1, Severity.WARNING, "place-name", "w1"),
        Diagnostic("b.yaml", 5, 3, Severity.ERROR, "wrong-type", "e2"),
        Diagnostic("b.yaml", 1, 1, Severity.ERROR, "wrong-type", "e1"),
    ]
    assert errors_first(found) == [
        "b.yaml:1:1: error[wrong-type]: e1",
        "b.yaml:5:3: error[wrong-type]: e2",
        "a.yaml:2:1: warning[place-name]: w1",
        "a.yaml:9:1: warning[place-name]: w2",
    ]


def test_the_warning_notice_is_escaped_and_an_error_hides_it() -> None:
    page = b"<html><body>\n<p>x</p>\n</body></html>"
    out = inject(page, generation=3, failure=None, warnings=["a.yaml:1:1: warning[x]: <img src=x onerror=alert(1)>"]).decode("utf-8")
    assert out.startswith('<html><body><div id="sitrepgen-build-warnings" role="status"')
    assert "&lt;img src=x onerror=alert(1)&gt;" in out and "<img" not in out
    failed = inject(page, generation=3, failure=BuildFailure("1 error(s)"), warnings=["a.yaml:1:1: warning[x]: w"]).decode("utf-8")
    assert ERROR_MARK in failed and WARNING_MARK not in failed
    assert inject(page, generation=3, failure=None, warnings=[]) == inject(page, generation=3, failure=None)
