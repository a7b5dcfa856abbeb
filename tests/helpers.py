"""Helpers shared by the tests."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED_REPORT = REPO / "sitreps" / "2016-12-08.yaml"
SEED_TEXT = next((REPO / "seeds").glob("*.txt"))


def copy_project(root: Path) -> Path:
    """This repository's project (reports, figures, templates, config) copied into ``root``."""
    import shutil

    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "sitreps", root / "sitreps")
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copy(REPO / "sitrepgen.yaml", root / "sitrepgen.yaml")
    return root


def line_of(text: str, needle: str, occurrence: int = 0) -> int:
    """1-based line number of the n-th occurrence of ``needle`` in ``text``."""
    index = -1
    for _ in range(occurrence + 1):
        index = text.index(needle, index + 1)
    return text.count("\n", 0, index) + 1


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
