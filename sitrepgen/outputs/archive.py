"""The archive: every report newest first (index.html), a page per series when there are
several, and the 404 page."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import Files, Plan, relative

if TYPE_CHECKING:
    from ..site import LoadedReport


def listing(plan: Plan, items: Sequence[LoadedReport], page: str) -> list[dict[str, object]]:
    """The reports as the archive lists them, newest first, with links relative to ``page``."""
    directory = posixpath.dirname(page)
    return [
        {
            "view": plan.view(item, page),
            "href": relative(f"reports/{item.slug}.html", directory),
            "pdf": relative(f"reports/{item.slug}.pdf", directory),
            "md": relative(f"reports/{item.slug}.md", directory),
            "series": plan.series_of(item),
        }
        for item in reversed(items)
    ]


def render(plan: Plan) -> Files:
    files: Files = {
        "index.html": plan.render("index.html.j2", "index.html", reports=listing(plan, plan.reports, "index.html"), series=plan.series_pages),
        "404.html": plan.render("404.html.j2", "404.html", root=plan.site["base_url"] or ""),  # served at any address
    }
    for series in plan.series_pages:
        page = f"series/{series.key}.html"
        files[page] = plan.render(
            "series.html.j2", page, series=series, reports=listing(plan, series.items, page), feed=f"{posixpath.basename(series.key)}.xml"  # type: ignore[arg-type]
        )
    return files
