"""Each SVG case of the hardening issue, opened in Chromium at the published figure's own URL.

Opened directly (not through <img>) a figure is a live document with the site's origin. For
every case of tests/test_svg_rebuild.ISSUE: the original file, served from loopback, makes
Chromium contact an attacker server (a second loopback server that counts connections), which
proves the probe works in this browser; the figure the build published (or, for a case the
build refuses, what the rebuilder made of it) makes no connection at all. The page is given
time to load, is hovered (a CSS cursor is fetched on hover) and is left open a moment more.

Chromium is Debian's, driven by Playwright (tests/browser/support.py); nothing is skipped.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import Result

from sitrepgen import svg
from tests.browser.support import launched_chromium, serve_site
from tests.test_figures_hardening import REFUSED, WARNED, issue_case, warned_build  # noqa: F401 - a fixture
from tests.test_hostile import Loopback, serve_loopback

if TYPE_CHECKING:
    from playwright.sync_api import Browser

TIMEOUT_MS = 30_000
SETTLE_MS = 1500  #: how long a page stays open after load and hover (a wait, never an assertion)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium(TIMEOUT_MS) as launched:
        yield launched


def visit(browser: Browser, url: str, attacker: Loopback, *, until_contact: bool = False) -> None:
    """Open ``url`` as a reader would, hover it, and leave it open for a moment (or, with
    ``until_contact``, until the attacker's server has been contacted, at most 10 s)."""
    context = browser.new_context(service_workers="block")
    try:
        page = context.new_page()
        page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
        for x, y in ((5, 5), (25, 25), (60, 40)):
            page.mouse.move(x, y)
        deadline = time.monotonic() + (10 if until_contact else SETTLE_MS / 1000)
        while time.monotonic() < deadline and not (until_contact and attacker.connections):
            page.wait_for_timeout(100)
    finally:
        context.close()


@pytest.mark.parametrize("case", [*WARNED, *REFUSED])
def test_the_original_figure_contacts_the_attacker(browser: Browser, tmp_path: Path, case: str) -> None:
    """The probe: served as the writer made it, the figure does reach the attacker's server."""
    with serve_loopback() as attacker:
        (tmp_path / f"{case}.svg").write_text(issue_case(case, attacker.url)[0], encoding="utf-8")
        with serve_site(tmp_path, "/") as site:
            visit(browser, f"{site}{case}.svg", attacker, until_contact=True)
        assert attacker.connections, f"{case}: Chromium did not contact the attacker; the probe proves nothing"


@pytest.mark.parametrize("case", WARNED)
def test_the_published_figure_contacts_no_one(browser: Browser, warned_build: tuple[Path, Result, str, Loopback], case: str) -> None:  # noqa: F811
    root, result, _, attacker = warned_build
    assert result.exit_code == 0, result.output
    with serve_site(root / "site", "/sub/") as site:
        visit(browser, f"{site}reports/2016-12-08/{case}.svg", attacker)
    assert attacker.connections == []


@pytest.mark.parametrize("case", REFUSED)
def test_the_rebuild_of_a_refused_figure_contacts_no_one(browser: Browser, tmp_path: Path, case: str) -> None:
    """The build refuses it (test_figures_hardening); what the rebuilder made of it is inert too."""
    with serve_loopback() as attacker:
        rebuilt = svg.rebuild(issue_case(case, attacker.url)[0].encode("utf-8"))
        assert rebuilt.has_errors and rebuilt.data is not None
        (tmp_path / f"{case}.svg").write_bytes(rebuilt.data)
        with serve_site(tmp_path, "/") as site:
            visit(browser, f"{site}{case}.svg", attacker)
        assert attacker.connections == []
