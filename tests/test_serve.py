"""The live preview: served pages reload after a rebuild, a broken edit shows a banner, nothing leaks to disk.

Everything goes through real HTTP on loopback and real file-system events, as a writer's browser
and editor would; waits are bounded polls of the generation counter, never fixed sleeps.
"""

from __future__ import annotations

import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitrepgen import serve
from sitrepgen.cli import cli
from sitrepgen.config import load_project
from sitrepgen.serve import GENERATION_PATH, BuildFailure, PreviewServer, inject
from tests.helpers import line_of

SLUG = "2016-12-08"
OLD_TITLE = "title: Weekly Conflict Summary"
NEW_TITLE = "title: Weekly Conflict Digest"
BROKEN_TITLE = "title: {text: Weekly Conflict Digest}"  # a mapping where text belongs
DEADLINE = 60.0
SCRIPT_MARK = GENERATION_PATH
BANNER_MARK = 'id="sitrepgen-build-error"'

# No proxy, even if the environment names one: these requests must stay on loopback.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Response:
    status: int
    content_type: str
    cache_control: str
    text: str


def fetch(url: str) -> Response:
    """GET ``url``; error statuses are returned, not raised, and every response is closed."""
    try:
        with _OPENER.open(url, timeout=10) as response:
            body = response.read()
            status, headers = response.status, response.headers
    except urllib.error.HTTPError as exc:
        with exc:
            body = exc.read()
            status, headers = exc.code, exc.headers
    return Response(status, headers.get("Content-Type", ""), headers.get("Cache-Control", ""), body.decode("utf-8"))


def wait_for_generation(server: PreviewServer, after: int) -> int:
    """Poll the generation over HTTP, as the page's script does, until it passes ``after``."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        generation = int(fetch(server.url + GENERATION_PATH.lstrip("/")).text)
        if generation > after:
            return generation
        time.sleep(0.05)
    pytest.fail(f"no rebuild within {DEADLINE:.0f} s (generation still {after})")


def save(path: Path, text: str) -> None:
    """Write as many editors do (a new file renamed over the old), so a build never reads half a file."""
    temporary = path.parent.parent / f".{path.name}.saving"
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


@pytest.fixture
def logs() -> list[str]:
    return []


@pytest.fixture
def server(project: Path, logs: list[str]) -> Iterator[PreviewServer]:
    preview = PreviewServer(load_project(project), "127.0.0.1", 0, log=logs.append)
    try:
        yield preview
    finally:
        preview.stop()


def test_live_preview_rebuilds_reloads_and_survives_a_broken_edit(
    server: PreviewServer, project: Path, seed_yaml: str, logs: list[str]
) -> None:
    port = server.start()
    assert port != 0 and server.url == f"http://127.0.0.1:{port}/"
    assert server.generation == 1 and server.failure is None
    site = project / "site"

    # Every page carries the reload script; the files on disk do not.
    for page in ("index.html", f"reports/{SLUG}.html"):
        response = fetch(server.url + page)
        assert response.status == 200
        assert response.content_type.startswith("text/html")
        assert SCRIPT_MARK in response.text and 'var seen="1"' in response.text
        assert response.text.index(SCRIPT_MARK) < response.text.rindex("</body>")
        assert BANNER_MARK not in response.text
        assert SCRIPT_MARK not in (site / page).read_text(encoding="utf-8")
    assert "Weekly Conflict Summary" in fetch(server.url + f"reports/{SLUG}.html").text
    generation = fetch(server.url + GENERATION_PATH.lstrip("/"))
    assert (generation.status, generation.text) == (200, "1")
    assert generation.content_type.startswith("text/plain") and generation.cache_control == "no-store"
    # Not a page: served unchanged. Outside the output folder: not served.
    assert fetch(server.url + "assets/style.css").text == (site / "assets" / "style.css").read_text(encoding="utf-8")
    assert fetch(server.url + "../sitreps/2016-12-08.yaml").status == 404
    assert fetch(server.url + "%2e%2e/sitreps/2016-12-08.yaml").status == 404

    # An edit is rebuilt and served.
    report = project / "sitreps" / f"{SLUG}.yaml"
    assert OLD_TITLE in seed_yaml
    edited = seed_yaml.replace(OLD_TITLE, NEW_TITLE)
    save(report, edited)
    generation_1 = wait_for_generation(server, 1)
    page = fetch(server.url + f"reports/{SLUG}.html")
    assert page.status == 200 and "Weekly Conflict Digest" in page.text and BANNER_MARK not in page.text
    assert f'var seen="{generation_1}"' in page.text
    assert SCRIPT_MARK not in (site / "reports" / f"{SLUG}.html").read_text(encoding="utf-8")
    assert "rebuilt in " in "\n".join(logs)

    # A broken edit: the last good site is still served, under a banner that says where.
    broken = edited.replace(NEW_TITLE, BROKEN_TITLE)
    save(report, broken)
    generation_2 = wait_for_generation(server, generation_1)
    where = f"2016-12-08.yaml:{line_of(broken, BROKEN_TITLE)}:{BROKEN_TITLE.index('{') + 1}: error[wrong-type]"
    for page_path in (f"reports/{SLUG}.html", "index.html"):
        page = fetch(server.url + page_path)
        assert page.status == 200
        assert BANNER_MARK in page.text and page.text.index(BANNER_MARK) < page.text.index('class="skip-link"')
        assert where in page.text, page.text[:2000]
    assert "Weekly Conflict Digest" in fetch(server.url + f"reports/{SLUG}.html").text
    assert server.failure is not None and server.generation == generation_2
    assert any(entry.startswith("build failed: 1 error(s)") for entry in logs)
    assert any(where in entry for entry in logs)
    assert BANNER_MARK not in (site / "reports" / f"{SLUG}.html").read_text(encoding="utf-8")
    assert all(thread.is_alive() for thread in server.threads) and len(server.threads) == 2

    # Fixed again: the banner goes.
    save(report, seed_yaml)
    wait_for_generation(server, generation_2)
    page = fetch(server.url + f"reports/{SLUG}.html")
    assert BANNER_MARK not in page.text and "Weekly Conflict Summary" in page.text and server.failure is None

    threads = server.threads
    server.stop()
    assert not any(thread.is_alive() for thread in threads)
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


def test_a_failed_first_build_serves_an_error_page_until_fixed(
    server: PreviewServer, project: Path, seed_yaml: str, logs: list[str]
) -> None:
    report = project / "sitreps" / f"{SLUG}.yaml"
    broken = seed_yaml.replace(OLD_TITLE, BROKEN_TITLE)
    report.write_text(broken, encoding="utf-8")
    server.start()
    assert server.generation == 1 and server.failure is not None
    assert not (project / "site").exists()
    where = f"2016-12-08.yaml:{line_of(broken, BROKEN_TITLE)}:"
    for page in ("", "index.html"):
        response = fetch(server.url + page)
        assert response.status == 500 and response.content_type.startswith("text/html")
        assert BANNER_MARK in response.text and SCRIPT_MARK in response.text
        assert where in response.text
    assert fetch(server.url + f"reports/{SLUG}.html").status == 404

    save(report, seed_yaml)
    wait_for_generation(server, 1)
    response = fetch(server.url)
    assert response.status == 200 and BANNER_MARK not in response.text and SCRIPT_MARK in response.text
    assert fetch(server.url + f"reports/{SLUG}.html").status == 200


def test_inject_escapes_and_places_the_banner_and_script() -> None:
    page = b"<html><BODY class='x'>\n<p>caf\xc3\xa9</p>\n</Body></html>"
    failure = BuildFailure("bad <b>", ["a.yaml:3:1: error[x]: <script>alert(1)</script>"])
    out = inject(page, generation=7, failure=failure)
    assert out.startswith(b"<html><BODY class='x'><div id=\"sitrepgen-build-error\"")
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in out and b"bad &lt;b&gt;" in out
    assert b"<script>alert" not in out
    assert out.endswith(b"</script></Body></html>") and b'var seen="7"' in out
    assert "café" in out.decode("utf-8")
    assert inject(b"<p>fragment</p>", generation=1, failure=None).startswith(b"<p>fragment</p><script>")


def test_only_sources_trigger_a_rebuild(project: Path) -> None:
    preview = PreviewServer(load_project(project), "127.0.0.1", 0)
    root = project.resolve()
    assert preview._is_source(root / "sitreps" / "2016-12-08.yaml")
    assert preview._is_source(root / "sitreps" / "figures" / "new.svg")
    assert preview._is_source(root / "templates" / "masthead.html.j2")
    assert preview._is_source(root / "sitrepgen.yaml")
    assert not preview._is_source(root / "site" / "index.html")
    assert not preview._is_source(root / ".site.abc123.tmp" / "index.html")
    assert not preview._is_source(root / ".site.old")
    assert not preview._is_source(root / "seeds" / "notes.txt")


def test_serve_command_starts_prints_the_url_and_stops_on_ctrl_c(
    project: Path, seed_yaml: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through click, as ``sitrepgen serve`` runs: a failed first build does not stop it (and is quick)."""
    (project / "sitreps" / f"{SLUG}.yaml").write_text(seed_yaml.replace(OLD_TITLE, BROKEN_TITLE), encoding="utf-8")
    opened: list[str] = []
    started: list[PreviewServer] = []

    def interrupt(self: PreviewServer) -> None:
        started.append(self)
        assert fetch(self.url).status == 500
        raise KeyboardInterrupt

    monkeypatch.setattr(PreviewServer, "wait", interrupt)
    monkeypatch.setattr(serve.webbrowser, "open", opened.append)

    result = CliRunner().invoke(cli, ["-C", str(project), "serve", "--port", "0", "--open"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    url = started[0].url
    assert opened == [url]
    assert "build failed: 1 error(s)" in result.stderr
    assert f"Serving {url} \u2014 Ctrl+C to stop\n" in result.stderr
    assert result.stderr.endswith("stopping\n") and "Traceback" not in result.stderr
    assert not any(thread.is_alive() for thread in started[0].threads)
