"""A page per region with its history, newest first (every section about it), pages by year
when the history is longer than ``page_entries``, and the index of regions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..render import slugify
from . import Files, Plan
from .archive import year_of
from .pages import YearPage, neighbours, paginate, year_links

if TYPE_CHECKING:
    from ..site import LoadedReport

#: A region's history: each report that writes about it (newest first) and which of its sections do.
History = list[tuple["LoadedReport", list[int]]]


class RegionCollision(ValueError):
    """Two region names that would write one page (spelled differently in two reports)."""


def histories(plan: Plan) -> dict[str, tuple[str, History]]:
    """For each region's page (by slug): the region's name and its history."""
    by_name: dict[str, History] = {}
    for item in reversed(plan.reports):
        view = plan.view(item, plan.path("regions/index.html"))
        for index, section in enumerate(view.sections):
            for name in section.regions:
                history = by_name.setdefault(name, [])
                if history and history[-1][0] is item:  # a second section of the same report
                    history[-1][1].append(index)
                else:
                    history.append((item, [index]))
    pages: dict[str, tuple[str, History]] = {}
    for name, history in by_name.items():
        slug = slugify(name)
        if slug in pages:
            raise RegionCollision(f"regions '{pages[slug][0]}' and '{name}' would both write regions/{slug}.html; spell the region the same way in every report")
        pages[slug] = (name, history)
    return pages


def entries(plan: Plan, history: History, page: str) -> list[dict[str, Any]]:
    """The history as the page at ``page`` shows it: each report's sections about the region."""
    shown = []
    for item, indexes in history:
        view = plan.view(item, page)
        sections = [view.sections[index] for index in indexes]
        shown.append({"view": view, "region": sections[0], "sections": sections, "series": plan.series_of(item)})
    return shown


def render(plan: Plan) -> Files:
    limit = plan.project.config.page_entries
    show_series = bool(plan.series_pages)
    files: Files = {}
    listed = []
    for slug, (name, history) in histories(plan).items():
        page = plan.path(f"regions/{slug}.html")
        first, years = paginate(history, lambda entry: year_of(entry[0]), limit, lambda year, slug=slug: plan.path(f"regions/{slug}/{year}.html"))
        files[page] = plan.render(
            "region.html.j2", page, region_name=name, entries=entries(plan, first, page), show_series=show_series,
            regions_index="index.html", year=None, years=year_links(years, page), total=len(history),
        )
        files.update(_year_pages(plan, name, years, show_series))
        latest = plan.view(history[0][0], plan.path("regions/index.html"))
        listed.append({"name": name, "slug": slug, "count": len(history), "latest": latest.period_text})
    regions = sorted(listed, key=lambda region: str(region["name"]).lower())
    files[plan.path("regions/index.html")] = plan.render("regions.html.j2", plan.path("regions/index.html"), regions=regions)
    return files


def _year_pages(plan: Plan, name: str, pages: list[YearPage[tuple[LoadedReport, list[int]]]], show_series: bool) -> Files:
    files: Files = {}
    for index, one in enumerate(pages):
        files[one.path] = plan.render(
            "region.html.j2", one.path, region_name=name, entries=entries(plan, one.entries, one.path), show_series=show_series,
            regions_index="../index.html", year=one.year, years=year_links(pages, one.path, one.year), total=len(one.entries),
            **neighbours(pages, index, one.path),
        )
    return files
