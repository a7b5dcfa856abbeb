"""What the site tests share: a built six-week series, the local checkers, a loopback server.

The checkers (the Nu HTML checker and axe-core) are npm packages pinned in ``package.json`` and
``package-lock.json`` beside this file; ``npm ci --prefix tests/browser --ignore-scripts``
installs them into ``tests/browser/node_modules`` (``.ci/run`` does). Chromium is the Debian
package ``chromium``. A missing program skips the test with a reason naming the package to
install (tests/helpers.py ``need_tool``), and fails it when SITREPGEN_REQUIRE_ALL_TOOLS is set, as
.ci/run sets it; a missing Python package or a failed ``npm ci`` always fails.
"""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from sitrepgen.config import load_project
from sitrepgen.site import build
from tests.helpers import copy_project, missing_tool, need_tool, write_series

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
INSTALL_HINT = "run `npm ci --prefix tests/browser --ignore-scripts` (or .ci/run, which installs everything the tests need)"

#: Flags for a quiet, offline Chromium: no sync, no component updates, no background requests.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

COPIES = 5  #: date-shifted copies of the seed, so the series has six weeks


@dataclass(frozen=True)
class Series:
    """A project of six weekly reports (the seed and five earlier copies) and its built site."""

    root: Path
    site: Path
    base_url: str
    slugs: list[str]  #: oldest first

    @property
    def newest(self) -> str:
        return self.slugs[-1]


def build_series(root: Path, copies: int = COPIES) -> Series:
    """Copy this repository's project into ``root``, add ``copies`` earlier weeks and build it."""
    copy_project(root)
    write_series(root / "sitreps", copies)
    project = load_project(root)
    result = build(project)
    assert result.warnings == []
    base_url = project.config.base_url
    assert base_url, "the repository's sitrepgen.yaml sets base_url; these tests rely on it"
    slugs = sorted(path.stem for path in (root / "sitreps").glob("*.yaml"))
    assert len(slugs) == copies + 1
    return Series(root=root, site=result.output_dir, base_url=base_url, slugs=slugs)


def node_module_file(relative: str) -> Path:
    """A file installed by ``npm ci --prefix tests/browser``: installed on first use when npm is
    there (so the README's test command works as it is), else the test is skipped saying how."""
    path = NODE_MODULES / relative
    if not path.is_file():
        npm = need_tool("npm", f"to install the checkers: {INSTALL_HINT}")
        subprocess.run(
            [npm, "ci", "--prefix", str(HERE), "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            check=False, capture_output=True, timeout=600,
        )
    if not path.is_file():
        pytest.fail(f"{path} not found: {INSTALL_HINT}", pytrace=False)
    return path


def vnu_jar() -> Path:
    return node_module_file("vnu-jar/build/dist/vnu.jar")


def axe_script() -> Path:
    return node_module_file("axe-core/axe.min.js")


def java() -> str:
    return need_tool("java")  # the Nu HTML checker needs Java 17 or later


def chromium() -> str:
    """Debian's Chromium, or the one named by SITREPGEN_CHROMIUM; skips the test when absent."""
    named = os.environ.get("SITREPGEN_CHROMIUM")
    candidates = [named] if named else ["/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    missing_tool("chromium", f"{named or '/usr/bin/chromium'} not found")
    raise AssertionError("unreachable")  # missing_tool skips or fails


@contextmanager
def launched_chromium(timeout_ms: int = 30_000) -> Iterator[Any]:
    """Chromium under Playwright (a ``playwright.sync_api.Browser``), closed afterwards; a
    missing browser or package fails the test saying what to install."""
    executable = chromium()
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        pytest.fail("the playwright Python package is missing: pip install -e '.[test]'", pytrace=False)
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, timeout=timeout_ms)
        except Error as exc:
            pytest.fail(f"Chromium ({executable}) did not start under Playwright: {exc}", pytrace=False)
        yield launched
        launched.close()


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site under ``prefix`` only, and its 404.html (status 404) for anything missing,
    as a static host does."""

    prefix = "/"

    def translate_path(self, path: str) -> str:
        route = unquote(urlsplit(path).path)
        if not route.startswith(self.prefix):
            return str(Path(self.directory) / ".outside-the-prefix")
        return super().translate_path("/" + route[len(self.prefix) :])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@contextmanager
def serve_site(site: Path, prefix: str = "/sub/") -> Iterator[str]:
    """Serve ``site`` on loopback under a subpath; yields the site's URL ('http://127.0.0.1:N/sub/')."""
    handler = partial(type("Handler", (_SiteHandler,), {"prefix": prefix}), directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
