"""What a map measures, for its caption and for key figures: the ground that changed hands.

A map figure's caption may hold ``{map:MEASURE}`` or ``{map:MEASURE:CONTROL}``, and a key
figure's ``value`` may be ``{map: FIGURE, measure: MEASURE, control: CONTROL}`` instead of a
number. The build computes each from the comparison the map itself draws (this week's GeoJSON
against the previous report's map, or ``previous_map``) and puts the number in before anything
is rendered, so every output (pages, PDF, Markdown, email, Word, data files, charts) prints the
same number. Square kilometres are rounded to one decimal, percentages to whole numbers.

Nothing here imports shapely: the lint rules use only the names and the patterns.
"""

from __future__ import annotations

import re
from typing import Any

#: measure -> (needs a control, needs last week's map, what it is)
MEASURES: dict[str, tuple[bool, bool, str]] = {
    "changed_km2": (False, True, "the ground that changed hands since the previous map, in km²"),
    "gained_km2": (True, True, "the ground the actor took since the previous map, in km²"),
    "lost_km2": (True, True, "the ground the actor lost since the previous map, in km²"),
    "lost_percent": (True, True, "the share of its ground on the previous map that the actor lost, in %"),
    "area_km2": (True, False, "the ground the actor holds on this map, in km²"),
}

#: A measure in a caption: '{map:changed_km2}', '{map:lost_percent:opposition}'. Anything that
#: starts '{map:' and is not one of these is a diagnostic (lint.check_map_measures).
PLACEHOLDER_RE = re.compile(r"\{map:([a-z_0-9]+)(?::([a-z][a-z0-9-]*))?\}")
PLACEHOLDER_LIKE_RE = re.compile(r"\{\s*map\s*:[^{}\n]{0,80}\}?", re.IGNORECASE)


def names() -> str:
    return ", ".join(MEASURES)


def problem(measure: str, control: str | None, controls: list[str], *, key_figure: bool = False) -> str | None:
    """What is wrong with a measure and its control (in a caption, or a key figure's value), or None."""
    if measure not in MEASURES:
        return f"'{measure}' is not a map measure; the measures are: {names()}"
    needs_control, _, _ = MEASURES[measure]
    if needs_control and control is None:
        actor = controls[0] if controls else "government"
        example = f"control: {actor}" if key_figure else f"{{map:{measure}:{actor}}}"
        return f"'{measure}' is measured for one actor: name it, e.g. {example}, with one of the 'map: control:' keys of sitrepgen.yaml ({', '.join(controls)})"
    if not needs_control and control is not None:
        return f"'{measure}' counts every actor: leave out '{control}'"
    if control is not None and control not in controls:
        return f"'{control}' is not an actor of the map; the 'map: control:' keys of sitrepgen.yaml are: {', '.join(controls)}"
    return None


def needs_previous(measure: str) -> bool:
    return MEASURES.get(measure, (False, False, ""))[1]


def amount(comparison: Any, measure: str, control: str | None) -> int | float:
    """The measure on a map's ``Comparison`` (maps.project), rounded as it is printed."""
    if measure == "changed_km2":
        value = comparison.changed_km2
    elif measure == "gained_km2":
        value = comparison.gained_km2(control)
    elif measure == "lost_km2":
        value = comparison.lost_km2(control)
    elif measure == "area_km2":
        value = comparison.area_km2.get(control, 0.0)
    else:
        share = comparison.lost_share(control)
        return round(100 * share) if share is not None else 0
    return round(value, 1)
