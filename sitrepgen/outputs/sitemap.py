"""sitemap.xml (only with a base_url: a sitemap needs absolute addresses): every page but 404."""

from __future__ import annotations

from . import Files, Plan


def render(plan: Plan, files: Files) -> Files:
    base = plan.site["base_url"]
    if not base:
        return {}
    from urllib.parse import quote

    published = {one.path(f"reports/{item.slug}.html"): item.report.published.isoformat() for one in [plan, *plan.translations] for item in one.reports}
    pages = sorted(name for name in files if name.endswith(".html") and name != "404.html")
    urls = [{"loc": base + quote(name), "lastmod": published.get(name)} for name in pages]  # a URL, not an IRI
    return {"sitemap.xml": plan.render("sitemap.xml.j2", "sitemap.xml", urls=urls)}
