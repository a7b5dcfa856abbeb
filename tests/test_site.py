"""The built site as a whole, read back without a browser: links, reachability, feed, sitemap.

One build per module of the seed and five date-shifted copies of it (six weeks), as the quality
bar of the website asks; every check walks the files the build wrote.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest

from tests.browser.support import Series, build_series
from tests.helpers import REPO

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
#: Attributes whose value is a URL the browser follows or loads.
URL_ATTRIBUTES = {"href", "src", "poster", "data", "action", "formaction", "cite", "background"}
#: Containers of report text: the only place a link to another host may appear (a writer's link).
REPORT_TEXT = {"report", "archive-lead", "region-week"}
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
MAX_CLICKS = 2  #: every week's page, PDF and Markdown is at most this many clicks from index.html


@dataclass
class Reference:
    source: str  #: site-relative path of the page or stylesheet that refers
    tag: str  #: "a", "img", "link", ... or "css"
    url: str
    in_report_text: bool = False


@dataclass
class Page:
    ids: set[str] = field(default_factory=set)
    references: list[Reference] = field(default_factory=list)
    rels: dict[str, list[str]] = field(default_factory=dict)  #: rel value -> hrefs (of <a> and <link>)


class _PageParser(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.page = Page()
        self.stack: list[tuple[str, bool]] = []  # (tag, opens report text)
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.page.ids.add(values["id"])
        inside = any(opens for _, opens in self.stack)
        for name, value in values.items():
            if name in URL_ATTRIBUTES and value:
                self.page.references.append(Reference(self.source, tag, value.strip(), inside))
            if name == "srcset":
                for candidate in value.split(","):
                    if candidate.strip():
                        self.page.references.append(Reference(self.source, tag, candidate.split()[0], inside))
            if name == "style":
                self.page.references += css_references(self.source, value)
        if "rel" in values and "href" in values:
            for rel in values["rel"].split():
                self.page.rels.setdefault(rel, []).append(values["href"])
        self.in_style = tag == "style"
        if tag not in VOID_ELEMENTS:
            self.stack.append((tag, bool(REPORT_TEXT & set(values.get("class", "").split()))))

    def handle_endtag(self, tag: str) -> None:
        self.in_style = False
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data: str) -> None:
        if self.in_style:
            self.page.references += css_references(self.source, data)


def css_references(source: str, text: str) -> list[Reference]:
    return [Reference(source, "css", (match.group(2) or match.group(4)).strip()) for match in CSS_URL.finditer(text)]


@dataclass
class Site:
    series: Series
    pages: dict[str, Page]  #: every HTML page and stylesheet, by site-relative path

    @property
    def root(self) -> Path:
        return self.series.site

    def files(self) -> set[str]:
        return {path.relative_to(self.root).as_posix() for path in self.root.rglob("*") if path.is_file()}

    def resolve(self, reference: Reference) -> tuple[str, str] | None:
        """(site-relative file, fragment) of an internal reference; None for another host or scheme.

        An absolute URL under base_url is this site (404.html links that way, since it is served
        at any depth)."""
        url = reference.url
        base = self.series.base_url
        if url.startswith(base):
            path, fragment = url[len(base) :].partition("#")[::2]
            return unquote(urlsplit(path).path), fragment
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            return None
        if not parts.path:  # "#fragment": this page
            return reference.source, parts.fragment
        joined = PurePosixPath(reference.source).parent / unquote(parts.path)
        normalised: list[str] = []
        above = 0  # folders above the site root: such a link can only be broken
        for part in joined.parts:
            if part == ".." and normalised:
                normalised.pop()
            elif part == "..":
                above += 1
            elif part != ".":
                normalised.append(part)
        return "../" * above + "/".join(normalised), parts.fragment


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    series = build_series(tmp_path_factory.mktemp("series"))
    pages: dict[str, Page] = {}
    for path in sorted(series.site.rglob("*")):
        relative = path.relative_to(series.site).as_posix()
        if path.suffix == ".html":
            parser = _PageParser(relative)
            parser.feed(path.read_text(encoding="utf-8"))
            parser.close()
            pages[relative] = parser.page
        elif path.suffix == ".css":
            pages[relative] = Page(references=css_references(relative, path.read_text(encoding="utf-8")))
    return Site(series, pages)


def test_the_series_has_six_weeks(site: Site) -> None:
    assert len(site.series.slugs) == 6
    assert sorted(p.stem for p in (site.root / "reports").glob("*.html")) == site.series.slugs


def test_every_internal_link_and_asset_resolves(site: Site) -> None:
    broken: list[str] = []
    checked = 0
    for page in site.pages.values():
        for reference in page.references:
            if reference.url.startswith(("mailto:", "tel:", "data:")):
                continue
            target = site.resolve(reference)
            if target is None:
                continue
            path, fragment = target
            checked += 1
            if not (site.root / path).is_file() or path.startswith("../"):
                broken.append(f"{reference.source}: <{reference.tag}> {reference.url} -> no file {path}")
            elif fragment and path.endswith(".html") and fragment not in site.pages[path].ids:
                broken.append(f"{reference.source}: <{reference.tag}> {reference.url} -> no id={fragment!r} in {path}")
            elif fragment and not path.endswith(".html"):
                broken.append(f"{reference.source}: <{reference.tag}> {reference.url} -> a fragment into a non-HTML file")
    assert not broken, "broken internal links:\n" + "\n".join(broken)
    assert checked > 100  # the walk did see the site's links (13 pages of them)


def test_the_link_walk_resolves_as_a_browser_would(site: Site) -> None:
    """The walk above is not vacuous: fragments, parent folders and other hosts are told apart."""
    page = f"reports/{site.series.newest}.html"
    assert site.resolve(Reference(page, "a", "#no-such-id")) == (page, "no-such-id")
    assert "no-such-id" not in site.pages[page].ids and "main" in site.pages[page].ids
    assert site.resolve(Reference("regions/aleppo.html", "a", "../reports/a.html#b")) == ("reports/a.html", "b")
    assert site.resolve(Reference("index.html", "a", "../outside.html")) == ("../outside.html", "")
    assert site.resolve(Reference("404.html", "a", site.series.base_url + "feed.xml")) == ("feed.xml", "")
    assert site.resolve(Reference("index.html", "a", "https://example.com/x")) is None


def clicks_from_index(site: Site) -> dict[str, int]:
    """Fewest clicks (link hops) from index.html to each file, following pages and stylesheets.

    A page's stylesheet, images and the stylesheet's fonts come with the page: no extra click.
    """
    depth = {"index.html": 0}
    queue = deque(["index.html"])
    while queue:
        current = queue.popleft()
        for reference in site.pages.get(current, Page()).references:
            target = site.resolve(reference)
            if target is None or not (site.root / target[0]).is_file():
                continue
            loaded = reference.tag in ("img", "css") or (reference.tag == "link" and reference.url.endswith(".css"))
            clicks = depth[current] + (0 if loaded else 1)
            if clicks < depth.get(target[0], clicks + 1):
                depth[target[0]] = clicks
                (queue.appendleft if loaded else queue.append)(target[0])
    return depth


def test_every_report_page_pdf_and_markdown_is_reachable_from_the_index(site: Site) -> None:
    depth = clicks_from_index(site)
    for slug in site.series.slugs:
        for suffix in (".html", ".pdf", ".md"):
            name = f"reports/{slug}{suffix}"
            assert name in depth, f"{name} is not reachable from index.html"
            assert depth[name] <= MAX_CLICKS, f"{name} is {depth[name]} clicks from index.html"
    # Pagefind's bundle is loaded by search.html's script, not linked (tests/test_search.py uses it).
    searched = {name for name in site.files() if name.startswith("pagefind/")}
    unreachable = site.files() - set(depth) - {"404.html", "sitemap.xml", ".sitrepgen-site"} - searched
    assert not unreachable, f"files no link leads to: {sorted(unreachable)}"


def test_feed_is_atom_with_every_week_newest_first(site: Site) -> None:
    feed = ET.parse(site.root / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    for child in ("id", "title", "updated"):
        assert (feed.findtext(f"{ATOM}{child}") or "").strip(), f"feed has no <{child}>"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 6
    updated: list[dt.datetime] = []
    pages: list[str] = []
    for entry in entries:
        assert (entry.findtext(f"{ATOM}id") or "").strip()
        assert (entry.findtext(f"{ATOM}title") or "").strip()
        links = [link.get("href", "") for link in entry.findall(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"]
        assert len(links) == 1 and links[0].startswith(site.series.base_url), links
        page = links[0][len(site.series.base_url) :]
        assert (site.root / page).is_file(), page
        pages.append(page)
        stamp = entry.findtext(f"{ATOM}updated") or ""
        assert RFC3339.match(stamp), stamp
        updated.append(dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")))
    assert pages == [f"reports/{slug}.html" for slug in reversed(site.series.slugs)]
    assert updated == sorted(updated, reverse=True) and len(set(updated)) == 6
    assert len({entry.findtext(f"{ATOM}id") for entry in entries}) == 6
    assert dt.datetime.fromisoformat((feed.findtext(f"{ATOM}updated") or "").replace("Z", "+00:00")) == updated[0]
    # Every link of the feed (the site, itself, each week's page and PDF) is a file of the site.
    hrefs = [link.get("href", "") for link in feed.iter(f"{ATOM}link")]
    assert len(hrefs) == 2 + 6 * 2
    for href in hrefs:
        assert href.startswith(site.series.base_url) and (site.root / href[len(site.series.base_url) :]).is_file(), href


def test_sitemap_lists_every_page_but_the_404(site: Site) -> None:
    root = ET.parse(site.root / "sitemap.xml").getroot()
    assert root.tag == f"{SITEMAP}urlset"
    locations = [url.findtext(f"{SITEMAP}loc") or "" for url in root.findall(f"{SITEMAP}url")]
    assert all(loc.startswith(site.series.base_url) for loc in locations), locations
    pages = {name for name in site.files() if name.endswith(".html")} - {"404.html"}
    assert sorted(locations) == sorted(site.series.base_url + name for name in pages)
    assert len(locations) == 1 + 6 + 1 + 4 + 1 + 1  # index, reports, the regions index, one page per region, key figures, search


def test_404_page_exists_and_links_home(site: Site) -> None:
    assert (site.root / "404.html").is_file()
    page = site.pages["404.html"]
    assert "Page not found" in (site.root / "404.html").read_text(encoding="utf-8")
    # Served at any depth, it links by absolute URL, under base_url (checked by the walk above).
    assert f"{site.series.base_url}index.html" in [r.url for r in page.references]
    assert f"{site.series.base_url}assets/style.css" in [r.url for r in page.references]


def test_no_local_paths_in_html_and_xml(site: Site) -> None:
    leaks = [str(site.series.root), str(REPO), "file:"]
    for path in sorted(site.root.rglob("*")):
        if path.suffix not in (".html", ".xml", ".css", ".md"):
            continue
        text = path.read_text(encoding="utf-8")
        for leak in leaks:
            assert leak not in text, f"{path.relative_to(site.root)} contains {leak!r}"
    for name, page in site.pages.items():
        rooted = [r.url for r in page.references if r.url.startswith("/")]
        assert not rooted, f"{name}: site-root-relative URLs break a subpath: {rooted}"


def test_nothing_is_loaded_from_another_host(site: Site) -> None:
    """No CDN, no web fonts, no remote images: only links in a report's own text may leave."""
    base = site.series.base_url
    outside = [
        f"{r.source}: <{r.tag}> {r.url}"
        for page in site.pages.values()
        for r in page.references
        if site.resolve(r) is None
        and not r.url.startswith(("mailto:", "tel:", "data:"))
        and not (r.tag == "a" and r.in_report_text)
    ]
    assert not outside, "references to other hosts:\n" + "\n".join(outside)
    assert any(r.url.startswith(base) for r in site.pages["404.html"].references)


def test_previous_and_next_chain_every_week_in_date_order(site: Site) -> None:
    slugs = site.series.slugs

    def neighbour(slug: str, rel: str) -> str | None:
        hrefs = site.pages[f"reports/{slug}.html"].rels.get(rel, [])
        assert len(hrefs) <= 1, hrefs
        return PurePosixPath(hrefs[0]).stem if hrefs else None

    forward = [slugs[0]]
    while (following := neighbour(forward[-1], "next")) is not None and len(forward) <= len(slugs):
        forward.append(following)
    backward = [slugs[-1]]
    while (preceding := neighbour(backward[-1], "prev")) is not None and len(backward) <= len(slugs):
        backward.append(preceding)
    assert forward == slugs
    assert backward == slugs[::-1]
    assert neighbour(slugs[0], "prev") is None and neighbour(slugs[-1], "next") is None


def test_each_region_page_lists_every_week_newest_first(site: Site) -> None:
    index = site.pages["regions/index.html"]
    regions = sorted(r.url for r in index.references if r.tag == "a" and not r.url.startswith(("../", "#")))
    assert regions == ["aleppo.html", "homs.html", "idleb.html", "rural-damascus.html"]
    for region in regions:
        heading_link = re.compile(rf"^\.\./reports/([0-9-]+)\.html#{re.escape(region.removesuffix('.html'))}$")
        page = site.pages[f"regions/{region}"]
        weeks = [match.group(1) for r in page.references if r.tag == "a" and (match := heading_link.match(r.url))]
        assert weeks == site.series.slugs[::-1], region
