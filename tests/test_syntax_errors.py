"""The table of YAML syntax errors seen in practice: each row is a file a writer could save, and
the exact line `validate` prints for it, at the mistake and in plain words (sitrepgen/syntax.py).
The same rows are in docs/writers-guide.md."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitrepgen import syntax
from sitrepgen.cli import cli

HEAD = "title: Weekly Conflict Summary\nperiod:\n  start: 2016-12-02\n  end: 2016-12-08\npublished: 2016-12-08\n"
BODY = HEAD + "regions:\n  - name: Idleb\n    paragraphs:\n"  # the next line is line 9


@dataclass(frozen=True)
class Row:
    text: str
    line: int
    col: int
    message: str
    rule: str  #: the name of the function in sitrepgen.syntax that explains it
    code: str = "yaml-syntax"


NEVER_CLOSED = "this text opens a quote ({q}) that is never closed; close it or remove it"
APOSTROPHE = " (inside '...', write an apostrophe as '')"

ROWS = {
    "unclosed-double-quote": Row(
        HEAD.replace("title: Weekly Conflict Summary", 'title: "Weekly Conflict Summary'),
        1, 8, NEVER_CLOSED.format(q='"'), "unclosed_quote",
    ),
    "unclosed-single-quote-in-a-list": Row(
        BODY + "      - 'In Idleb, airstrikes continued.\n      - Next.\n",
        9, 9, NEVER_CLOSED.format(q="'") + APOSTROPHE, "unclosed_quote",
    ),
    "single-quote-closed-by-an-apostrophe-lines-below": Row(
        BODY + "      - 'In Idleb, airstrikes\n        continued.\n      - The opposition's fighters\n        said: no.\n",
        9, 9,
        "this text opens a quote (') that is closed only by the apostrophe in \"opposition's\" on line 11; "
        "close the quote where the text ends, or remove it" + APOSTROPHE,
        "quote_closed_further_down",
    ),
    "double-quote-closed-by-a-quote-lines-below": Row(
        HEAD.replace("title: Weekly Conflict Summary", 'title: "Weekly Conflict Summary') + 'key_figures:\n  - label: of East Aleppo\n    value: 70\n    unit: "%"\n',
        1, 8,
        'this text opens a quote (") that is closed only by the next quote ("), on line 9; close the quote where the text ends, or remove it',
        "quote_closed_further_down",
    ),
    "apostrophe-in-single-quoted-line": Row(
        BODY + "      - 'It is the people's choice'\n",
        9, 26,
        "the apostrophe in \"people's\" closes the quote (') the value opens; inside '...', write an apostrophe as '', or leave the quotes out",
        "text_after_quote",
    ),
    "text-after-closing-quote": Row(
        HEAD.replace("title: Weekly Conflict Summary", 'title: "Weekly" Conflict Summary'),
        1, 17, "text after the closing quote; put the whole value inside the quotes", "text_after_quote",
    ),
    "list-item-one-space-too-far": Row(
        BODY + "      - >-\n        In Idleb, airstrikes continued.\n       - In Binnish, too.\n",
        11, 8, "this list item is indented 7 spaces, one more than the list item on line 9; indent it 6 spaces to line up with it",
        "misaligned_item",
    ),
    "list-item-one-space-short": Row(
        BODY + "      - >-\n        In Idleb, airstrikes continued.\n     - In Binnish, too.\n",
        11, 6, "this list item is indented 5 spaces, one less than the list item on line 9; indent it 6 spaces to line up with it",
        "misaligned_item",
    ),
    "key-one-space-short": Row(
        HEAD.replace("  end:", " end:") + "regions: []\n",
        4, 2, "this key is indented 1 space, one less than the key on line 3; indent it 2 spaces to line up with it",
        "misaligned_item",
    ),
    "key-indented-under-a-value": Row(
        HEAD.replace("period:", " series: Syria\nperiod:"),
        2, 2,
        "this line is indented 1 space, more than the key above it (0 on line 1), so YAML reads it as more "
        "of that value and the ':' is not allowed; indent 'series' 0 spaces like the key above",
        "colon_in_wrapped_text",
    ),
    "outdented-line-of-a-folded-paragraph": Row(
        BODY + "      - >-\n        In Idleb, airstrikes\n       continued.\n      - Next.\n",
        11, 8, "this line is indented 7 spaces, one less than the text above it (line 10), so it does not continue that text; indent it 8 spaces like the line above",
        "outdented_continuation",
    ),
    "outdented-line-of-a-plain-paragraph": Row(
        BODY + "      - In Idleb, airstrikes\n      continued.\n      - Next.\n",
        10, 7, "this line is indented 6 spaces, 2 less than the text above it (line 9), so it does not continue that text; indent it 8 spaces like the line above",
        "outdented_continuation",
    ),
    "colon-in-a-list-item-wrapped-over-two-lines": Row(
        BODY + "      - Note: airstrikes continued\n        in Idleb.\n",
        9, 13,
        "this ':' makes the list item a mapping (with the key 'Note'), so the next line cannot continue its "
        "text; if it is text, quote the text or start the item with `>-`",
        "colon_in_wrapped_item",
    ),
    "colon-in-wrapped-plain-text": Row(
        BODY + "      - In Idleb, airstrikes hit\n        two towns: Binnish and Teftnaz.\n",
        10, 18,
        "this ':' is inside text that goes on from the line above, and ': ' in text makes a key; quote the "
        "text, or start it with `>-` on the line of its key or '-'",
        "colon_in_wrapped_text",
    ),
    "second-colon-in-a-value": Row(
        HEAD + "series: Syria: Aleppo\n",
        6, 14, "the value holds ': ', which YAML reads as another key; put the value in quotes, or write it as a block that starts with `>-`",
        "colon_on_a_value_line",
    ),
    "stray-colon-at-the-end-of-a-line": Row(
        HEAD + "series: Syria:\n",
        6, 14, "a ':' at the end of a value; remove it, or put the value in quotes if it is part of the text",
        "colon_on_a_value_line",
    ),
    "tab-indentation": Row(
        HEAD.replace("  start:", "\tstart:"),
        3, 1, "this line is indented with a tab; YAML cannot be indented with tabs: use spaces", "tab",
    ),
    "tab-after-a-colon": Row(
        HEAD.replace("title: ", "title:\t"),
        1, 7, "a tab where YAML needs a space; replace it with a space", "tab",
    ),
    "value-starting-with-at": Row(
        HEAD + "organisation: @monitor\n",
        6, 15, "a value cannot begin with '@' in YAML; put the value in quotes", "reserved_first_character",
    ),
    "unclosed-bracket": Row(
        HEAD + "prepared_by: [Aleppo desk, Idleb desk\nseries: Syria\n",
        6, 14, "this '[' is not closed with ']' before the next line's key; close it, or quote the value if the '[' is part of the text",
        "unclosed_bracket",
    ),
    "value-starting-with-star": Row(
        HEAD + "organisation: *Monitor\n",
        6, 15, "'*Monitor' refers to an anchor '&Monitor' that does not exist; if the value is text that starts with '*', put it in quotes",
        "undefined_alias",
    ),
    "list-item-among-keys": Row(
        HEAD + "- Aleppo desk\n",
        6, 1, "a list item among keys; indent the list under the key it belongs to (e.g. 'paragraphs:'), or give it a key",
        "list_item_in_mapping",
    ),
    "backslash-in-double-quotes": Row(
        HEAD + 'organisation: "Monitor\\Desk"\n',
        6, 23, "inside \"...\", '\\D' is not an escape YAML knows; write a backslash as '\\\\', or use single quotes ('...'), where a backslash is just a backslash",
        "unknown_escape",
    ),
    "value-starting-with-a-brace": Row(
        HEAD.replace("title: Weekly Conflict Summary", "title: {map:gained_km2} km2 taken"),
        1, 8,
        "YAML reads a value that starts with '{' as a mapping ({key: value}), and text follows its closing '}'; "
        "put the whole value in quotes, or write it on the next lines after '>-'",
        "text_after_brackets",
    ),
    "list-item-starting-with-a-bracket": Row(
        BODY + "      - [Update] Airstrikes continued.\n",
        9, 9,
        "YAML reads a value that starts with '[' as a list ([a, b]), and text follows its closing ']'; "
        "put the whole value in quotes, or write it on the next lines after '>-'",
        "text_after_brackets",
    ),
    "duplicate-key": Row(
        HEAD + "title: Again\n",
        6, 1, "duplicate key 'title' (first defined on line 1); each key may appear once", "", code="duplicate-key",
    ),
}


def run(project: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


@pytest.mark.parametrize("name", list(ROWS), ids=list(ROWS))
def test_syntax_error_row(project: Path, name: str) -> None:
    row = ROWS[name]
    path = project / "sitreps" / "2016-12-08.yaml"
    path.write_text(row.text, encoding="utf-8")
    result = run(project, "validate", str(path))
    assert result.exit_code == 1
    assert result.stdout == f"{path.as_posix()}:{row.line}:{row.col}: error[{row.code}]: {row.message}\n"
    assert result.stderr == "Error: 1 file(s) checked: 1 error(s), 0 warning(s)\n"


@pytest.mark.parametrize("name", [n for n in ROWS if ROWS[n].rule], ids=[n for n in ROWS if ROWS[n].rule])
def test_row_is_explained_by_its_rule(name: str) -> None:
    """Each row is recognised by the rule the table names (not by an earlier, looser one)."""
    from ruamel.yaml.error import MarkedYAMLError

    from sitrepgen.load import make_yaml

    row = ROWS[name]
    with pytest.raises(MarkedYAMLError) as caught:
        make_yaml().load(row.text)
    failure = syntax.failure_of(row.text, caught.value)
    first = next(rule for _, rule in syntax.RULES if rule(failure) is not None)
    assert first.__name__ == row.rule


def test_every_rule_has_a_row() -> None:
    assert {rule.__name__ for _, rule in syntax.RULES} == {row.rule for row in ROWS.values() if row.rule}


def test_writers_guide_lists_every_rule() -> None:
    guide = (Path(__file__).resolve().parent.parent / "docs" / "writers-guide.md").read_text(encoding="utf-8")
    for description, _rule in syntax.RULES:
        assert f"| {description} |" in guide


def test_an_error_no_rule_knows_keeps_ruamels_words(project: Path) -> None:
    """A parser error outside the table is still reported at ruamel's mark, in ruamel's words."""
    path = project / "sitreps" / "2016-12-08.yaml"
    path.write_text(HEAD + "prepared_by: [Aleppo desk]]\n", encoding="utf-8")
    result = run(project, "validate", str(path))
    assert result.exit_code == 1
    assert result.stdout == f"{path.as_posix()}:6:27: error[yaml-syntax]: while parsing a block mapping: expected <block end>, but found ']'\n"
