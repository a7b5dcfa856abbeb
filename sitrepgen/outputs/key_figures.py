"""The key-figures page (every figure with an id, over its series: a chart and a table of the
same numbers) and the charts themselves, one SVG per series and id.

Charts go to ``data/charts/<series key>/<id>.svg`` (``data/charts/isw/syria/people-trapped.svg``):
two series may use one id, and the series key already keeps them apart on their own pages.
Everything here reads the plan's reports, never the YAML, so a filter applied to the plan
(an edition's audiences) applies to the charts too.
"""

from __future__ import annotations

from typing import Any

from ..i18n import Language
from ..render import change_view, render_template, value_text
from ..series import Series
from ..trends import Point, Trend, exact
from . import KEY_FIGURES_PAGE, Files, Plan, chart_anchor

CSV = "data/key-figures.csv"
JSON = "data/key-figures.json"


def chart_path(series: Series, figure_id: str) -> str:
    return f"data/charts/{series.key}/{figure_id}.svg"


def _row(point: Point, periods: dict[str, str], language: Language) -> dict[str, Any]:
    """One report's line of a figure's table, in the plan's language."""
    row: dict[str, Any] = {"date": periods[point.slug], "href": f"reports/{point.slug}.html", "figure": None}
    if point.figure is not None:
        qualifier = exact(point.figure.qualifier)
        number = value_text(point.figure.value, point.figure.unit, language)
        row.update(
            figure=point.figure,
            value=f"{language.qualifier(qualifier)} {number}" if qualifier else number,
            change=change_view(point.change, language) if point.change else None,
            as_of=language.date(point.figure.as_of) if point.figure.as_of else None,
        )
    return row


def entries(plan: Plan, series: Series) -> list[dict[str, Any]]:
    """One entry per id of a series: its chart (two values or more), its table, oldest first."""
    language = plan.language
    periods = {item.slug: language.period(item.report.period.start, item.report.period.end) for item in series.items}
    found = []
    for trend in plan.trends(series):
        found.append(
            {
                "id": trend.id,
                "anchor": chart_anchor(series, trend.id),
                "label": trend.latest.label,
                "region": trend.latest.region,
                "trend": trend,
                "chart": chart_path(series, trend.id) if len(trend.given) >= 2 else None,
                "rows": [_row(point, periods, language) for point in trend.points],
            }
        )
    return found


def _chart(plan: Plan, trend: Trend) -> tuple[bytes, str]:
    from ..charts import chart  # drawing code: only for a build that makes pages

    made = chart(trend, plan.language)
    return render_template(plan.env, "chart.svg.j2", chart=made).encode("utf-8"), made.desc


def render(plan: Plan) -> Files:
    chosen = plan.key_figure_series
    if not chosen:
        return {}
    files: Files = {}
    groups = []
    for series in chosen:
        found = entries(plan, series)
        for entry in found:
            if entry["chart"]:
                files[plan.path(entry["chart"])], entry["alt"] = _chart(plan, entry["trend"])  # (linked relative to the page)
        groups.append({"series": series, "entries": found})
    page = plan.path(KEY_FIGURES_PAGE)
    files[page] = plan.render("key-figures.html.j2", page, groups=groups, several=len(chosen) > 1, csv=CSV, json=JSON)
    return files
