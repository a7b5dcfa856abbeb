"""The website's quality bar, checked by the tools a reviewer would use, on six built weeks.

- The Nu HTML checker (vnu-jar, pinned in tests/browser/package-lock.json) on every page, the
  stylesheet and the figures: no errors.
- axe-core (WCAG 2.1 A/AA and best practices) in headless Chromium: no violations.
- A real browser reads the site from a subpath of a loopback server, as a reader would: opens
  the index, follows a report link, sees the map, at desktop and phone widths.

Chromium is Debian's (/usr/bin/chromium), driven by Playwright's Python package; Playwright's own
browser downloads are never used. The browser may only reach the loopback server: requests for
the site's public address (base_url, which 404.html links to) are answered from the built files,
and anything else is refused and reported. A missing browser, Java or node_modules fails the
tests with a message saying what to install; nothing is skipped.
"""

from __future__ import annotations

import json
import struct
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import pytest

from tests.browser.support import (
    Series,
    axe_script,
    build_series,
    java,
    launched_chromium,
    serve_site,
    vnu_jar,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Request, Response, Route, ViewportSize

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
TIMEOUT_MS = 30_000  # generous: a slow CI machine, never an assertion about speed


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> Series:
    return build_series(tmp_path_factory.mktemp("series"))


# --------------------------------------------------------------------------- Nu HTML checker

#: Known-bad documents checked in the same run: they prove each kind of check really ran.
CANARIES = {
    "canary.html": '<!DOCTYPE html><html lang="en"><title>x</title><p id="a">x</p><p id="a">y</p></html>',
    "canary.css": "p { colr: red; }\n",
    "canary.svg": '<svg xmlns="http://www.w3.org/2000/svg"><nonsense/></svg>',
}


def nu_check(files: list[Path]) -> list[dict[str, Any]]:
    """Run the Nu checker once over ``files``; its messages (errors only)."""
    command = [java(), "-jar", str(vnu_jar()), "--errors-only", "--format", "json", "--stdout",
               "--also-check-css", "--also-check-svg", "--exit-zero-always", *map(str, files)]  # fmt: skip
    done = subprocess.run(command, check=False, capture_output=True, text=True, encoding="utf-8", timeout=600)
    if done.returncode != 0:
        pytest.fail(f"the Nu checker did not run (exit {done.returncode}):\n{done.stderr}", pytrace=False)
    messages: list[dict[str, Any]] = json.loads(done.stdout)["messages"]
    return messages


def message_file(message: dict[str, Any]) -> Path:
    """The checked file a message is about (its "url" is a file: URL)."""
    return Path(unquote(urlsplit(str(message.get("url", ""))).path))


def format_nu(messages: list[dict[str, Any]], root: Path) -> str:
    lines = []
    for m in messages:
        path = message_file(m)
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        where = f"{name}:{m.get('lastLine', '?')}:{m.get('firstColumn', m.get('lastColumn', '?'))}"
        lines.append(f"{where}: {m.get('type')}: {m.get('message')}\n    {str(m.get('extract', '')).strip()!r}")
    return "\n".join(lines)


def test_nu_html_checker_reports_no_errors(series: Series, tmp_path: Path) -> None:
    site = series.site
    pages = sorted(site.rglob("*.html"))
    # index, 404, the weeks, the regions index, the regions, key figures, search
    assert len(pages) == 1 + 1 + 6 + 1 + 4 + 1 + 1
    checked = [*pages, *sorted(site.rglob("*.css")), *sorted(site.rglob("*.svg"))]
    canaries = []
    for name, text in CANARIES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        canaries.append(tmp_path / name)
    messages = nu_check(checked + canaries)

    errors = [m for m in messages if m.get("type") in ("error", "non-document-error", "fatal")]
    of_site = [m for m in errors if message_file(m).is_relative_to(site)]
    assert not of_site, f"the Nu checker found {len(of_site)} error(s):\n{format_nu(of_site, site)}"
    # Each canary was checked and failed, so the checker looked at HTML, CSS and SVG alike.
    assert {message_file(m).name for m in errors} == set(CANARIES), format_nu(errors, tmp_path)


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium(TIMEOUT_MS) as launched:
        yield launched


@pytest.fixture(scope="module")
def site_url(series: Series) -> Iterator[str]:
    """The built site on loopback, under a subpath: every link must be relative to work there."""
    with serve_site(series.site, "/sub/") as url:
        yield url


@dataclass
class Traffic:
    """What one browser context asked for that it should not have, or did not get."""

    refused: list[str] = field(default_factory=list)  #: requests to other hosts
    failed: list[str] = field(default_factory=list)  #: errors and 4xx/5xx responses

    def assert_clean(self, *, allow_status: dict[str, int] | None = None) -> None:
        allowed = {f"{status} {url}" for url, status in (allow_status or {}).items()}
        failures = [entry for entry in self.failed if entry not in allowed]
        assert not self.refused, "the page asked for other hosts:\n" + "\n".join(self.refused)
        assert not failures, "requests that failed:\n" + "\n".join(failures)


@contextmanager
def browser_tab(browser: Browser, series: Series, site_url: str, viewport: ViewportSize) -> Iterator[tuple[Page, Traffic]]:
    """A fresh browser context and page that can reach the loopback server only."""
    context = browser.new_context(viewport=viewport, device_scale_factor=1, service_workers="block")
    context.set_default_timeout(TIMEOUT_MS)
    traffic = Traffic()

    def route(route: Route) -> None:
        url = route.request.url
        if url.startswith(site_url):
            route.continue_()
        elif url.startswith(series.base_url):
            # The public address of the site (404.html's links): answered from the built files.
            path = series.site / url[len(series.base_url) :].split("#")[0].split("?")[0]
            if path.is_file():
                route.fulfill(path=path)
            else:
                route.fulfill(status=404, body="")
        elif url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            traffic.refused.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", route)

    def failed(request: Request) -> None:
        traffic.failed.append(f"failed {request.url} ({request.failure})")

    def responded(response: Response) -> None:
        if response.status >= 400:
            traffic.failed.append(f"{response.status} {response.url}")

    context.on("requestfailed", failed)
    context.on("response", responded)
    try:
        yield context.new_page(), traffic
    finally:
        context.close()


@pytest.fixture
def desktop(browser: Browser, series: Series, site_url: str) -> Iterator[tuple[Page, Traffic]]:
    with browser_tab(browser, series, site_url, DESKTOP) as tab:
        yield tab


@pytest.fixture
def phone(browser: Browser, series: Series, site_url: str) -> Iterator[tuple[Page, Traffic]]:
    with browser_tab(browser, series, site_url, PHONE) as tab:
        yield tab


# --------------------------------------------------------------------------- axe-core


def run_axe(page: Page) -> dict[str, Any]:
    page.add_script_tag(path=str(axe_script()))
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    result: dict[str, Any] = page.evaluate("options => axe.run(document, options)", options)
    return result


def format_axe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation.get('impact')}): {violation['help']} <{violation.get('helpUrl', '')}>")
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = str(node.get("failureSummary") or "").replace("\n", "\n        ")
            lines.append(f"        {summary}")
    return "\n".join(lines)


def stylesheet_applied(page: Page) -> bool:
    """The site's stylesheet (and its web font) was loaded: main is a centred column in Source Sans Pro."""
    return bool(
        page.evaluate(
            """async () => {
                await document.fonts.ready;
                const main = getComputedStyle(document.querySelector('main'));
                const font = [...document.fonts].some(f => f.family.includes('Source Sans Pro') && f.status === 'loaded');
                return main.maxWidth !== 'none' && font;
            }"""
        )
    )


AXE_PAGES = {
    "index": ("index.html", 200),
    "report": ("reports/2016-12-08.html", 200),
    "region": ("regions/aleppo.html", 200),
    "regions": ("regions/index.html", 200),
    "search": ("search.html", 200),  # with Pagefind's UI in it: it loads over HTTP
    "404": ("reports/no-such-week.html", 404),  # 404.html, served for a missing address
}


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("name", AXE_PAGES)
def test_axe_finds_no_violations(browser: Browser, series: Series, site_url: str, name: str, width: str) -> None:
    path, status = AXE_PAGES[name]
    with browser_tab(browser, series, site_url, DESKTOP if width == "desktop" else PHONE) as (page, traffic):
        response = page.goto(site_url + path, wait_until="load")
        assert response is not None and response.status == status
        assert stylesheet_applied(page), f"{path}: the stylesheet or its font did not load"
        result = run_axe(page)
    assert result["testEngine"]["name"] == "axe-core"
    violations = result["violations"]
    assert not violations, f"axe-core found {len(violations)} violation(s) on {path} ({width}):\n{format_axe(violations)}"
    assert {"color-contrast", "landmark-one-main", "heading-order"} <= {rule["id"] for rule in result["passes"]}
    traffic.assert_clean(allow_status={site_url + path: 404} if status == 404 else None)


# --------------------------------------------------------------------------- a reader's visit


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def visit(page: Page, site_url: str, series: Series, screenshot: Path) -> None:
    """Open the index, follow the first report link, check the report and take a screenshot."""
    page.goto(site_url + "index.html", wait_until="load")
    settle(page)
    first = page.locator("ol.archive > li").first.get_by_role("link").first
    assert first.get_attribute("href") == f"reports/{series.newest}.html"
    first.click()
    page.wait_for_url(f"{site_url}reports/{series.newest}.html", wait_until="load")
    headings = page.locator("h1")
    assert headings.count() == 1 and headings.inner_text().strip() == "Weekly Conflict Summary"
    assert page.title().startswith("Weekly Conflict Summary – December 2–8, 2016")
    map_image = page.locator("figure img").first
    assert map_image.get_attribute("src") == f"{series.newest}/aleppo-control.svg"
    width = map_image.evaluate("img => img.decode().then(() => img.naturalWidth, () => 0)")
    assert width > 0, "the map did not load"
    assert stylesheet_applied(page)
    settle(page)
    page.screenshot(path=str(screenshot), full_page=True)


def page_widths(page: Page) -> tuple[int, int]:
    """(width of the laid-out page, width of the window): the first exceeds the second when the
    reader would have to scroll sideways."""
    scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    return int(scroll), int(inner)


def test_reader_opens_a_report_from_the_index(
    desktop: tuple[Page, Traffic], site_url: str, series: Series, tmp_path: Path
) -> None:
    page, traffic = desktop
    shot = tmp_path / "report-desktop.png"
    visit(page, site_url, series, shot)
    width, height = png_size(shot)
    assert width == DESKTOP["width"] and height > DESKTOP["height"]  # the full page, not the window
    assert shot.stat().st_size > 50_000  # text and a map, not a blank page
    traffic.assert_clean()


def settle(page: Page) -> None:
    """Wait for the web fonts a page asked for: leaving earlier would abort their requests."""
    page.evaluate("() => document.fonts.ready.then(() => document.fonts.size)")


def test_reader_on_a_phone_never_scrolls_sideways(
    phone: tuple[Page, Traffic], site_url: str, series: Series, tmp_path: Path
) -> None:
    page, traffic = phone
    page.goto(site_url + "index.html", wait_until="load")
    settle(page)
    scroll, inner = page_widths(page)
    assert inner == PHONE["width"] and scroll <= inner, f"index.html is {scroll}px wide on a {inner}px screen"
    shot = tmp_path / "report-phone.png"
    visit(page, site_url, series, shot)
    scroll, inner = page_widths(page)
    assert scroll <= inner, f"the report is {scroll}px wide on a {inner}px screen"
    width, height = png_size(shot)
    assert width == PHONE["width"] and height > 3 * PHONE["height"]  # one narrow column: a long page
    assert shot.stat().st_size > 50_000
    for path in ("regions/aleppo.html", "regions/index.html"):
        page.goto(site_url + path, wait_until="load")
        settle(page)
        scroll, inner = page_widths(page)
        assert scroll <= inner, f"{path} is {scroll}px wide on a {inner}px screen"
    traffic.assert_clean()
