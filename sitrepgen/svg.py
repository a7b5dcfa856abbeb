"""SVG figures are rebuilt, never copied: a new document that holds only static drawing.

Shown through ``<img>`` an SVG is inert, but opened at its own URL on the site it is a live
document with the site's origin, and browsers find many ways to make one load from elsewhere:
``url()`` written with CSS escapes (``u\\72l(``), a plain string in ``image-set()``, a cursor, an
HTML ``<img>`` or ``<meta http-equiv="refresh">`` inside the SVG. A check for what is dangerous
misses the next such way; so the figure is parsed and a fresh document is written that holds
only what the allowlists below name:

- elements of static drawing, in the SVG namespace only (shapes, paths, text, gradients,
  patterns, markers, clip paths, masks, filters without picture inputs, ``<a>``, ``<style>``);
- their attributes, each read by the grammar of its kind (numbers, keywords, transforms, ids,
  CSS values); ``href`` only to the figure's own parts (``#id``), or on ``<a>`` to an http(s) or
  mailto address;
- CSS (``style=``, presentation attributes such as ``fill=``, ``<style>``) read by tinycss2, which
  decodes escapes as browsers do: only allowlisted properties whose values are made of plain
  tokens, with no URL but ``url(#id)``, serialised again by sitrepgen. Plain values (most of
  what editors write: words, numbers, colours, url(#id), quoted font names, no escape) are
  judged by regular expressions instead, which is much faster and keeps the same.

Everything else is dropped and reported: a ``svg-dropped`` warning for static things (the
figure still renders, without them) and an ``unsafe-svg`` error for active content (scripts in
any namespace, event handlers, embedded documents, ``http-equiv`` instructions, animated links,
``javascript:`` addresses, XSLT or other stylesheet instructions), which the build refuses to
publish. The rebuilt document is made even then, and is as inert as any other.

The file is read by expat, streaming, with every DTD declaration refused before it is used: no
entity is ever expanded and nothing outside the file is read. The work is bounded by the file
size (checked before reading, in figures.py), ``MAX_ELEMENTS``, ``MAX_DEPTH`` and
``MAX_CSS_WORK``. The same bytes always give the same output: attributes keep their order, text
its exact content.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple
from xml.parsers import expat

import tinycss2
from tinycss2 import ast

from .diagnostics import Severity

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XHTML_NS = "http://www.w3.org/1999/xhtml"

MAX_ELEMENTS = 100_000  #: elements in one figure (a detailed map has a few thousand)
MAX_DEPTH = 100  #: nesting of elements (WeasyPrint draws an SVG recursively)
#: CSS read by tinycss2 in one figure, in characters (and 64 a call): plain 'property: value'
#: pairs, colours and url(#id) are judged without it; the rest costs some 3 µs a character.
MAX_CSS_WORK = 1_000_000
_MAX_KINDS = 1000  #: distinct problems remembered for one figure (each kind is counted, not repeated)

#: Elements kept (SVG namespace, case as in SVG). Anything else is dropped with its content.
ELEMENTS = frozenset(
    """svg g defs symbol use title desc a switch style
    rect circle ellipse line polyline polygon path text tspan textPath
    linearGradient radialGradient stop pattern clipPath mask marker
    filter feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix
    feDiffuseLighting feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB
    feFuncG feFuncR feGaussianBlur feMerge feMergeNode feMorphology feOffset fePointLight
    feSpecularLighting feSpotLight feTile feTurbulence""".split()
)
#: Elements that run script or embed another document, in any namespace (lower case): errors.
ACTIVE_ELEMENTS = frozenset(
    {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener", "frame", "frameset", "applet", "portal", "fencedframe"}
)
ANIMATIONS = frozenset({"set", "animate", "animatetransform", "animatemotion", "animatecolor", "discard"})
#: Attributes that hold an address, in any namespace: a javascript: one in any of them is an error.
_ADDRESS_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "data", "poster", "background", "codebase", "srcset", "xlink:href"})

#: CSS properties kept (in style=, <style> and as presentation attributes).
PROPERTIES = frozenset(
    """fill fill-opacity fill-rule stroke stroke-width stroke-opacity stroke-linecap
    stroke-linejoin stroke-miterlimit stroke-dasharray stroke-dashoffset opacity color display
    visibility overflow clip clip-path clip-rule mask mask-type filter flood-color flood-opacity
    lighting-color stop-color stop-opacity marker marker-start marker-mid marker-end paint-order
    vector-effect shape-rendering text-rendering image-rendering color-interpolation
    color-interpolation-filters font font-family font-size font-style font-variant font-weight
    font-stretch font-size-adjust font-kerning letter-spacing word-spacing text-anchor
    text-decoration dominant-baseline alignment-baseline baseline-shift writing-mode direction
    unicode-bidi white-space mix-blend-mode isolation transform transform-origin transform-box""".split()
)
_FONT_PROPERTIES = frozenset({"font", "font-family"})
#: CSS functions kept in values (their arguments: plain numbers, idents, ',' and '/').
_FUNCTIONS = frozenset(
    """rgb rgba hsl hsla matrix translate translatex translatey scale scalex scaley rotate skew
    skewx skewy calc circle ellipse inset polygon""".split()
)
_SELECTOR_FUNCTIONS = frozenset({"not", "is", "where", "nth-child", "nth-last-child", "nth-of-type", "nth-last-of-type"})
_SELECTOR_LITERALS = frozenset({".", ",", ">", "+", "~", "*", ":", "=", "~=", "|=", "^=", "$=", "*="})

_NUMBERS = re.compile(r"[\w\s.,+\-%]*")
_KEYWORDS = re.compile(r"[\w\s.,\-/]*")
_TRANSFORM = re.compile(r"(?:[\s,]*(?:matrix|translate|scale|rotate|skewX|skewY)\s*\([\s\d.eE,+\-]*\))*[\s,]*")
_ID = re.compile(r"[\w\-.:]+")
_CLASSES = re.compile(r"[\w\s\-]*")
_LOCAL_REFERENCE = re.compile(r"#[\w\-.:]+")
_PLAIN_NAME = re.compile(r"-?[^\W\d][\w\-]*|--[\w\-]+")
_PLAIN_FONT_NAME = re.compile(r"[\w \-.]*")
_SIMPLE_CHARACTERS = re.compile(r"""[\w\s.,%+#\-/()'":]*""")
_SIMPLE_ITEMS = re.compile(
    r"""url\(\s*(?P<q>["']?)(?P<url>#[\w\-.:]+)(?P=q)\s*\)|(?P<fq>["'])(?P<font>[\w \-.]*[\w.])(?P=fq)"""
    r"""|(?P<colour>(?:rgba?|hsla?)\([\d.%\s,/+\-]*\))|[,/]|[^\s,/]+""",
    re.IGNORECASE,
)
_SIMPLE_WORD = re.compile(r"[+\-]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+\-]?\d+)?(?:%|[A-Za-z]+)?|#[\w\-]+|-?[^\W\d][\w\-]*")
_SIMPLE_STYLE = re.compile(r"""(?:[\w\s.,%+#\-/:;()]|"[\w \-.#]*"|'[\w \-.#]*')*""")  #: no ';' or ':' inside quotes
_LINK_SCHEMES = ("http://", "https://", "mailto:")
_SCRIPT_SCHEMES = ("javascript:", "vbscript:")

_NUMBER_ATTRIBUTES = """x y x1 y1 x2 y2 cx cy r rx ry fx fy fr width height dx dy rotate textLength
    pathLength offset refX refY markerWidth markerHeight stdDeviation k1 k2 k3 k4 scale
    baseFrequency numOctaves seed surfaceScale specularConstant specularExponent diffuseConstant
    kernelUnitLength order kernelMatrix divisor bias targetX targetY radius azimuth elevation
    limitingConeAngle pointsAtX pointsAtY pointsAtZ z values tableValues amplitude exponent
    intercept slope startOffset version viewBox d points path""".split()
_KEYWORD_ATTRIBUTES = """patternUnits patternContentUnits gradientUnits spreadMethod clipPathUnits
    maskUnits maskContentUnits filterUnits primitiveUnits markerUnits orient preserveAspectRatio
    lengthAdjust method spacing side in in2 result operator mode type edgeMode stitchTiles
    xChannelSelector yChannelSelector preserveAlpha baseProfile zoomAndPan systemLanguage""".split()
_TEXT_ATTRIBUTES = """role aria-label aria-labelledby aria-describedby aria-hidden aria-roledescription
    lang focusable xml:lang xml:space xlink:title""".split()


@dataclass(frozen=True)
class Problem:
    """Something the rebuild dropped or refused, at a place in the figure (1-based; 0 when the
    problem is the whole file)."""

    severity: Severity
    code: str
    line: int
    col: int
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


@dataclass(frozen=True)
class Rebuilt:
    """The rebuilt document (None when the file could not be read as SVG at all) and every
    problem found, in the order of the file. Publishable only when no problem is an error."""

    data: bytes | None
    problems: tuple[Problem, ...]

    @property
    def has_errors(self) -> bool:
        return self.data is None or any(problem.is_error for problem in self.problems)


class _Fatal(Exception):
    """Stops the parse: the file is not an SVG document, or is beyond a limit."""

    def __init__(self, code: str, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.problem = Problem(Severity.ERROR, code, line, col, message)


def shown(value: str, limit: int = 60) -> str:
    """A value as quoted in a message: whitespace collapsed, long ones cut."""
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 3] + "..."


def _scheme(value: str) -> str:
    """The address as a browser reads its scheme: without whitespace and control characters."""
    return re.sub(r"[\x00-\x20]", "", value).lower()


class _Name(NamedTuple):
    """An element or attribute name as expat gives it, taken apart once."""

    ns: str | None
    local: str
    shown: str  #: as written: 'h:img', 'xlink:href', 'rect'
    lower: str  #: the local name in lower case
    handler: bool  #: on...=
    address: bool  #: an attribute that holds an address (href, src, ...)


@lru_cache(maxsize=4096)
def _name(name: str) -> _Name:
    """expat's ``'uri local prefix'`` -> its parts (names repeat: each is taken apart once)."""
    parts = name.split(" ")
    ns, local, prefix = (None, name, None) if len(parts) == 1 else (parts[0], parts[1], parts[2] if len(parts) > 2 else None)
    shown = f"{prefix}:{local}" if prefix else local
    lower = local.lower()
    return _Name(ns, local, shown, lower, lower.startswith("on"), lower in _ADDRESS_ATTRIBUTES or shown.lower() in _ADDRESS_ATTRIBUTES)


_TEXT_ESCAPES = re.compile(r"[&<>]")
_ATTRIBUTE_ESCAPES = re.compile(r'[&<>"\t\n\r]')


def _escape_text(text: str) -> str:
    if not _TEXT_ESCAPES.search(text):
        return text
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attribute(text: str) -> str:
    if not _ATTRIBUTE_ESCAPES.search(text):
        return text
    return (
        _escape_text(text).replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;")
    )


# --------------------------------------------------------------------------- CSS


def references(tokens: Iterable[Any]) -> list[str]:
    """Every address in CSS tokens, however it is written: ``url()`` tokens (escapes already
    decoded by tinycss2), ``url("...")`` and ``src("...")`` functions, and any string inside any
    other function (``image-set("x.png" 1x)``, ``image()``, ``cross-fade()``)."""
    found: list[str] = []
    for token in tokens:
        if token.type == "url":
            found.append(token.value)
        elif token.type == "function":
            strings = [t.value for t in token.arguments if t.type == "string"]
            if token.lower_name in ("url", "src") and not strings:
                strings = [tinycss2.serialize(token.arguments).strip()]
            found += strings
            found += references(token.arguments)
        elif token.type in ("() block", "[] block", "{} block"):
            found += references(token.content)
    return found


def is_local(reference: str) -> bool:
    return _LOCAL_REFERENCE.fullmatch(reference.strip()) is not None


def _plain(token: Any) -> bool:
    """A token whose serialisation needs no escape (so the output holds no backslash at all)."""
    if token.type == "ident":
        return _PLAIN_NAME.fullmatch(token.value) is not None
    if token.type == "hash":
        return re.fullmatch(r"[\w\-]+", token.value) is not None
    if token.type == "dimension":
        return re.fullmatch(r"[A-Za-z]+", token.unit) is not None
    return token.type in ("number", "percentage", "whitespace")


def _value_token_ok(token: Any, prop: str, nested: bool) -> bool:
    if _plain(token):
        return True
    if token.type == "literal":
        return token.value in ((",", "/", "+", "-", "*") if nested else (",", "/"))
    if token.type == "string":
        return prop in _FONT_PROPERTIES and not nested and _PLAIN_FONT_NAME.fullmatch(token.value) is not None
    if token.type == "url":
        return not nested and is_local(token.value) and token.value == token.value.strip()
    if token.type == "function" and not nested:
        arguments = [t for t in token.arguments if t.type != "whitespace"]
        if token.lower_name == "url":
            return len(arguments) == 1 and arguments[0].type == "string" and _LOCAL_REFERENCE.fullmatch(arguments[0].value) is not None
        return token.lower_name in _FUNCTIONS and all(_value_token_ok(t, prop, True) for t in token.arguments)
    return False


def _normalised(tokens: Sequence[Any]) -> list[Any]:
    """Whitespace runs as one space, none at either end (inside functions too)."""
    out: list[Any] = []
    for token in tokens:
        if token.type == "whitespace":
            if out and out[-1].type != "whitespace":
                out.append(ast.WhitespaceToken(token.source_line, token.source_column, " "))
        elif token.type == "function":
            arguments = _normalised(token.arguments)
            if token.lower_name == "url" and len(arguments) == 1 and arguments[0].type == "string" and is_local(arguments[0].value):
                value = arguments[0].value.strip()
                out.append(ast.URLToken(token.source_line, token.source_column, value, f"url({value})"))  # url("#a") as url(#a)
            else:
                out.append(ast.FunctionBlock(token.source_line, token.source_column, token.name, arguments))
        else:
            out.append(token)
    while out and out[-1].type == "whitespace":
        out.pop()
    return out


def _separators_ok(tokens: Sequence[Any]) -> bool:
    """A ',' or '/' stands between two values, never first, last or beside another ('//')."""
    solid = [token for token in tokens if token.type != "whitespace"]
    for index, token in enumerate(solid):
        if token.type == "literal" and (index in (0, len(solid) - 1) or solid[index - 1].type == "literal"):
            return False
        if token.type == "function" and not _separators_ok(token.arguments):
            return False
    return True


def _value_ok(prop: str, tokens: Sequence[Any]) -> bool:
    return bool(tokens) and all(_value_token_ok(token, prop, False) for token in tokens) and _separators_ok(tokens)


def css_value(prop: str, tokens: Sequence[Any]) -> str | None:
    """The value serialised again when every token is allowed for ``prop``, else None. The
    result is parsed once more and must pass the same check: what is written is what was
    judged, whatever the serialiser does at token boundaries."""
    kept = _normalised(tokens)
    if not _value_ok(prop, kept):
        return None
    text = tinycss2.serialize(kept)
    if "\\" in text:
        return None
    if any(token.type in ("function", "url", "string") for token in kept):
        again = _normalised(tinycss2.parse_component_value_list(text, skip_comments=True))
        if not _value_ok(prop, again):
            return None
    return text


def simple_value(value: str, prop: str) -> str | None:
    """The common case judged without tokenizing: a value made only of plain words, numbers,
    colours, lone ',' or '/', ``url(#id)`` and, for fonts, quoted plain names (no escape, no
    comment, no other bracket or quote, so nothing in it can be another address). Written with
    whitespace collapsed, ``url(#id)`` and double quotes; None for anything else, which tinycss2
    then reads."""
    if not _SIMPLE_CHARACTERS.fullmatch(value):
        return None
    out: list[str] = []
    previous_end = 0
    separator_last = True  # nothing yet: a separator may not come first
    for match in _SIMPLE_ITEMS.finditer(value):
        item = match.group(0)
        if item in (",", "/"):
            if separator_last:
                return None
        elif match.group("url"):
            item = f"url({match.group('url')})"
        elif match.group("colour"):
            item = " ".join(item.split())
        elif match.group("font"):
            if prop not in _FONT_PROPERTIES:
                return None
            item = f'"{match.group("font")}"'
        elif not _SIMPLE_WORD.fullmatch(item):
            return None
        separator_last = item in (",", "/")
        out.append((" " if out and match.start() > previous_end else "") + item)
        previous_end = match.end()
    if not out or separator_last:
        return None
    return "".join(out)


def _selector_token_ok(token: Any, nested: bool = False) -> bool:
    if _plain(token):
        return True
    if token.type == "literal":
        return token.value in _SELECTOR_LITERALS
    if token.type == "[] block" and not nested:
        return all(_selector_token_ok(t, True) for t in token.content)
    if token.type == "function" and not nested:
        return token.lower_name in _SELECTOR_FUNCTIONS and all(_selector_token_ok(t, True) for t in token.arguments)
    return False


def css_selector(tokens: Sequence[Any]) -> str | None:
    """A selector serialised again when it is made of plain names, classes, ids, combinators,
    attribute tests without strings and structural pseudo-classes; else None."""
    kept = _normalised(tokens)
    if not kept or not all(_selector_token_ok(token) for token in kept):
        return None
    text = tinycss2.serialize(kept)
    again = _normalised(tinycss2.parse_component_value_list(text, skip_comments=True))
    if "\\" in text or "{" in text or not all(_selector_token_ok(token) for token in again):
        return None
    return text


# --------------------------------------------------------------------------- the rebuild


@dataclass
class _Frame:
    """An open element: its output name when it is kept, the CSS text of a kept <style>."""

    name: str | None
    shown: str
    css: list[str] | None = None
    chunks: list[tuple[int, int, int]] = field(default_factory=list)  #: (offset in css, line, col)
    length: int = 0  #: of the css so far


@dataclass
class _Kind:
    """One kind of problem: the first occurrence is reported, later ones are counted."""

    problem: Problem
    count: int = 1


class _Rebuilder:
    def __init__(self) -> None:
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.namespace_prefixes = True
        self.parser.ordered_attributes = True
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.out: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n']
        self.stack: list[_Frame] = []
        self.pending = False  #: the last start tag written is still open ('<rect x="1"')
        self.elements = 0
        self.root_index = -1
        self.uses_xlink = False
        self.kinds: dict[tuple[str, ...], _Kind] = {}
        self.css_work = 0
        self.memo: dict[tuple[str, str, str], tuple[str | None, tuple[str, ...] | None, str]] = {}

    # ----------------------------------------------------------------- reporting

    def position(self) -> tuple[int, int]:
        return self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1

    def add(self, key: tuple[str, ...], severity: Severity, code: str, message: str, where: tuple[int, int] | None = None) -> None:
        if key in self.kinds:
            self.kinds[key].count += 1
        elif len(self.kinds) < _MAX_KINDS:
            line, col = where or self.position()
            self.kinds[key] = _Kind(Problem(severity, code, line, col, message))

    def error(self, key: tuple[str, ...], message: str, where: tuple[int, int] | None = None) -> None:
        self.add(("error", *key), Severity.ERROR, "unsafe-svg", message, where)

    def dropped(self, key: tuple[str, ...], message: str, where: tuple[int, int] | None = None) -> None:
        self.add(("dropped", *key), Severity.WARNING, "svg-dropped", message, where)

    def fatal(self, code: str, message: str) -> _Fatal:
        return _Fatal(code, *self.position(), message)

    def problems(self) -> tuple[Problem, ...]:
        found = []
        for kind in self.kinds.values():
            problem = kind.problem
            if kind.count > 1:
                more = kind.count - 1
                problem = Problem(problem.severity, problem.code, problem.line, problem.col, f"{problem.message} (and {more:,} more like it)")
            found.append(problem)
        return tuple(sorted(found, key=lambda p: (p.line, p.col)))

    # ----------------------------------------------------------------- output

    def close_pending(self) -> None:
        if self.pending:
            self.out.append(">")
            self.pending = False

    # ----------------------------------------------------------------- elements

    def start(self, name: str, flat: list[str]) -> None:
        self.elements += 1
        if self.elements > MAX_ELEMENTS:
            raise self.fatal("figure-too-large", f"the SVG has more than {MAX_ELEMENTS:,} elements (a fixed limit); simplify the figure, or export it as PNG")
        if len(self.stack) >= MAX_DEPTH:
            raise self.fatal("figure-too-large", f"the SVG nests elements more than {MAX_DEPTH} deep (a fixed limit); flatten its groups, or export it as PNG")
        element = _name(name)
        ns, local, label = element.ns, element.local, element.shown
        attributes = [(_name(flat[i]), flat[i + 1]) for i in range(0, len(flat), 2)]
        if not self.stack:
            if local != "svg":
                raise self.fatal("figure-format", f"the document is <{label}>, not <svg>; export the figure as SVG, PNG or JPEG")
            if ns != SVG_NS:
                raise self.fatal("figure-format", f'the <svg> element is not in the SVG namespace; add xmlns="{SVG_NS}" to it, or export the figure again')
        active = self.check_active(element, attributes)
        parent_kept = not self.stack or self.stack[-1].name is not None
        kept = parent_kept and ns == SVG_NS and local in ELEMENTS and not (self.stack and self.stack[-1].css is not None)
        if parent_kept and not kept and not active:
            self.dropped(("element", label), f"dropped the element <{label}> and its content: {self.element_reason(ns, local, attributes)}")
        if not kept:
            self.stack.append(_Frame(None, label))
            return
        self.close_pending()
        written = "".join(f' {key}="{_escape_attribute(value)}"' for key, value in self.attributes(local, label, attributes))
        if self.stack:
            self.out.append(f"<{local}{written}")
        else:
            self.root_index = len(self.out)
            self.out.append(written)  # completed in finish(), once the namespaces needed are known
        self.pending = True
        self.stack.append(_Frame(local, label, [] if local == "style" else None))

    def end(self, name: str) -> None:
        frame = self.stack.pop()
        if frame.name is None:
            return
        if frame.css is not None:
            css = self.stylesheet(frame)
            if css:
                self.close_pending()
                self.out.append(_escape_text(css))
        if self.pending:
            self.out.append("/>")
            self.pending = False
        else:
            self.out.append(f"</{frame.name}>")

    def characters(self, data: str) -> None:
        if not self.stack or self.stack[-1].name is None:
            return
        frame = self.stack[-1]
        if frame.css is not None:
            frame.chunks.append((frame.length, *self.position()))
            frame.css.append(data)
            frame.length += len(data)
            return
        self.close_pending()
        self.out.append(_escape_text(data))

    def check_active(self, element: _Name, attributes: list[tuple[_Name, str]]) -> bool:
        """Report active content in an element, kept or not; True when the element itself is."""
        lower, label = element.lower, element.shown
        active = False
        if lower in ACTIVE_ELEMENTS:
            self.error(("element", label), f"a <{label}> element; scripts and embedded documents are not allowed in figures (remove it, or export the figure as PNG)")
            active = True
        if (element.ns == XHTML_NS and lower == "meta") or lower in ANIMATIONS:
            values = {name.lower: value for name, value in attributes}
            if lower == "meta" and "http-equiv" in values:
                self.error(("meta", values["http-equiv"].lower()), f"an HTML <{label} http-equiv=\"{shown(values['http-equiv'])}\"> (a refresh or other instruction to the browser); a figure may not send its reader elsewhere (remove it)")
                active = True
            if lower in ANIMATIONS and values.get("attributename", "").rsplit(":", 1)[-1].strip().lower() == "href":
                self.error(("animation", label), f"an animation of href in <{label}>; links in figures must not change")
                active = True
        for name, value in attributes:
            if name.handler:
                self.error(("handler", name.lower), f"an event handler ({name.shown}=) in <{label}>; figures may not run scripts (remove it, or export the figure as PNG)")
            elif name.address and _scheme(value).startswith(_SCRIPT_SCHEMES):
                self.error(("script-address", name.shown), f"a script address ('{shown(value)}') in <{label} {name.shown}=>; figures may not run scripts (remove it)")
        return active

    @staticmethod
    def element_reason(ns: str | None, local: str, attributes: list[tuple[_Name, str]]) -> str:
        if ns == XHTML_NS:
            addresses = [value for name, value in attributes if name.address]
            where = f"; it refers to '{shown(addresses[0])}'" if addresses else ""
            return f"HTML is not part of an SVG drawing{where}"
        if ns != SVG_NS:
            return f"not an SVG element (namespace '{ns}')" if ns else "not an SVG element (no namespace)"
        if local in ("image", "feImage"):
            return "a figure may not load or embed pictures (draw it in SVG, or export the whole figure as PNG)"
        if local.lower() in ANIMATIONS:
            return "figures are static, animations are not kept"
        return "not part of a static drawing (see docs/security.md for what figures may hold)"

    # ----------------------------------------------------------------- attributes

    def attributes(self, element: str, label: str, attributes: list[tuple[_Name, str]]) -> list[tuple[str, str]]:
        kept: list[tuple[str, str]] = []
        for attr, value in attributes:
            ns, local, attribute = attr.ns, attr.local, attr.shown
            if attr.handler:
                continue  # an error already
            if ns is None:
                name = local
            elif ns == XLINK_NS and local in ("href", "title"):
                name = f"xlink:{local}"
            elif ns == XML_NS and local in ("space", "lang"):
                name = f"xml:{local}"
            else:
                self.dropped(("attribute", attribute), f"dropped the attribute {attribute}= of <{label}>: not an SVG attribute (namespace '{ns}')")
                continue
            result = self.attribute(element, label, name, attribute, value)
            if result is not None:
                kept.append((name, result))
                self.uses_xlink |= name.startswith("xlink:")
        return kept

    def attribute(self, element: str, label: str, name: str, attribute: str, value: str) -> str | None:
        """The value to write, or None (the problem reported)."""
        bare = name.removeprefix("xlink:")
        if bare == "href":
            return self.href(element, label, attribute, value)
        if name == "style":
            return self.style_attribute(label, value)
        check = _ATTRIBUTE_KINDS.get(name)
        if check is not None:
            if check(value):
                return value
            self.dropped(("value", attribute, value), f"dropped the attribute {attribute}= of <{label}>: '{shown(value)}' is not a valid value for it")
            return None
        if name in PROPERTIES:
            return self.presentation(label, name, value)
        self.dropped(("attribute", attribute), f"dropped the attribute {attribute}= of <{label}>: not part of a static drawing")
        return None

    def href(self, element: str, label: str, attribute: str, value: str) -> str | None:
        target = value.strip()
        if _LOCAL_REFERENCE.fullmatch(target) or (element == "a" and target.lower().startswith(_LINK_SCHEMES) and not re.search(r"[\x00-\x20]", target)):
            return target
        if _scheme(value).startswith(_SCRIPT_SCHEMES):
            return None  # an error already
        self.dropped(
            ("href", attribute, target),
            f"dropped {attribute}= of <{label}>: a reference to '{shown(value)}'; a figure may refer only to its own parts (#id), and a link (<a>) only to an http(s) or mailto address",
        )
        return None

    # ----------------------------------------------------------------- CSS

    def parse(self, text: str, parser: Callable[..., list[Any]]) -> list[Any]:
        """CSS read by tinycss2, within the figure's budget (MAX_CSS_WORK)."""
        self.css_work += len(text) + 64
        if self.css_work > MAX_CSS_WORK:
            raise self.fatal(
                "figure-too-large",
                f"the SVG holds more CSS than one figure may ({MAX_CSS_WORK:,} characters beyond plain 'property: value' pairs, a fixed limit); simplify its styles, or export it as PNG",
            )
        if parser is tinycss2.parse_component_value_list:
            return parser(text, skip_comments=True)
        return parser(text, skip_comments=True, skip_whitespace=True)

    def judged(self, prop: str, tokens: Sequence[Any], where: str) -> tuple[str | None, tuple[str, ...] | None, str]:
        """(value to write, or None with the problem's key and message)."""
        outside = [reference for reference in references(tokens) if not is_local(reference)]
        if outside:
            target = outside[0]
            if _scheme(target).startswith(_SCRIPT_SCHEMES):
                return None, ("error", "css-script", prop), f"a script address ('{shown(target)}') in the CSS property '{prop}' ({where}); figures may not run scripts (remove it)"
            return None, ("dropped", "css-reference", prop, target), f"dropped the CSS property '{prop}' ({where}): a reference to '{shown(target)}'; a figure may refer only to its own parts, url(#id)"
        if prop not in PROPERTIES:
            return None, ("dropped", "css-property", prop), f"dropped the CSS property '{prop}' ({where}): not used to draw figures"
        value = css_value(prop, tokens)
        if value is None:
            text = shown(tinycss2.serialize(tokens))
            return None, ("dropped", "css-value", prop, text), f"dropped the CSS property '{prop}' ({where}): its value '{text}' is not allowed in figures"
        return value, None, ""

    def report(self, key: tuple[str, ...] | None, message: str, where: tuple[int, int] | None = None) -> None:
        if key is None:
            return
        if key[0] == "error":
            self.add(key, Severity.ERROR, "unsafe-svg", message, where)
        else:
            self.add(key, Severity.WARNING, "svg-dropped", message, where)

    def presentation(self, label: str, name: str, value: str) -> str | None:
        simple = simple_value(value, name)
        if simple is not None:
            return simple
        memo_key = ("attribute", name, value)
        if memo_key not in self.memo:
            tokens = self.parse(value, tinycss2.parse_component_value_list)
            self.memo[memo_key] = self.judged(name, tokens, f"{name}= of <{label}>")
        result, key, message = self.memo[memo_key]
        self.report(key, message)
        return result

    def declaration(self, decl: Any, where: str, position: tuple[int, int] | None) -> str | None:
        if decl.type == "error":
            self.dropped(("css-error", where), f"dropped CSS that cannot be read ({where}): {decl.message}", position)
            return None
        if decl.type != "declaration":
            self.dropped(("css-rule", where), f"dropped a rule inside a declaration list ({where}): only 'property: value' is kept", position)
            return None
        value, key, message = self.judged(decl.lower_name, decl.value, where)
        self.report(key, message, position)
        if value is None:
            return None
        return f"{decl.lower_name}:{value}{'!important' if decl.important else ''}"

    def style_attribute(self, label: str, value: str) -> str | None:
        where = f"style= of <{label}>"
        if _SIMPLE_STYLE.fullmatch(value):
            return self.simple_style(value, where)
        return self.style_attribute_parsed(value, where)

    def style_attribute_parsed(self, value: str, where: str) -> str | None:
        kept = []
        for decl in self.parse(value, tinycss2.parse_declaration_list):
            written = self.declaration(decl, where, None)
            if written is not None:
                kept.append(written)
        return ";".join(kept) or None

    def simple_style(self, value: str, where: str) -> str | None:
        """A style= of plain 'name: value' pairs (no escape, quote, bracket, comment or '!'),
        split without tokenizing; a value that is not simple is read by tinycss2 alone."""
        kept = []
        for part in value.split(";"):
            name, colon, text = part.partition(":")
            name = name.strip().lower()
            if not name and not text.strip():
                continue
            if not colon or not _PLAIN_NAME.fullmatch(name) or ":" in text:
                return self.style_attribute_parsed(value, where)
            written: str | None = None
            simple = simple_value(text, name) if name in PROPERTIES else None
            if simple is not None:
                written = simple
            elif name not in PROPERTIES and "(" not in text:  # no function, so no address: not tokenized
                self.dropped(("css-property", name), f"dropped the CSS property '{name}' ({where}): not used to draw figures")
            else:
                written, key, message = self.judged(name, self.parse(text, tinycss2.parse_component_value_list), where)
                self.report(key, message)
            if written is not None:
                kept.append(f"{name}:{written}")
        return ";".join(kept) or None

    def stylesheet(self, frame: _Frame) -> str:
        """The rules of a <style> element that survive, one a line; each problem at its place."""
        assert frame.css is not None
        css = "".join(frame.css)
        starts = [0] + [index + 1 for index, char in enumerate(css) if char == "\n"]
        offsets = [chunk[0] for chunk in frame.chunks]

        def place(node: Any) -> tuple[int, int]:
            offset = starts[min(node.source_line, len(starts)) - 1] + node.source_column - 1
            index = bisect.bisect_right(offsets, offset) - 1
            if index < 0:
                return self.position()
            start, line, col = frame.chunks[index]
            between = css[start:offset]
            if "\n" in between:
                return line + between.count("\n"), len(between) - between.rindex("\n")
            return line, col + len(between)

        where = "in <style>"
        rules = []
        for rule in self.parse(css, tinycss2.parse_stylesheet):
            position = place(rule)
            if rule.type == "error":
                self.dropped(("css-error", where), f"dropped CSS that cannot be read ({where}): {rule.message}", position)
            elif rule.type == "at-rule":
                self.at_rule(rule, position)
            else:
                selector = css_selector(rule.prelude)
                if selector is None:
                    text = shown(tinycss2.serialize(rule.prelude))
                    self.dropped(("css-selector", text), f"dropped the CSS rule '{text}' ({where}): its selector is not allowed in figures", position)
                    continue
                declarations = tinycss2.parse_declaration_list(rule.content or [], skip_comments=True, skip_whitespace=True)
                kept = [written for decl in declarations if (written := self.declaration(decl, where, place(decl))) is not None]
                if kept:
                    rules.append(f"{selector}{{{';'.join(kept)}}}")
        return "\n".join(rules)

    def at_rule(self, rule: Any, position: tuple[int, int]) -> None:
        keyword = f"@{rule.lower_at_keyword}"
        strings = [t.value for t in rule.prelude if t.type == "string"] if keyword == "@import" else []
        outside = [r for r in [*strings, *references(rule.prelude), *references(rule.content or [])] if not is_local(r)]
        if outside and _scheme(outside[0]).startswith(_SCRIPT_SCHEMES):
            self.error(("css-script", keyword), f"a script address ('{shown(outside[0])}') in {keyword} (in <style>); figures may not run scripts (remove it)", position)
        elif keyword == "@import":
            target = shown(outside[0]) if outside else shown(tinycss2.serialize(rule.prelude))
            self.dropped(("at-rule", keyword, target), f"dropped {keyword} '{target}' (in <style>): a figure may not load stylesheets; put the rules in the figure", position)
        elif outside and keyword != "@namespace":
            self.dropped(("at-rule", keyword, outside[0]), f"dropped the rule {keyword} (in <style>): a reference to '{shown(outside[0])}'; a figure may refer only to its own parts, url(#id)", position)
        else:
            self.dropped(("at-rule", keyword), f"dropped the rule {keyword} (in <style>): only rules of the form 'selector {{ property: value }}' are kept", position)

    # ----------------------------------------------------------------- the document

    def instruction(self, target: str, data: str) -> None:
        if target.lower() == "xml-stylesheet":
            self.error(("instruction", "xml-stylesheet"), "an external stylesheet (<?xml-stylesheet?>), which may also be an XSLT program; style the elements in place")
        else:
            self.dropped(("instruction", target), f"dropped the processing instruction <?{shown(target)}?>: not part of a drawing")

    def finish(self) -> bytes:
        namespaces = f' xmlns="{SVG_NS}"' + (f' xmlns:xlink="{XLINK_NS}"' if self.uses_xlink else "")
        self.out[self.root_index] = f"<svg{namespaces}{self.out[self.root_index]}"
        self.out.append("\n")
        return "".join(self.out).encode("utf-8")

    def run(self, data: bytes) -> Rebuilt:
        parser = self.parser

        def doctype(name: str, system_id: str | None, public_id: str | None, has_internal_subset: bool) -> None:
            if has_internal_subset:
                raise self.fatal("unsafe-svg", "a DOCTYPE with declarations ([...]); remove them: entities are not allowed in figures")

        def declaration(*_args: object) -> None:
            raise self.fatal("unsafe-svg", "an entity declaration (<!ENTITY>); entities are not allowed in figures")

        def external(*_args: object) -> int:
            raise self.fatal("unsafe-svg", "a reference to an external entity; entities are not allowed in figures")

        def skipped(name: str, is_parameter: bool) -> None:
            raise self.fatal("figure-format", f"a reference to an entity that is not defined (&{name};); write the character itself")

        parser.StartDoctypeDeclHandler = doctype
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.characters
        parser.ProcessingInstructionHandler = self.instruction
        parser.EntityDeclHandler = declaration
        parser.UnparsedEntityDeclHandler = declaration
        parser.ExternalEntityRefHandler = external
        parser.SkippedEntityHandler = skipped
        try:
            parser.Parse(data, True)
        except _Fatal as stop:
            return Rebuilt(None, (*self.problems(), stop.problem))
        except expat.ExpatError as exc:
            message = f"not well-formed XML ({expat.ErrorString(exc.code)}); export the figure again"
            return Rebuilt(None, (*self.problems(), Problem(Severity.ERROR, "figure-format", exc.lineno, exc.offset + 1, message)))
        return Rebuilt(self.finish(), self.problems())


def _matches(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    return lambda value: pattern.fullmatch(value) is not None


_ATTRIBUTE_KINDS: dict[str, Callable[[str], bool]] = {
    **{name: _matches(_NUMBERS) for name in _NUMBER_ATTRIBUTES},
    **{name: _matches(_KEYWORDS) for name in _KEYWORD_ATTRIBUTES},
    **{name: (lambda value: True) for name in _TEXT_ATTRIBUTES},
    **{name: _matches(_TRANSFORM) for name in ("transform", "gradientTransform", "patternTransform")},
    "id": _matches(_ID),
    "class": _matches(_CLASSES),
}


def rebuild(data: bytes) -> Rebuilt:
    """Parse ``data`` as an SVG document and write a new one holding only what the allowlists
    name; every problem found, in the order of the file."""
    return _Rebuilder().run(data)
