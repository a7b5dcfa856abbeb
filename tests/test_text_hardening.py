"""Checks over report text stay linear, point at the right character, and catch what the build
would refuse: a link to an anchor the page does not have, a region named like a site page.

The work is measured by counting, never by timing: the lint rules run under a profile hook that
counts every Python and built-in call, and under tracemalloc for their peak memory. A check that
searched the text again for each occurrence (as validation once did, ``find`` called occurrence
+ 1 times) or copied nested spans (N²/2 characters for N nested links) blows the budget at once,
and the budget stops it there, so that the test fails in seconds rather than hanging.
"""

from __future__ import annotations

import collections
import contextlib
import io
import re
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, FoldedScalarString, LiteralScalarString, SingleQuotedScalarString

from sitrepgen import reports
from sitrepgen.cli import cli
from sitrepgen.config import load_project
from sitrepgen.reports import load_report
from tests.helpers import seed_report_text
from tests.helpers import position_of as position  # 'LINE:COL' of a needle in the test's YAML

SEED = seed_report_text().replace("around 3.000.", "around 3,000.")  # no warning left
REPORT = "sitreps/2016-12-08.yaml"
MEGABYTE = 1_000_000


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


def with_paragraph(paragraph_yaml: str, text: str = SEED) -> str:
    """The report with ``paragraph_yaml`` (a list item, indented for it) as Aleppo's first paragraph."""
    return text.replace("    paragraphs:\n", "    paragraphs:\n" + paragraph_yaml, 1)


def literal(body: str) -> str:
    return f"      - |-\n        {body}\n"


def folded(body: str, width: int = 80) -> str:
    """``body`` as a folded scalar, wrapped at spaces into lines of about ``width`` characters."""
    lines = re.findall(rf".{{1,{width}}}(?: |$)", body)
    return "      - >-\n" + "".join(f"        {line.rstrip()}\n" for line in lines)


# --------------------------------------------------------------------------- counting the work


class OverBudget(AssertionError):
    """The rules did more work than the budget allows (raised from inside the profile hook)."""


@dataclass
class Work:
    calls: int = 0
    peak: int = 0  #: bytes, the most allocated at once by the rules


@contextlib.contextmanager
def budget(calls: int, memory: int) -> Iterator[Work]:
    """Count calls and peak memory of the code run inside; stop it as soon as either passes its
    budget (checking memory every 4,096 calls), so that quadratic code fails fast."""
    work = Work()

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event in ("call", "c_call"):
            work.calls += 1
            if work.calls > calls:
                raise OverBudget(f"more than {calls:,} calls")
            if work.calls % 4096 == 0 and tracemalloc.get_traced_memory()[1] > memory:
                raise OverBudget(f"more than {memory:,} bytes at once (after {work.calls:,} calls)")

    tracemalloc.start()
    sys.setprofile(profile)
    try:
        yield work
    finally:
        sys.setprofile(None)
        work.peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


@dataclass(frozen=True)
class Hostile:
    """A pattern repeated to ``size`` characters of Markdown, and what validate must say about it."""

    piece: str
    codes: dict[str, int]  #: diagnostic code -> how many (-1: one per repetition)
    style: Callable[[str], str] = literal
    tail: str = ""  #: written once after the repetitions

    def repetitions(self, size: int) -> int:
        return (size - len(self.tail)) // len(self.piece)

    def body(self, size: int) -> str:
        return self.piece * self.repetitions(size) + self.tail

    def expected(self, size: int) -> collections.Counter[str]:
        return collections.Counter({code: self.repetitions(size) if n == -1 else n for code, n in self.codes.items()})


class Nested(Hostile):
    """'[' * N + 'x' + '](y)' * N: N links nested in each other, N²/2 characters of spans."""

    def body(self, size: int) -> str:
        n = size // 5
        return "[" * n + "x" + "](y)" * n


#: The issue's two quadratic cases, and the first of them folded over many lines.
LINKS = {
    "links": Hostile("[a](b) ", {}),
    "nested-links": Nested("", {}),
    "links-folded": Hostile("[a](b) ", {"unsafe-link": 1}, folded, "[x](javascript:alert(1))"),
}
#: Every other kind of text a check walks through, each as one paragraph of the same report.
HOSTILE = {
    "unsafe-links": Hostile("[a](javascript:x) ", {"unsafe-link": -1}),
    "anchors": Hostile("[a](#aleppo) ", {}),
    "missing-anchors": Hostile("[a](#x) ", {"unknown-anchor": -1}),
    "references": Hostile("{fig:aleppo-control} ", {}),
    "unknown-references": Hostile("{fig:nope} ", {"unknown-figure": -1}),
    "references-folded": Hostile("see {fig:aleppo-control} and ", {"unknown-figure": 1}, folded, "{fig:nope}"),
    "numbers": Hostile("90,000 90,000 3.000 ", {"number-format": -1}),
    "gazetteer": Hostile("Tadmor (Palmyra) al-Fu'ah ", {"place-name": -1}),
    "placeholders": Hostile("TODO ", {"placeholder": 1}),
    "backticks": Hostile("`` ` [a](b) ", {}),
    "code-spans": Hostile("`[x](javascript:y)` ", {}),
    "image-openers": Hostile("![", {}),
    "images": Hostile("![a](b) ", {"inline-image": -1}),
    "brackets": Hostile("[", {}),
    "escapes": Hostile("\\[x](javascript:y) ", {}),
    "autolinks": Hostile("<https://example.org/a> [a](b) ", {}),
    "angle-brackets": Hostile("<[a](b)", {}),
}

#: The budget, per character of text: calls and bytes. The rules make at most about 6 calls a
#: character on these patterns and keep at most about 9 bytes a character (the Markdown
#: scanner's mask and its stack of open brackets), plus what each diagnostic holds.
CALLS_PER_CHARACTER = 12
BYTES_PER_CHARACTER = 12
BYTES_PER_DIAGNOSTIC = 2_000


def validate_within_budget(project: Path, monkeypatch: pytest.MonkeyPatch, cases: dict[str, Hostile], size: int) -> tuple[Result, int]:
    """Validate the report with one paragraph per case (``size`` characters each) through the
    CLI, the lint rules running under the budget; the result and the length of the text."""
    bodies = {name: hostile.body(size) for name, hostile in cases.items()}
    paragraphs = "".join(cases[name].style(body) for name, body in bodies.items())
    (project / REPORT).write_text(with_paragraph(paragraphs), encoding="utf-8")
    config = project / "sitrepgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "max_references: 1000000\n", encoding="utf-8")
    length = sum(map(len, bodies.values()))
    diagnostics = sum(sum(hostile.expected(size).values()) for hostile in cases.values())
    measured: list[Work] = []
    original = reports.run_rules

    def counted(*args: Any) -> bool:
        with budget(CALLS_PER_CHARACTER * length, BYTES_PER_CHARACTER * length + BYTES_PER_DIAGNOSTIC * diagnostics) as work:
            went_on = original(*args)
        measured.append(work)
        return went_on

    monkeypatch.setattr(reports, "run_rules", counted)
    monkeypatch.chdir(project)
    result = run(project, "validate")
    # (the rules that read figures, then the others: each under the budget)
    work = Work(sum(w.calls for w in measured), max(w.peak for w in measured))
    print(f"{', '.join(cases)}: {length:,} characters, {work.calls:,} calls ({work.calls / length:.2f} a character), peak {work.peak:,} bytes ({work.peak / length:.2f} a character), {diagnostics:,} diagnostics")
    return result, length


def assert_reported(result: Result, expected: collections.Counter[str]) -> None:
    found = collections.Counter(re.findall(r"^sitreps/2016-12-08\.yaml:\d+:\d+: \w+\[([\w-]+)\]", result.stdout, re.MULTILINE))
    assert found == expected
    assert len(result.stdout.splitlines()) == sum(expected.values())
    errors = sum(n for code, n in expected.items() if code in ("unknown-figure", "unknown-anchor"))
    summary = f"1 file(s) checked: {errors} error(s), {sum(expected.values()) - errors} warning(s)"
    assert result.exit_code == (1 if errors else 0)
    assert result.stderr == (f"Error: {summary}\n" if errors else f"{summary}\n")


def test_a_megabyte_of_hostile_markdown_is_checked_in_linear_work(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every pattern as a paragraph of about 50 KB, a megabyte in all, in one report. On main
    the links alone took 4.7 s, 25 s and 119 s for 5,000, 10,000 and 20,000 of them, and nested
    links 264 MB at 50 KB: there, the budget stops the rules within its first few seconds."""
    cases = {**LINKS, **HOSTILE}
    size = MEGABYTE // len(cases)
    result, length = validate_within_budget(project, monkeypatch, cases, size)
    assert MEGABYTE - 1000 < length <= MEGABYTE
    assert_reported(result, sum((hostile.expected(size) for hostile in cases.values()), collections.Counter()))
    source = (project / REPORT).read_text(encoding="utf-8")
    line = source.count("\n", 0, source.index("[x](javascript:alert(1))")) + 1  # the folded scalar's last line
    assert f"{REPORT}:{line}:" in result.stdout.split("link to 'javascript:alert(1)'")[0].splitlines()[-1]


# --------------------------------------------------------------------------- positions in every scalar style

STYLES = r"""  - name: Hama
    paragraphs:
      - Plain {fig:p1} text folded
        onto a second line {fig:p2} and {fig:p2}
        [split
        link](javascript:p3).
      - 'Single ''quoted'' {fig:s1}
        second {fig:s2}'
      - "Double \u00e9\x41 {fig:d1} \
        joined {fig:d2}\n next {fig:d3}"
      - |
        Literal {fig:l1}
          indented {fig:l2}

        after blank {fig:l3}
      - >-
        Folded {fig:f1}
        second line {fig:f2}

        new paragraph {fig:f3}
          more indented {fig:f4} [x](file:///etc/passwd)
      - |2-
          explicit indentation {fig:e1}
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_positions_in_plain_quoted_literal_and_folded_scalars(project: Path, monkeypatch: pytest.MonkeyPatch, newline: str) -> None:
    """Each diagnostic points at its own character, across folded lines, escapes and repeats,
    with Unix or Windows line ends; a scalar whose layout the map does not follow (an explicit
    indentation) at the scalar itself."""
    text = SEED.replace("\n  - name: Homs\n", "\n" + STYLES + "\n  - name: Homs\n").replace("\n", newline)
    (project / REPORT).write_bytes(text.encode("utf-8"))
    monkeypatch.chdir(project)

    result = run(project, "validate")

    def unknown(ref: str, where: str) -> str:
        return f"{REPORT}:{where}: error[unknown-figure]: reference to a figure that does not exist: {{fig:{ref}}}; figures are: aleppo-control"

    def unsafe(url: str, where: str) -> str:
        return f"{REPORT}:{where}: warning[unsafe-link]: link to '{url}' is not allowed (only http, https, mailto and relative links) and is shown as plain text"

    expected = [
        unknown("p1", position(text, "{fig:p1}")),
        unknown("p2", position(text, "{fig:p2}", 0)),
        unknown("p2", position(text, "{fig:p2}", 1)),
        unsafe("javascript:p3", position(text, "[split")),
        unknown("s1", position(text, "{fig:s1}")),
        unknown("s2", position(text, "{fig:s2}")),
        unknown("d1", position(text, "{fig:d1}")),
        unknown("d2", position(text, "{fig:d2}")),
        unknown("d3", position(text, "{fig:d3}")),
        unknown("l1", position(text, "{fig:l1}")),
        unknown("l2", position(text, "{fig:l2}")),
        unknown("l3", position(text, "{fig:l3}")),
        unknown("f1", position(text, "{fig:f1}")),
        unknown("f2", position(text, "{fig:f2}")),
        unknown("f3", position(text, "{fig:f3}")),
        unknown("f4", position(text, "{fig:f4}")),
        unsafe("file:///etc/passwd", position(text, "[x](file:")),
        unknown("e1", position(text, "|2-")),  # the scalar itself
    ]
    assert result.stdout.splitlines() == expected
    assert result.stderr == "Error: 1 file(s) checked: 16 error(s), 2 warning(s)\n"


STYLE_TYPES = {
    "plain": str,
    "single": SingleQuotedScalarString,
    "double": DoubleQuotedScalarString,
    "literal": LiteralScalarString,
    "folded": FoldedScalarString,
}


@settings(derandomize=True, deadline=None, database=None, max_examples=300)
@given(
    text=st.lists(st.sampled_from(list("ab [](){}:#'\"\\\n\t-é\u2028") + ["  ", "\n\n", "fig"]), min_size=1, max_size=60).map("".join),
    style=st.sampled_from(list(STYLE_TYPES)),
    width=st.integers(min_value=8, max_value=60),
)
def test_every_character_of_a_value_maps_to_where_it_comes_from(text: str, style: str, width: int) -> None:
    """Whatever ruamel writes for a value, in any style and folded at any width, each character
    of the value maps to the same character in the source, or to the line break or escape that
    made it; positions only move forward. A scalar without a map must be one the map declines."""
    from sitrepgen.load import Document, _ScalarMap, make_yaml

    yaml = make_yaml()
    yaml.width = width
    buffer = io.StringIO()
    yaml.dump({"value": STYLE_TYPES[style](text)}, buffer)
    source = buffer.getvalue()
    try:
        node = yaml.compose(source).value[0][1]
        value = make_yaml().load(source)["value"]
    except YAMLError:  # ruamel cannot read back all it writes (a U+2028 in a literal block)
        assume(False)
    scalar = _ScalarMap.build(source, node, str(value))
    if scalar is None:
        header = source[node.start_mark.index :].split("\n", 1)[0]
        breaks = any(c in source for c in "\r\x85\u2028\u2029")  # line breaks to ruamel that the map does not follow
        assert any(c.isdigit() for c in header) or breaks, (source, value)
        return
    mapped = [scalar.source_index(i) for i in range(len(str(value)))]
    assert mapped == sorted(mapped)
    for i, char in enumerate(str(value)):
        assert source[mapped[i]] == char or char in " \n\t" or source[mapped[i]] in "\\\n\r", (i, char, source, mapped)
    doc = Document(path=Path("x.yaml"), display="x.yaml", text=source)
    for i in range(len(str(value))):
        line, col = doc.line_col(mapped[i])
        assert (source.split("\n")[line] + "\n")[col] == source[mapped[i]]


# --------------------------------------------------------------------------- anchors


def test_a_link_to_a_missing_anchor_is_a_validate_error(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On main this passed validate and failed the build: WeasyPrint refuses a link to an anchor
    that does not exist, and sitrepgen turns WeasyPrint's errors into a failed PDF."""
    text = SEED.replace("killing and injuring dozens.", "killing and injuring dozens [s](#top) and [t](<#Aleppo>).")
    (project / REPORT).write_text(text, encoding="utf-8")
    monkeypatch.chdir(project)

    result = run(project, "validate")

    hint = "link to a section (#aleppo, #rural-damascus, #idleb, ...), or cite a figure with {fig:ID}"
    assert result.stdout.splitlines() == [
        f"{REPORT}:{position(text, '[s](#top)')}: error[unknown-anchor]: link to '#top' leads nowhere: the report has no such anchor; {hint}",
        f"{REPORT}:{position(text, '[t](<#Aleppo>)')}: error[unknown-anchor]: link to '#Aleppo' leads nowhere: the report has no such anchor; {hint}",
    ]
    assert result.exit_code == 1 and result.stderr == "Error: 1 file(s) checked: 2 error(s), 0 warning(s)\n"


def test_links_to_the_pages_own_anchors_pass_and_build(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    links = "[r](#rural-damascus) [f](#fig-2016-12-08-aleppo-control) [k](#key-figures-2016-12-08) [c](#conclusions-heading) [e](#%61leppo) [top](#)"
    text = SEED.replace("killing and injuring dozens.", f"killing and injuring dozens {links}.")
    (project / REPORT).write_text(text, encoding="utf-8")
    monkeypatch.chdir(project)
    assert run(project, "validate").stdout == ""
    result = run(project, "build", "--jobs", "1")
    assert result.exit_code == 0, result.output
    page = (project / "site" / "reports" / "2016-12-08.html").read_text(encoding="utf-8")
    assert '<a href="#rural-damascus">r</a> <a href="#fig-2016-12-08-aleppo-control">f</a>' in page


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.depth = 0  #: inside <article class="report">

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "article" and values.get("class") == "report":
            self.depth = 1
        elif self.depth:
            self.depth += tag not in ("img", "br", "meta", "link", "hr", "input")
        if self.depth and values.get("id"):
            self.ids.add(str(values["id"]))

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1


@pytest.mark.parametrize("form", ["regions", "sections"])
def test_page_anchors_are_the_ids_of_the_report_body(project: Path, monkeypatch: pytest.MonkeyPatch, form: str) -> None:
    """The anchors validation allows are exactly the ids the report's body has (the print page,
    hence the PDF, shares that body): the older form with headings, key figures and conclusions,
    and the sections form with repeated section names."""
    from sitrepgen.names import page_anchors

    if form == "regions":
        text = SEED.replace("  - name: Rural Damascus\n", "  - name: Rural Damascus\n    heading: Around the capital\n")
    else:
        text = SECTIONS.replace("INDEX", "Homs").replace("#north", "#the-north").replace("#aleppo-3", "#aleppo-2")
    (project / REPORT).write_text(text, encoding="utf-8")
    monkeypatch.chdir(project)
    assert run(project, "build", "--jobs", "1").exit_code == 0
    parser = _Ids()
    parser.feed((project / "site" / "reports" / "2016-12-08.html").read_text(encoding="utf-8"))
    doc, report = load_report(project / REPORT, load_project(project))
    assert report is not None and parser.ids == page_anchors(report, "2016-12-08")
    expected = {"rural-damascus-heading", "conclusions-heading"} if form == "regions" else {"aleppo", "aleppo-2", "aleppo-heading", "the-north-heading"}
    assert expected <= parser.ids


# --------------------------------------------------------------------------- region names


SECTIONS = """title: Weekly Conflict Summary
period:
  start: 2016-12-02
  end: 2016-12-08
published: 2016-12-08
sections:
  - heading: Aleppo
    region: Aleppo
    blocks:
      - See [the north](#north) and [Idleb](#aleppo-2) and [the heading](#aleppo-heading).
  - region: Aleppo
    blocks:
      - More on Aleppo.
  - heading: The north
    region: [Idleb, INDEX]
    blocks:
      - In Idleb, [see above](#aleppo-3).
"""


def test_sections_have_their_own_anchors_and_region_names(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In the sections form a section's id is its heading, else its regions, made unique."""
    (project / REPORT).write_text(SECTIONS, encoding="utf-8")
    monkeypatch.chdir(project)

    result = run(project, "validate")

    hint = "link to a section (#aleppo, #aleppo-2, #the-north), or cite a figure with {fig:ID}"
    assert result.stdout.splitlines() == [
        f"{REPORT}:{position(SECTIONS, '[the north](#north)')}: error[unknown-anchor]: link to '#north' leads nowhere: the report has no such anchor; {hint}",
        f"{REPORT}:{position(SECTIONS, 'INDEX')}: error[region-name]: a region named 'INDEX' would have the page regions/index.html, which is the site's list of regions; name it differently",
        f"{REPORT}:{position(SECTIONS, '[see above]')}: error[unknown-anchor]: link to '#aleppo-3' leads nowhere: the report has no such anchor; {hint}",
    ]


def test_a_region_named_like_a_site_page_is_an_error_at_its_name(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On main, 'Index' silently replaced regions/index.html, the list of regions."""
    text = SEED.replace("  - name: Homs\n", "  - name: Index!\n")
    (project / REPORT).write_text(text, encoding="utf-8")
    monkeypatch.chdir(project)

    result = run(project, "build")

    assert result.stdout == (
        f"{REPORT}:{position(text, 'Index!')}: error[region-name]: a region named 'Index!' would have the page "
        "regions/index.html, which is the site's list of regions; name it differently\n"
    )
    assert result.exit_code == 1 and result.stderr == "Error: 1 error(s); nothing was written\n"
    assert not (project / "site").exists()
