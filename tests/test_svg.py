"""svg.check: what an SVG figure may hold, and where in the file a refusal points."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitrepgen import svg
from tests.helpers import REPO

NS = "xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink'"

#: name -> (SVG text, code, where the refusal points (its first occurrence), part of the message)
REFUSED = {
    "script": (f"<svg {NS}>\n  <script>alert(1)</script></svg>", "unsafe-svg", "<script", "a <script> element"),
    "script-other-namespace": (f"<svg {NS}><h:script xmlns:h='http://www.w3.org/1999/xhtml'/></svg>", "unsafe-svg", "<h:script", "<script>"),
    "foreign-object": (f"<svg {NS}><foreignObject/></svg>", "unsafe-svg", "<foreignObject", "a <foreignObject> element"),
    "event-handler": (f"<svg {NS}>\n<rect ONCLICK='x()'/></svg>", "unsafe-svg", "<rect", "an event handler (onclick=)"),
    "external-image": (f"<svg {NS}><image href='https://x.example/t.png'/></svg>", "unsafe-svg", "<image", "'https://x.example/t.png' in <image>"),
    "file-image": (f"<svg {NS}><image xlink:href='file:///etc/passwd'/></svg>", "unsafe-svg", "<image", "'file:///etc/passwd'"),
    "data-image": (f"<svg {NS}><image href='data:image/png;base64,AAAA'/></svg>", "unsafe-svg", "<image", "'data:image/png;base64,AAAA'"),
    "use-other-file": (f"<svg {NS}><use href='other.svg#a'/></svg>", "unsafe-svg", "<use", "'other.svg#a' in <use>"),
    "javascript-link": (f"<svg {NS}><a href='javascript:alert(1)'/></svg>", "unsafe-svg", "<a ", "'javascript:alert(1)' in <a>"),
    "animated-link": (f"<svg {NS}><a href='#x'><set attributeName='xlink:href' to='javascript:x()'/></a></svg>", "unsafe-svg", "<set", "an animation of href"),
    "css-url": (f"<svg {NS}><rect style='fill: url(\"https://x.example/p\")'/></svg>", "unsafe-svg", "<rect", "'https://x.example/p'"),
    "presentation-url": (f"<svg {NS}><rect fill='url(https://x.example/p#a)'/></svg>", "unsafe-svg", "<rect", "(in fill=)"),
    "style-font": (f"<svg {NS}><style><![CDATA[@font-face {{ src: url(f.woff) }}]]></style></svg>", "unsafe-svg", "</style", "'f.woff'"),
    "style-import": (f"<svg {NS}><style>@import 'x.css';</style></svg>", "unsafe-svg", "</style", "@import"),
    "stylesheet-instruction": (f"<?xml-stylesheet href='x.css'?>\n<svg {NS}/>", "unsafe-svg", "<?xml-stylesheet", "<?xml-stylesheet?>"),
    "entities": ("<!DOCTYPE svg [<!ENTITY a 'x'>]>\n<svg/>", "unsafe-svg", "[<!ENTITY", "a DOCTYPE with declarations"),
    "not-well-formed": (f"<svg {NS}>\n<g></G></svg>", "figure-format", "G>", "not well-formed XML (mismatched tag)"),
    "undefined-entity": (f"<svg {NS}><text>&nbsp;</text></svg>", "figure-format", "&nbsp;", "undefined entity"),
    "not-svg": ("<html xmlns='http://www.w3.org/1999/xhtml'><body/></html>", "figure-format", "<html", "the document is <html>, not <svg>"),
    "empty": ("", "figure-format", "", "not well-formed XML"),
}


def position(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the first ``needle``."""
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(needle)


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_refused(tmp_path: Path, case: str) -> None:
    text, code, needle, message = REFUSED[case]
    path = tmp_path / "figure.svg"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(svg.SvgProblem) as caught:
        svg.check(path)
    problem = caught.value
    assert (problem.code, problem.line, problem.col) == (code, *position(text, needle)), problem.message
    assert message in problem.message


ALLOWED = {
    "own-parts": f"<svg {NS}><defs><pattern id='p'/></defs><rect fill='url(#p)' style='fill: url( \"#p\" )'/><use href='#p'/></svg>",
    "http-link": f"<svg {NS}><a xlink:href='https://www.unocha.org/'><text>OCHA</text></a><a href='mailto:x@example.org'/></svg>",
    "public-doctype": "<?xml version='1.0'?>\n<!DOCTYPE svg PUBLIC '-//W3C//DTD SVG 1.1//EN' 'http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd'>\n<svg xmlns='http://www.w3.org/2000/svg'/>",
    "inline-style": f"<svg {NS}><style>.a {{ fill: #c8483a; font-family: 'Source Sans Pro' }}</style><text class='a'>x</text></svg>",
}


@pytest.mark.parametrize("case", list(ALLOWED), ids=list(ALLOWED))
def test_allowed(tmp_path: Path, case: str) -> None:
    path = tmp_path / "figure.svg"
    path.write_text(ALLOWED[case], encoding="utf-8")
    svg.check(path)


def test_the_bundled_map_is_allowed() -> None:
    for path in (REPO / "sitreps").rglob("*.svg"):
        svg.check(path)


def test_a_large_figure_is_read_in_pieces(tmp_path: Path) -> None:
    """Many times the read size; the refusal near the end is still found, at its line."""
    path = tmp_path / "big.svg"
    rows = "".join(f"<rect x='{i}' width='1' height='1'/>\n" for i in range(20_000))
    path.write_text(f"<svg {NS}>\n{rows}<script/></svg>", encoding="utf-8")
    assert path.stat().st_size > 10 * (1 << 16)
    with pytest.raises(svg.SvgProblem) as caught:
        svg.check(path)
    assert caught.value.line == 20_002
