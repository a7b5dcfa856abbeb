"""Key figures across a series: what changed since the previous report, and each figure's history.

A key figure with an ``id`` is the same figure from week to week. This module compares one
report's figures with the previous report's (``series.py`` says which report that is) and lines
up each id's values over a series; the report views, the charts, the key-figures page and the
data files all read what it computes, so none of them works out "last week" again.

Only reports that give at least one of their key figures an id are compared, and only with a
previous report that does too: a report whose figures have no ids (an old archive) opted out of
continuity, and shows no change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .model import KeyFigure, Report

if TYPE_CHECKING:
    from .series import Item


def format_number(value: int | float) -> str:
    """90000 -> '90,000': how every output prints a value."""
    if not isinstance(value, (int, float)):  # a key figure measured on a map, not measured here
        return str(value.placeholder())
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,}"
    return f"{int(value):,}"


def value_text(value: int | float, unit: str | None) -> str:
    """The value with its unit: '90,000', '70%', '12 km'."""
    number = format_number(value)
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}" if unit else number


def exact(qualifier: str | None) -> str | None:
    """A qualifier as it changes the meaning of a value: 'exactly' says no more than none."""
    return None if qualifier == "exactly" else qualifier


def decimals(value: int | float) -> int:
    """Digits after the point as written (70.5 -> 1), so a difference is not 0.30000000000000004."""
    if isinstance(value, int) or float(value).is_integer():
        return 0
    text = repr(float(value))
    if "e" in text:
        return 10
    return len(text.partition(".")[2])


def difference(new: int | float, old: int | float) -> int | float:
    """``new - old`` to the precision the two values were written with."""
    places = max(decimals(new), decimals(old))
    if places == 0:
        return int(round(new - old))
    return round(new - old, places)


@dataclass(frozen=True)
class Change:
    """One figure's change since the previous report of its series."""

    id: str
    previous: KeyFigure
    current: KeyFigure
    since: dt.date  #: the day the previous value refers to: its as_of, else that report's last day

    @property
    def comparable(self) -> bool:
        """Values in two units cannot be subtracted (the key-figure-unit lint says so)."""
        return (self.previous.unit or None) == (self.current.unit or None)

    @property
    def amount(self) -> int | float | None:
        """The signed difference, in the figure's unit; None when the units differ."""
        return difference(self.current.value, self.previous.value) if self.comparable else None

    @property
    def direction(self) -> str:
        """'up', 'down', 'same', or 'other-unit' when the two values cannot be compared."""
        amount = self.amount
        if amount is None:
            return "other-unit"
        return "up" if amount > 0 else "down" if amount < 0 else "same"

    @property
    def qualifiers_differ(self) -> bool:
        """'at least 90,000' against 'approximately 80,000': the difference is not a measured one."""
        return exact(self.previous.qualifier) != exact(self.current.qualifier)

    @property
    def share(self) -> float | None:
        """The change as a share of the previous value (0.5 is half again); None from zero."""
        amount = self.amount
        if amount is None or self.previous.value == 0:
            return None
        return amount / abs(self.previous.value)


@dataclass(frozen=True)
class Comparison:
    """One report's key figures against the previous report's."""

    previous_slug: str | None = None
    since: dt.date | None = None  #: the previous report's last day
    changes: dict[str, Change] = field(default_factory=dict)
    new: frozenset[str] = frozenset()  #: ids the previous report did not have
    dropped: tuple[KeyFigure, ...] = ()  #: the previous report's figures whose id this one lacks


NOTHING = Comparison()


def has_ids(report: Report) -> bool:
    return any(item.id for item in report.key_figures)


def compare(current: Report, previous: Item | None) -> Comparison:
    """The change of every figure whose id the previous report also has, and which are new or dropped."""
    if previous is None or not has_ids(current) or not has_ids(previous.report):
        return NOTHING  # nothing to join up: an old archive's report on either side
    before = {item.id: item for item in previous.report.key_figures if item.id}
    now = {item.id: item for item in current.key_figures if item.id}
    last_day = previous.report.period.end
    changes = {
        key: Change(key, before[key], item, before[key].as_of or last_day) for key, item in now.items() if key in before
    }
    return Comparison(
        previous_slug=previous.slug,
        since=last_day,
        changes=changes,
        new=frozenset(key for key in now if key not in before),
        dropped=tuple(item for key, item in before.items() if key not in now),
    )


@dataclass(frozen=True)
class Point:
    """One report's value of a figure; ``figure`` is None where the report does not give it."""

    slug: str
    date: dt.date  #: the report's last day
    figure: KeyFigure | None
    change: Change | None = None


@dataclass(frozen=True)
class Trend:
    """One id over a series: a point per report from its first appearance to its last."""

    id: str
    points: tuple[Point, ...]

    @property
    def given(self) -> list[Point]:
        """The points that have a value."""
        return [point for point in self.points if point.figure is not None]

    @property
    def latest(self) -> KeyFigure:
        figure = self.given[-1].figure
        assert figure is not None
        return figure

    def up_to(self, slug: str) -> list[Point]:
        """The points up to and including report ``slug`` (what that report's page may show)."""
        found: list[Point] = []
        for point in self.points:
            found.append(point)
            if point.slug == slug:
                return found
        return []


def trends(items: Sequence[Item], comparisons: dict[str, Comparison]) -> list[Trend]:
    """Every id of one series (its reports oldest first), in the order ids first appear."""
    order: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        for figure in item.report.key_figures:
            if figure.id:
                order.setdefault(figure.id, []).append(index)
    found = []
    for key, indexes in order.items():
        points = []
        for item in items[indexes[0] : indexes[-1] + 1]:
            figure = next((f for f in item.report.key_figures if f.id == key), None)
            change = comparisons.get(item.slug, NOTHING).changes.get(key)
            points.append(Point(item.slug, item.report.period.end, figure, change))
        found.append(Trend(key, tuple(points)))
    return found
