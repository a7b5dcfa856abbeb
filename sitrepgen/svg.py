"""What an SVG figure may contain: drawing, and references to its own parts.

An SVG is copied to the site as it is. Shown through ``<img>`` its scripts are inert, but opened
directly (its own URL on the site) it is a live document with the site's origin, and one that
loads from a server tells that server who looked. So a figure may not hold scripts, event
handlers, embedded documents, stylesheets or entity declarations, and every reference (``href``,
``url()``) must point inside the figure (``#id``); a link (``<a>``) may go to an http(s) or mailto
address. WeasyPrint ignores scripts and is refused anything else by the PDF fetcher; this check
says so at validation, with the place in the SVG.

The file is read by expat, streaming, with every DTD declaration refused before it is used: no
entity is ever expanded and nothing outside the file is read.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.parsers import expat

#: Elements that run script or embed another document.
FORBIDDEN_ELEMENTS = frozenset({"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"})
#: A CSS reference: ``url(...)`` (in a style, or a presentation attribute such as ``fill``) or ``@import``.
_URL_RE = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import""", re.IGNORECASE | re.DOTALL)
_LINK_SCHEMES = ("http://", "https://", "mailto:")
_CHUNK = 1 << 16


class SvgProblem(Exception):
    """Something the figure may not contain (``unsafe-svg``), or a file that is not an SVG
    document (``figure-format``), at a place in it (1-based line and column)."""

    def __init__(self, code: str, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.code, self.line, self.col, self.message = code, line, col, message


def _local(name: str) -> str:
    """``'http://www.w3.org/1999/xlink href'`` -> ``'href'`` (expat joins namespace and name)."""
    return name.rsplit(" ", 1)[-1].rsplit(":", 1)[-1]


def _shown(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= 60 else value[:57] + "..."


def _css_problem(css: str) -> str | None:
    for match in _URL_RE.finditer(css):
        if match.group(0).lower() == "@import":
            return "a stylesheet import (@import); style the elements in place"
        target = match.group(2).strip()
        if not target.startswith("#"):
            return f"a reference to '{_shown(target)}'; a figure may refer only to its own parts, url(#id)"
    return None


def check(path: Path) -> None:
    """Raise SvgProblem for the first thing in ``path`` that a figure may not contain, for XML
    that is not well-formed, or for a document that is not SVG; OSError if it cannot be read."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(message: str, code: str = "unsafe-svg") -> None:
        raise SvgProblem(code, parser.CurrentLineNumber, parser.CurrentColumnNumber + 1, message)

    def doctype(name: str, system_id: str | None, public_id: str | None, has_internal_subset: bool) -> None:
        if has_internal_subset:
            refuse("a DOCTYPE with declarations ([...]); remove them: entities are not allowed in figures")

    def start(name: str, attributes: dict[str, str]) -> None:
        element = _local(name)
        if not opened:
            opened.append(element)
            if element != "svg":
                refuse(f"the document is <{element}>, not <svg>; export the figure as SVG, PNG or JPEG", "figure-format")
        if element.lower() in FORBIDDEN_ELEMENTS:
            refuse(f"a <{element}> element; scripts and embedded documents are not allowed in figures (remove it, or export the figure as PNG)")
        if element.lower() == "style":
            style_depth.append(len(text))
        for key, value in attributes.items():
            attribute = _local(key).lower()
            if attribute.startswith("on"):
                refuse(f"an event handler ({attribute}=); figures may not run scripts (remove it, or export the figure as PNG)")
            if attribute == "href":
                allowed = value.startswith("#") or (element == "a" and value.strip().lower().startswith(_LINK_SCHEMES))
                if not allowed:
                    refuse(f"a reference to '{_shown(value)}' in <{element}>; a figure may refer only to its own parts (#id), and a link (<a>) only to an http(s) or mailto address")
            if attribute == "attributename" and _local(value).lower() == "href":
                refuse(f"an animation of href in <{element}>; links in figures must not change")
            problem = _css_problem(value)
            if problem is not None:
                refuse(f"{problem} (in {attribute}=)")

    def end(name: str) -> None:
        if _local(name).lower() == "style" and style_depth:
            css = "".join(text[style_depth.pop() :])
            problem = _css_problem(css)
            if problem is not None:
                refuse(f"{problem} (in <style>)")

    def characters(data: str) -> None:
        if style_depth:
            text.append(data)

    def instruction(target: str, data: str) -> None:
        if target.lower() == "xml-stylesheet":
            refuse("an external stylesheet (<?xml-stylesheet?>); style the elements in place")

    def declaration(*_args: object) -> None:
        refuse("an entity declaration (<!ENTITY>); entities are not allowed in figures")

    def external(*_args: object) -> int:
        refuse("a reference to an external entity; entities are not allowed in figures")
        return 0  # not reached

    opened: list[str] = []
    text: list[str] = []
    style_depth: list[int] = []
    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.ProcessingInstructionHandler = instruction
    parser.EntityDeclHandler = declaration
    parser.UnparsedEntityDeclHandler = declaration
    parser.ExternalEntityRefHandler = external
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        message = f"not well-formed XML ({expat.ErrorString(exc.code)}); export the figure again"
        raise SvgProblem("figure-format", exc.lineno, exc.offset + 1, message) from None
