"""End to end: build the seed project and read the outputs back with independent readers."""

from __future__ import annotations

import http.server
import logging
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pypdf
import pytest

from sitrepgen import svg
from sitrepgen.config import load_project
from sitrepgen.pdf import PdfError, render_pdf
from sitrepgen.site import BuildResult, build
from tests.helpers import REPO, coverage_in_order, need_tool, seed_words, words

SLUG = "2016-12-08"
CAPTION = "figure 1 schematic map areas of control in aleppo city as of december 8".split()
#: Figure 1's caption in the report with the hand-drawn map (tests/helpers.py SEED_REPORT)
HAND_DRAWN_CAPTION = "figure 1 areas of control in aleppo city as of december 8".split()
END_OF_FIRST = "a new primary axis after the advances of this past week".split()
START_OF_SECOND = "more than 70 of once opposition held territory".split()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, BuildResult, list[str]]]:
    root = tmp_path_factory.mktemp("seed")
    shutil.copytree(REPO / "sitreps", root / "sitreps")
    shutil.copytree(REPO / "templates", root / "templates")
    # default settings, but for the actors the bundled map (Figure 1) is drawn with
    actors = (REPO / "tests" / "data" / "maps" / "aleppo-settings.yaml").read_text(encoding="utf-8")
    (root / "sitrepgen.yaml").write_text("map:\n" + "".join(f"  {line}" for line in actors.splitlines(keepends=True)), encoding="utf-8")
    records: list[str] = []
    handler = logging.Handler(level=logging.WARNING)
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("weasyprint").addHandler(handler)
    try:
        result = build(load_project(root))
    finally:
        logging.getLogger("weasyprint").removeHandler(handler)
    yield root / "site", result, records


def pdftotext(path: Path) -> str:
    return subprocess.run([need_tool("pdftotext"), "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.hidden += tag in ("style", "script", "title")

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in ("style", "script", "title")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return " ".join(parser.parts)


def find(sequence: list[str], part: list[str]) -> int:
    for i in range(len(sequence) - len(part) + 1):
        if sequence[i : i + len(part)] == part:
            return i
    raise AssertionError(f"{' '.join(part)!r} not found")


def assert_carries_the_seed(text: str, caption: list[str] = CAPTION) -> None:
    """Every word of the seed in order, with Figure 1's ``caption`` (the bundled map's by
    default; HAND_DRAWN_CAPTION for a project made by copy_project) where the source has it."""
    out = words(text)
    assert coverage_in_order(seed_words(), out) >= 0.99
    # The Figure 1 caption sits between the first and the second paragraph, as in the source.
    assert find(out, END_OF_FIRST) < find(out, caption) < find(out, START_OF_SECOND)
    assert "conclusions" in out[find(out, "in neighboring iraq".split()) :][:6]


def test_site_holds_every_output(built: tuple[Path, BuildResult, list[str]]) -> None:
    site, result, _ = built
    for suffix in (".md", ".html", ".pdf"):
        assert (site / "reports" / f"{SLUG}{suffix}").is_file()
    # the map drawn from its GeoJSON, as the SVG rules rebuild it (tests/test_map_figures.py)
    published = (site / "reports" / SLUG / "aleppo-control.svg").read_bytes()
    assert published == svg.rebuild(published).data and b'class="change"' in published
    assert (site / "index.html").is_file() and (site / "assets" / "style.css").is_file()
    assert result.warnings == []


def test_no_weasyprint_warnings(built: tuple[Path, BuildResult, list[str]]) -> None:
    assert built[2] == []


@pytest.mark.parametrize("suffix", [".pdf", ".html", ".md"])
def test_output_carries_every_word_of_the_seed_in_order(built: tuple[Path, BuildResult, list[str]], suffix: str) -> None:
    path = built[0] / "reports" / f"{SLUG}{suffix}"
    text = {".pdf": pdftotext, ".html": html_text}.get(suffix, lambda p: p.read_text(encoding="utf-8"))(path)
    assert_carries_the_seed(text)


def test_pdf_read_back_with_pypdf(built: tuple[Path, BuildResult, list[str]]) -> None:
    reader = pypdf.PdfReader(built[0] / "reports" / f"{SLUG}.pdf")
    pages = len(reader.pages)
    assert pages == 2  # the seed's text and map fit two Letter pages, as the printed report did
    assert [round(float(x)) for x in reader.pages[0].mediabox[2:]] == [612, 792]  # US Letter
    assert coverage_in_order(seed_words(), words(" ".join(p.extract_text() for p in reader.pages))) >= 0.99
    assert reader.metadata is not None and reader.metadata.title == "Weekly Conflict Summary – December 2–8, 2016"
    footer = pdftotext(built[0] / "reports" / f"{SLUG}.pdf")
    assert "1 of 2" in footer and "2 of 2" in footer
    assert "Weekly Conflict Summary – December 2–8, 2016" in footer.split("\f")[1]  # running header


def test_links_are_relative_and_resolve(built: tuple[Path, BuildResult, list[str]]) -> None:
    site = built[0]
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "file:" not in text and str(site.parent) not in text
        for url in re.findall(r'(?:href|src)="([^"]+)"', text):
            if url.startswith(("http:", "https:", "mailto:", "#")):
                continue
            target = (page.parent / url.split("#")[0]).resolve()
            assert target.is_file(), f"{page.name}: {url}"
    markdown = (site / "reports" / f"{SLUG}.md").read_text(encoding="utf-8")
    assert f"]({SLUG}/aleppo-control.svg)" in markdown


def test_project_masthead_overrides_builtin(built: tuple[Path, BuildResult, list[str]]) -> None:
    html = (built[0] / "reports" / f"{SLUG}.html").read_text(encoding="utf-8")
    assert 'class="masthead masthead-band"' in html
    assert ".masthead-band" in (built[0] / "assets" / "style.css").read_text(encoding="utf-8")


def test_markdown_matches_golden(built: tuple[Path, BuildResult, list[str]], update_golden: bool) -> None:
    # The bundled report draws Figure 1 from GeoJSON; 2016-12-08.md is the same report with the
    # hand-drawn figure, as the other tests' projects hold it (test_sections).
    golden = REPO / "tests" / "data" / "golden" / f"{SLUG}-map.md"
    produced = (built[0] / "reports" / f"{SLUG}.md").read_text(encoding="utf-8")
    if update_golden:
        golden.write_text(produced, encoding="utf-8")
    assert produced == golden.read_text(encoding="utf-8"), "run pytest --update-golden and review the diff"


def test_a4_by_setting(project: Path) -> None:
    (project / "sitrepgen.yaml").write_text("page_size: a4\n", encoding="utf-8")
    build(load_project(project))
    page = pypdf.PdfReader(project / "site" / "reports" / f"{SLUG}.pdf").pages[0]
    assert [round(float(x)) for x in page.mediabox[2:]] == [595, 842]


def test_rebuild_replaces_the_whole_site(project: Path) -> None:
    stale = project / "site" / "reports" / "stale.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("old", encoding="utf-8")
    (project / "site" / ".sitrepgen-site").write_text("", encoding="utf-8")  # a site sitrepgen made
    build(load_project(project))
    assert not stale.exists()
    assert sorted(p.name for p in project.iterdir()) == [".sitrepgen-cache", "site", "sitrepgen.yaml", "sitreps", "templates"]


class _Counter(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:  # noqa: N802
        type(self).hits += 1
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def loopback() -> Iterator[tuple[str, type[_Counter]]]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Counter)
    _Counter.hits = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/", _Counter
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("kind", ["img", "css", "font"])
def test_pdf_fetcher_refuses_anything_but_project_files(loopback: tuple[str, type[_Counter]], kind: str) -> None:
    url, counter = loopback
    html = {
        "img": f'<img src="{url}x.png"><img src="file:///etc/passwd">',
        "css": f'<link rel="stylesheet" href="{url}x.css">',
        "font": f'<style>@font-face {{ font-family: X; src: url("{url}x.ttf"); }} p {{ font-family: X }}</style><p>x</p>',
    }[kind]
    with pytest.raises(PdfError, match="refused to fetch"):
        render_pdf(html, page_url="reports/x.html", files={})
    assert counter.hits == 0
