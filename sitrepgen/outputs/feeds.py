"""The Atom feed of the whole site, and one per series when there are several."""

from __future__ import annotations

import datetime as dt
import posixpath
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import Files, Plan, up
from .archive import listing

if TYPE_CHECKING:
    from ..site import LoadedReport


def _atom_date(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def author(item: LoadedReport) -> str | None:
    """Who an entry is by, when the report says: its organisation, else who prepared it."""
    report = item.report
    return report.organisation or (", ".join(report.prepared_by) if report.prepared_by else None)


def feed_context(plan: Plan, items: Sequence[LoadedReport], path: str) -> dict[str, Any]:
    """Atom entries, newest first, the latest ``feed_entries`` only (a reader downloads the whole
    feed on every poll); ids are stable (the page URL, or a UUID derived from it). ``path`` is
    the feed's place in its language's part of the site ('feed.xml')."""
    site = plan.site
    items = items[-plan.project.config.feed_entries :]
    base = site["base_url"] or ""
    prefix = base or up(posixpath.dirname(path))  # links from where the feed is

    def stable_id(page: str) -> str:
        return base + page if base else f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'sitrepgen:' + str(site['title']) + ':' + plan.path(page))}"

    entries = []
    for item, listed in zip(reversed(items), listing(plan, items, plan.path("index.html"))):
        entries.append(
            {
                "view": listed["view"],
                "id": stable_id(str(listed["href"])),
                "href": f"{prefix}{listed['href']}",
                "pdf": f"{prefix}{listed['pdf']}",
                "updated": _atom_date(item.report.published),
                "author": author(item),
            }
        )
    return {
        "entries": entries,
        "feed_id": stable_id(path),
        "updated": max(str(e["updated"]) for e in entries),
        "self_path": path,
        "home": prefix + (posixpath.splitext(path)[0] + ".html" if path != "feed.xml" else "index.html"),
    }


def render(plan: Plan) -> Files:
    files: Files = {plan.path("feed.xml"): plan.render("feed.xml.j2", plan.path("feed.xml"), title=plan.site["title"], **feed_context(plan, plan.reports, "feed.xml"))}
    for series in plan.series_pages:
        path = f"series/{series.key}.xml"
        title = f"{series.title} · {plan.site['title']}"
        files[plan.path(path)] = plan.render("feed.xml.j2", plan.path(path), title=title, **feed_context(plan, series.items, path))  # type: ignore[arg-type]
    return files
