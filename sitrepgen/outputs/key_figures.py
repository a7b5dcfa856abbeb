"""The key-figures page (every figure with an id, over its series: a chart and a table of the
same numbers) and the charts themselves, one SVG per series and id.

Charts go to ``data/charts/<series key>/<id>.svg`` (``data/charts/isw/syria/people-trapped.svg``):
two series may use one id, and the series key already keeps them apart on their own pages.
Everything here reads the plan's reports, never the YAML, so a filter applied to the plan
(an edition's audiences) applies to the charts too.
"""

from __future__ import annotations

from typing import Any

from ..render import change_view, format_date, format_period, render_template
from ..series import Series
from ..trends import Point, Trend, exact, value_text
from . import KEY_FIGURES_PAGE, Files, Plan, chart_anchor

CSV = "data/key-figures.csv"
JSON = "data/key-figures.json"


def chart_path(series: Series, figure_id: str) -> str:
    return f"data/charts/{series.key}/{figure_id}.svg"


def _row(point: Point, periods: dict[str, str]) -> dict[str, Any]:
    """One report's line of a figure's table."""
    row: dict[str, Any] = {"date": periods[point.slug], "href": f"reports/{point.slug}.html", "figure": None}
    if point.figure is not None:
        qualifier = exact(point.figure.qualifier)
        number = value_text(point.figure.value, point.figure.unit)
        row.update(
            figure=point.figure,
            value=f"{qualifier} {number}" if qualifier else number,
            change=change_view(point.change) if point.change else None,
            as_of=format_date(point.figure.as_of) if point.figure.as_of else None,
        )
    return row


def entries(plan: Plan, series: Series) -> list[dict[str, Any]]:
    """One entry per id of a series: its chart (two values or more), its table, oldest first."""
    periods = {item.slug: format_period(item.report.period.start, item.report.period.end) for item in series.items}
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
                "rows": [_row(point, periods) for point in trend.points],
            }
        )
    return found


def _chart(plan: Plan, trend: Trend) -> tuple[bytes, str]:
    from ..charts import chart  # drawing code: only for a build that makes pages

    made = chart(trend)
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
                files[entry["chart"]], entry["alt"] = _chart(plan, entry["trend"])
        groups.append({"series": series, "entries": found})
    files[KEY_FIGURES_PAGE] = plan.render("key-figures.html.j2", KEY_FIGURES_PAGE, groups=groups, several=len(chosen) > 1, csv=CSV, json=JSON)
    return files
