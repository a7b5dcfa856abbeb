"""Markdown inside report fields: one markdown-it-py configuration, shared by every output.

Report text is untrusted: raw HTML is off, links must use an allowed scheme (anything else stays
literal text), and images come only from a report's ``figures`` (inline images are not parsed).
Figure cross-references are written ``{fig:ID}`` and rendered as "Figure N".
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.common.utils import escapeHtml
from markdown_it.utils import EnvType, OptionsDict

from .model import FIGURE_REF_RE

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_CODE_SPAN_RE = re.compile(r"(`+)(?:.+?)(?<!`)\1(?!`)", re.DOTALL)
_AUTOLINK_RE = re.compile(r"<(?:https?|mailto):[^<>\s]*>")


def link_allowed(url: str) -> bool:
    """True for http(s) and mailto links and for relative links that stay on the site."""
    url = url.strip()
    if not url or url.startswith(("/", "\\")) or "\\" in url:
        return False
    match = _SCHEME_RE.match(url)
    return match is None or match.group(1).lower() in ALLOWED_SCHEMES


def _figref_rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "{":
        return False
    match = FIGURE_REF_RE.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("figref", "a", 0)
        token.meta = {"id": match.group(1)}
    state.pos = match.end()
    return True


def _render_figref(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    figure_id = tokens[idx].meta["id"]
    number = env.get("figure_numbers", {}).get(figure_id)
    if number is None:  # validation reports unknown references; never invent a number
        return f"{{fig:{figure_id}}}"
    href = env.get("figure_links", {}).get(figure_id, f"#fig-{figure_id}")
    return f'<a class="figref" href="{escapeHtml(href)}">Figure {number}</a>'


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """The shared parser: CommonMark, raw HTML off, link allowlist, figure references."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.disable("image")
    md.validateLink = link_allowed  # type: ignore[method-assign]
    md.inline.ruler.before("text", "figref", _figref_rule)
    md.add_render_rule("figref", _render_figref)
    return md


def render_block(
    text: str, figure_numbers: Mapping[str, int], figure_links: Mapping[str, str] | None = None
) -> str:
    """Block Markdown (a paragraph field) to HTML; ``figure_links`` are the references' targets."""
    return markdown().render(text, {"figure_numbers": dict(figure_numbers), "figure_links": dict(figure_links or {})})


def render_inline(
    text: str, figure_numbers: Mapping[str, int], figure_links: Mapping[str, str] | None = None
) -> str:
    """Inline Markdown (a caption) to HTML, without a wrapping paragraph."""
    return markdown().renderInline(text, {"figure_numbers": dict(figure_numbers), "figure_links": dict(figure_links or {})})


def _outside_code(text: str) -> Iterator[tuple[bool, str]]:
    """Split text into (is_code, piece) so that code spans are left exactly as written."""
    pos = 0
    for match in _CODE_SPAN_RE.finditer(text):
        yield False, text[pos : match.start()]
        yield True, match.group(0)
        pos = match.end()
    yield False, text[pos:]


def figure_refs(text: str) -> list[str]:
    """Figure ids referenced in ``text``, in order, ignoring code spans and escaped braces."""
    refs = []
    for is_code, piece in _outside_code(text):
        if not is_code:
            refs += [m.group(1) for m in FIGURE_REF_RE.finditer(piece) if not _escaped(piece, m.start())]
    return refs


def _escaped(text: str, index: int) -> bool:
    backslashes = len(text[:index]) - len(text[:index].rstrip("\\"))
    return backslashes % 2 == 1


def markdown_source(text: str, figure_numbers: Mapping[str, int]) -> str:
    """Report Markdown made ready for the .md output.

    References become plain "Figure N" (pleasant as plain text), and any ``<`` that is not an
    autolink is escaped, so a Markdown viewer with raw HTML on still shows a pasted ``<script>``
    as text, as the HTML and PDF outputs do.
    """
    out = []
    for is_code, piece in _outside_code(text):
        if is_code:
            out.append(piece)
            continue
        piece = FIGURE_REF_RE.sub(
            lambda m: m.group(0) if _escaped(piece, m.start()) or m.group(1) not in figure_numbers
            else f"Figure {figure_numbers[m.group(1)]}",
            piece,
        )
        out.append(_escape_angles(piece))
    return "".join(out)


def _escape_angles(text: str) -> str:
    pieces, pos = [], 0
    for match in _AUTOLINK_RE.finditer(text):
        if link_allowed(match.group(0)[1:-1]):
            pieces += [text[pos : match.start()].replace("<", "\\<"), match.group(0)]
            pos = match.end()
    pieces.append(text[pos:].replace("<", "\\<"))
    return "".join(pieces)


_MD_SPECIAL_RE = re.compile(r"([\\`*_\[\]<>|])")
_MD_LINE_START_RE = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])", re.MULTILINE)


def escape_markdown(text: Any) -> str:
    """Plain text (a title, a name) made literal inside Markdown output."""
    escaped = _MD_SPECIAL_RE.sub(r"\\\1", str(text))
    return _MD_LINE_START_RE.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
