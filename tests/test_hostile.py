"""Hostile and broken input, end to end (issue 5).

Every case runs `sitrepgen build` on a project whose previous build succeeded. A broken file
must end in a clear error that names the file (and line), exit 1, no traceback, and leave the
previous site/ byte for byte, with no staging folder behind. Content that is merely hostile
(a <script>, a javascript: link, a file: or loopback image, template syntax) must build with
the content shown as text. Throughout, a loopback HTTP server started by the test counts every
connection: a build must never make one, whatever the report says.
"""

from __future__ import annotations

import contextlib
import errno
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pypdf
import pytest
from click.testing import CliRunner, Result
from markdown_it import MarkdownIt

from sitrepgen import fastload, markup
from sitrepgen.cli import cli
from sitrepgen.load import MAX_BYTES, MAX_DEPTH, MAX_NODES, read_document
from sitrepgen.new import NewReportError, write_new_file
from tests.helpers import careless_dangers, copy_project, line_of, need_tool, seed_report_text

SEED = seed_report_text()
REPORT = "sitreps/2016-12-08.yaml"
FIGURE = "figures/2016-12-08-aleppo-control.svg"


# --------------------------------------------------------------------------- the loopback server


@dataclass
class Loopback:
    """An HTTP server on 127.0.0.1 that counts every connection made to it."""

    url: str
    connections: list[str] = field(default_factory=list)


@contextlib.contextmanager
def serve_loopback() -> Iterator[Loopback]:
    record: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "image/svg+xml")
            self.end_headers()
            self.wfile.write(b"<svg xmlns='http://www.w3.org/2000/svg'><text>FETCHED</text></svg>")

        def log_message(self, *args: object) -> None:
            pass

    class Server(http.server.HTTPServer):
        def verify_request(self, request: Any, client_address: Any) -> bool:
            record.append(f"connection from {client_address}")  # counted even if no request follows
            return True

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield Loopback(f"http://127.0.0.1:{server.server_port}/", record)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    with serve_loopback() as server:
        yield server


# --------------------------------------------------------------------------- a built project


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed project built once, successfully; each test starts from a copy of its output."""
    root = tmp_path_factory.mktemp("baseline") / "project"
    root.mkdir()
    copy_project(root)
    result = CliRunner().invoke(cli, ["-C", str(root), "build"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def built(project: Path, baseline: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The `project` fixture with the baseline's successful build (site/ and build cache) in place,
    as the cwd, so that diagnostics show the report as sitreps/2016-12-08.yaml."""
    for name in os.listdir(baseline):
        if name not in {"sitreps", "templates", "sitrepgen.yaml"}:
            shutil.copytree(baseline / name, project / name, symlinks=True)
    assert (project / "site" / "reports" / "2016-12-08.pdf").is_file()
    monkeypatch.chdir(project)
    return project


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file's bytes (and every folder, as None) under ``folder``."""
    return {
        path.relative_to(folder).as_posix(): (path.read_bytes() if path.is_file() else None)
        for path in sorted(folder.rglob("*"))
    }


def leftovers(project: Path) -> list[str]:
    """Staging or old-site folders a build may leave beside site/."""
    return sorted(name for name in os.listdir(project) if name.startswith(".site."))


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


def run_process(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a fresh interpreter: real stderr, real exit code."""
    return subprocess.run(
        [sys.executable, "-m", "sitrepgen", "-C", ".", *args],
        cwd=project, capture_output=True, text=True, timeout=300, check=False,
    )


# --------------------------------------------------------------------------- broken files

#: Written into broken reports too: should a build ever get as far as rendering, it would fetch.
def with_loopback(text: str, url: str) -> str:
    paragraph = f"      - |-\n        Loopback ![probe]({url}probe.svg) and [page]({url}page).\n"
    return text.replace("    paragraphs:\n", "    paragraphs:\n" + paragraph, 1)


def alias_bomb() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Broken:
    """A way to break the report, and the error it must produce: code, line and column (1-based;
    0 where the column is not the point)."""

    content: Callable[[Path, str], str | bytes]  # (project, loopback url) -> the report's new content
    code: str
    line: Callable[[str | bytes], int]
    col: int = 0
    message: str = ""


def _outside_svg(project: Path) -> Path:
    outside = project.parent / "outside.svg"
    outside.write_text("<svg xmlns='http://www.w3.org/2000/svg'><text>OUTSIDE</text></svg>", encoding="utf-8")
    return outside


def _symlinked_out(project: Path, url: str) -> str:
    (project / "sitreps" / "figures" / "link.svg").symlink_to(_outside_svg(project))
    return with_loopback(SEED, url).replace(FIGURE, "figures/link.svg")


def _svg_figure(name: str, svg: str) -> Callable[[Path, str], str]:
    """A report whose figure is a new SVG file ``figures/NAME`` holding ``svg``."""

    def content(project: Path, url: str) -> str:
        (project / "sitreps" / "figures" / name).write_text(svg.replace("{url}", url), encoding="utf-8")
        return with_loopback(SEED, url).replace(FIGURE, f"figures/{name}")

    return content


def _line(needle: str) -> Callable[[str | bytes], int]:
    def find(text: str | bytes) -> int:
        return line_of(text.decode("utf-8", "replace") if isinstance(text, bytes) else text, needle)

    return find


BROKEN = {
    "yaml-syntax": Broken(
        lambda p, url: with_loopback(SEED, url).replace("series: Syria\n", "series: Syria: Aleppo\n"),
        "yaml-syntax", _line("series: Syria: Aleppo"), 14, "which YAML reads as another key",
    ),
    "tab-indentation": Broken(
        lambda p, url: with_loopback(SEED, url).replace("  start: 2016-12-02", "\tstart: 2016-12-02"),
        "yaml-syntax", _line("\tstart: 2016-12-02"), 1, "cannot be indented with tabs",
    ),
    "duplicate-top-level-key": Broken(
        lambda p, url: with_loopback(SEED, url) + "title: Again\n",
        "duplicate-key", _line("title: Again"), 1, f"first defined on line {line_of(SEED, 'title: Weekly')}",
    ),
    "alias-bomb": Broken(lambda p, url: alias_bomb(), "too-many-nodes", _line("a5: &a5"), 0, f"more than {MAX_NODES:,} values"),
    "not-utf-8": Broken(
        lambda p, url: with_loopback(SEED, url).encode("utf-8").replace(b"Aleppo continued", b"Alep\xe9 continued"),
        "encoding", _line("Alep\ufffd continued"), 28, "byte 0xe9",
    ),
    "empty-file": Broken(lambda p, url: "", "empty-file", lambda text: 1, 1),
    "10000-deep": Broken(lambda p, url: "title: " + "[" * 10_000 + "]" * 10_000 + "\n", "too-deep", lambda text: 1, 0, f"more than {MAX_DEPTH} levels"),
    "missing-figure": Broken(
        lambda p, url: with_loopback(SEED, url).replace(FIGURE, "figures/nope.svg"),
        "figure-missing", _line("image: figures/nope.svg"), 16, "figures/nope.svg",
    ),
    "figure-out-of-project": Broken(
        lambda p, url: (_outside_svg(p), with_loopback(SEED, url).replace(FIGURE, "../../outside.svg"))[1],
        "figure-path", _line("image: ../../outside.svg"), 16, "leads outside the project",
    ),
    "absolute-figure-path": Broken(
        lambda p, url: with_loopback(SEED, url).replace(FIGURE, _outside_svg(p).as_posix()),
        "figure-path", _line("image: /"), 16, "not absolute",
    ),
    # Beyond the list: the same defences, reached another way.
    "figure-symlink-out": Broken(_symlinked_out, "figure-path", _line("image: figures/link.svg"), 16, "leads outside the project"),
    "figure-url": Broken(
        lambda p, url: with_loopback(SEED, url).replace(FIGURE, f"{url}map.svg"),
        "figure-path", _line("image: http://127.0.0.1"), 16, "not a URL",
    ),
    "svg-script": Broken(
        _svg_figure("script.svg", "<svg xmlns='http://www.w3.org/2000/svg'>\n<script>fetch('{url}x')</script></svg>"),
        "unsafe-svg", _line("image: figures/script.svg"), 16, "figures/script.svg:2:1): a <script> element",
    ),
    "svg-event-handler": Broken(
        _svg_figure("onload.svg", "<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
        "unsafe-svg", _line("image: figures/onload.svg"), 16, "figures/onload.svg:1:1): an event handler (onload=)",
    ),
    # (an <image> from a server is dropped with a warning: test_svg_figure_that_refers_outside_itself)
    "svg-xslt": Broken(
        _svg_figure("xslt.svg", "<?xml-stylesheet type='text/xsl' href='{url}t.xsl'?>\n<svg xmlns='http://www.w3.org/2000/svg'/>"),
        "unsafe-svg", _line("image: figures/xslt.svg"), 16, "figures/xslt.svg:1:1): an external stylesheet (<?xml-stylesheet?>)",
    ),
    "svg-entity-bomb": Broken(
        _svg_figure("bomb.svg", "<!DOCTYPE svg [<!ENTITY a 'lol'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;'>]>\n<svg xmlns='http://www.w3.org/2000/svg'><text>&b;</text></svg>"),
        "unsafe-svg", _line("image: figures/bomb.svg"), 16, "a DOCTYPE with declarations",
    ),
    "svg-not-well-formed": Broken(
        _svg_figure("broken.svg", "<svg xmlns='http://www.w3.org/2000/svg'><g></svg>"),
        "figure-format", _line("image: figures/broken.svg"), 16, "not well-formed XML (mismatched tag)",
    ),
    "python-tag": Broken(
        lambda p, url: with_loopback(SEED, url).replace("series: Syria", "series: !!python/object/apply:os.system ['touch pwned']"),
        "yaml-tag", _line("series: !!python"), 9,
    ),
    "date-that-does-not-exist": Broken(
        lambda p, url: with_loopback(SEED, url).replace("published: 2016-12-08", "published: 2016-02-30"),
        "invalid-value", _line("published: 2016-02-30"), 12, "not a valid date",
    ),
    "control-character-escape": Broken(
        lambda p, url: with_loopback(SEED, url).replace("series: Syria", 'series: "Syria\\x1b[31m"'),
        "invalid-value", _line('series: "Syria'), 9, "control character U+001B",
    ),
}


def write(path: Path, content: str | bytes) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def assert_reported(stdout: str, report: str, broken: Broken, content: str | bytes) -> None:
    """An error line at the report, line (and column) of the problem, with the expected code."""
    line = broken.line(content)
    position = f"{report}:{line}:{broken.col}:" if broken.col else f"{report}:{line}:"
    errors = [entry for entry in stdout.splitlines() if "error[" in entry and entry.startswith(f"{report}:")]
    assert any(entry.startswith(position) and f"error[{broken.code}]: " in entry and broken.message in entry for entry in errors), (report, stdout)


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_broken_report_fails_cleanly_and_keeps_the_site(built: Path, loopback: Loopback, case: str) -> None:
    broken = BROKEN[case]
    before = snapshot(built / "site")
    content = broken.content(built, loopback.url)
    write(built / REPORT, content)

    result = run(built, "build")  # catch_exceptions=False: an exception would fail the test here

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert_reported(result.stdout, REPORT, broken, content)
    assert result.stderr.endswith("; nothing was written\n"), result.stderr
    assert snapshot(built / "site") == before
    assert leftovers(built) == []
    assert loopback.connections == []
    assert not (built / "pwned").exists()


def test_every_broken_report_at_once_in_a_real_process(built: Path, loopback: Loopback) -> None:
    """The console entry point in a fresh interpreter, with every broken report of the matrix
    side by side: each is named at its line, and stderr has a one-line error, no traceback."""
    before = snapshot(built / "site")
    contents = {}
    for case, broken in BROKEN.items():
        contents[case] = broken.content(built, loopback.url)
        write(built / "sitreps" / f"{case}.yaml", contents[case])

    result = run_process(built, "build")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    for case, content in contents.items():
        assert_reported(result.stdout, f"sitreps/{case}.yaml", BROKEN[case], content)
    assert result.stderr.startswith("Error: ") and result.stderr.endswith("; nothing was written\n")
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert snapshot(built / "site") == before
    assert leftovers(built) == []
    assert loopback.connections == []
    assert not (built / "pwned").exists()


def test_twenty_megabytes_fail_on_the_size_limit_without_parsing(built: Path, loopback: Loopback, monkeypatch: pytest.MonkeyPatch) -> None:
    """The size is checked before the file is parsed: the YAML parser never sees the text."""
    from ruamel.yaml import YAML

    parsed: list[int] = []
    for name in ("compose", "load"):
        original = getattr(YAML, name)

        def spy(self: YAML, stream: Any, _original: Callable[..., Any] = original) -> Any:
            parsed.append(len(stream) if isinstance(stream, (str, bytes)) else -1)
            return _original(self, stream)

        monkeypatch.setattr(YAML, name, spy)
    fast = fastload.load

    def fast_spy(text: str, **limits: Any) -> Any:  # the C loader, where it answers
        parsed.append(len(text))
        return fast(text, **limits)

    monkeypatch.setattr(fastload, "load", fast_spy)
    before = snapshot(built / "site")
    big = (with_loopback(SEED, loopback.url) + "# " + "x" * (20 * 1024 * 1024) + "\n").encode("utf-8")
    (built / REPORT).write_bytes(big)

    result = run(built, "build")

    assert result.exit_code == 1
    assert f"{REPORT}:1:1: error[too-large]: the file is {len(big):,} bytes, more than the limit of {MAX_BYTES:,}" in result.stdout
    assert parsed and all(0 <= size <= MAX_BYTES for size in parsed), parsed  # the config, never the report
    assert snapshot(built / "site") == before
    assert leftovers(built) == [] and loopback.connections == []


def test_svg_figure_that_refers_outside_itself(built: Path, loopback: Loopback) -> None:
    """An SVG figure that would load from a server or a file outside the project builds without
    that part: the reference is dropped with a warning at the place in the SVG, the site gets
    the rebuilt figure, and nothing is fetched or read. (The PDF fetcher refuses such references
    too: test_build.test_pdf_fetcher_refuses_anything_but_project_files.)"""
    secret = built.parent / "secret.svg"
    secret.write_text("<svg xmlns='http://www.w3.org/2000/svg'><text y='9'>SECRET</text></svg>", encoding="utf-8")
    for reference in (f"href='{loopback.url}tracker.png'", f"xlink:href='file://{secret.as_posix()}'"):
        (built / "sitreps" / FIGURE).write_text(
            "<svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink' width='100' height='100'>\n"
            f"  <image {reference} width='10' height='10'/></svg>",
            encoding="utf-8",
        )
        result = run(built, "build")
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
        line = line_of(SEED, f"image: {FIGURE}")
        assert f"{REPORT}:{line}:16: warning[svg-dropped]: figure '{FIGURE}' (sitreps/{FIGURE}:2:3): dropped the element <image> and its content" in result.stdout
        published = (built / "site" / "reports" / "2016-12-08" / "aleppo-control.svg").read_text(encoding="utf-8")
        assert "image" not in published and "127.0.0.1" not in published and "secret" not in published
        assert "SECRET" not in pdf_text(built / "site" / "reports" / "2016-12-08.pdf")
        assert leftovers(built) == [] and loopback.connections == []


# --------------------------------------------------------------------------- interrupted builds


def _edit(project: Path) -> None:
    """A harmless change to the report's text, so the build really runs and renders its PDF again
    (an unchanged project is 'up to date', an unchanged PDF comes from the cache, and a changed
    comment changes no output: comments are never published)."""
    path = project / REPORT
    path.write_text(path.read_text(encoding="utf-8").replace("killing and injuring dozens", "killing and wounding dozens"), encoding="utf-8")


def _touch(project: Path) -> None:
    """A change the build notices but the PDF does not depend on: the build runs, writes and
    swaps, with the PDF from the cache (fast)."""
    (project / "templates" / "notes.txt").write_text("not a template\n", encoding="utf-8")


def test_interrupted_while_rendering_keeps_the_site(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl+C while the PDF renders (in this process: --jobs 1 renders without a pool)."""
    calls: list[str] = []

    def interrupt(*args: object, page_url: str, **kwargs: object) -> None:
        calls.append(page_url)
        raise KeyboardInterrupt

    monkeypatch.setattr("sitrepgen.pdf.render_pdf", interrupt)
    before = snapshot(built / "site")
    _edit(built)
    result = run(built, "build", "--jobs", "1")
    assert calls == ["reports/2016-12-08.html"]
    assert result.exit_code == 1  # click: "Aborted!"
    assert snapshot(built / "site") == before
    assert leftovers(built) == []


def test_interrupted_while_writing_keeps_the_site(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Half of the new site is in the staging folder when Ctrl+C arrives: it is thrown away."""
    written: list[Path] = []
    original = Path.write_bytes

    def write_bytes(self: Path, data: bytes) -> int:
        if any(part.startswith(".site.") for part in self.parts):
            written.append(self)
            if len(written) == 3:
                raise KeyboardInterrupt
        return original(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    before = snapshot(built / "site")
    _touch(built)
    result = run(built, "build")
    assert result.exit_code == 1
    assert len(written) == 3  # the interruption came mid-write, not before
    assert snapshot(built / "site") == before
    assert leftovers(built) == []


def test_interrupted_during_the_swap_keeps_the_site(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl+C between moving the old site aside and moving the new one in: the old one returns."""
    moves: list[tuple[str, str]] = []
    original = os.replace

    def replace(source: Any, target: Any) -> None:
        moves.append((Path(source).name, Path(target).name))
        if Path(source).name.startswith(".site.") and Path(source).name.endswith(".tmp"):
            raise KeyboardInterrupt
        original(source, target)

    monkeypatch.setattr(os, "replace", replace)
    before = snapshot(built / "site")
    _touch(built)
    result = run(built, "build")
    assert result.exit_code == 1
    assert ("site", ".site.old") in moves  # the old site had been moved aside
    assert snapshot(built / "site") == before
    assert leftovers(built) == []


# --------------------------------------------------------------------------- hostile content (safe)


class _Elements(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def elements(path: Path) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tags


def pdf_text(path: Path) -> str:
    """The PDF's text, whitespace collapsed (lines may break anywhere)."""
    out = subprocess.run([need_tool("pdftotext"), str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(out.split())


def pdf_uris(path: Path) -> list[str]:
    """Every URI a PDF link points to, and every JavaScript action, as 'JS'."""
    found: list[str] = []
    reader = pypdf.PdfReader(path)
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None:
                action = action.get_object()
                if action.get("/S") == "/JavaScript":
                    found.append("JS")
                if "/URI" in action:
                    found.append(str(action["/URI"]))
    names = reader.trailer["/Root"].get("/Names")
    if names is not None and "/JavaScript" in names.get_object():
        found.append("JS")
    return found


#: Hostile but harmless content, one paragraph each; '{url}' is the loopback server and '{secret}'
#: an SVG file outside the project. Each must build, shown as text.
SAFE = {
    "script": '<script>alert("pwned")</script><img src="{url}x.png" onerror="alert(2)">',
    "javascript": "[click me](javascript:alert(document.cookie)) and [fine]({url}page) and [data](data:text/html;base64,PHNjcmlwdD4=)",
    "file-image": "![passwd](file:///etc/passwd) ![secret](file://{secret})",
    "loopback-image": "![pixel]({url}pixel.png) <{url}auto>",
    "template": "Sentinel {{ 7*7 }} and {% if true %}yes{% endif %} and {{ range(3) | list }} end",
}


@dataclass(frozen=True)
class SafeBuild:
    root: Path
    result: Result
    yaml: str
    payloads: dict[str, str]
    loopback: Loopback
    before: dict[str, bytes | None]

    @property
    def site(self) -> Path:
        return self.root / "site"

    def output(self, name: str) -> str:
        return (self.site / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def safe(baseline: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SafeBuild]:
    """One build of the seed with every hostile paragraph of SAFE as the first paragraphs (so the
    first is also the lead on the index and in the feed): each case is built once, together."""
    root = tmp_path_factory.mktemp("safe") / "project"
    shutil.copytree(baseline, root, symlinks=True)
    secret = root.parent / "secret.svg"
    secret.write_text("<svg xmlns='http://www.w3.org/2000/svg'><text y='9'>SECRET-TOKEN</text></svg>", encoding="utf-8")
    before = snapshot(root / "site")
    with serve_loopback() as server, pytest.MonkeyPatch.context() as patch:
        payloads = {name: text.replace("{url}", server.url).replace("{secret}", secret.as_posix()) for name, text in SAFE.items()}
        paragraphs = "".join(f"      - |-\n        {text}\n" for text in payloads.values())
        yaml = SEED.replace("    paragraphs:\n", "    paragraphs:\n" + paragraphs, 1)
        (root / REPORT).write_text(yaml, encoding="utf-8")
        with (root / "sitrepgen.yaml").open("a", encoding="utf-8") as config:  # every output read outside the site too
            config.write(OUTSIDE_OUTPUTS)
        patch.chdir(root)
        result = run(root, "build")
        yield SafeBuild(root, result, yaml, payloads, server, before)


#: The outputs read outside the site (sitrepgen.yaml has base_url): the hostile build makes them too.
OUTSIDE_OUTPUTS = "email: true\ndocx: true\nreliefweb:\n  source: [1503]\n  country: [226]\n  format: [10]\n"


def test_hostile_content_builds(safe: SafeBuild) -> None:
    assert safe.result.exit_code == 0, safe.result.output
    assert "Traceback" not in safe.result.output
    assert snapshot(safe.site) != safe.before  # the build did replace the site
    assert safe.payloads["template"] in safe.output("reports/2016-12-08.html")
    assert leftovers(safe.root) == []
    assert safe.loopback.connections == []


def test_hostile_content_is_warned_about_at_its_line(safe: SafeBuild) -> None:
    line = line_of(safe.yaml, "[click me]")
    assert f"{REPORT}:{line}:9: warning[unsafe-link]: link to 'javascript:alert(document.cookie)' is not allowed" in safe.result.stdout
    col = safe.yaml.splitlines()[line - 1].index("[data]") + 1
    assert f"{REPORT}:{line}:{col}: warning[unsafe-link]: link to 'data:text/html;base64,PHNjcmlwdD4=' is not allowed" in safe.result.stdout
    assert f"{REPORT}:{line_of(safe.yaml, '![passwd]')}:9: warning[inline-image]" in safe.result.stdout
    assert f"{REPORT}:{line_of(safe.yaml, '![pixel]')}:9: warning[inline-image]" in safe.result.stdout


def site_texts(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in sorted(site.rglob("*")) if p.suffix in (".html", ".xml", ".md")}


def test_no_output_has_live_content(safe: SafeBuild) -> None:
    """No page has a script, an image from elsewhere or a link to a refused scheme; neither has
    the Markdown for a viewer that renders everything, nor the PDF's link annotations."""
    pages = site_texts(safe.site)
    assert {"reports/2016-12-08.html", "index.html", "regions/aleppo.html", "feed.xml"} <= set(pages)
    for name, text in pages.items():
        if name.endswith(".md"):
            continue
        if name.endswith(".email.html"):  # read in a mail program: every image and link absolute, under base_url
            base = "https://sitreps.example.org/"
            assert "<script" not in text.lower() and "<link" not in text.lower(), name
            for tag, attrs in elements(safe.site / name):
                if tag == "img":
                    assert attrs["src"].startswith(base), (name, attrs)
                if tag == "a":
                    assert re.match(r"(https?|mailto):", attrs.get("href", "")), (name, attrs)
            continue
        if name == "search.html":  # the one page with scripts, both the template's: Pagefind's UI and its start
            assert re.findall(r"<script[^>]*>", text.lower()) == ['<script src="pagefind/pagefind-ui.js">', "<script>"], name
            assert "ZQ" not in text and "Aleppo" not in text, name  # and no report text in them
        else:
            assert "<script" not in text.lower(), name
        if name.endswith(".html"):
            for tag, attrs in elements(safe.site / name):
                for attribute in ("href", "src"):
                    url = attrs.get(attribute, "")
                    assert not re.match(r"\s*(javascript|data|file|vbscript):", url, re.IGNORECASE), (name, tag, url)
                if tag == "img":
                    assert ":" not in attrs["src"] and (safe.site / name).parent.joinpath(attrs["src"]).resolve().is_file(), (name, attrs)
    assert careless_dangers(pages["reports/2016-12-08.md"], frozenset({"2016-12-08/aleppo-control.svg"})) == []
    assert {"reports/2016-12-08.email.html", "reports/2016-12-08.email.txt", "reports/2016-12-08.docx", "reports/2016-12-08.reliefweb.json"} <= {
        p.relative_to(safe.site).as_posix() for p in safe.site.rglob("*")
    }
    # The Word document's links (its relationships) and the ReliefWeb body (Markdown that
    # ReliefWeb renders) hold no refused scheme and no markup of their own.
    with zipfile.ZipFile(safe.site / "reports" / "2016-12-08.docx") as document:
        relations = document.read("word/_rels/document.xml.rels").decode("utf-8")
        xml = document.read("word/document.xml").decode("utf-8")
    targets = re.findall(r'Target="([^"]*)"[^>]*TargetMode="External"', relations)
    assert targets and all(re.match(r"(https?|mailto):", target) for target in targets), targets
    assert "SECRET-TOKEN" not in xml and "<w:object" not in xml and "altChunk" not in relations
    body = json.loads((safe.site / "reports" / "2016-12-08.reliefweb.json").read_text(encoding="utf-8"))["body"]
    assert careless_dangers(body, frozenset({"https://sitreps.example.org/reports/2016-12-08/aleppo-control.svg"})) == []
    uris = pdf_uris(safe.site / "reports" / "2016-12-08.pdf")
    assert f"{safe.loopback.url}page" in uris  # the allowed link is a link (never fetched)
    assert all(re.match(r"(https?|mailto):", uri) for uri in uris), uris


def test_script_in_a_paragraph_is_text(safe: SafeBuild) -> None:
    html = safe.output("reports/2016-12-08.html")
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;&lt;img src=" in html
    assert "&lt;script&gt;alert(&quot;pwned&quot;)" in safe.output("index.html")  # the lead
    assert "&amp;lt;script&amp;gt;alert" in safe.output("feed.xml")  # escaped HTML inside XML
    assert '\\<script>alert("pwned")\\</script>\\<img src=' in safe.output("reports/2016-12-08.md")
    assert safe.payloads["script"] in pdf_text(safe.site / "reports" / "2016-12-08.pdf")
    assert safe.loopback.connections == []


def test_javascript_link_is_text(safe: SafeBuild) -> None:
    html = safe.output("reports/2016-12-08.html")
    assert "[click me](javascript:alert(document.cookie))" in html
    assert "[data](data:text/html;base64,PHNjcmlwdD4=)" in html
    assert f'<a href="{safe.loopback.url}page">fine</a>' in html  # an allowed link stays a link
    md = safe.output("reports/2016-12-08.md")
    assert f"\\[click me](javascript:alert(document.cookie)) and [fine]({safe.loopback.url}page) and \\[data](data:" in md
    assert "[click me](javascript:alert(document.cookie))" in pdf_text(safe.site / "reports" / "2016-12-08.pdf")
    assert safe.loopback.connections == []


def test_file_image_is_text_and_never_read(safe: SafeBuild) -> None:
    text = pdf_text(safe.site / "reports" / "2016-12-08.pdf")
    assert safe.payloads["file-image"] in text
    for name, content in [*site_texts(safe.site).items(), ("pdf", text)]:
        assert "SECRET-TOKEN" not in content and "root:x:0:0" not in content, name
    md = safe.output("reports/2016-12-08.md")
    assert safe.payloads["file-image"].replace("![", "\\!\\[") in md
    assert safe.loopback.connections == []


def test_loopback_image_is_text_and_never_fetched(safe: SafeBuild) -> None:
    for name in ("reports/2016-12-08.html", "index.html", "regions/aleppo.html"):
        for tag, attrs in elements(safe.site / name):
            assert not (tag == "img" and "127.0.0.1" in attrs.get("src", "")), (name, attrs)
    html = safe.output("reports/2016-12-08.html")
    assert f'!<a href="{safe.loopback.url}pixel.png">pixel</a>' in html  # CommonMark's link, never an image
    md = safe.output("reports/2016-12-08.md")
    assert f"\\![pixel]({safe.loopback.url}pixel.png) <{safe.loopback.url}auto>" in md  # the same link here
    assert f"!pixel {safe.loopback.url}auto" in pdf_text(safe.site / "reports" / "2016-12-08.pdf")
    assert safe.loopback.connections == []


def test_template_syntax_is_printed_not_evaluated(safe: SafeBuild) -> None:
    payload = safe.payloads["template"]
    outputs = {
        "html": safe.output("reports/2016-12-08.html"),
        "md": safe.output("reports/2016-12-08.md"),
        "pdf": pdf_text(safe.site / "reports" / "2016-12-08.pdf"),
        "region": safe.output("regions/aleppo.html"),
    }
    for name, output in outputs.items():
        assert payload in output, name
        assert "Sentinel 49" not in output and "[0, 1, 2]" not in output, name


# --------------------------------------------------------------------------- the .md output


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("[click](javascript:alert(1))", r"\[click](javascript:alert(1))"),
        ("[x](JavaScript:alert(1)) [y](vbscript:x) [z](file:///etc/passwd)", r"\[x](JavaScript:alert(1)) \[y](vbscript:x) \[z](file:///etc/passwd)"),
        ("[d](data:text/html;base64,PHNjcmlwdD4=)", r"\[d](data:text/html;base64,PHNjcmlwdD4=)"),
        ("[e](javascript&#58;alert(1))", r"\[e](javascript&#58;alert(1))"),  # decoded, then refused
        ("[a](<javascript:alert(1)>)", r"\[a](\<javascript:alert(1)>)"),
        ("[c][x]\n\n[x]: javascript:alert(1)", "[c][x]\n\n\\[x]: javascript:alert(1)"),
        ("![p](file:///etc/passwd)", r"\!\[p](file:///etc/passwd)"),
        ("![map](https://t.example/p.png)", r"\![map](https://t.example/p.png)"),  # a link, as in HTML
        ("[a [b](javascript:x)", r"\[a \[b](javascript:x)"),
        ("[ok](https://reliefweb.int/) [mail](mailto:desk@example.org) [prev](2016-12-01.html#aleppo)", "[ok](https://reliefweb.int/) [mail](mailto:desk@example.org) [prev](2016-12-01.html#aleppo)"),
        ("[a](<https://a.org/b c>) <https://ok.org> <desk@example.org>", "[a](<https://a.org/b c>) <https://ok.org> <desk@example.org>"),
        ("`[x](javascript:y)` and `<b>`", "`[x](javascript:y)` and `<b>`"),  # code is shown as written
        (r"\`<script>\`", r"\`\<script>\`"),  # an escaped backtick opens no code span
        ("``<script>`", "``\\<script>`"),  # nor does a run that is never closed
    ],
)
def test_markdown_output_neutralises_refused_links(source: str, expected: str) -> None:
    out = markup.markdown_source(source, {})
    assert out == expected
    assert careless_dangers(out) == []


def test_markdown_output_stays_readable() -> None:
    """A careless viewer shows the neutralised link as the text the writer typed."""
    out = markup.markdown_source("See [the map](javascript:alert(1)) here.", {})
    html = MarkdownIt("commonmark", {"html": True}).render(out)
    assert html == "<p>See [the map](javascript:alert(1)) here.</p>\n"


def test_markdown_output_falls_back_to_character_references() -> None:
    """Where the scanner and a real reader disagree (an HTML block interrupting a paragraph that
    looked like a code span), every '<' and '[' becomes a character reference."""
    source = "`a\n<script>alert(1)</script>\n`"
    out = markup.markdown_source(source, {})
    assert out == "`a\n&lt;script>alert(1)&lt;/script>\n`"
    assert careless_dangers(out) == []


def test_lint_quotes_a_refused_link_whole(built: Path) -> None:
    """The destination's own parentheses belong to it: 'javascript:alert(1)', not '...alert(1'."""
    (built / REPORT).write_text(SEED.replace("killing and injuring dozens.", "killing [x](javascript:alert(1)) ![y](z.png)."), encoding="utf-8")
    result = run(built, "validate")
    assert "link to 'javascript:alert(1)' is not allowed" in result.stdout
    assert "warning[inline-image]" in result.stdout


# --------------------------------------------------------------------------- the loader's own limits


def load(tmp_path: Path, text: str) -> list[tuple[int, int, str, str]]:
    path = tmp_path / "report.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return [(d.line, d.col, d.code, d.message) for d in read_document(path).diagnostics]


def test_merge_chain_is_stopped_before_ruamel_expands_it(tmp_path: Path) -> None:
    """ruamel expands '<<' merges while constructing, in quadratic time (a 2 MB chain would take
    it hours); the composed graph is checked first, and the chain refused at its 65th link."""
    lines = ["m0: &m0 {k0: 0}"] + [f"m{i}: &m{i} {{<<: *m{i - 1}, k{i}: {i}}}" for i in range(1, 300)]
    ((line, col, code, message),) = load(tmp_path, "\n".join(lines) + "\n")
    assert (line, code) == (MAX_DEPTH, "too-deep") and "counting what its aliases bring in" in message


def test_recursive_alias(tmp_path: Path) -> None:
    assert [d[:3] for d in load(tmp_path, "a: &x\n  b: *x\n")] == [(1, 4, "yaml-alias")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\npublished: 2016-02-30\n", (2, 12, "invalid-value", "'2016-02-30' is not a valid date: day is out of range for month")),
        ("title: !!bool maybe\n", (1, 8, "invalid-value", "'maybe' is not a valid bool: 'maybe'")),
        ("a: 1\nb: x\x07y\n", (2, 5, "yaml-syntax", "the character U+0007 is not allowed in a YAML file; remove it")),
        ('title: "a\\0b"\n', (1, 8, "invalid-value", "'title' contains the control character U+0000, which cannot be published; remove it")),
        ('title: "\\ud800"\n', (1, 8, "invalid-value", "'title' contains the lone surrogate U+D800, which cannot be published; remove it")),
        ('"\\ufffe": 1\n', (1, 1, "yaml-key", "a key contains the non-character U+FFFE; keys must be plain words")),
        ("? {a: 1}\n: 1\n", (1, 1, "yaml-key", "keys must be plain words, not a mapping")),
        ("value: .inf\n", (1, 8, "invalid-value", "'value' must be a finite number, not inf")),
        ("value: 0x" + "f" * 4000 + "\n", (1, 8, "invalid-value", "'value' is a number of 16000 bits; numbers in a report stay below 9,223,372,036,854,775,807")),
        ("---\n", (1, 1, "empty-file", "the file holds no value; a report needs at least title, period, published and regions")),
        ("~\n", (1, 1, "empty-file", "the file holds no value; a report needs at least title, period, published and regions")),
    ],
)
def test_values_no_output_can_carry(tmp_path: Path, text: str, expected: tuple[int, int, str, str]) -> None:
    assert load(tmp_path, text) == [expected]


def test_many_values_stop_while_composing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long list of tiny values is refused as soon as it passes the limit, while it is being
    composed (the pure-Python parser needs ~100 µs a value), not after composing all of it. The
    limit is lowered so that the test stays quick; the mechanism is the same."""
    monkeypatch.setattr("sitrepgen.load.MAX_NODES", 1000)
    ((line, col, code, message),) = load(tmp_path, "x:\n" + "  - a\n" * 20_000)
    assert (line, col, code) == (999, 5, "too-many-nodes")  # node 1,001: the mapping, 'x' and the list count too
    assert message == "the file holds more than 1,000 values; no report needs that many"


# --------------------------------------------------------------------------- `sitrepgen new` writes atomically


def test_new_file_is_complete_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "2016-12-15.yaml"
    write_new_file(target, "title: x\n")
    assert target.read_text(encoding="utf-8") == "title: x\n"
    assert os.listdir(tmp_path) == ["2016-12-15.yaml"]


def test_new_file_never_replaces_one_that_appeared_meanwhile(tmp_path: Path) -> None:
    """The exists() check in new_report runs before the YAML is dumped; a file created since
    (a writer's) must still survive."""
    target = tmp_path / "2016-12-15.yaml"
    target.write_text("mine", encoding="utf-8")
    with pytest.raises(NewReportError, match=r"^2016-12-15\.yaml already exists in .*; edit it, or choose another period"):
        write_new_file(target, "title: x\n")
    assert target.read_text(encoding="utf-8") == "mine"
    assert os.listdir(tmp_path) == ["2016-12-15.yaml"]


@pytest.mark.parametrize("existing", [False, True])
def test_new_file_without_hard_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existing: bool) -> None:
    def no_links(source: Any, target: Any) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    target = tmp_path / "2016-12-15.yaml"
    if existing:
        target.write_text("mine", encoding="utf-8")
        with pytest.raises(NewReportError, match="already exists"):
            write_new_file(target, "title: x\n")
    else:
        write_new_file(target, "title: x\n")
    assert target.read_text(encoding="utf-8") == ("mine" if existing else "title: x\n")
    assert os.listdir(tmp_path) == ["2016-12-15.yaml"]


def test_new_file_failing_midway_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(NewReportError, match=r"^cannot write 2016-12-15\.yaml in .*: No space left on device$"):
        write_new_file(tmp_path / "2016-12-15.yaml", "title: x\n")
    assert os.listdir(tmp_path) == []
