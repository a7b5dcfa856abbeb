"""The key figures as data: ``data/key-figures.csv`` (HXL: headers on row 1, hashtags on row 2)
and ``data/key-figures.json``, one row per report and key figure with an id.

Rows are ordered by series, then report date, then id; both files are UTF-8 with ``\\n`` line
ends and the same bytes on every build. A figure without an id is left out: a row without an
indicator code cannot be joined with the other weeks. Like every output, these read only the
plan's reports, so a filter applied to the plan (an edition's audiences) applies here too.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..trends import exact
from . import Files, Plan
from .key_figures import CSV, JSON

#: (header, HXL hashtag, row key) of every column, in order; the figures' own hxl tags follow.
COLUMNS = (
    ("Series", "#meta+series", "series"),
    ("Report date", "#date", "date"),
    ("Indicator code", "#indicator+code", "id"),
    ("Indicator name", "#indicator+name", "label"),
    ("Value", "#indicator+num", "value"),
    ("Unit", "#indicator+unit", "unit"),
    ("Qualifier", "#indicator+qualifier", "qualifier"),
    ("As of", "#date+asof", "as_of"),
    ("Region", "#adm1+name", "region"),
    ("Source", "#meta+source", "source"),
    ("Change since the previous report", "#indicator+num+change", "change"),
    ("Change since", "#date+previous", "since"),
    ("Report", "#meta+url", "report"),
)


def rows(plan: Plan) -> list[dict[str, Any]]:
    """Every key figure with an id, as a row, by series, date, then id."""
    base = plan.site["base_url"] or ""
    found = []
    for series in plan.key_figure_series:
        for item in series.items:
            comparison = plan.comparisons[item.slug]
            figures = sorted((f for f in item.report.key_figures if f.id), key=lambda f: str(f.id))
            for figure in figures:
                change = comparison.changes.get(str(figure.id))
                found.append(
                    {
                        "series": series.key,
                        "series_name": series.title,
                        "date": item.report.period.end.isoformat(),
                        "id": figure.id,
                        "label": figure.label,
                        "value": figure.value,
                        "unit": figure.unit,
                        "qualifier": exact(figure.qualifier),
                        "as_of": figure.as_of.isoformat() if figure.as_of else None,
                        "region": figure.region,
                        "source": figure.source,
                        "hxl": figure.hxl,
                        "change": change.amount if change else None,
                        "since": change.since.isoformat() if change else None,
                        "previous_value": change.previous.value if change else None,
                        "qualifiers_differ": change.qualifiers_differ if change else None,
                        "new": figure.id in comparison.new,
                        "report": f"{base}reports/{item.slug}.html",
                    }
                )
    return found


#: What a spreadsheet takes for the start of a formula in a text cell (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """A value as the CSV writes it; text that would start a formula gets a leading "'" (numbers,
    such as a negative change, are written as they are)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return str(value)


def to_csv(found: list[dict[str, Any]]) -> bytes:
    """Row 1 headers, row 2 HXL hashtags; then one column per hxl tag the figures give, holding
    the value on that figure's rows, so HXL tools find ``#affected+idps`` as such."""
    tags = sorted({str(row["hxl"]) for row in found if row["hxl"]})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([header for header, _, _ in COLUMNS] + [f"Value as {tag}" for tag in tags])
    writer.writerow([tag for _, tag, _ in COLUMNS] + tags)
    for row in found:
        writer.writerow([_cell(row[key]) for _, _, key in COLUMNS] + [_cell(row["value"]) if row["hxl"] == tag else "" for tag in tags])
    return buffer.getvalue().encode("utf-8")


def to_json(found: list[dict[str, Any]]) -> bytes:
    return (json.dumps({"key_figures": found}, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def render(plan: Plan) -> Files:
    if not plan.key_figure_series:
        return {}
    found = rows(plan)
    return {CSV: to_csv(found), JSON: to_json(found)}
