"""Listings that grow every week, cut into pages: the newest entries first, then a page per year.

The archive, each series' page and each region's history would otherwise list every week on one
page: 200 reports made a 292 KB index and region pages of 624 KB. Each such listing shows its
newest ``page_entries`` (sitrepgen.yaml) and, when there are more, links to one page per year
holding all of that year's entries. Pages by year, not pages of a set size, because their
addresses keep their meaning: a past year's page never changes, and a link to "Aleppo in 2016"
still leads there after ten more years of reports, where "page 7" would hold other weeks each
week. A listing that fits on its first page has no year pages and reads exactly as before.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from . import relative

T = TypeVar("T")


@dataclass(frozen=True)
class YearPage(Generic[T]):
    """One year of a listing: its site path and its entries, newest first."""

    year: int
    path: str
    entries: list[T]


def paginate(entries: Sequence[T], year_of: Callable[[T], int], limit: int, path_of: Callable[[int], str]) -> tuple[list[T], list[YearPage[T]]]:
    """The entries of the first page (newest first, at most ``limit``) and the pages by year,
    newest year first; no year pages when everything fits on the first."""
    if len(entries) <= limit:
        return list(entries), []
    years: dict[int, list[T]] = {}
    for entry in entries:
        years.setdefault(year_of(entry), []).append(entry)
    return list(entries[:limit]), [YearPage(year, path_of(year), items) for year, items in sorted(years.items(), reverse=True)]


def year_links(pages: Sequence[YearPage[T]], page: str, current: int | None = None) -> list[dict[str, object]]:
    """The year navigation as seen from ``page``: each year, its link and count, the current one marked."""
    directory = posixpath.dirname(page)
    return [
        {"year": one.year, "href": relative(one.path, directory), "count": len(one.entries), "current": one.year == current}
        for one in pages
    ]


def neighbours(pages: Sequence[YearPage[T]], index: int, page: str) -> dict[str, object]:
    """Links to the newer and the older year from the year page at ``index`` (pages newest first)."""
    directory = posixpath.dirname(page)
    newer = pages[index - 1] if index > 0 else None
    older = pages[index + 1] if index + 1 < len(pages) else None
    return {
        "newer": {"year": newer.year, "href": relative(newer.path, directory)} if newer else None,
        "older": {"year": older.year, "href": relative(older.path, directory)} if older else None,
    }
