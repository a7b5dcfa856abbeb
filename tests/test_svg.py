"""svg.rebuild: what an SVG figure may hold, and where in the file a problem points.

(The rebuilt document itself, the issue's cases and the fuzz test: tests/test_svg_rebuild.py.)
"""

from __future__ import annotations

import pytest

from sitrepgen import svg
from tests.helpers import REPO

NS = "xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink'"

#: name -> (SVG text, code, where the problem points (its first occurrence), part of the message).
#: Active content, or a file that is no SVG: errors, and the figure is not published.
REFUSED = {
    "script": (f"<svg {NS}>\n  <script>alert(1)</script></svg>", "unsafe-svg", "<script", "a <script> element"),
    "script-other-namespace": (f"<svg {NS}><h:script xmlns:h='http://www.w3.org/1999/xhtml'/></svg>", "unsafe-svg", "<h:script", "a <h:script> element"),
    "foreign-object": (f"<svg {NS}><foreignObject/></svg>", "unsafe-svg", "<foreignObject", "a <foreignObject> element"),
    "event-handler": (f"<svg {NS}>\n<rect ONCLICK='x()'/></svg>", "unsafe-svg", "<rect", "an event handler (ONCLICK=) in <rect>"),
    "javascript-link": (f"<svg {NS}><a href='javascript:alert(1)'/></svg>", "unsafe-svg", "<a ", "a script address ('javascript:alert(1)') in <a href=>"),
    "javascript-link-spaced": (f"<svg {NS}><a href=' java&#9;script:alert(1)'/></svg>", "unsafe-svg", "<a ", "a script address"),
    "animated-link": (f"<svg {NS}><a href='#x'><set attributeName='xlink:href' to='javascript:x()'/></a></svg>", "unsafe-svg", "<set", "an animation of href"),
    "stylesheet-instruction": (f"<?xml-stylesheet href='x.css'?>\n<svg {NS}/>", "unsafe-svg", "<?xml-stylesheet", "<?xml-stylesheet?>"),
    "entities": ("<!DOCTYPE svg [<!ENTITY a 'x'>]>\n<svg/>", "unsafe-svg", "[<!ENTITY", "a DOCTYPE with declarations"),
    "not-well-formed": (f"<svg {NS}>\n<g></G></svg>", "figure-format", "G>", "not well-formed XML (mismatched tag)"),
    "undefined-entity": (f"<svg {NS}><text>&nbsp;</text></svg>", "figure-format", "&nbsp;", "undefined entity"),
    "entity-from-external-dtd": (
        f"<!DOCTYPE svg SYSTEM 'svg11.dtd'>\n<svg {NS}><text>&nbsp;</text></svg>", "figure-format", "&nbsp;", "an entity that is not defined (&nbsp;)",
    ),
    "not-svg": ("<html xmlns='http://www.w3.org/1999/xhtml'><body/></html>", "figure-format", "<html", "the document is <html>, not <svg>"),
    "svg-without-namespace": ("<svg><rect/></svg>", "figure-format", "<svg", "not in the SVG namespace"),
    "empty": ("", "figure-format", "", "not well-formed XML"),
}


def position(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the first ``needle``."""
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(needle)


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_refused(case: str) -> None:
    text, code, needle, message = REFUSED[case]
    rebuilt = svg.rebuild(text.encode("utf-8"))
    assert rebuilt.has_errors
    (problem,) = rebuilt.problems
    assert (problem.code, problem.line, problem.col) == (code, *position(text, needle)), problem.message
    assert problem.is_error and message in problem.message, problem.message


#: Static things from elsewhere, or not part of a drawing: dropped with a warning; the figure is
#: published without them.
DROPPED = {
    "external-image": (f"<svg {NS}><image href='https://x.example/t.png'/></svg>", "<image", "dropped the element <image>"),
    "external-use": (f"<svg {NS}><use href='other.svg#a'/></svg>", "<use", "dropped href= of <use>: a reference to 'other.svg#a'"),
    "file-pattern": (f"<svg {NS}><pattern xlink:href='file:///etc/passwd'/></svg>", "<pattern", "'file:///etc/passwd'"),
    "data-link": (f"<svg {NS}><a href='data:text/html,x'/></svg>", "<a ", "dropped href= of <a>: a reference to 'data:text/html,x'"),
    "css-url": (f"<svg {NS}><rect style='fill: url(\"https://x.example/p\")'/></svg>", "<rect", "'https://x.example/p'"),
    "presentation-url": (f"<svg {NS}><rect fill='url(https://x.example/p#a)'/></svg>", "<rect", "(fill= of <rect>)"),
    "style-font": (f"<svg {NS}><style><![CDATA[@font-face {{ src: url(f.woff) }}]]></style></svg>", "@font-face", "dropped the rule @font-face (in <style>): a reference to 'f.woff'"),
    "style-import": (f"<svg {NS}><style>@import 'x.css';</style></svg>", "@import", "dropped @import 'x.css'"),
    "other-instruction": (f"<?other thing?>\n<svg {NS}/>", "<?other", "dropped the processing instruction <?other?>"),
}


@pytest.mark.parametrize("case", list(DROPPED), ids=list(DROPPED))
def test_dropped(case: str) -> None:
    text, needle, message = DROPPED[case]
    rebuilt = svg.rebuild(text.encode("utf-8"))
    assert not rebuilt.has_errors and rebuilt.data is not None
    (problem,) = rebuilt.problems
    assert (problem.code, problem.line, problem.col) == ("svg-dropped", *position(text, needle)), problem.message
    assert message in problem.message, problem.message
    out = rebuilt.data.decode("utf-8")
    assert "x.example" not in out and "other.svg" not in out and "file:" not in out and "f.woff" not in out and "x.css" not in out


ALLOWED = {
    "own-parts": f"<svg {NS}><defs><pattern id='p'/></defs><rect fill='url(#p)' style='fill: url( \"#p\" )'/><use href='#p'/></svg>",
    "http-link": f"<svg {NS}><a xlink:href='https://www.unocha.org/'><text>OCHA</text></a><a href='mailto:x@example.org'/></svg>",
    "public-doctype": "<?xml version='1.0'?>\n<!DOCTYPE svg PUBLIC '-//W3C//DTD SVG 1.1//EN' 'http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd'>\n<svg xmlns='http://www.w3.org/2000/svg'/>",
    "inline-style": f"<svg {NS}><style>.a {{ fill: #c8483a; font-family: 'Source Sans Pro' }}</style><text class='a'>x</text></svg>",
}


@pytest.mark.parametrize("case", list(ALLOWED), ids=list(ALLOWED))
def test_allowed(case: str) -> None:
    rebuilt = svg.rebuild(ALLOWED[case].encode("utf-8"))
    assert rebuilt.problems == () and rebuilt.data is not None


def test_the_bundled_map_is_rebuilt_without_a_problem() -> None:
    for path in (REPO / "sitreps").rglob("*.svg"):
        rebuilt = svg.rebuild(path.read_bytes())
        assert rebuilt.problems == () and rebuilt.data is not None, path


def test_a_problem_deep_in_a_large_figure_is_found_at_its_line() -> None:
    """Many times expat's buffer; the refusal near the end is still found, at its line."""
    rows = "".join(f"<rect x='{i}' width='1' height='1'/>\n" for i in range(20_000))
    text = f"<svg {NS}>\n{rows}<script/></svg>"
    assert len(text) > 10 * (1 << 16)
    (problem,) = svg.rebuild(text.encode("utf-8")).problems
    assert (problem.line, problem.col, problem.code) == (20_002, 1, "unsafe-svg")
