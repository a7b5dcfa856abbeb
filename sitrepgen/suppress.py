"""Suppressions: ``# sitrepgen: ignore[CODE] reason`` accepts a warning an editor has looked at.

One tolerated warning in an old report would otherwise block ``--strict`` (and so CI) for ever.
A comment line of its own, directly above a YAML node (a ``key:`` or a ``- `` list item),
silences the named warnings for that node and everything inside it::

    # sitrepgen: ignore[number-format] the source writes 3.000; kept as published
    - >-
      The number of people who left al-Tal numbers at around 3.000.

Rules, so that a suppression can never hide more than it says:

- only warnings are silenced; naming a code whose finding here is an error, or a code that
  does not exist, is a warning (``invalid-ignore``) and silences nothing;
- a reason is required (``invalid-ignore`` when it is missing; the codes are still silenced);
- a code that silences nothing in its node is a warning (``unused-ignore``) at the comment, so
  suppressions do not outlive the problem they accepted;
- the findings about suppressions themselves cannot be suppressed.

The node a comment applies to is found in the YAML tree, by the start line of each mapping
entry and list item (the entry's key to the end of its value), never by guessing from the text.
A line that looks like the comment inside a block or quoted scalar is text, not a comment.
The tree comes from libyaml's composer (about 4 ms for the seed report), or ruamel's round-trip
composer when the C extension is missing; only files holding the marker are composed at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .diagnostics import CODES, Diagnostic, Severity

MARKER = "sitrepgen:"
#: A whole comment line ``# sitrepgen: ignore[...] reason`` (the brackets may be missing: a mistake).
_COMMENT_RE = re.compile(r"^([ ]*)#[ \t]*sitrepgen:[ \t]*ignore\b(\[[^\]\n]*\]?)?([^\n]*)$", re.MULTILINE)
#: Findings about suppressions: never silenced.
OWN_CODES = frozenset({"unused-ignore", "invalid-ignore"})

Span = tuple[tuple[int, int], tuple[int, int]]  #: 0-based (line, col) start, end (exclusive)


@dataclass(frozen=True)
class Suppressed:
    """A finding a suppression silenced, and why (shown by ``--format json``)."""

    diagnostic: Diagnostic
    reason: str
    line: int  #: 1-based line of the suppression comment


@dataclass
class _Comment:
    line: int  #: 0-based
    col: int
    codes: list[str]
    reason: str
    bracketed: bool


def has_suppressions(text: str) -> bool:
    """Cheap test done on every report: the tree is composed only for files with the marker."""
    return MARKER in text and _COMMENT_RE.search(text) is not None


def apply(text: str, display: str, diagnostics: list[Diagnostic]) -> tuple[list[Diagnostic], list[Suppressed], list[Diagnostic]]:
    """Split one file's ``diagnostics`` into those kept and those suppressed, and add the
    findings about the suppressions themselves (returned third, never suppressed)."""
    if not has_suppressions(text):
        return diagnostics, [], []
    root = _compose(text)
    if root is None:  # the file does not parse: its errors say so; nothing can be matched
        return diagnostics, [], []
    comments = [c for c in _comments(text) if not _inside_scalar(root, c)]
    starts = _entry_spans(root)
    lines = text.split("\n")
    kept_ids = {id(d) for d in diagnostics}
    suppressed: list[Suppressed] = []
    added: list[Diagnostic] = []

    def warn(comment: _Comment, code: str, message: str) -> None:
        added.append(Diagnostic(display, comment.line + 1, comment.col + 1, Severity.WARNING, code, message))

    for comment in comments:
        target = _target_line(lines, comment.line)
        span = starts.get(target) if target is not None else None
        if not comment.bracketed or not comment.codes:
            warn(comment, "invalid-ignore", "a suppression names the warnings it accepts in brackets: '# sitrepgen: ignore[CODE] reason'")
            continue
        if not comment.reason:
            warn(comment, "invalid-ignore", f"the suppression of {_names(comment.codes)} gives no reason; say after the brackets why the warning is accepted")
        for code in comment.codes:
            if code not in CODES:
                warn(comment, "invalid-ignore", f"'{code}' is not a diagnostic code (docs/diagnostics.md lists them); this suppression silences nothing")
                continue
            if code in OWN_CODES:
                warn(comment, "invalid-ignore", f"'{code}' cannot be suppressed: remove or fix the suppression it is about")
                continue
            if span is None:
                warn(comment, "unused-ignore", f"the suppression of '{code}' is not directly above a key or a list item, so it silences nothing")
                continue
            inside = [d for d in diagnostics if d.code == code and id(d) in kept_ids and _within(d, span)]
            if any(d.is_error for d in inside):
                warn(comment, "invalid-ignore", f"'{code}' is an error here and errors cannot be suppressed: fix it")
            silenced = [d for d in inside if d.severity is Severity.WARNING]
            for d in silenced:
                kept_ids.discard(id(d))
                suppressed.append(Suppressed(d, comment.reason, comment.line + 1))
            if not inside:
                warn(comment, "unused-ignore", f"nothing is silenced by ignore[{code}] here: remove the suppression")
    kept = [d for d in diagnostics if id(d) in kept_ids]
    return kept, suppressed, added


def _names(codes: list[str]) -> str:
    return ", ".join(f"'{code}'" for code in codes)


def _comments(text: str) -> Iterator[_Comment]:
    for match in _COMMENT_RE.finditer(text):
        line = text.count("\n", 0, match.start())
        brackets = match.group(2) or ""
        bracketed = brackets.startswith("[") and brackets.endswith("]") and len(brackets) >= 2
        codes = [part.strip() for part in brackets[1:-1].split(",")] if bracketed else []
        codes = [code for code in codes if code]
        reason = match.group(3).strip().lstrip(":-\u2013\u2014 ").strip()
        yield _Comment(line, len(match.group(1)), codes, reason, bracketed)


def _compose(text: str) -> Any:
    """The node tree, with start and end marks: libyaml's when it parses the file, else ruamel's."""
    try:
        from ruamel.yaml.cyaml import CSafeLoader
    except ImportError:
        CSafeLoader = None  # noqa: N806 - the class, when the C extension is there
    if CSafeLoader is not None:
        loader = CSafeLoader(text)
        try:
            return loader.get_single_node()
        except Exception:  # noqa: BLE001 - let the round-trip composer judge the file
            pass
        finally:
            loader.dispose()
    from .load import make_yaml

    try:
        return make_yaml().compose(text)
    except Exception:  # noqa: BLE001 - a file that does not parse has its own diagnostics
        return None


def _nodes(root: Any) -> Iterator[Any]:
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        value = node.value
        if isinstance(value, list):
            for item in value:
                stack.extend(item if isinstance(item, tuple) else (item,))


def _mark(mark: Any) -> tuple[int, int]:
    return mark.line, mark.column


def _entry_spans(root: Any) -> dict[int, Span]:
    """Each line where a mapping entry or a list item starts, with the widest such node's span
    (a list item holding a mapping starts on the line of its first key: the item wins)."""
    found: dict[int, Span] = {}

    def widest(span: Span) -> tuple[tuple[int, int], int]:
        return span[1], -span[0][1]  # the later end; on a tie, the earlier start

    def offer(start: tuple[int, int], end: tuple[int, int]) -> None:
        if start[0] not in found or widest((start, end)) > widest(found[start[0]]):
            found[start[0]] = (start, end)

    for node in _nodes(root):
        if type(node).__name__ == "MappingNode":
            for key, value in node.value:
                offer(_mark(key.start_mark), _mark(value.end_mark))
        elif type(node).__name__ == "SequenceNode":
            for item in node.value:
                offer(_mark(item.start_mark), _mark(item.end_mark))
    return found


def _inside_scalar(root: Any, comment: _Comment) -> bool:
    """A '#' line inside a block or quoted scalar is part of the text, not a comment."""
    at = (comment.line, comment.col)
    for node in _nodes(root):
        if type(node).__name__ == "ScalarNode" and node.start_mark.line < comment.line and at < _mark(node.end_mark):
            return True
    return False


def _target_line(lines: list[str], line: int) -> int | None:
    """The first line after the comment that is neither blank nor a comment."""
    for index in range(line + 1, len(lines)):
        stripped = lines[index].strip()
        if stripped and not stripped.startswith("#"):
            return index
    return None


def _within(diagnostic: Diagnostic, span: Span) -> bool:
    at = (diagnostic.line - 1, diagnostic.col - 1)
    return span[0] <= at < span[1]
