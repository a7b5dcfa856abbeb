"""YAML syntax errors in a writer's words, at the place that caused them.

ruamel.yaml reports where its parser gave up, in the parser's terms ("while scanning a simple
key ... could not find expected ':'"), and that is often lines below the mistake: an unclosed
quote is found at the end of the file, a colon in a wrapped paragraph at the next line. Each
rule of ``RULES`` recognises one error seen in practice, from the exception's marks and the
text's lines and tokens (exact positions, never a guess from a substring), and says what is
wrong, where the writer made the mistake, and how to fix it. The table in
docs/writers-guide.md and tests/test_syntax_errors.py lists the same rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: 0-based line, 0-based column, message.
Explained = tuple[int, int, str]


@dataclass(frozen=True)
class Failure:
    """What a rule reads: the parser's error and the file's text, split as ruamel counts lines."""

    text: str
    lines: list[str]
    context: str
    problem: str
    context_mark: Any
    problem_mark: Any

    def indent(self, line: int) -> int:
        """Spaces before the first character of a line (0 for a line past the end)."""
        if not 0 <= line < len(self.lines):
            return 0
        text = self.lines[line]
        return len(text) - len(text.lstrip(" "))

    def previous_content(self, line: int) -> int | None:
        """The nearest line above ``line`` with content (not blank, not a comment)."""
        for number in range(min(line, len(self.lines)) - 1, -1, -1):
            stripped = self.lines[number].strip()
            if stripped and not stripped.startswith("#"):
                return number
        return None


Rule = Callable[[Failure], "Explained | None"]


def _spaces(count: int) -> str:
    return f"{count} space" if count == 1 else f"{count} spaces"


def _by(difference: int) -> str:
    return "one" if difference == 1 else str(difference)


# --------------------------------------------------------------------------- quotes


def unclosed_quote(f: Failure) -> Explained | None:
    """A quote that runs to the end of the file: at its opening quote (the context mark)."""
    if f.context != "while scanning a quoted scalar" or f.context_mark is None:
        return None
    line, col = f.context_mark.line, f.context_mark.column
    quote = f.lines[line][col] if col < len(f.lines[line]) else '"'
    hint = " (inside '...', write an apostrophe as '')" if quote == "'" else ""
    return line, col, f"this text opens a quote ({quote}) that is never closed; close it or remove it{hint}"


def quote_closed_further_down(f: Failure) -> Explained | None:
    """An unclosed quote that another quote further down closes (the apostrophe of "the
    opposition's", the first quote of ``unit: "%"``), after which the parser fails on whatever
    follows: at the opening quote, naming where it was closed."""
    from ruamel.yaml.tokens import ScalarToken

    from .load import make_yaml

    limit = f.problem_mark.index if f.problem_mark is not None else len(f.text)
    tokens: list[Any] = []
    try:  # the text up to the error: the scanner yields a token only once it sees what follows
        for token in make_yaml().scan(f.text[:limit]):
            tokens.append(token)
    except Exception:  # noqa: BLE001 - another error before the end; the tokens before it are kept
        pass
    for token in reversed(tokens):
        if not isinstance(token, ScalarToken) or token.style not in ("'", '"') or token.start_mark.index > limit:
            continue
        end = token.end_mark.index
        if token.end_mark.line == token.start_mark.line or end >= len(f.text) or f.text[end].isspace() or f.text[end] in ",]}:":
            continue  # a quote that closes on its own line, or is followed by what may follow it
        line, col, closed = token.start_mark.line, token.start_mark.column, token.end_mark.line + 1
        if token.style == "'" and f.text[end].isalnum():
            word = re.match(r"\S*", f.text[f.text.rfind(" ", 0, end - 1) + 1 :]).group(0)  # type: ignore[union-attr]
            where, hint = f"the apostrophe in {word!r} on line {closed}", " (inside '...', write an apostrophe as '')"
        else:
            where, hint = f"the next quote ({token.style}), on line {closed}", ""
        return line, col, (
            f"this text opens a quote ({token.style}) that is closed only by {where}; close the quote "
            f"where the text ends, or remove it{hint}"
        )
    return None


# --------------------------------------------------------------------------- colons


_LIST_ITEM_KEY_RE = re.compile(r"^(\s*)-\s+([^\s:#'\"][^:#]*?):(?:\s|$)")


def colon_in_wrapped_item(f: Failure) -> Explained | None:
    """``- Note: airstrikes ...`` wrapped over two lines: the ': ' made the item a mapping, and the
    next line cannot continue it. At the colon's line, with the fix."""
    if f.context != "while scanning a simple key" or f.context_mark is None:
        return None
    before = f.previous_content(f.context_mark.line)
    if before is None:
        return None
    match = _LIST_ITEM_KEY_RE.match(f.lines[before])
    if match is None or match.start(2) != f.context_mark.column:
        return None
    return before, match.end(2), (
        f"this ':' makes the list item a mapping (with the key {match.group(2)!r}), so the next line "
        "cannot continue its text; if it is text, quote the text or start the item with `>-`"
    )


def colon_on_a_value_line(f: Failure) -> Explained | None:
    """A second ': ' on a line that already has ``key: value`` (``series: Syria: Aleppo``), or a
    ':' ending it (``series: Syria:``): at that colon."""
    if f.problem != "mapping values are not allowed here" or f.problem_mark is None:
        return None
    line, col = f.problem_mark.line, f.problem_mark.column
    text = f.lines[line]
    first = re.match(r"^\s*(?:-\s+)?[^\s:#'\"][^:#]*?:\s+\S", text)
    if first is None or first.end() > col:
        return None
    if not text[col + 1 :].strip():
        return line, col, "a ':' at the end of a value; remove it, or put the value in quotes if it is part of the text"
    return line, col, "the value holds ': ', which YAML reads as another key; put the value in quotes, or write it as a block that starts with `>-`"


def colon_in_wrapped_text(f: Failure) -> Explained | None:
    """A ': ' on a continuation line of plain text (``two towns: Binnish and Teftnaz``), or a key
    indented under a value (`` series: Syria`` below ``title: x``): at that line."""
    if f.problem != "mapping values are not allowed here" or f.problem_mark is None:
        return None
    line, col = f.problem_mark.line, f.problem_mark.column
    before = f.previous_content(line)
    if before is None:
        return None
    key = re.match(r"^\s*([A-Za-z_][A-Za-z0-9_]*)$", f.lines[line][:col])
    above = re.match(r"^\s*(?:-\s+)?[A-Za-z_][A-Za-z0-9_]*:\s+\S", f.lines[before])
    if key is not None and above is not None and f.indent(line) > f.indent(before):
        return line, f.indent(line), (
            f"this line is indented {_spaces(f.indent(line))}, more than the key above it ({f.indent(before)} on line "
            f"{before + 1}), so YAML reads it as more of that value and the ':' is not allowed; indent "
            f"{key.group(1)!r} {_spaces(f.indent(before))} like the key above"
        )
    return line, col, (
        "this ':' is inside text that goes on from the line above, and ': ' in text makes a key; "
        "quote the text, or start it with `>-` on the line of its key or '-'"
    )


# --------------------------------------------------------------------------- indentation


def _sibling(f: Failure, line: int, item: bool) -> int | None:
    """The nearest line above with content of the same kind (a list item, or a key) and another
    indentation: the one this line does not line up with."""
    for number in range(line - 1, -1, -1):
        stripped = f.lines[number].strip()
        if not stripped or stripped.startswith("#"):
            continue
        is_item = stripped.startswith("- ") or stripped == "-"
        if is_item == item and f.indent(number) != f.indent(line):
            if item or re.match(r"^[^\s:#'\"][^:#]*:(?:\s|$)", stripped):
                return number
    return None


def misaligned_item(f: Failure) -> Explained | None:
    """A list item or key that does not line up with the others of its list or mapping ("expected
    <block end>, but found '<block sequence start>'"): at that line, by how much."""
    if f.problem_mark is None or not f.problem.startswith("expected <block end>, but found '<block"):
        return None
    line = f.problem_mark.line
    item = "sequence" in f.problem
    other = _sibling(f, line, item)
    if other is None:
        return None
    mine, theirs = f.indent(line), f.indent(other)
    what = "list item" if item else "key"
    more = f"{_by(mine - theirs)} more" if mine > theirs else f"{_by(theirs - mine)} less"
    return line, mine, (
        f"this {what} is indented {_spaces(mine)}, {more} than the {what} on line {other + 1}; "
        f"indent it {_spaces(theirs)} to line up with it"
    )


def outdented_continuation(f: Failure) -> Explained | None:
    """A line of a paragraph indented less than the lines before it: YAML ends the paragraph
    there and cannot read the line as anything. At that line, with the indentation it needs."""
    if f.context == "while scanning a simple key" and f.context_mark is not None:
        line = f.context_mark.line  # the line the scanner took for a key
    elif f.problem == "expected <block end>, but found '<scalar>'" and f.problem_mark is not None:
        line = f.problem_mark.line
    else:
        return None
    before = f.previous_content(line)
    if before is None:
        return None
    stripped = f.lines[before].strip()
    if re.match(r"^(?:-\s+)?[^\s:#'\"][^:#]*:(?:\s|$)", stripped) and not stripped.startswith("- "):
        return None  # the line above is a key: this is not the rest of its text
    item = re.match(r"^\s*-\s+(?![>|])", f.lines[before])  # text on a list item's line starts after '- '
    mine, theirs = f.indent(line), item.end() if item else f.indent(before)
    if mine >= theirs:
        return None
    return line, mine, (
        f"this line is indented {_spaces(mine)}, {_by(theirs - mine)} less than the text above it "
        f"(line {before + 1}), so it does not continue that text; indent it {_spaces(theirs)} like the line above"
    )


# --------------------------------------------------------------------------- other characters


def tab(f: Failure) -> Explained | None:
    """A tab where YAML needs spaces (indentation, or between a key and its value)."""
    if "found character '\\t' that cannot start any token" not in f.problem or f.problem_mark is None:
        return None
    line, col = f.problem_mark.line, f.problem_mark.column
    if not f.lines[line][:col].strip(" \t"):
        return line, col, "this line is indented with a tab; YAML cannot be indented with tabs: use spaces"
    return line, col, "a tab where YAML needs a space; replace it with a space"


def reserved_first_character(f: Failure) -> Explained | None:
    """A value starting with '@', '`' or '%', which YAML reserves."""
    match = re.match(r"found character '(.)' that cannot start any token", f.problem)
    if match is None or f.problem_mark is None:
        return None
    char = match.group(1)
    return f.problem_mark.line, f.problem_mark.column, f"a value cannot begin with {char!r} in YAML; put the value in quotes"


def unclosed_bracket(f: Failure) -> Explained | None:
    """A ``[`` or ``{`` never closed: at the bracket (the context mark)."""
    match = re.match(r"while parsing a flow (sequence|mapping)$", f.context)
    if match is None or f.context_mark is None:
        return None
    opening, closing = ("[", "]") if match.group(1) == "sequence" else ("{", "}")
    return f.context_mark.line, f.context_mark.column, (
        f"this {opening!r} is not closed with {closing!r} before the next line's key; close it, "
        f"or quote the value if the {opening!r} is part of the text"
    )


def text_after_quote(f: Failure) -> Explained | None:
    """Text after a closing quote on the same line (``title: "Weekly" summary``)."""
    if f.problem != "expected <block end>, but found '<scalar>'" or f.problem_mark is None:
        return None
    line, col = f.problem_mark.line, f.problem_mark.column
    before = f.lines[line][:col].rstrip()
    if not before.endswith(('"', "'")) or not before.strip():
        return None
    if before.endswith("'") and before == f.lines[line][:col] and len(before) > 1 and before[-2].isalnum():
        word = re.search(r"\S*$", before).group(0) + re.match(r"\S*", f.lines[line][col:]).group(0)  # type: ignore[union-attr]
        return line, col - 1, (
            f"the apostrophe in {word!r} closes the quote (') the value opens; inside '...', write an "
            "apostrophe as '', or leave the quotes out"
        )
    return line, col, "text after the closing quote; put the whole value inside the quotes"


def text_after_brackets(f: Failure) -> Explained | None:
    """A value that starts with ``{`` or ``[`` and goes on after the closing one
    (``caption: {map:gained_km2} km2 taken``): YAML read the brackets as a mapping or a list."""
    if f.problem != "expected <block end>, but found '<scalar>'" or f.problem_mark is None:
        return None
    line, col = f.problem_mark.line, f.problem_mark.column
    match = re.match(r"(\s*(?:-\s+)?(?:[^\s#'\"{}\[\]][^:#]*?:\s+)?)([{\[])", f.lines[line])
    before = f.lines[line][:col].rstrip()
    if match is None or not before.endswith(("}", "]")) or len(match.group(1)) >= col:
        return None
    opening = match.group(2)
    kind = "a mapping ({key: value})" if opening == "{" else "a list ([a, b])"
    return line, len(match.group(1)), (
        f"YAML reads a value that starts with {opening!r} as {kind}, and text follows its closing "
        f"{'}' if opening == '{' else ']'!r}; put the whole value in quotes, or write it on the next "
        "lines after '>-'"
    )


def undefined_alias(f: Failure) -> Explained | None:
    """``*word`` with no ``&word`` anchor: a value that starts with '*'."""
    match = re.match(r"found undefined alias '(.*)'", f.problem)
    if match is None or f.problem_mark is None:
        return None
    return f.problem_mark.line, f.problem_mark.column, (
        f"'*{match.group(1)}' refers to an anchor '&{match.group(1)}' that does not exist; "
        "if the value is text that starts with '*', put it in quotes"
    )


def unknown_escape(f: Failure) -> Explained | None:
    """A backslash in double quotes before a letter YAML gives no meaning (``"C:\\docs"``)."""
    match = re.match(r"found unknown escape character '(.)'", f.problem)
    if match is None or f.problem_mark is None:
        return None
    line, col = f.problem_mark.line, max(f.problem_mark.column - 1, 0)
    return line, col, (
        f"inside \"...\", '\\{match.group(1)}' is not an escape YAML knows; write a backslash as '\\\\', "
        "or use single quotes ('...'), where a backslash is just a backslash"
    )


def list_item_in_mapping(f: Failure) -> Explained | None:
    """A '-' list item where the file holds keys, at the same indentation as them."""
    if f.problem != "expected <block end>, but found '-'" or f.problem_mark is None:
        return None
    line, col = f.problem_mark.line, f.problem_mark.column
    return line, col, (
        "a list item among keys; indent the list under the key it belongs to (e.g. 'paragraphs:'), "
        "or give it a key"
    )


#: Each row: (what the writer did, the rule that recognises it). Tried in order; the first rule
#: that recognises the error explains it.
RULES: tuple[tuple[str, Rule], ...] = (
    ("an unclosed quote", unclosed_quote),
    ("an unclosed quote closed by another quote further down", quote_closed_further_down),
    ("a colon in a list item wrapped over two lines", colon_in_wrapped_item),
    ("a tab", tab),
    ("a value starting with @, ` or %", reserved_first_character),
    ("a second colon on a key's line, or one ending it", colon_on_a_value_line),
    ("a colon in wrapped text, or a key indented under a value", colon_in_wrapped_text),
    ("a list item or key out of line with its siblings", misaligned_item),
    ("text after a closing quote", text_after_quote),
    ("a value starting with { or [ and going on after the closing one", text_after_brackets),
    ("an outdented line of a paragraph", outdented_continuation),
    ("an unclosed [ or {", unclosed_bracket),
    ("an alias with no anchor", undefined_alias),
    ("a list item among keys", list_item_in_mapping),
    ("a backslash in double quotes", unknown_escape),
)


def failure_of(text: str, exc: Any) -> Failure:
    """What the rules read of a ruamel error (a MarkedYAMLError) in ``text``."""
    return Failure(
        text=text,
        lines=re.split("\r\n|\r|\n", text),
        context=" ".join(str(exc.context or "").split()),
        problem=" ".join(str(exc.problem or "").split()),
        context_mark=exc.context_mark,
        problem_mark=exc.problem_mark,
    )


def explain(text: str, exc: Any) -> Explained | None:
    """The first rule's explanation of a ruamel error, or None (the caller keeps ruamel's words)."""
    failure = failure_of(text, exc)
    for _name, rule in RULES:
        try:
            found = rule(failure)
        except (IndexError, ValueError, AttributeError):  # a mark past the text: not this rule
            continue
        if found is not None:
            return found
    return None
