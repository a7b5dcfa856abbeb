"""sitemap.xml (only with a base_url: a sitemap needs absolute addresses): every page but 404."""

from __future__ import annotations

from . import Files, Plan


def render(plan: Plan, files: Files) -> Files:
    base = plan.site["base_url"]
    if not base:
        return {}
    published = {f"reports/{item.slug}.html": item.report.published.isoformat() for item in plan.reports}
    pages = sorted(name for name in files if name.endswith(".html") and name != "404.html")
    urls = [{"loc": base + name, "lastmod": published.get(name)} for name in pages]
    return {"sitemap.xml": plan.render("sitemap.xml.j2", "sitemap.xml", urls=urls)}
