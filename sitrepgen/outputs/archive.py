"""The archive: the newest reports (index.html) and, when there are more, a page per year
(archive/YYYY.html); the same per series when there are several; and the 404 page. A
translation's pages are the same under its language's folder (ar/index.html, ar/archive/...)."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import Files, Plan, relative
from .pages import YearPage, neighbours, paginate, year_links

if TYPE_CHECKING:
    from ..site import LoadedReport


def listing(plan: Plan, items: Sequence[LoadedReport], page: str) -> list[dict[str, object]]:
    """The reports as the archive lists them, newest first, with links relative to ``page``."""
    directory = posixpath.dirname(page)
    return [
        {
            "view": plan.view(item, page),
            "href": relative(plan.path(f"reports/{item.slug}.html"), directory),
            "pdf": relative(plan.path(f"reports/{item.slug}.pdf"), directory),
            "md": relative(plan.path(f"reports/{item.slug}.md"), directory),
            "series": plan.series_of(item),
        }
        for item in reversed(items)
    ]


def year_of(item: LoadedReport) -> int:
    """The year a report is listed under: that of the last day of its period (its file name)."""
    return item.report.period.end.year


def _year_pages(plan: Plan, pages: list[YearPage[LoadedReport]], *, heading: str, home: str, show_series: bool) -> Files:
    """Each year's page of one listing, with the links to the other years and back to the first page."""
    files: Files = {}
    for index, one in enumerate(pages):
        files[one.path] = plan.render(
            "year.html.j2",
            one.path,
            heading=heading,
            year=one.year,
            home=relative(home, posixpath.dirname(one.path)),
            reports=listing(plan, list(reversed(one.entries)), one.path),
            years=year_links(pages, one.path, one.year),
            show_series=show_series,
            **neighbours(pages, index, one.path),
        )
    return files


def render(plan: Plan) -> Files:
    limit = plan.project.config.page_entries
    series_pages = plan.series_pages
    index = plan.path("index.html")
    first, years = paginate(list(reversed(plan.reports)), year_of, limit, lambda year: plan.path(f"archive/{year}.html"))
    files: Files = {
        index: plan.render(
            "index.html.j2", index, reports=listing(plan, list(reversed(first)), index), series=series_pages,
            total=len(plan.reports), years=year_links(years, index),
        ),
    }
    if plan.translation is None:  # one 404 page for the whole site, served at any address
        files["404.html"] = plan.render("404.html.j2", "404.html", root=plan.site["base_url"] or "", site_root=plan.site["base_url"] or "", alternates=[], switch=[])
    files.update(_year_pages(plan, years, heading=str(plan.site["title"]), home=index, show_series=bool(series_pages)))
    for series in series_pages:
        page = plan.path(f"series/{series.key}.html")
        items: list[LoadedReport] = list(reversed(series.items))  # type: ignore[arg-type]
        first, years = paginate(items, year_of, limit, lambda year, key=series.key: plan.path(f"series/{key}/{year}.html"))
        files[page] = plan.render(
            "series.html.j2", page, series=series, reports=listing(plan, list(reversed(first)), page),
            feed=f"{posixpath.basename(series.key)}.xml", total=len(items), years=year_links(years, page),
        )
        files.update(_year_pages(plan, years, heading=series.title, home=page, show_series=False))
    return files
