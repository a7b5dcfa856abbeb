"""Markdown inside report fields: one markdown-it-py configuration, shared by every output.

Report text is untrusted: raw HTML is off, links must use an allowed scheme (anything else stays
literal text), and images come only from a report's ``figures`` (inline images are not parsed).
The Markdown output, which copies the writer's source, is neutralised to match (``markdown_source``),
so that no other Markdown viewer makes live what the HTML shows as text. Figure cross-references
are written ``{fig:ID}`` and rendered as "Figure N". See docs/security.md.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, unescapeAll
from markdown_it.helpers import parseLinkDestination
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.footnote import footnote_plugin

from .model import FIGURE_REF_RE

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})

DEFAULT_FIGURE_LABEL = "Figure {n}"
_LABEL_TAIL = re.compile(r"[\s\-\u2013\u2014:.]+$")


def figure_label(pattern: str, number: int) -> str:
    """The label before a caption: the project's ``figure_label`` with its number ("Figure 1 -")."""
    return pattern.replace("{n}", str(number))


def reference_text(label: str) -> str:
    """What a cross-reference prints: the label without its trailing separator ("Figure 1")."""
    return _LABEL_TAIL.sub("", label) or label


_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


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
    label = env.get("figure_labels", {}).get(figure_id)
    if label is None:  # validation reports unknown references; never invent a number
        return f"{{fig:{figure_id}}}"
    href = env.get("figure_links", {}).get(figure_id, f"#fig-{figure_id}")
    return f'<a class="figref" href="{escapeHtml(href)}">{escapeHtml(label)}</a>'


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """The shared parser: CommonMark, raw HTML off, link allowlist, figure references, and
    footnotes (``[^1]`` and a line ``[^1]: ...`` in the same field; no inline ``^[...]`` notes)."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.disable("image")
    md.validateLink = link_allowed  # type: ignore[method-assign]
    md.inline.ruler.before("text", "figref", _figref_rule)
    md.use(footnote_plugin, inline=False)
    md.add_render_rule("figref", _render_figref)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("footnote_ref", _render_footnote_ref)
    md.add_render_rule("footnote_anchor", _render_footnote_anchor)
    return md


# --------------------------------------------------------------------------- footnotes
#
# A footnote's marker and its definition are in one text field (one paragraph of the YAML), which
# markdown-it parses on its own; the numbers run through the whole report, and the notes are
# printed together at its end. A field's notes are numbered from ``footnote_base`` (the notes of
# the fields before it), and their anchors carry the report's key, so that a page showing several
# weeks has each note once.


def footnote_count(text: str) -> int:
    """How many notes the field cites (a definition no marker cites is not printed)."""
    if "[^" not in text:
        return 0
    return sum(1 for token in _parse(text, inline=False) if token.type == "footnote_open")


def _footnote_anchor(env: EnvType, token: Token, back: bool) -> str:
    """'fn-2016-12-08-3', or 'fnref-2016-12-08-3' (and '-2', '-3' for a note cited again)."""
    number = env.get("footnote_base", 0) + token.meta["id"] + 1
    sub = token.meta.get("subId", 0)
    name = f"{'fnref' if back else 'fn'}-{env.get('footnote_key', 'report')}-{number}"
    return name + (f"-{sub + 1}" if back and sub > 0 else "")


def _render_footnote_ref(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """The marker: a superscript number that leads to the note (on the report's page); or the
    note itself, where the page prints notes at its foot."""
    token = tokens[idx]
    texts = env.get("footnote_texts")
    if texts is not None:
        return f'<span class="footnote">{texts.get(token.meta["id"], "")}</span>'
    number = env.get("footnote_base", 0) + token.meta["id"] + 1
    href = env.get("link_page", "") + "#" + _footnote_anchor(env, token, back=False)
    return (
        f'<sup class="footnote-ref"><a href="{escapeHtml(href)}" id="{_footnote_anchor(env, token, back=True)}" '
        f'role="doc-noteref" aria-label="Note {number}">{number}</a></sup>'
    )


def _render_footnote_anchor(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """The link back from a note to where it is cited (one for each citation)."""
    token = tokens[idx]
    number = env.get("footnote_base", 0) + token.meta["id"] + 1
    sub = token.meta.get("subId", 0)
    label = f"Back to the text of note {number}" + (f" ({sub + 1})" if sub else "")
    return (
        f' <a href="#{_footnote_anchor(env, token, back=True)}" class="footnote-backref" role="doc-backlink" '
        f'aria-label="{label}">\u21a9\ufe0e</a>'
    )


@dataclass(frozen=True)
class Note:
    """One footnote as printed at the end of the report."""

    number: int
    anchor: str  #: the element id the markers lead to
    html: str  #: the note's text (one or more paragraphs), ending with the links back


def render_footnotes(
    text: str,
    figure_labels: Mapping[str, str],
    figure_links: Mapping[str, str] | None = None,
    *,
    base: int,
    key: str,
    link_base: str = "",
) -> list[Note]:
    """The notes ``text`` cites, numbered from ``base + 1``, for the report's list of notes."""
    if "[^" not in text:
        return []
    env = _env(figure_labels, figure_links, link_base, "")
    env.update(footnote_base=base, footnote_key=key)
    md = markdown()
    tokens = _parse(text, inline=False)
    notes: list[Note] = []
    start = None
    for index, token in enumerate(tokens):
        if token.type == "footnote_open":
            start = index + 1
        elif token.type == "footnote_close" and start is not None:
            anchor = _footnote_anchor(env, tokens[start - 1], back=False)
            html = md.renderer.render(tokens[start:index], md.options, env)
            notes.append(Note(base + tokens[start - 1].meta["id"] + 1, anchor, html))
            start = None
    return notes


_FOOTNOTE_MARK_RE = re.compile(r"\[\^([^\]\s]+)\]")
_DEFINITION_RE = re.compile(r"[ ]{0,3}\[\^([^\]\s]+)\]:")


@dataclass(frozen=True)
class FootnoteMark:
    """A ``[^label]`` in a field's source: a marker, or the start of a definition."""

    start: int
    label: str
    definition: bool
    used: bool  #: a marker the parser made a footnote / a definition some marker cites


def footnote_marks(text: str) -> list[FootnoteMark]:
    """Every ``[^label]`` that is plain text (not in a code span, not escaped), as the outputs
    read it: markers that found their definition and definitions that were cited are ``used``."""
    if "[^" not in text:
        return []
    tokens = _parse(text, inline=False)
    cited = {token.meta["label"] for token in _walk(tokens) if token.type == "footnote_ref"}
    plain = _plain_mask(text)
    line_starts = [0, *(match.end() for match in re.finditer("\n", text))]
    marks = []
    for match in _FOOTNOTE_MARK_RE.finditer(text):
        start = match.start()
        if not plain[start]:
            continue
        line_start = line_starts[bisect.bisect_right(line_starts, start) - 1]
        definition = text.startswith(":", match.end()) and _DEFINITION_RE.fullmatch(text, line_start, match.end() + 1) is not None
        marks.append(FootnoteMark(start, match.group(1), definition, match.group(1) in cited))
    return marks


def _walk(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def footnote_markdown(text: str, base: int) -> str:
    """The field's footnotes for the Markdown output, where all fields are one document: each
    label becomes its number in the report (so that two paragraphs' '[^1]' stay apart), a
    definition starts a line of its own after a blank line, and a marker or definition the HTML
    does not show as a note is escaped, so that no viewer pairs it with another paragraph's."""
    marks = footnote_marks(text)
    if not marks:
        return text
    tokens = _parse(text, inline=False)
    numbers = {token.meta["label"]: base + token.meta["id"] + 1 for token in tokens if token.type == "footnote_open"}
    out, position = [], 0
    for mark in marks:
        out.append(text[position : mark.start])
        end = mark.start + 2 + len(mark.label) + 1
        if mark.label in numbers and mark.used:
            before = text[max(0, mark.start - 2) : mark.start]
            if mark.definition and mark.start > 0 and not before.endswith("\n\n"):
                out.append("\n" if before.endswith("\n") else "\n\n")
            out.append(f"[^{numbers[mark.label]}]")
        else:
            out.append("\\" + text[mark.start : end])
        position = end
    out.append(text[position:])
    return "".join(out)


def _env(figure_labels: Mapping[str, str], figure_links: Mapping[str, str] | None, link_base: str, link_page: str) -> EnvType:
    return {
        "figure_labels": dict(figure_labels),
        "figure_links": dict(figure_links or {}),
        "link_base": link_base,
        "link_page": link_page,
    }


def _render_link_open(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Relative links are written relative to the report page; on another page (the index, a
    region page, the PDF) they are rebased, so they lead to the same place from there."""
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    if href.startswith("#"):
        rebased = env.get("link_page", "") + href
    elif href and not _SCHEME_RE.match(href):
        rebased = env.get("link_base", "") + href
    else:
        return self.renderToken(tokens, idx, options, env)
    # The tokens are shared by every rendering of the same text (see _parse): put the link back.
    token.attrSet("href", rebased)
    try:
        return self.renderToken(tokens, idx, options, env)
    finally:
        token.attrSet("href", href)


def _render(
    text: str,
    inline: bool,
    figure_labels: Mapping[str, str],
    figure_links: Mapping[str, str] | None,
    link_base: str,
    link_page: str,
    footnote_base: int = 0,
    footnote_key: str = "report",
    footnotes_inline: bool = False,
) -> str:
    """Render the shared tokens of ``text`` for one page (see render_block for the arguments);
    the field's notes are left out (``render_footnotes`` prints them at the report's end), or,
    ``footnotes_inline``, each is put where it is cited (for the PDF's page foot)."""
    env = _env(figure_labels, figure_links, link_base, link_page)
    env.update(footnote_base=footnote_base, footnote_key=footnote_key)
    md = markdown()
    tokens = _parse(text, inline=inline)
    notes = next((i for i, token in enumerate(tokens) if token.type == "footnote_block_open"), len(tokens))
    if footnotes_inline and notes < len(tokens):
        env["footnote_texts"] = _inline_notes(tokens[notes:], env)
    return md.renderer.render(tokens[:notes], md.options, env)


def _inline_notes(block: list[Token], env: EnvType) -> dict[int, str]:
    """Each note's text as inline HTML (its paragraphs joined, no links back), by its id."""
    md = markdown()
    texts: dict[int, list[str]] = {}
    current = None
    for token in block:
        if token.type == "footnote_open":
            current = texts.setdefault(token.meta["id"], [])
        elif token.type == "inline" and current is not None:
            current.append(md.renderer.renderInline(token.children or [], md.options, env))
    return {note: " ".join(parts) for note, parts in texts.items()}


def render_block(
    text: str,
    figure_labels: Mapping[str, str],
    figure_links: Mapping[str, str] | None = None,
    *,
    link_base: str = "",
    link_page: str = "",
    footnote_base: int = 0,
    footnote_key: str = "report",
    footnotes_inline: bool = False,
) -> str:
    """Block Markdown (a paragraph field) to HTML; ``figure_links`` are the references' targets,
    ``link_base`` prefixes relative links and ``link_page`` precedes a bare ``#fragment`` (and
    a footnote's anchor); footnotes are numbered from ``footnote_base + 1``, or printed where they
    are cited, ``footnotes_inline``, in a ``<span class="footnote">`` (the PDF floats it to the
    page foot, and numbers it itself)."""
    return _render(text, False, figure_labels, figure_links, link_base, link_page, footnote_base, footnote_key, footnotes_inline)


def render_inline(
    text: str,
    figure_labels: Mapping[str, str],
    figure_links: Mapping[str, str] | None = None,
    *,
    link_base: str = "",
    link_page: str = "",
) -> str:
    """Inline Markdown (a caption) to HTML, without a wrapping paragraph."""
    return _render(text, True, figure_labels, figure_links, link_base, link_page)


@lru_cache(maxsize=4096)
def _parse(text: str, *, inline: bool) -> list[Token]:
    """The tokens of ``text``, parsed once however many pages show it (a report page, the PDF,
    the index, its region pages): parsing, not rendering, is most of markdown-it's time. Parsing
    does not depend on the page; rendering, which does (links, figure numbers), leaves the
    tokens as it found them."""
    md = markdown()
    return md.parseInline(text, {}) if inline else md.parse(text, {})


def parse_block(text: str) -> list[Token]:
    """The block tokens of a field, as every output renders them (for the linter); shared with
    rendering through the cache, so linting adds no parse the build would not do."""
    return _parse(text, inline=False)


def plain_mask(text: str) -> bytearray:
    """Which characters of ``text`` are plain text (1) rather than code, escapes or autolinks."""
    return _plain_mask(text)


# --------------------------------------------------------------------------- reading the source
#
# The .md output copies the writer's Markdown rather than re-rendering it, so its safety depends
# on seeing the source the way a CommonMark reader does: which backticks open a code span, which
# characters a backslash escapes, where a link's destination is. The scanner below follows the
# CommonMark rules for exactly those constructs; whatever it gets wrong is caught afterwards by
# parsing the result with a permissive reader (``markdown_is_inert``).

_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_BACKTICKS_RE = re.compile(r"`+")
_PARAGRAPH_END_RE = re.compile(r"\n[ \t]*(?:\n|$)")
_URI_AUTOLINK_RE = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.\-]{1,31}:[^<>\x00-\x20]*)>")
_EMAIL_AUTOLINK_RE = re.compile(
    r"<([a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*)>"
)
#: How much of a link destination is read to judge it. Whether a destination is allowed depends
#: on its scheme alone, which even written in character references ('&#106;&#97;...') fits well
#: within this; reading no further keeps a paragraph of a million '[]:' linear, not quadratic.
_DESTINATION_WINDOW = 512
_RAW_DESTINATION_RE = re.compile(r"[^\x00-\x20]*")
#: How much of a decoded destination decides it: its scheme, or its leading '/'.
_JUDGED = 128
#: How much of a refused destination is delimited exactly, to be quoted in a warning.
_SHOWN = 200
#: Where a link reference definition may start: the beginning of a line, after indentation and
#: the markers of block quotes and list items.
_DEFINITION_START_RE = re.compile(r"[ \t>*+\-]*(?:[0-9]{1,9}[.)][ \t]*)?[ \t>]*")
_DEFINITION_INDENT = 64
#: Rounds of escaping refused links (an escaped bracket can re-pair the others); anything left
#: over is caught by the verifying parse (see markdown_source).
_MAX_ROUNDS = 4


_MASK_SPECIAL_RE = re.compile(r"[\\`<]")


def _plain_mask(text: str) -> bytearray:
    """For each character, whether it is plain text to a CommonMark reader (1) or not (0).

    Not plain: code spans (a run of backticks up to the next run of the same length in the same
    paragraph), backslash escapes (both characters), and autolinks the allowlist accepts (which
    the HTML output also turns into links). Everything else, including a ``<`` that starts raw
    HTML, is plain: report Markdown never has raw HTML. Linear in the length of the text, so a
    hostile paragraph cannot stall the build: only the three special characters are visited,
    each once, and the mask takes a byte a character.
    """
    closers = _BacktickRuns(text) if "`" in text else None
    plain = bytearray(b"\x01") * len(text)
    size = len(text)
    i = 0  # everything before i has been decided
    for special in _MASK_SPECIAL_RE.finditer(text):
        start = special.start()
        if start < i:
            continue  # inside a code span, an escape or an autolink already masked
        char = text[start]
        if char == "\\":
            if start + 1 < size and text[start + 1] in _ASCII_PUNCTUATION:
                plain[start] = plain[start + 1] = 0
                i = start + 2
        elif char == "`":
            run = _BACKTICKS_RE.match(text, start)
            assert run is not None and closers is not None
            end = closers.closing(run.end(), run.end() - start)
            if end is None:
                i = run.end()  # no closing run: the backticks are literal
            else:
                plain[start:end] = bytes(end - start)
                i = end
        elif (autolink := _allowed_autolink(text, start)) is not None:
            plain[start:autolink] = bytes(autolink - start)
            i = autolink
    return plain


class _BacktickRuns:
    """Where each maximal run of backticks starts, by length, and where paragraphs end (in
    arrays: a text of a million backtick runs costs a few bytes for each)."""

    def __init__(self, text: str) -> None:
        self.starts: dict[int, array[int]] = {}
        for run in _BACKTICKS_RE.finditer(text):
            self.starts.setdefault(run.end() - run.start(), array("q")).append(run.start())
        self.paragraph_ends = array("q", (match.start() for match in _PARAGRAPH_END_RE.finditer(text)))
        self.size = len(text)

    def closing(self, start: int, length: int) -> int | None:
        """End of the first run of exactly ``length`` backticks at or after ``start``, in the
        same paragraph: the end of the code span that an opening run ending at ``start`` opens."""
        index = bisect.bisect_left(self.paragraph_ends, start)
        limit = self.paragraph_ends[index] if index < len(self.paragraph_ends) else self.size
        starts = self.starts.get(length, array("q"))
        found = bisect.bisect_left(starts, start)
        if found < len(starts) and starts[found] < limit:
            return starts[found] + length
        return None


def _allowed_autolink(text: str, start: int) -> int | None:
    """End of an autolink at ``start`` that the HTML output would also make a link, else None."""
    uri = _URI_AUTOLINK_RE.match(text, start)
    if uri is not None:
        return uri.end() if _reader_allows(uri.group(1)) else None
    email = _EMAIL_AUTOLINK_RE.match(text, start)
    if email is not None:
        return email.end() if _reader_allows("mailto:" + email.group(1)) else None
    return None


def _reader_allows(destination: str) -> bool:
    """What the HTML output decides for a destination, after the same normalisation.

    Without a ':' no scheme can form, and normalisation only percent-encodes, which makes no
    ':', '/' or white space: such a destination is allowed unless it starts at the root ('/')
    or holds a backslash. Only the others pay for markdown-it's normalisation, which walks the
    destination a character at a time."""
    first = destination[:1]
    if ":" not in destination and "\\" not in destination and first not in ("", "/") and not first.isspace():
        return True
    md = markdown()
    return bool(md.validateLink(md.normalizeLink(destination)))


def fragment(url: str) -> str | None:
    """The anchor a link to ``#anchor`` on the same page goes to, decoded as WeasyPrint and
    browsers decode it ('#%61leppo' is '#aleppo'); None for any other link, and for a bare '#'
    (the top of the page)."""
    if not url.startswith("#") or len(url) == 1:
        return None
    return unquote(markdown().normalizeLink(url)[1:])


def _safe_href(href: str) -> bool:
    """An href a reader may follow: allowed, or empty (a link to the page itself)."""
    return not href.strip() or link_allowed(href)


class Link(NamedTuple):
    """A link, image or link reference definition in Markdown source, as a reader would see it
    (offsets into the text, never copies of it)."""

    start: int  #: index of the opening '[' (or of the '!' of an image)
    bracket: int  #: index of the opening '['
    destination: int  #: index where the destination starts
    end: int  #: index just after the destination
    url: str  #: the destination (for a refused one or an anchor, as CommonMark delimits it), decoded
    image: bool
    definition: bool  #: '[label]: url' rather than '[text](url)'
    allowed: bool  #: what the allowlist says, judged as the HTML output judges it


_LINK_SCAN_RE = re.compile(r"[\[\]\n]")
_BLANKS_RE = re.compile(r"[ \t\n]*")


def _links(text: str, plain: bytearray) -> Iterator[Link]:
    """Every '[text](url)', '![alt](url)' and '[label]: url' whose brackets are plain text.

    A candidate is reported whether or not a reader would complete it as a link (a missing ')'
    and so on): escaping the bracket of something that was not a link is harmless. Only the
    brackets and line breaks are visited; what is read of a destination is bounded.
    """
    size = len(text)
    openers: array[int] = array("q")
    line_start = 0
    for found in _LINK_SCAN_RE.finditer(text):
        i = found.start()
        char = text[i]
        if char == "\n":
            line_start = i + 1
            if _PARAGRAPH_END_RE.match(text, i):
                del openers[:]  # links never span paragraphs
            continue
        if not plain[i]:
            continue
        if char == "[":
            openers.append(i)
            continue
        if not openers:
            continue
        bracket = openers.pop()
        after = i + 1
        if after >= size or not plain[after] or text[after] not in "(:":
            continue
        definition = text[after] == ":"
        if definition and (bracket - line_start > _DEFINITION_INDENT or _DEFINITION_START_RE.fullmatch(text, line_start, bracket) is None):
            continue
        blanks = _BLANKS_RE.match(text, after + 1, min(size, after + 2 + _DESTINATION_WINDOW))
        assert blanks is not None
        pos = blanks.end()
        url, end = _destination(text, pos)
        if definition and not url:
            continue
        allowed = _reader_allows(url[:_JUDGED]) or not url[:_JUDGED].strip()
        if not allowed or url.startswith("#"):  # delimit it exactly: quoted in a warning, or an anchor
            exact = parseLinkDestination(text, pos, min(size, pos + _SHOWN))
            if exact.ok and exact.str:
                url, end = exact.str, exact.pos
        image = bracket > 0 and text[bracket - 1] == "!" and plain[bracket - 1]
        yield Link(bracket - 1 if image else bracket, bracket, pos, end, url, image, definition, allowed)


def _destination(text: str, pos: int) -> tuple[str, int]:
    """The destination starting at ``pos`` as a reader decodes it (escapes and character
    references), read no further than _DESTINATION_WINDOW and up to the first space, and where
    that ends (which may include the ')' that closes the link: only its start is judged)."""
    limit = min(len(text), pos + _DESTINATION_WINDOW)
    if text.startswith("<", pos):
        closing = text.find(">", pos + 1, limit)
        stop = closing if closing >= 0 else limit
        newline = text.find("\n", pos + 1, stop)
        if newline >= 0:
            stop = newline
        raw = text[pos + 1 : stop]
        end = stop + 1 if stop == closing else stop
    else:
        match = _RAW_DESTINATION_RE.match(text, pos, limit)
        raw = match.group(0) if match else ""
        end = pos + len(raw)
    return unescapeAll(raw), end


def iter_links(text: str) -> Iterator[Link]:
    """The links, inline images and link definitions of a Markdown field (for the linter), one
    at a time: a paragraph of a hundred thousand links never holds them all at once."""
    if "[" not in text:
        return iter(())
    return _links(text, _plain_mask(text))


def links(text: str) -> list[Link]:
    """``iter_links`` as a list."""
    return list(iter_links(text))


def figure_refs(text: str) -> list[str]:
    """Figure ids referenced in ``text``, in order, ignoring code spans and escaped braces."""
    return [match.group(1) for match in figure_ref_matches(text)]


def figure_ref_matches(text: str) -> Iterator[re.Match[str]]:
    """The ``{fig:ID}`` references of ``text`` with their offsets (code spans and escaped
    braces are not references)."""
    if "{fig:" not in text:
        return iter(())  # the common case, without the scan
    return _figure_ref_matches(text, _plain_mask(text))


#: Something a writer meant as a figure reference: '{', optional spaces, 'fig' or 'figure' in any
#: case, optional spaces, ':'; then up to the closing '}' on the same line (if there is one).
_REF_LIKE_RE = re.compile(r"\{[ \t]*fig(?:ure)?[ \t]*:([^{}\n]{0,80})(\}?)", re.IGNORECASE)


@dataclass(frozen=True)
class Malformed:
    """A reference written in a form that is not ``{fig:ID}``, and what is wrong with it."""

    start: int
    text: str
    why: str


def malformed_refs(text: str) -> list[Malformed]:
    """References that are almost ``{fig:ID}`` ('{fig: x}', '{fig:X}', '{figure:x}', '{fig:x' with
    no '}'), which would otherwise print as written; outside code spans and escapes."""
    if "{" not in text:
        return []
    plain = _plain_mask(text)
    found = []
    for match in _REF_LIKE_RE.finditer(text):
        if not plain[match.start()] or FIGURE_REF_RE.fullmatch(match.group(0)):
            continue
        inner = match.group(1).strip()
        closed = bool(match.group(2))
        if not closed:  # the id is the first word; what follows is the sentence
            inner = (inner.split() or [""])[0].rstrip(".,;)")
        wanted = re.sub(r"[^a-z0-9-]+", "-", inner.lower()).strip("-") or "ID"
        lead = len(match.group(1)) - len(match.group(1).lstrip())
        shown = match.group(0) if closed else text[match.start() : match.start(1) + lead + len(inner)]
        if closed:
            why = f"write {{fig:{wanted}}}: the word 'fig', a colon, and the figure's lower-case id, with no spaces"
        else:
            why = f"it is not closed with '}}'; write {{fig:{wanted}}}"
        found.append(Malformed(match.start(), shown, why))
    return found


def _figure_ref_matches(text: str, plain: bytearray) -> Iterator[re.Match[str]]:
    for match in FIGURE_REF_RE.finditer(text):
        if all(plain[match.start() : match.end()]):
            yield match


_MARKUP_CHARS_RE = re.compile(r"[<\[!`\\{]")


def markdown_source(text: str, figure_labels: Mapping[str, str]) -> str:
    """Report Markdown made ready for the .md output, inert in any Markdown viewer.

    References become plain "Figure N" (pleasant as plain text). Then what the HTML output shows
    as text is escaped so that another viewer shows it as text too: every ``<`` that is not an
    allowed autolink (a pasted ``<script>``), the ``!`` of an inline image (the HTML output makes
    it a link, never an image), and the ``[`` of a link or link definition whose destination the
    allowlist refuses (``javascript:``, ``file:``, ``data:``). Allowed links stay links. Code spans
    are left exactly as written. Should the result still hold raw HTML, an image or a refused link
    to a permissive reader (the scanner misjudged some exotic construct), every ``<`` and ``[``
    becomes a character reference instead: less pretty, but inert by construction.
    """
    if not _MARKUP_CHARS_RE.search(text):
        return text  # no '<', '[', '!', '`', '\\' or '{': nothing to escape, no reference to number
    plain = _plain_mask(text)
    escape: set[int] = {i for i, char in enumerate(text) if plain[i] and char == "<"}
    escape |= {i for i, char in enumerate(text[:-1]) if char == "!" and plain[i] and plain[i + 1] and text[i + 1] == "["}
    for _ in range(_MAX_ROUNDS):
        found = list(_links(text, plain))
        refused = {link.bracket for link in found if not link.allowed}
        if not refused:
            # '[a](<https://x.org/a b>)': the '<' of an allowed destination is not HTML.
            escape -= {link.destination for link in found if text[link.destination : link.destination + 1] == "<"}
            break
        escape |= refused
        for index in refused:  # an escaped bracket no longer pairs: look again
            plain[index] = 0
    references = {match.start(): match for match in _figure_ref_matches(text, plain)}
    result = _rewrite(text, figure_labels, references, lambda i, char: "\\" + char if i in escape else char)
    if "<" not in text and "[" not in text:
        return result  # without '<' there is no HTML or autolink, without '[' no link or image
    if markdown_is_inert(result) and markdown_is_inert("x " + result):  # alone, and as a caption
        return result
    return _character_references(text, figure_labels, references)


def _character_references(text: str, figure_labels: Mapping[str, str], references: Mapping[int, re.Match[str]]) -> str:
    """The fallback: no ``<`` and no ``[`` left at all, so no HTML, link or image can form."""
    return _rewrite(text, figure_labels, references, lambda i, char: {"<": "&lt;", "[": "&#91;"}.get(char, char))


def _rewrite(
    text: str,
    figure_labels: Mapping[str, str],
    references: Mapping[int, re.Match[str]],
    character: Callable[[int, str], str],
) -> str:
    """``text`` with each known reference as "Figure N" and every other character mapped."""
    out: list[str] = []
    i = 0
    while i < len(text):
        match = references.get(i)
        if match is not None and match.group(1) in figure_labels:
            out.append(figure_labels[match.group(1)])
            i = match.end()
            continue
        out.append(character(i, text[i]))
        i += 1
    return "".join(out)


@lru_cache(maxsize=1)
def _permissive() -> MarkdownIt:
    """A careless Markdown viewer: raw HTML on, images on, any link followed."""
    md = MarkdownIt("commonmark", {"html": True})
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def markdown_is_inert(text: str) -> bool:
    """True when even a permissive viewer finds no raw HTML, no image and no refused link."""
    env: dict[str, Any] = {}
    stack = list(_permissive().parse(text, env))
    while stack:
        token = stack.pop()
        if token.type in ("html_inline", "html_block", "image"):
            return False
        if token.type == "link_open" and not _safe_href(str(token.attrGet("href") or "")):
            return False
        stack.extend(token.children or ())
    return all(_safe_href(str(ref.get("href", ""))) for ref in env.get("references", {}).values())


_MD_SPECIAL_RE = re.compile(r"([\\`*_\[\]<>|])")
_MD_LINE_START_RE = re.compile(r"^(\s*)(?:([#>+\-=])|(\d+)([.)]))", re.MULTILINE)


def escape_markdown(text: Any) -> str:
    """Plain text (a title, a name) made literal inside Markdown output: a line that would start
    a heading, quote or list gets its marker escaped ('\\#', '2016\\.': the backslash goes before
    the punctuation, the only characters CommonMark lets it escape)."""
    escaped = _MD_SPECIAL_RE.sub(r"\\\1", str(text))
    return _MD_LINE_START_RE.sub(lambda m: m.group(1) + (f"\\{m.group(2)}" if m.group(2) else f"{m.group(3)}\\{m.group(4)}"), escaped)
