"""Read YAML with its positions, and turn every problem into a diagnostic at a line and column.

Three stages, each of which can only add diagnostics, never raise for a problem in the input:
read (size, encoding), parse (ruamel.yaml round-trip, YAML 1.2), convert (plain Python values,
rejecting tags and runaway aliases). Schema validation then maps pydantic's error locations back
to the YAML nodes by walking the same path through the tree.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from .diagnostics import CODES, Diagnostic, Severity, display_path

#: Limits that keep a hostile or broken file from hanging a build (see docs/security.md).
MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 100_000

ModelT = TypeVar("ModelT", bound=BaseModel)
Loc = tuple[str | int, ...]


def make_yaml() -> YAML:
    """A fresh round-trip loader: safe from code execution, keeps positions and comments."""
    yaml = YAML(typ="rt", pure=True)
    yaml.max_depth = MAX_DEPTH
    yaml.allow_duplicate_keys = False
    return yaml


@dataclass
class Document:
    """A YAML file as loaded: its text, its round-trip tree and the diagnostics found so far."""

    path: Path
    display: str
    text: str = ""
    tree: Any = None
    data: Any = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _composed: Any = field(default=None, repr=False)

    def add(
        self,
        line: int,
        col: int,
        code: str,
        message: str,
        severity: Severity = Severity.ERROR,
    ) -> None:
        """Record a problem; ``line`` and ``col`` are 0-based as ruamel gives them."""
        assert code in CODES, f"undocumented diagnostic code {code!r}"
        self.diagnostics.append(
            Diagnostic(self.display, line + 1, col + 1, severity, code, message)
        )

    def add_at(
        self,
        loc: Loc,
        code: str,
        message: str,
        severity: Severity = Severity.ERROR,
        *,
        at_key: bool = False,
    ) -> None:
        line, col = self.position(loc, at_key=at_key)
        self.add(line, col, code, message, severity)

    def position(self, loc: Loc, *, at_key: bool = False) -> tuple[int, int]:
        """The 0-based position of the node at ``loc``, found by walking the tree exactly.

        Walking stops at the deepest node that exists, so a missing key is reported at the
        mapping that lacks it. ``at_key`` points at a mapping key rather than its value.
        """
        node = self.tree
        where = _start(node)
        for index, part in enumerate(loc):
            last = index == len(loc) - 1
            if isinstance(node, CommentedMap) and isinstance(part, str) and part in node:
                where = node.lc.key(part) if (last and at_key) else node.lc.value(part)
                node = node[part]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                where = node.lc.item(part)
                node = node[part]
            else:
                break
        return where

    def position_of_text(self, loc: Loc, needle: str, occurrence: int = 0) -> tuple[int, int]:
        """The 0-based position of ``needle`` inside the scalar at ``loc``.

        The scalar's span comes from the composed node graph (start and end marks), so only
        that value's own source text is searched; when the needle is not found verbatim there
        (it was folded across lines, or escaped) the value's own position is the answer.
        """
        node = self._node_at(loc)
        if node is not None:
            span = self.text[node.start_mark.index : node.end_mark.index]
            index = -1
            for _ in range(occurrence + 1):
                index = span.find(needle, index + 1)
                if index < 0:
                    break
            if index >= 0:
                absolute = node.start_mark.index + index
                line = self.text.count("\n", 0, absolute)
                return line, absolute - (self.text.rfind("\n", 0, absolute) + 1)
        return self.position(loc)

    def _node_at(self, loc: Loc) -> Node | None:
        if self._composed is None:
            try:
                self._composed = make_yaml().compose(self.text)
            except YAMLError:
                return None
        node = self._composed
        for part in loc:
            if isinstance(node, MappingNode) and isinstance(part, str):
                node = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
            elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
            else:
                return None
            if node is None:
                return None
        return node

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


def _start(node: Any) -> tuple[int, int]:
    lc = getattr(node, "lc", None)
    if lc is not None and lc.line is not None:
        return lc.line, lc.col
    return 0, 0


# --------------------------------------------------------------------------- read and parse


def read_document(path: Path, *, max_bytes: int = MAX_BYTES, root: Path | None = None) -> Document:
    """Read, parse and convert one YAML file; problems end up in ``document.diagnostics``."""
    doc = Document(path=path, display=display_path(path, root))
    raw = _read_bytes(doc, max_bytes)
    if raw is None:
        return doc
    try:
        doc.text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start)
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1)
        doc.add(line, col, "encoding", f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8")
        return doc
    if doc.text.startswith("\ufeff"):
        doc.text = doc.text[1:]
    if not doc.text.strip() or _only_comments(doc.text):
        doc.add(0, 0, "empty-file", "the file is empty; a report needs at least title, period, published and regions")
        return doc
    if not _check_directives(doc):
        return doc
    doc.tree = _parse(doc)
    if doc.tree is None:
        return doc
    if not isinstance(doc.tree, CommentedMap):
        doc.add(*_start(doc.tree), "not-a-mapping", f"the file must hold a mapping of keys (title: ..., period: ...), not {describe(doc.tree)}")
        return doc
    doc.data = _Converter(doc).convert(doc.tree, ())
    return doc


def _read_bytes(doc: Document, max_bytes: int) -> bytes | None:
    try:
        size = doc.path.stat().st_size
        if size > max_bytes:
            doc.add(0, 0, "too-large", f"the file is {size:,} bytes, more than the limit of {max_bytes:,}; split it or raise the limit")
            return None
        with doc.path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        doc.add(0, 0, "unreadable", f"cannot read the file: {exc.strerror or exc}")
        return None
    if len(raw) > max_bytes:  # it grew while we looked
        doc.add(0, 0, "too-large", f"the file is more than the limit of {max_bytes:,} bytes")
        return None
    return raw


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


_DIRECTIVE_RE = re.compile(r"^%YAML[ \t]+(\S+)", re.MULTILINE)


def _check_directives(doc: Document) -> bool:
    """Refuse ``%YAML 1.1``: it would bring back 1.1 typing (``no`` becoming false)."""
    for match in _DIRECTIVE_RE.finditer(doc.text):
        if match.group(1) != "1.2":
            line = doc.text.count("\n", 0, match.start())
            doc.add(line, 0, "yaml-version", f"only YAML 1.2 is accepted, not %YAML {match.group(1)}; remove the directive")
            return False
    return True


def _parse(doc: Document) -> Any:
    yaml = make_yaml()
    try:
        return yaml.load(doc.text)
    except MarkedYAMLError as exc:
        _syntax_diagnostic(doc, exc)
    except YAMLError as exc:  # an unmarked YAML error still names the file
        doc.add(0, 0, "yaml-syntax", _one_line(str(exc)))
    except RecursionError:
        doc.add(0, 0, "too-deep", f"the YAML nests too deeply (more than {MAX_DEPTH} levels)")
    return None


def _syntax_diagnostic(doc: Document, exc: MarkedYAMLError) -> None:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line, mark.column) if mark is not None else (0, 0)
    problem = _one_line(exc.problem or exc.context or "invalid YAML")
    name = type(exc).__name__
    if name == "DuplicateKeyError":
        key = re.search(r'duplicate key "(.*?)"', problem)
        first = _first_key_line(doc.text, exc.context_mark, key.group(1) if key else None)
        where = f" (first defined on line {first + 1})" if first is not None else ""
        doc.add(line, col, "duplicate-key", f"duplicate key '{key.group(1) if key else '?'}'{where}; each key may appear once")
        return
    if name == "MaxDepthExceededError":
        doc.add(line, col, "too-deep", f"the YAML nests more than {MAX_DEPTH} levels deep")
        return
    if _indented_with_tab(doc.text, line):
        problem += " (YAML cannot be indented with tabs: use spaces)"
    context = f"{_one_line(exc.context)}: " if exc.context and exc.problem else ""
    doc.add(line, col, "yaml-syntax", f"{context}{problem}")


def _indented_with_tab(text: str, line: int) -> bool:
    lines = text.splitlines()
    if not 0 <= line < len(lines):
        return False
    indent = lines[line][: len(lines[line]) - len(lines[line].lstrip())]
    return "\t" in indent


def _first_key_line(text: str, mapping_mark: Any, key: str | None) -> int | None:
    """Line (0-based) of a duplicated key's first occurrence, found in the composed node graph."""
    if mapping_mark is None or key is None:
        return None
    try:
        root = make_yaml().compose(text)
    except YAMLError:
        return None
    stack: list[Node] = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, MappingNode):
            if node.start_mark.line == mapping_mark.line and node.start_mark.column == mapping_mark.column:
                for key_node, _ in node.value:
                    if getattr(key_node, "value", None) == key:
                        return key_node.start_mark.line
            stack.extend(v for pair in node.value for v in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return None


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


# --------------------------------------------------------------------------- convert


class _Converter:
    """Copy the round-trip tree into plain Python values, refusing what a report never needs.

    Tags (``!!python/object``, ``!foo``, ``!!binary``) are refused rather than silently kept, and
    aliases are expanded under a node budget so that a billion-laughs file fails fast.
    """

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.nodes = 0
        self.active: set[int] = set()
        self.failed = False

    def convert(self, node: Any, loc: Loc) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            if not self.failed:
                self.doc.add_at(loc, "too-many-nodes", f"the file expands to more than {MAX_NODES:,} values (aliases expanding too far?)")
                self.failed = True
            return None
        tag = getattr(node, "tag", None)
        tag_value = getattr(tag, "value", tag)
        if isinstance(node, TaggedScalar) or (isinstance(node, (CommentedMap, CommentedSeq)) and tag_value):
            self.doc.add_at(loc, "yaml-tag", f"YAML tags such as '{tag_value}' are not allowed in a report; remove the tag")
            return None
        if isinstance(node, (CommentedMap, CommentedSeq)):
            if id(node) in self.active:
                self.doc.add_at(loc, "yaml-alias", "an alias refers to a value that contains it; remove the recursive alias")
                return None
            self.active.add(id(node))
            try:
                if isinstance(node, CommentedMap):
                    return {self._key(k, loc): self.convert(v, (*loc, k)) for k, v in node.items()}
                return [self.convert(v, (*loc, i)) for i, v in enumerate(node)]
            finally:
                self.active.discard(id(node))
        return self._scalar(node, loc)

    def _key(self, key: Any, loc: Loc) -> Any:
        if not isinstance(key, str):
            self.doc.add_at(loc, "yaml-key", f"keys must be plain words, not {describe(key)}")
            return repr(key)
        return str(key)

    def _scalar(self, node: Any, loc: Loc) -> Any:
        if node is None or isinstance(node, bool):
            return node
        if isinstance(node, str):
            return str(node)
        if isinstance(node, int):
            return int(node)
        if isinstance(node, float):
            return float(node)
        if isinstance(node, (dt.date, dt.datetime)):
            return node
        self.doc.add_at(loc, "yaml-type", f"{describe(node)} is not allowed in a report")
        return None


# --------------------------------------------------------------------------- validate


def validate_model(doc: Document, model: type[ModelT]) -> ModelT | None:
    """Validate ``doc.data`` against ``model``; schema errors become diagnostics at their nodes."""
    if doc.data is None or doc.has_errors:
        return None
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # A misspelt key ('titel') also makes its real name missing: report it once, as the typo.
        misspelt = {
            (_data_loc(doc.data, tuple(e["loc"]))[:-1], s)
            for e in errors
            if e["type"] == "extra_forbidden"
            for s in _suggest(str(e["loc"][-1]), model, _data_loc(doc.data, tuple(e["loc"]))[:-1])
        }
        seen: set[tuple[Loc, str, str]] = set()
        for error in errors:
            loc = _data_loc(doc.data, tuple(error["loc"]))
            if error["type"] == "missing" and (loc, error["loc"][-1]) in misspelt:
                continue
            code, message = _explain(error, loc, model)
            if (loc, code, message) in seen:  # one value failing every member of a union
                continue
            seen.add((loc, code, message))
            doc.add_at(loc, code, message, at_key=error["type"] == "extra_forbidden")
        return None


def _data_loc(data: Any, loc: Loc) -> Loc:
    """The longest prefix of a pydantic location that exists in the data.

    It drops union member tags (``('value', 'int')``) and, for a missing key, the key itself,
    so the position is that of the mapping which lacks it.
    """
    node, kept = data, []
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            break
        kept.append(part)
    return tuple(kept)


_TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "date_type": "a date written YYYY-MM-DD (without quotes)",
    "list_type": "a list",
    "model_type": "a mapping of keys",
    "dict_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys",
}


def _explain(error: Any, loc: Loc, model: type[BaseModel]) -> tuple[str, str]:
    """A stable code and a message that says what is wrong and how to fix it."""
    kind = error["type"]
    where = _name(loc)
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        close = _suggest(key, model, loc[:-1])
        allowed = _allowed_keys(model, loc[:-1])
        hint = f"; did you mean '{close[0]}'?" if close else (f"; allowed keys: {', '.join(allowed)}" if allowed else "")
        return "unknown-key", f"unknown key '{key}'{hint}"
    if kind == "missing":
        return "missing-key", f"missing required key '{error['loc'][-1]}'"
    if kind in _TYPE_WORDS:
        expected = _TYPE_WORDS[kind]
        if kind in ("int_type", "float_type"):
            expected = "a number (unquoted, without thousands separators)"
        return "wrong-type", f"{where} must be {expected}, not {describe(error['input'])}"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        message = f"{where} {describe(error['input'])} does not match the pattern {error['ctx']['pattern']}"
    return "invalid-value", f"{where}: {message}"


def _name(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return f"'{text}'" if text else "the report"


def _suggest(key: str, model: type[BaseModel], loc: Loc) -> list[str]:
    return difflib.get_close_matches(key, _allowed_keys(model, loc), n=1, cutoff=0.6)


def _allowed_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys allowed at ``loc``, found by following the model's field annotations."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        info = current.model_fields.get(part)
        if info is None:
            return []
        current = _model_in(info.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    """The model class inside ``list[X]``, ``X | None`` or ``Annotated[X, ...]``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is None and not isinstance(annotation, types.UnionType):
        return None
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def describe(value: Any) -> str:
    """How a value reads to a writer: 'a mapping', 'the text \"90,000\"'."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {shown!r}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, dt.datetime):
        return f"the date and time {value.isoformat()}"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    return f"a value of type {type(value).__name__}"


@dataclass
class Loaded(Generic[ModelT]):
    """A file and, when it was valid, its model."""

    document: Document
    model: ModelT | None


def load_model(
    path: Path,
    model: type[ModelT],
    *,
    max_bytes: int = MAX_BYTES,
    root: Path | None = None,
    checks: tuple[Callable[[Document, Any], None], ...] = (),
) -> Loaded[ModelT]:
    """Read, parse, validate and then run ``checks`` (which add diagnostics) on one file."""
    doc = read_document(path, max_bytes=max_bytes, root=root)
    value = validate_model(doc, model)
    if value is not None:
        for check in checks:
            check(doc, value)
    return Loaded(doc, value if not doc.has_errors else None)
