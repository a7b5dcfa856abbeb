"""The email edition of each report: one HTML file a mailing-list tool sends as it is, and its
plain-text alternative (reports/SLUG.email.html, reports/SLUG.email.txt).

Mail programs drop <style> and <link> elements or apply them badly, run no script, and read
the message far from the site: so every style is inlined into its element (css-inline; the
@media rules, which cannot be inlined, are kept in one <style> element for the programs that
honour them), and every link and image is an absolute URL under base_url (config.py refuses
``email: true`` without it). The text alternative is made from the same HTML, so the two never
carry different words.
"""

from __future__ import annotations

import posixpath
import textwrap
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from ..render import ReportView, build_view, render_template
from ..trends import NOTHING
from . import Files, Plan

if TYPE_CHECKING:
    from ..site import LoadedReport

#: Where the plain text wraps: short enough to read in any mail program without reflowing.
TEXT_WIDTH = 72


def direction(language: str) -> str:
    """'rtl' for a report in Arabic, Persian, Hebrew, Urdu..., else 'ltr' (from CLDR)."""
    from ..i18n import Language

    return Language(language).direction


def render(plan: Plan) -> Files:
    if not plan.project.config.email:
        return {}
    files: Files = {}
    for item in plan.reports:
        html = inline(email_html(plan, item))
        files[plan.path(f"reports/{item.slug}.email.html")] = html.encode("utf-8")
        files[plan.path(f"reports/{item.slug}.email.txt")] = plain_text(html).encode("utf-8")
    return files


def absolute_view(plan: Plan, item: LoadedReport) -> ReportView:
    """The report with every figure, reference and relative link as an absolute URL under
    base_url: what a copy read outside the site (an email, a Word file) needs. A translation's
    pages are under its language's folder."""
    base = str(plan.project.config.base_url) + plan.prefix
    slug = item.slug
    folder = posixpath.dirname(f"reports/{slug}") + "/"
    return build_view(
        item.report,
        slug,
        page=f"{base}reports/{slug}.html",
        assets=f"{base}reports/",
        link_base=f"{base}{folder}",
        label=plan.label,
        comparison=plan.comparisons.get(slug, NOTHING),
        language=plan.language,
    )


def email_html(plan: Plan, item: LoadedReport) -> str:
    """The email before its styles are inlined, in the report's language."""
    base = str(plan.project.config.base_url) + plan.prefix
    slug, report = item.slug, item.report
    return render_template(
        plan.environment(report.language),
        "email.html.j2",
        site=plan.site,
        report=report,
        view=absolute_view(plan, item),
        root=base,
        direction=plan.project.languages().get(report.language).direction,
        web_page=f"{base}reports/{slug}.html",
        pdf=f"{base}reports/{slug}.pdf",
    )


def inline(html: str) -> str:
    """Every style rule written into the elements it applies to; @media rules kept.

    Nothing is fetched or read: a <link> to a stylesheet (in a project's template) is dropped,
    not loaded, and so is the <style> element once inlined.
    """
    import css_inline  # only a build that makes emails loads it

    inliner = css_inline.CSSInliner(keep_at_rules=True, keep_style_tags=False, keep_link_tags=False, load_remote_stylesheets=False)
    return inliner.inline(html)


def plain_text(html: str) -> str:
    """The email's words as plain text: a paragraph per block, wrapped, headings underlined,
    each link's address after its text and each image as its description and address."""
    parser = _PlainText()
    parser.feed(html)
    parser.close()
    return parser.text()


_BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "li", "figcaption", "td", "div", "header", "section", "aside", "article", "figure", "ul", "ol", "tr", "table"})
_SKIPPED = frozenset({"head", "style", "script", "title"})


class _PlainText(HTMLParser):
    """HTML to plain text, enough for the markup sitrepgen's templates make."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[tuple[str, str]] = []  # (tag, text)
        self.current: list[str] = []
        self.tag = "p"
        self.skip = 0
        self.hidden: list[str] = []  # the tags opened inside an aria-hidden or preheader element
        self.links: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in _SKIPPED:
            self.skip += 1
            return
        if self.hidden or found.get("aria-hidden") == "true" or "email-preheader" in (found.get("class") or "").split():
            self.hidden.append(tag)  # the preheader repeats the title; an arrow has its word beside it
            return
        if tag in _BLOCKS:
            self._flush()
            self.tag = tag
        elif tag == "span" and {"key-meta", "key-change"} & set((found.get("class") or "").split()):
            self.current.append(" · ")  # a key figure's source and change, apart from its label
        elif tag == "br":
            self.current.append("\n")
        elif tag == "a":
            self.links.append(found.get("href"))
            self.current.append("\0")  # where the link's text starts
        elif tag == "img":
            self._flush()
            self.paragraphs.append(("img", f"[{found.get('alt') or 'image'}] <{found.get('src')}>"))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skip -= 1
            return
        if self.hidden:
            if tag == self.hidden[-1]:
                self.hidden.pop()
            return
        if tag in _BLOCKS:
            self._flush()
        elif tag == "a" and self.links:
            href = self.links.pop()
            start = len(self.current) - 1 - self.current[::-1].index("\0")
            shown = "".join(self.current[start + 1 :]).strip()
            self.current[start] = ""
            if href and href != shown and not href.startswith("#"):
                self.current.append(f" <{href}>")

    def handle_data(self, data: str) -> None:
        if not self.skip and not self.hidden:
            self.current.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self.current).replace("\0", "").split())
        if text:
            self.paragraphs.append((self.tag, text))
        self.current = []

    def text(self) -> str:
        self._flush()
        out: list[str] = []
        for tag, text in self.paragraphs:
            prefix = "- " if tag == "li" else ""
            wrapped = textwrap.fill(text, TEXT_WIDTH, initial_indent=prefix, subsequent_indent=" " * len(prefix), break_long_words=False, break_on_hyphens=False)
            if tag in ("h1", "h2"):
                wrapped += "\n" + ("=" if tag == "h1" else "-") * min(len(text), TEXT_WIDTH)
            out.append(wrapped)
        return "\n\n".join(out) + "\n"
