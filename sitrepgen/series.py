"""Reports as series: which reports belong together, in which order, and what came before.

Every consumer that needs "the previous report" (the pager, the feed per series, ``new``, and the
checks that compare one week with the last) asks this module, so no template or output works it
out again.

- A **series** is the reports of one folder under ``reports_dir`` that share a ``series`` name
  (``sitreps/isw/*.yaml`` with ``series: Syria`` is one series; the same name in another folder is
  another series). Each organisation keeps its reports in a folder of its own.
- **Order** (oldest first): by the last day of the period, then the first day, then the
  publication date, then the organisation, the title, and last the file's slug, so that two
  reports of one week always come out in the same order whatever their file names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .model import Report
from .trends import Comparison, Trend, compare, trends

WEEK = 7


class Item(Protocol):
    """What the series logic needs of a loaded report."""

    @property
    def report(self) -> Report: ...

    @property
    def slug(self) -> str: ...


def folder_of(slug: str) -> str:
    """'isw' for 'isw/2016-12-08', '' for a report at the top of reports_dir."""
    return slug.rpartition("/")[0]


def order_key(item: Item) -> tuple[object, ...]:
    """The documented order of reports (oldest first); see the module docstring."""
    report = item.report
    return (report.period.end, report.period.start, report.published, report.organisation or "", report.title, item.slug)


@dataclass
class Series:
    """The reports of one folder and series name, oldest first."""

    folder: str
    name: str | None
    items: list[Item] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Where the series' own pages go, below ``series/``: 'syria', 'isw/syria'."""
        from .render import slugify  # Jinja comes with render: not for 'validate', which needs only the order

        own = slugify(self.name) if self.name else "reports"
        return f"{self.folder}/{own}" if self.folder else own

    @property
    def title(self) -> str:
        """'Syria'; a series without a name is called after its folder."""
        return self.name or (self.folder or "Reports")

    @property
    def organisations(self) -> list[str]:
        return sorted({item.report.organisation for item in self.items if item.report.organisation})

    @property
    def latest(self) -> Item:
        return self.items[-1]


def group(items: Iterable[Item]) -> list[Series]:
    """Every series, each oldest first; series ordered by folder, then name."""
    found: dict[tuple[str, str | None], Series] = {}
    for item in sorted(items, key=order_key):
        key = (folder_of(item.slug), item.report.series)
        found.setdefault(key, Series(*key)).items.append(item)
    return sorted(found.values(), key=lambda series: (series.folder, series.name or ""))


@dataclass(frozen=True)
class Neighbours:
    """A report's place in its series."""

    previous: Item | None
    next: Item | None
    previous_label: str
    next_label: str


def neighbours(series: Sequence[Series]) -> dict[str, Neighbours]:
    """For each report (by slug), the reports before and after it in its series, with labels
    that say how far away they are."""
    found: dict[str, Neighbours] = {}
    for one in series:
        for index, item in enumerate(one.items):
            before = one.items[index - 1] if index > 0 else None
            after = one.items[index + 1] if index + 1 < len(one.items) else None
            found[item.slug] = Neighbours(
                before,
                after,
                distance_label(before.report, item.report, earlier=True) if before else "",
                distance_label(item.report, after.report, earlier=False) if after else "",
            )
    return found


def comparisons(series: Sequence[Series]) -> dict[str, Comparison]:
    """For each report (by slug), its key figures against those of the previous report of its
    series: the change since last week, and the figures new or dropped (see trends.compare)."""
    return {
        item.slug: compare(item.report, one.items[index - 1] if index else None)
        for one in series
        for index, item in enumerate(one.items)
    }


def key_figure_trends(one: Series, found: dict[str, Comparison]) -> list[Trend]:
    """Each key-figure id of a series over its reports, with the change at every point."""
    return trends(one.items, found)


def pairs(series: Sequence[Series]) -> Iterable[tuple[Item, Item | None]]:
    """Every report with the report before it in its series (None for a series' first): what
    the checks that compare one week with the last go through."""
    for one in series:
        for index, item in enumerate(one.items):
            yield item, one.items[index - 1] if index else None


def previous_in_series(series: Sequence[Series], slug: str) -> Item | None:
    """The report before ``slug`` in its series (the one "last week" means), or None."""
    place = neighbours(series).get(slug)
    return place.previous if place else None


def distance_label(older: Report, newer: Report, *, earlier: bool) -> str:
    """'Previous week' / 'Next week' for reports a week apart; otherwise the real distance:
    'Previous report, 3 weeks earlier', 'Next report, 10 days later'."""
    days = (newer.period.end - older.period.end).days
    word = "Previous" if earlier else "Next"
    if days == WEEK:
        return f"{word} week"
    return f"{word} report, {distance(days, earlier=earlier)}"


def distance(days: int, *, earlier: bool) -> str:
    """'3 weeks earlier', '10 days later', 'about 47 weeks later', 'ending the same day'."""
    if days == 0:
        return "ending the same day"
    weeks, rest = divmod(days, WEEK)
    if rest == 0:
        amount = f"{weeks} week{'s' if weeks != 1 else ''}"
    elif days < 2 * WEEK:
        amount = f"{days} day{'s' if days != 1 else ''}"
    else:
        amount = f"about {round(days / WEEK)} weeks"
    return f"{amount} {'earlier' if earlier else 'later'}"
