"""Each report's page (HTML) and its Markdown, with the previous and next report of its series."""

from __future__ import annotations

from . import Files, Plan


def render(plan: Plan) -> Files:
    files: Files = {}
    for item in plan.reports:
        page = f"reports/{item.slug}.html"
        place = plan.neighbours[item.slug]
        context = {
            "report": item.report,
            "view": plan.view(item, page),
            "previous": plan.view(place.previous, f"reports/{place.previous.slug}.html") if place.previous else None,  # type: ignore[arg-type]
            "next": plan.view(place.next, f"reports/{place.next.slug}.html") if place.next else None,  # type: ignore[arg-type]
            "previous_label": place.previous_label,
            "next_label": place.next_label,
        }
        files[f"reports/{item.slug}.md"] = plan.render("report.md.j2", page, **context)
        files[page] = plan.render("report.html.j2", page, **context)
    return files
