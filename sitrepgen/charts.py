"""Charts of key figures over a series, drawn as plain static SVG by sitrepgen itself.

Why not matplotlib: a line chart of a few dozen weekly values is some lines, circles and text,
which a template draws in a few hundred bytes with nothing to install; the bytes are the same
on every build by construction (no clip-path ids, dates or hash salts to pin down), the labels
are real ``<text>`` (matplotlib's SVG turns text into paths unless told otherwise) and the
elements are the handful an SVG allowlist keeps (svg, title, desc, g, rect, line, polyline,
circle, text; no style sheets and no references at all). matplotlib and numpy would add some
40 MB and about half a second of import to every build that draws a chart.

The geometry (scales, ticks, positions) is computed here; ``chart.svg.j2`` and
``_sparkline.html.j2`` only arrange it, so a project can restyle a chart by overriding them.
Imported only by the outputs that draw: ``validate`` and a no-op build never load this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .i18n import N_, Language, english
from .render import value_text
from .trends import Point, Trend, exact

#: The fixed words of the charts, in one place, each translated when it is used.
CHART_PHRASES = {
    "open": N_("Open circles: values given as {qualifiers}."),
    "alt": N_("Line chart of {label}, {first} to {last}: {count} values from {low} to {high}. The numbers are in the table below."),
    "title": N_("{label}, by report"),
    "or": N_(" or "),
}

WIDTH = 720
HEIGHT = 340
CHAR = 6.6  #: about the width of one character at the axis' font size, to make room for labels
MAX_LABELLED = 10  #: up to this many points, each gets its value written above it


def coordinate(value: float) -> str:
    """A coordinate as the SVG writes it: one decimal, none when it is whole ('12', '12.5')."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


# --------------------------------------------------------------------------- sparklines


@dataclass(frozen=True)
class Spark:
    """A key figure's small chart beside it on a report page (``_sparkline.html.j2``)."""

    href: str  #: the figure's chart on the key-figures page
    count: int  #: values drawn
    lines: tuple[str, ...]  #: polyline points, one run per stretch of reports without a gap
    dots: tuple[tuple[str, str], ...]  #: this report's value
    width: int = 96
    height: int = 24


#: A sparkline draws at most this many weeks, the latest: a year. Its 96 pixels hold no more, and
#: drawing every week of a ten-year series on each report page made the pages' cost grow with
#: the square of the archive (benchmarks/scale.py; docs/performance.md).
SPARK_WEEKS = 52


def spark_points(trend: Trend, slug: str) -> list[Point]:
    """What the sparkline of report ``slug`` draws: the latest SPARK_WEEKS points up to it."""
    return trend.up_to(slug)[-SPARK_WEEKS:]


def spark(trend: Trend, slug: str, href: str) -> Spark:
    """The series of one id over the year up to report ``slug``, scaled to its own range (a
    trend, not a measure: the exact numbers are beside it)."""
    points = spark_points(trend, slug)
    values = [p.figure.value for p in points if p.figure is not None]
    low, high = min(values), max(values)
    pad = 3.0
    width, height = Spark.width, Spark.height

    def at(index: int, value: float) -> tuple[str, str]:
        x = pad + (width - 2 * pad) * index / max(1, len(points) - 1)
        y = height / 2 if high == low else height - pad - (height - 2 * pad) * (value - low) / (high - low)
        return coordinate(x), coordinate(y)

    runs: list[list[str]] = [[]]
    for index, point in enumerate(points):
        if point.figure is None:
            runs.append([])
        else:
            runs[-1].append(",".join(at(index, point.figure.value)))
    last = points[-1]
    dots = (at(len(points) - 1, last.figure.value),) if last.figure is not None else ()
    return Spark(href, len(values), tuple(" ".join(run) for run in runs if run), dots)


# --------------------------------------------------------------------------- the full chart


@dataclass(frozen=True)
class Mark:
    """One value on the chart."""

    x: str
    y: str
    hollow: bool  #: a qualified value ('at least', 'approximately')
    label: str | None  #: the value written above it, when there is room
    label_y: str = ""


@dataclass(frozen=True)
class Chart:
    """Everything ``chart.svg.j2`` draws, already placed."""

    width: int
    height: int
    title: list[str]  #: the title, in lines
    desc: str  #: the chart in one sentence (also the image's alt text on the page)
    left: str
    right: str
    top: str
    bottom: str
    y_ticks: list[tuple[str, str, str]]  #: (y of the grid line, y of its label, label)
    y_label_x: str  #: where the value labels end, left of the plot
    zero: str | None  #: y of the zero line, when zero is on the scale
    x_ticks: list[tuple[str, str]]  #: (x, label)
    x_label_y: str  #: the baseline of the date labels
    lines: list[str]  #: polyline points, one run per stretch without a gap
    marks: list[Mark] = field(default_factory=list)
    note: str | None = None  #: what the open circles mean, when there are any


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round numbers from at or below ``low`` to at or above ``high``: steps of 1, 2, 2.5 or 5
    times a power of ten, about ``count`` of them."""
    if high == low:
        high = low + (abs(low) or 1)
    raw = (high - low) / (count - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * 0.999)
    start = math.floor(low / step + 1e-9) * step
    end = math.ceil(high / step - 1e-9) * step
    return [round(start + index * step, 10) for index in range(round((end - start) / step) + 1)]


def _tick_label(value: float, step: float, unit: str | None, language: Language) -> str:
    places = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    number = language.number(round(value, places)) if places else language.number(int(round(value)))
    return f"{number}%" if unit == "%" else number


def wrap(text: str, width: int) -> list[str]:
    """Words into lines of at most ``width`` characters (a long word keeps its own line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def chart(trend: Trend, language: Language | None = None) -> Chart:
    """The line chart of one id over its series: dates along, values up from zero (or from the
    lowest value, if below zero); a gap where a report does not give the figure. Values in a
    unit other than the latest's are left out (key-figure-unit warns about them). The words,
    dates and numbers are in ``language`` (default English)."""
    language = language or english()
    _ = language.gettext
    latest = trend.latest
    unit = latest.unit or None
    points = [p for p in trend.points if p.figure is None or (p.figure.unit or None) == unit]
    given = [p for p in points if p.figure is not None]
    values = [p.figure.value for p in given if p.figure is not None]
    ticks = nice_ticks(min(0.0, *values), max(0.0, *values))
    step = ticks[1] - ticks[0]
    labels = [_tick_label(tick, step, unit, language) for tick in ticks]
    title = wrap(_(CHART_PHRASES["title"]).format(label=latest.label) + (f" ({unit})" if unit and unit != "%" else ""), 80)
    top = 24.0 + 20 * len(title) + 22  # room for the value written above the highest point
    qualifiers = sorted({q for p in given if p.figure is not None and (q := exact(p.figure.qualifier))})
    note = _(CHART_PHRASES["open"]).format(qualifiers=_(CHART_PHRASES["or"]).join(f"'{language.qualifier(q)}'" for q in qualifiers)) if qualifiers else None
    left = 16 + CHAR * max(len(label) for label in labels)
    right = WIDTH - 52.0  # half of the last value's label
    bottom = HEIGHT - (58.0 if note else 40.0)
    first, last = points[0].date, points[-1].date
    span = max(1, (last - first).days)

    def x_of(point: Point) -> float:
        return left + (right - left) * (point.date - first).days / span

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * (value - ticks[0]) / (ticks[-1] - ticks[0])

    runs: list[list[str]] = [[]]
    marks = []
    for point in points:
        if point.figure is None:
            runs.append([])
            continue
        x, y = coordinate(x_of(point)), coordinate(y_of(point.figure.value))
        runs[-1].append(f"{x},{y}")
        shown = value_text(point.figure.value, point.figure.unit, language) if len(given) <= MAX_LABELLED or point is given[-1] else None
        marks.append(Mark(x, y, exact(point.figure.qualifier) is not None, shown, coordinate(y_of(point.figure.value) - 10)))
    every = math.ceil(len(points) / 8)
    chosen = [p for i, p in enumerate(points) if i % every == 0 or i == len(points) - 1]
    x_ticks = []
    for index, point in enumerate(chosen):
        year = index == 0 or point.date.year != chosen[index - 1].date.year
        x_ticks.append((coordinate(x_of(point)), language.short_date(point.date, year=year)))
    low, high = min(given, key=lambda p: p.figure.value if p.figure else 0), max(given, key=lambda p: p.figure.value if p.figure else 0)
    desc = _(CHART_PHRASES["alt"]).format(
        label=latest.label,
        first=language.short_date(given[0].date, year=True),
        last=language.short_date(given[-1].date, year=True),
        count=language.number(len(given)),
        low=value_text(low.figure.value, unit, language) if low.figure else "",
        high=value_text(high.figure.value, unit, language) if high.figure else "",
    )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        title=title,
        desc=desc,
        left=coordinate(left),
        right=coordinate(right),
        top=coordinate(top),
        bottom=coordinate(bottom),
        y_ticks=[(coordinate(y_of(tick)), coordinate(y_of(tick) + 4), label) for tick, label in zip(ticks, labels)],
        y_label_x=coordinate(left - 8),
        zero=coordinate(y_of(0)) if ticks[0] <= 0 <= ticks[-1] else None,
        x_ticks=x_ticks,
        x_label_y=coordinate(bottom + 20),
        lines=[" ".join(run) for run in runs if run],
        marks=marks,
        note=note,
    )
