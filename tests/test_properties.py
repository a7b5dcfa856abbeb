"""Property-based tests: whatever a file holds, loading it ends in a model or in diagnostics.

Random text, random YAML documents and random mutations of the seed report go through the
loader, the schema and the linter. None may raise; every diagnostic must sit inside the file
(1-based, at most one line past the last) and print without an encoding error; a model comes
back exactly when no error was found. The Markdown output gets the same treatment: whatever a
paragraph says, its .md form must hold no raw HTML, no image and no refused link for a viewer
that renders everything.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from sitrepgen import markup
from sitrepgen.config import Project, load_project
from sitrepgen.diagnostics import Diagnostic
from sitrepgen.load import read_document, validate_model
from sitrepgen.model import Report
from sitrepgen.reports import load_report
from tests.helpers import REPO, careless_dangers, seed_report_text

SEED = seed_report_text()
SEED_LINES = SEED.splitlines(keepends=True)

#: Derandomized so that CI sees the same examples on every run; the database stays off so that a
#: local failure cannot change what the next run tries.
PROPERTY = settings(derandomize=True, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

#: Line breaks as the YAML reader counts them (a diagnostic's line may follow any of them).
_BREAKS_RE = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


@pytest.fixture(scope="module")
def workspace() -> Iterator[tuple[Path, Project]]:
    """One project for every example (hypothesis cannot use function-scoped fixtures); each
    example overwrites the same report file, so nothing accumulates."""
    root = Path(tempfile.mkdtemp(prefix="sitrepgen-properties-"))
    shutil.copytree(REPO / "sitreps", root / "sitreps")
    try:
        yield root / "sitreps" / "2016-12-08.yaml", load_project(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def check_bounds(diagnostics: list[Diagnostic], raw: bytes) -> None:
    """Every diagnostic is inside the file and can be printed."""
    try:
        text: str | None = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        text = None
    breaks = len(_BREAKS_RE.findall(text)) if text is not None else raw.count(b"\n")
    plain_lines = text.split("\n") if text is not None and not re.search("[\r\x85\u2028\u2029]", text) else None
    for d in diagnostics:
        assert 1 <= d.line <= breaks + 1, d
        assert d.col >= 1, d
        if plain_lines is not None and d.line <= len(plain_lines):
            assert d.col <= len(plain_lines[d.line - 1]) + 1, d
        assert d.message and "\n" not in d.message, d
        for formatted in (d.format_text(), d.format_github(), str(d.as_json())):
            formatted.encode("utf-8")  # a lone surrogate in a message would crash the terminal output


def load_both_ways(path: Path, project: Project, raw: bytes) -> None:
    """The loader and validator alone, then the whole load with lint rules, as `build` runs it."""
    path.write_bytes(raw)
    doc = read_document(path)
    model = validate_model(doc, Report)
    assert (model is None) == (doc.has_errors or doc.data is None), doc.diagnostics
    if model is None:
        assert doc.has_errors, "no model, yet no error explains why"
    check_bounds(doc.diagnostics, raw)

    full, report = load_report(path, project)
    assert (report is None) == full.has_errors
    check_bounds(full.diagnostics, raw)


# --------------------------------------------------------------------------- random input

YAML_ALPHABET = st.sampled_from(list(":-?[]{},&*!|>'\"#%@` \t\n\r.~0123456789abcxyz\u00e9\u2028\\<"))
#: Pieces of YAML that have broken loaders before: anchors, aliases and merges, tags, dates that
#: do not exist, escapes of characters no output can carry, numbers too big to print.
YAML_FRAGMENTS = st.sampled_from(
    [":", ": ", " ", "\n", "- ", "  ", "\t", "[", "]", "{", "}", ", ", "&a ", "*a", "<<: ", "? ", "|", ">-", "'", '"', "#", "~",
     "!!float ", "!!bool ", "!!timestamp ", "!!python/object:os.system ", "!x ", "%YAML 1.1\n", "---\n", "...\n",
     "2016-02-30", "2016-12-08", "2016-12-08 10:00:00 +25:00", "title", "x", "\u00e9", "\u2028", "\r", '"\\x01"', '"\\ud800"',
     "0x" + "f" * 4000, ".inf", ".nan", "\\"]
)
schema_keys = st.sampled_from(
    ["title", "period", "start", "end", "published", "regions", "name", "paragraphs", "figures", "id", "image", "caption", "alt", "key_figures", "label", "value", "conclusions", "summary", "<<"]
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.dates(min_value=dt.date(1, 1, 1)),
)
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(schema_keys | st.text(max_size=8), children, max_size=5),
    max_leaves=25,
)


def dump(value: Any, flow: bool) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    buffer = io.StringIO()
    yaml.dump(value, buffer)
    return buffer.getvalue()


@PROPERTY
@given(text=st.text(max_size=400))
def test_any_text(workspace: tuple[Path, Project], text: str) -> None:
    load_both_ways(*workspace, text.encode("utf-8"))


@PROPERTY
@given(raw=st.binary(max_size=300))
def test_any_bytes(workspace: tuple[Path, Project], raw: bytes) -> None:
    load_both_ways(*workspace, raw)


@PROPERTY
@given(text=st.text(YAML_ALPHABET, max_size=300))
def test_yaml_punctuation(workspace: tuple[Path, Project], text: str) -> None:
    load_both_ways(*workspace, text.encode("utf-8"))


@settings(PROPERTY, max_examples=300)
@given(text=st.lists(YAML_FRAGMENTS, max_size=40).map("".join))
@example(text="&0")  # a document that is only an anchor: no value, no error (fixed)
@example(text="title: x\npublished: 2016-02-30\n")  # ruamel raised ValueError (fixed)
@example(text="m: &m {title: [1]}\n<<: *m\n")  # a merged key has no position (fixed)
@example(text='title: !!bool maybe\n')  # ruamel raised KeyError (fixed)
@example(text="title: " + "0x" + "f" * 4000 + "\n")  # too big to print in decimal (fixed)
def test_yaml_fragments(workspace: tuple[Path, Project], text: str) -> None:
    load_both_ways(*workspace, text.encode("utf-8"))


@PROPERTY
@given(value=documents, flow=st.booleans())
def test_random_yaml_documents(workspace: tuple[Path, Project], value: Any, flow: bool) -> None:
    load_both_ways(*workspace, dump(value, flow).encode("utf-8"))


# --------------------------------------------------------------------------- mutations of the seed

REPLACEMENTS = ["{a: 1}", "[1, 2]", "42", "-3.5", "", "~", "'90,000'", "2016-02-30", "[", "*nope", "&x", "!!python/object:os.system", "!!binary aGk=", ".inf", "|", ">-", '"\\x01"', "{fig:nope}"]


@st.composite
def mutated_seed(draw: st.DrawFn) -> str:
    """The seed with a few random edits of the kinds a hurried writer (or a fuzzer) makes."""
    lines = list(SEED_LINES)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "indent", "dedent", "tab", "replace", "truncate"]))
        if kind == "delete" and len(lines) > 1:
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "insert":
            col = draw(st.integers(0, len(lines[i])))
            extra = draw(st.text(YAML_ALPHABET, min_size=1, max_size=5) | st.text(min_size=1, max_size=3))
            lines[i] = lines[i][:col] + extra + lines[i][col:]
        elif kind == "indent":
            lines[i] = " " * draw(st.integers(1, 4)) + lines[i]
        elif kind == "dedent":
            lines[i] = lines[i][min(len(lines[i]) - len(lines[i].lstrip(" ")), draw(st.integers(1, 4))) :]
        elif kind == "tab":
            lines[i] = "\t" + lines[i].lstrip(" ")
        elif kind == "replace" and ":" in lines[i]:
            key = lines[i].split(":", 1)[0]
            lines[i] = f"{key}: {draw(st.sampled_from(REPLACEMENTS))}\n"
        elif kind == "truncate":
            lines = lines[: i + 1]
    return "".join(lines)


@settings(PROPERTY, max_examples=150)
@given(text=mutated_seed())
def test_mutations_of_the_seed(workspace: tuple[Path, Project], text: str) -> None:
    load_both_ways(*workspace, text.encode("utf-8"))


def test_the_seed_itself_loads(workspace: tuple[Path, Project]) -> None:
    """The unmutated seed gives a model, so the mutations above start from a valid report."""
    path, project = workspace
    path.write_text(SEED, encoding="utf-8")
    doc, report = load_report(path, project)
    assert report is not None, doc.diagnostics


# --------------------------------------------------------------------------- the Markdown output


MARKDOWN_ALPHABET = st.sampled_from(list("<>[]()!`\\*_:/ \n\t&#;\"'{}ajsvcript.0123456789") + ["javascript:", "file:", "https://x.org/", "<script>", "`", "``", "](", "]: ", "{fig:map}", "\n\n", "    "])


@settings(PROPERTY, max_examples=300)
@given(text=st.lists(MARKDOWN_ALPHABET, max_size=40).map("".join))
@example(text="\\`<script>alert(1)</script>\\`")  # an escaped backtick opens no code span (fixed)
@example(text="``<script>alert(1)</script>`")  # runs of unequal length do not pair (fixed)
@example(text="`a\n\n<script>alert(1)</script>\n\n`")  # code spans end with the paragraph (fixed)
@example(text="`a\n<script>\n`")  # an HTML block interrupts the paragraph
@example(text="[c][x]\n\n[x]: javascript:alert(1)")  # a refused link definition (fixed)
@example(text="![x](file:///etc/passwd) [y](javascript:alert(1)) ![z](https://t.example/p.png)")
def test_markdown_output_is_inert(text: str) -> None:
    out = markup.markdown_source(text, {"map": "Figure 1"})
    assert careless_dangers(out) == [], out
    assert careless_dangers("**Figure 1** " + out) == [], out  # as a caption is written


@PROPERTY
@given(text=st.text(st.characters(exclude_characters="<[{"), max_size=200))
def test_markdown_output_keeps_ordinary_text(text: str) -> None:
    """Text without anything to neutralise is copied exactly."""
    assert markup.markdown_source(text, {}) == text
