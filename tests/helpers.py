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


def copy_project(root: Path, *, translations: bool = False) -> Path:
    """This repository's project (reports, figures, templates, config) copied into ``root``.

    Without ``translations`` the reports' translations (NAME.LANG.yaml, the bundled Arabic one)
    are left out and the report has the hand-drawn figure (SEED_REPORT): most tests are about
    one language's series, its pages, PDFs and cache, and count them. With ``translations``
    the project is as shipped (its map drawn from data): tests/test_languages.py builds it."""
    import shutil

    from sitrepgen.translations import language_of_name

    def skipped(folder: str, names: list[str]) -> list[str]:
        return [] if translations else [name for name in names if language_of_name(name) is not None]

    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "sitreps", root / "sitreps", ignore=skipped)
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copy(REPO / "sitrepgen.yaml", root / "sitrepgen.yaml")
    if not translations:
        shutil.copy(SEED_REPORT, root / "sitreps" / SEED_REPORT.name)
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


def write_series(reports_dir: Path, copies: int) -> list[Path]:
    """The seed plus ``copies`` earlier weeks (dates shifted back), as a series of reports.

    The figure path keeps its original name (dates inside it are not shifted), so every copy
    refers to the seed's map.
    """
    seed = SEED_REPORT.read_text(encoding="utf-8")
    figure = "figures/2016-12-08-aleppo-control.svg"
    paths = []
    for week in range(1, copies + 1):
        text = shifted(seed.replace(figure, "@FIGURE@"), -week).replace("@FIGURE@", figure)
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
