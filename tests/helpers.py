"""Helpers shared by the tests."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: The bundled report, whose Figure 1 is drawn from GeoJSON ('map:'); test_build and
#: test_map_figures build it as it is.
BUNDLED_REPORT = REPO / "sitreps" / "2016-12-08.yaml"
#: The same report with its hand-drawn SVG map ('image:'): what the other tests' projects hold,
#: so the image path keeps its tests (test_map_figures checks the two differ only in Figure 1).
SEED_REPORT = REPO / "tests" / "data" / "hand-drawn" / "2016-12-08.yaml"
SEED_TEXT = next((REPO / "seeds").glob("*.txt"))


#: The bundled report accepts its kept "3.000" warning with a suppression comment. Most tests
#: are about that warning (the lint, its position, its formats, the cache), so they see the report
#: with the comment made an ordinary one (on the same line: every position is unchanged).
SUPPRESSION = "# sitrepgen: ignore["
NEUTRAL = "# (tests, off):ignore["


def unsuppressed(text: str) -> str:
    """``text`` with its suppression comments turned into ordinary comments (see SUPPRESSION)."""
    return text.replace(SUPPRESSION, NEUTRAL)


def seed_report_text() -> str:
    """The bundled report as the lint tests see it: its warning not suppressed."""
    return unsuppressed(SEED_REPORT.read_text(encoding="utf-8"))


def copy_project(root: Path, *, translations: bool = False, as_shipped: bool = False) -> Path:
    """This repository's project (reports, figures, templates, config) copied into ``root``.

    By default the reports' translations (NAME.LANG.yaml, the bundled Arabic one) are left out,
    the report has the hand-drawn figure (SEED_REPORT) and its suppressions are turned off (see
    SUPPRESSION): most tests are about one language's series, its pages, PDFs, cache and
    warnings, and count them. With ``translations`` the reports are as shipped (the map drawn
    from data, the Arabic edition beside it: tests/test_languages.py), their suppressions still
    off; ``as_shipped`` is the project exactly as it is in the repository."""
    import shutil

    from sitrepgen.translations import language_of_name

    def skipped(folder: str, names: list[str]) -> list[str]:
        return [] if translations or as_shipped else [name for name in names if language_of_name(name) is not None]

    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "sitreps", root / "sitreps", ignore=skipped)
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copy(REPO / "sitrepgen.yaml", root / "sitrepgen.yaml")
    if not (translations or as_shipped):
        shutil.copy(SEED_REPORT, root / "sitreps" / SEED_REPORT.name)
    if not as_shipped:
        for path in (root / "sitreps").rglob("*.yaml"):
            text = path.read_text(encoding="utf-8")
            if SUPPRESSION in text:
                path.write_text(unsuppressed(text), encoding="utf-8")
    return root


def line_of(text: str, needle: str, occurrence: int = 0) -> int:
    """1-based line number of the n-th occurrence of ``needle`` in ``text``."""
    index = -1
    for _ in range(occurrence + 1):
        index = text.index(needle, index + 1)
    return text.count("\n", 0, index) + 1


def position_of(text: str, needle: str, occurrence: int = 0) -> str:
    """'LINE:COL' (1-based, as diagnostics print it) of the n-th ``needle`` in ``text``."""
    index = -1
    for _ in range(occurrence + 1):
        index = text.index(needle, index + 1)
    return f"{text.count(chr(10), 0, index) + 1}:{index - (text.rfind(chr(10), 0, index) + 1) + 1}"


def words(text: str) -> list[str]:
    """Lower-cased words, with curly apostrophes straightened (hyphens and apostrophes split)."""
    return re.findall(r"\w+", text.replace("\u2019", "'").replace("\u2018", "'").lower())


def seed_words() -> list[str]:
    return words(SEED_TEXT.read_text(encoding="utf-8"))


def coverage_in_order(expected: list[str], actual: list[str]) -> float:
    """Share of ``expected`` found in ``actual`` in the same order (a word-level diff)."""
    matcher = difflib.SequenceMatcher(None, expected, actual, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(expected)


_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def shifted(text: str, weeks: int) -> str:
    """The report text with every YYYY-MM-DD date moved by ``weeks`` weeks (figure paths too)."""

    def move(match: re.Match[str]) -> str:
        day = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        return (day + dt.timedelta(weeks=weeks)).isoformat()

    return _DATE.sub(move, text)


def write_series(reports_dir: Path, copies: int, *, distinct: bool = False) -> list[Path]:
    """The seed plus ``copies`` earlier weeks (dates shifted back), as a series of reports.

    The figure path keeps its original name (dates inside it are not shifted), so every copy
    refers to the seed's map. The copies' text is the seed's, so the checks against last week
    find every paragraph unchanged; ``distinct`` gives each week its own text and figures, as a
    real archive has (each folded paragraph starts 'Week N:', each key figure is N more).
    """
    seed = seed_report_text()
    figure = "figures/2016-12-08-aleppo-control.svg"
    paths = []
    for week in range(1, copies + 1):
        text = shifted(seed.replace(figure, "@FIGURE@"), -week).replace("@FIGURE@", figure)
        if distinct:
            text = re.sub(r"(>-\n[ ]+)", rf"\g<1>Week {week}: ", text)
            text = re.sub(r"(?m)^([ ]+value: )(\d+)$", lambda m: f"{m.group(1)}{int(m.group(2)) + week}", text)
        end = shifted("2016-12-08", -week)
        path = reports_dir / f"{end}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def careless_dangers(text: str, figures: frozenset[str] = frozenset()) -> list[str]:
    """What a Markdown viewer that renders everything (raw HTML, images, any link) makes live in
    ``text``; ``figures`` are the images the template itself places (the report's figures).

    Written independently of sitrepgen.markup, whose output it judges.
    """
    from markdown_it import MarkdownIt

    from sitrepgen import markup

    md = MarkdownIt("commonmark", {"html": True})
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    env: dict[str, object] = {}
    found: list[str] = []
    stack = list(md.parse(text, env))
    while stack:
        token = stack.pop()
        if token.type in ("html_inline", "html_block") or (token.type == "image" and token.attrGet("src") not in figures):
            found.append(f"{token.type}: {token.content!r}")
        elif token.type == "link_open":
            href = str(token.attrGet("href") or "")
            if href.strip() and not markup.link_allowed(href):
                found.append(f"link to {href!r}")
        stack.extend(token.children or ())
    references = env.get("references", {})
    assert isinstance(references, dict)
    return found + [
        f"definition of {r['href']!r}" for r in references.values() if r["href"].strip() and not markup.link_allowed(r["href"])
    ]


# --------------------------------------------------------------------------- outside tools

#: Set by .ci/run: a missing outside tool fails the test instead of skipping it, so CI runs all.
REQUIRE_ALL_TOOLS = "SITREPGEN_REQUIRE_ALL_TOOLS"

#: Each outside program some tests need (sitrepgen itself needs none of them), with the Debian
#: package that brings it. The one place that decides between skipping and failing (need_tool).
TOOLS: dict[str, tuple[str, str]] = {
    "pdftotext": ("poppler-utils", "apt-get install poppler-utils"),
    "pdftoppm": ("poppler-utils", "apt-get install poppler-utils"),
    "pdffonts": ("poppler-utils", "apt-get install poppler-utils"),
    "qpdf": ("qpdf", "apt-get install qpdf"),
    "chromium": ("chromium", "apt-get install chromium, or set SITREPGEN_CHROMIUM to a Chromium executable"),
    "java": ("Java 17 or later", "apt-get install default-jre-headless"),
    "npm": ("node and npm", "apt-get install nodejs npm"),
    "git": ("git", "apt-get install git"),
    "setpriv": ("util-linux", "apt-get install util-linux"),
}


def missing_tool(tool: str, detail: str = "") -> None:
    """Skip the test, saying what to install; fail it instead when SITREPGEN_REQUIRE_ALL_TOOLS
    is set (CI must run every test). Never returns."""
    import os

    import pytest

    package, install = TOOLS[tool]
    message = f"needs {package} ({install}){': ' + detail if detail else ''}"
    if os.environ.get(REQUIRE_ALL_TOOLS, "") not in ("", "0"):
        pytest.fail(f"{message} [{REQUIRE_ALL_TOOLS} is set: every outside tool is required]", pytrace=False)
    pytest.skip(message)


def need_tool(tool: str, why: str = "") -> str:
    """The path of an outside program (see TOOLS), or the test is skipped (or failed in CI)."""
    import shutil

    found = shutil.which(tool)
    if found is None:
        missing_tool(tool, why or f"'{tool}' is not on PATH")
    return str(found)
