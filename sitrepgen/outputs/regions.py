"""A page per region with its history, week by week (every section about it), and their index."""

from __future__ import annotations

from typing import Any

from ..render import slugify
from . import Files, Plan


class RegionCollision(ValueError):
    """Two region names that would write one page (spelled differently in two reports)."""


def region_pages(plan: Plan) -> list[dict[str, Any]]:
    """One page per region name: its sections of every report, newest first, figures included."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for item in reversed(plan.reports):
        view = plan.view(item, "regions/index.html")
        for section in view.sections:
            for name in section.regions:
                entries = by_name.setdefault(name, [])
                if entries and entries[-1]["view"] is view:  # a second section of the same report
                    entries[-1]["sections"].append(section)
                else:
                    entries.append({"view": view, "region": section, "sections": [section], "series": plan.series_of(item)})
    pages: dict[str, dict[str, Any]] = {}
    for name, entries in by_name.items():
        slug = slugify(name)
        if slug in pages:
            raise RegionCollision(f"regions '{pages[slug]['name']}' and '{name}' would both write regions/{slug}.html; spell the region the same way in every report")
        pages[slug] = {"name": name, "slug": slug, "entries": entries, "count": len(entries), "latest": entries[0]["view"].period_text}
    return sorted(pages.values(), key=lambda page: str(page["name"]).lower())


def render(plan: Plan) -> Files:
    regions = region_pages(plan)
    files: Files = {}
    for region in regions:
        page = f"regions/{region['slug']}.html"
        files[page] = plan.render("region.html.j2", page, region_name=region["name"], entries=region["entries"], show_series=bool(plan.series_pages))
    files["regions/index.html"] = plan.render("regions.html.j2", "regions/index.html", regions=regions)
    return files
