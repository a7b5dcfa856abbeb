"""Helpers shared by the tests."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED_REPORT = REPO / "sitreps" / "2016-12-08.yaml"
SEED_TEXT = next((REPO / "seeds").glob("*.txt"))


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
