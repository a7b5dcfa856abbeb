"""Read YAML with its positions, and turn every problem into a diagnostic at a line and column.

Three stages, each of which can only add diagnostics, never raise for a problem in the input:
read (size, encoding), parse (ruamel.yaml round-trip, YAML 1.2), convert (plain Python values,
rejecting tags and runaway aliases). Schema validation then maps pydantic's error locations back
to the YAML nodes by walking the same path through the tree.
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import difflib
import math
import re
import types
import typing
import warnings
from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, ReusedAnchorWarning, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from . import fastload
from .diagnostics import CODES, Diagnostic, Severity, display_path

#: Limits that keep a hostile or broken file from hanging a build (see docs/security.md).
MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 100_000
#: Largest integer accepted: a count in a report fits in 64 bits, and a bigger one (a 5,000-digit
#: hex literal) would fail later, when Python refuses to print it.
MAX_INT = 2**63 - 1

#: The characters YAML refuses written raw in a file (control characters, lone surrogates,
#: U+FFFE/U+FFFF), which a double-quoted escape such as "\x01" or "\ud800" still lets through.
#: None belongs in a report, and several break an output (XML 1.0 cannot carry them in the feed,
#: UTF-8 cannot encode a lone surrogate, a terminal obeys an escape sequence in a message).
_UNPUBLISHABLE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")

ModelT = TypeVar("ModelT", bound=BaseModel)
Loc = tuple[str | int, ...]


class TooManyNodesError(MarkedYAMLError):
    """The file holds more values than MAX_NODES, before any alias is even expanded."""


class _BudgetComposer(Composer):  # type: ignore[misc]
    """ruamel's composer, stopping at MAX_NODES nodes.

    The pure-Python parser needs tens of microseconds a node, so a 2 MB file of one-letter list
    items would take a minute to compose before any later limit could apply.
    """

    nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise TooManyNodesError(None, None, f"the file holds more than {MAX_NODES:,} values", self.parser.peek_event().start_mark)
        return super().compose_node(parent, index)


def make_yaml() -> YAML:
    """A fresh round-trip loader: safe from code execution, keeps positions and comments."""
    yaml = YAML(typ="rt", pure=True)
    yaml.Composer = _BudgetComposer
    yaml.max_depth = MAX_DEPTH
    yaml.allow_duplicate_keys = False
    return yaml


@dataclass
class Document:
    """A YAML file as loaded: its text, its round-trip tree and the diagnostics found so far."""

    path: Path
    display: str
    text: str = ""
    raw: bytes = b""  #: the bytes that were validated (embedded in the PDF as its source)
    tree: Any = None
    data: Any = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: figure id -> its file, resolved once by the figure check (the build uses these paths)
    figure_paths: dict[str, Path] = field(default_factory=dict)
    #: figure id -> the file of its 'previous_map:', resolved once by the map check
    previous_map_paths: dict[str, Path] = field(default_factory=dict)
    #: the files a report split into desks includes (sitrepgen.desks), and the original text
    #: of the report file itself (``text`` is the merged YAML that is parsed)
    parts: list[Path] = field(default_factory=list)
    source_text: str = ""
    _segments: list[Any] = field(default_factory=list, repr=False)  #: desks.Segment, by merged line
    _composed: Any = field(default=None, repr=False)
    _lazy_tree: bool = field(default=False, repr=False)  #: values came from the fast loader
    _maps: dict[Loc, _ScalarMap | None] = field(default_factory=dict, repr=False)
    _line_starts: array[int] | None = field(default=None, repr=False)

    def add(
        self,
        line: int,
        col: int,
        code: str,
        message: str,
        severity: Severity = Severity.ERROR,
    ) -> None:
        """Record a problem; ``line`` and ``col`` are 0-based as ruamel gives them, in ``text``
        (for a report split into desks, mapped back to the file and line they came from)."""
        assert code in CODES, f"undocumented diagnostic code {code!r}"
        display, line, col = self.origin(line, col)
        self.diagnostics.append(
            Diagnostic(display, line + 1, col + 1, severity, code, message)
        )

    def origin(self, line: int, col: int) -> tuple[str, int, int]:
        """The file (as shown), line and column (0-based) a position of ``text`` comes from: itself,
        or, in a report split into desks, the part or the report line it was put together from."""
        if not self._segments:
            return self.display, line, col
        segment = self._segments[max(0, bisect.bisect_right([s.start for s in self._segments], line) - 1)]
        return segment.display, segment.line + line - segment.start, max(0, col - segment.shift)

    def line_text(self, line: int) -> str:
        """'line 12' for a message that refers to another line (0-based ``line`` of ``text``); in
        a report split into desks, 'line 12 of sitreps/2016-12-08/aleppo.yaml', as the message may
        be about a line in another of its files."""
        display, number, _ = self.origin(line, 0)
        return f"line {number + 1} of {display}" if self._segments else f"line {number + 1}"

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

    def round_trip(self) -> Any:
        """The round-trip tree (with positions and comments), built now if the values came from
        the fast loader."""
        if self._lazy_tree:
            self._lazy_tree = False
            self.tree = _parse(self)
        return self.tree

    def position(self, loc: Loc, *, at_key: bool = False) -> tuple[int, int]:
        """The 0-based position of the node at ``loc``, found by walking the tree exactly.

        Walking stops at the deepest node that exists, so a missing key is reported at the
        mapping that lacks it. ``at_key`` points at a mapping key rather than its value. When the
        values came from the fast loader, the round-trip tree is built now, on first need.
        """
        node = self.round_trip()
        where = _start(node)
        for index, part in enumerate(loc):
            last = index == len(loc) - 1
            if isinstance(node, CommentedMap) and isinstance(part, str) and part in node:
                marks = (node.lc.data or {}).get(part)
                if marks is None:  # a key merged in with '<<' has no position of its own
                    break
                where = (marks[0], marks[1]) if (last and at_key) else (marks[2], marks[3])
                node = node[part]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                marks = (node.lc.data or {}).get(part)
                if marks is None:
                    break
                where = (marks[0], marks[1])
                node = node[part]
            else:
                break
        return where

    def position_in(self, loc: Loc, value: str, offset: int) -> tuple[int, int]:
        """The 0-based source position of ``value[offset]``, ``value`` being the scalar at ``loc``.

        A scalar's value is not its source: YAML folds lines, drops indentation and decodes
        escapes. The first call for a scalar maps its whole value to the source in one pass
        (``_ScalarMap``), so that any number of positions inside it cost a lookup each, never a
        search of the text. A scalar the map cannot follow exactly (an explicit indentation
        indicator, an unusual line break) is reported at its own position.
        """
        if loc not in self._maps:
            node = self._node_at(loc)
            self._maps[loc] = _ScalarMap.build(self.text, node, value) if isinstance(node, ScalarNode) else None
        scalar = self._maps[loc]
        if scalar is None:
            return self.position(loc)
        return self.line_col(scalar.source_index(offset))

    def line_col(self, index: int) -> tuple[int, int]:
        """0-based line and column of a character of ``text``, counting lines as ruamel does."""
        if self._line_starts is None:
            self._line_starts = array("q", [0])
            self._line_starts.extend(match.end() for match in _LINE_BREAK_RE.finditer(self.text))
        line = bisect.bisect_right(self._line_starts, index) - 1
        return line, index - self._line_starts[line]

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

    def scalar_source(self, loc: Loc) -> str | None:
        """The scalar at ``loc`` as written in the file ('3.000' where the value is 3.0), or None:
        a value alone cannot tell what the writer typed, and some mistakes are in the typing."""
        node = self._node_at(loc)
        if not isinstance(node, ScalarNode):
            return None
        return self.text[node.start_mark.index : node.end_mark.index]

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


def _start(node: Any) -> tuple[int, int]:
    lc = getattr(node, "lc", None)
    if lc is not None and lc.line is not None:
        return lc.line, lc.col
    return 0, 0


# --------------------------------------------------------------------------- positions inside scalars

#: Where ruamel's reader starts a new line, and so where its marks do: LF, or a CR alone.
_LINE_BREAK_RE = re.compile("\r(?!\n)|\n")
_LONE_CR_RE = re.compile("\r(?!\n)")
_BREAK_RE = re.compile("\r\n|\r|\n")
#: A run of white space holding line breaks, which a flow scalar folds. The look-behind makes the
#: match start only where a run starts, so that a long run of spaces is scanned once, not once
#: from each of its characters.
_FOLD = r"(?<![ \t])[ \t]*(?:\r\n|\r|\n)(?:[ \t]*(?:\r\n|\r|\n))*[ \t]*"
_FLOW_SPECIAL_RE = {
    None: re.compile(_FOLD),
    "'": re.compile("''|" + _FOLD),
    '"': re.compile(r"\\(?:\r\n|\r|\n)(?:[ \t]*(?:\r\n|\r|\n))*[ \t]*|\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)|" + _FOLD),
}
_ESCAPES = {
    "0": "\0", "a": "\x07", "b": "\x08", "t": "\t", "\t": "\t", "n": "\n", "v": "\x0b", "f": "\x0c", "r": "\r",
    "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
}
_BLOCK_HEADER_RE = re.compile(r"[|>]([-+]?)([1-9]?)([-+]?)")
_SPACES_RE = re.compile(" *")


class _ScalarMap:
    """Where each character of a scalar's value comes from in the source.

    The value is a sequence of pieces: text copied verbatim from the source (a line's content),
    and text YAML made up (the space a line break folds into, the character an escape stands
    for), which maps to the place it was made from. Built in one pass over the scalar's source;
    the pieces are checked against the value, and a scalar whose pieces do not add up to it gets
    no map at all rather than a wrong one.
    """

    def __init__(self) -> None:
        self.value_starts: array[int] = array("q")
        self.source_starts: array[int] = array("q")
        self.verbatim = bytearray()
        self.parts: list[str] = []
        self.lengths: array[int] = array("q")
        self.length = 0

    def add(self, source_index: int, text: str, *, verbatim: bool) -> None:
        if text:
            self.value_starts.append(self.length)
            self.source_starts.append(source_index)
            self.verbatim.append(verbatim)
            self.parts.append(text)
            self.length += len(text)

    def source_index(self, offset: int) -> int:
        piece = max(0, bisect.bisect_right(self.value_starts, offset) - 1)
        start = self.source_starts[piece]
        if not self.verbatim[piece]:
            return start
        return start + min(offset - self.value_starts[piece], self.lengths[piece] - 1)

    @classmethod
    def build(cls, text: str, node: ScalarNode, value: str) -> _ScalarMap | None:
        start, end = node.start_mark.index, node.end_mark.index
        style = node.style
        if style in (None, "'", '"'):
            scalar: _ScalarMap | None = cls._flow(text, start, end, style)
        elif style in ("|", ">"):
            scalar = cls._block(text, start, end, folded=style == ">")
        else:
            scalar = None
        if scalar is None or not scalar._adds_up_to(value, block=style in ("|", ">")):
            return None
        scalar.lengths = array("q", map(len, scalar.parts))
        scalar.parts = []  # only their lengths are needed from now on
        return scalar

    def _adds_up_to(self, value: str, *, block: bool) -> bool:
        """The pieces spell the value; for a block scalar, up to the final line breaks (which
        chomping keeps or drops, and which the source span may or may not include)."""
        produced = "".join(self.parts)
        if not block:
            return produced == value
        common = min(len(produced), len(value))
        return produced[:common] == value[:common] and not produced[common:].strip("\n") and not value[common:].strip("\n")

    @classmethod
    def _flow(cls, text: str, start: int, end: int, style: str | None) -> _ScalarMap:
        """Plain and quoted scalars: each run of white space with line breaks folds into a space
        (or into one line feed fewer than it holds); quotes and escapes are decoded."""
        scalar = cls()
        inner_start, inner_end = (start + 1, end - 1) if style else (start, end)
        position = inner_start
        for match in _FLOW_SPECIAL_RE[style].finditer(text, inner_start, inner_end):
            scalar.add(position, text[position : match.start()], verbatim=True)
            token = match.group(0)
            if token == "''":
                made = "'"
            elif token[0] == "\\" and token[1:2] in ("\r", "\n"):  # an escaped line break
                made = "\n" * (len(_BREAK_RE.findall(token)) - 1)
            elif token[0] == "\\":
                made = chr(int(token[2:], 16)) if token[1] in "xuU" else _ESCAPES.get(token[1], token)
            else:
                breaks = len(_BREAK_RE.findall(token))
                made = " " if breaks == 1 else "\n" * (breaks - 1)
            scalar.add(match.start(), made, verbatim=False)
            position = match.end()
        scalar.add(position, text[position:inner_end], verbatim=True)
        return scalar

    @classmethod
    def _block(cls, text: str, start: int, end: int, *, folded: bool) -> _ScalarMap | None:
        """Literal (``|``) and folded (``>``) scalars: each line's content after the indentation
        of the first one; a folded scalar joins lines with a space unless a blank line or a more
        indented line is between them. Final line breaks are left to chomping (see _adds_up_to)."""
        header_end = text.find("\n", start, end)
        header = _BLOCK_HEADER_RE.match(text, start, end)
        if header_end < 0 or header is None or header.group(2) or _LONE_CR_RE.search(text, start, end):
            return None  # an explicit indentation, or old Mac line breaks (CR alone): no map
        scalar = cls()
        indent: int | None = None
        previous: str | None = None  # the kind of the last content line: "normal" or "more"
        blank_lines = 0
        last_break = header_end
        line_start = header_end + 1
        while line_start < end:
            newline = text.find("\n", line_start, end)
            terminated = newline >= 0
            line_end = newline if terminated else end
            if line_end > line_start and text[line_end - 1] == "\r":  # CR LF: the CR is part of the break
                line_end -= 1
            spaces = _SPACES_RE.match(text, line_start, line_end).end() - line_start  # type: ignore[union-attr]
            if indent is None and spaces < line_end - line_start:
                indent = spaces
            if indent is None or (spaces == line_end - line_start and spaces <= indent):
                if not terminated:
                    break  # the indentation of whatever follows the scalar
                blank_lines += 1
            else:
                content = line_start + indent
                kind = "more" if text[content] in " \t" else "normal"
                if previous is None:
                    joint = "\n" * blank_lines
                elif folded and previous == kind == "normal":
                    joint = " " if blank_lines == 0 else "\n" * blank_lines
                else:
                    joint = "\n" * (blank_lines + 1)
                scalar.add(last_break, joint, verbatim=False)
                scalar.add(content, text[content:line_end], verbatim=True)
                previous, blank_lines, last_break = kind, 0, line_end
            line_start = newline + 1 if terminated else end
        if previous is not None:
            scalar.add(last_break, "\n" * (blank_lines + 1), verbatim=False)
        return scalar


# --------------------------------------------------------------------------- read and parse


def read_document(path: Path, *, max_bytes: int = MAX_BYTES, root: Path | None = None, raw: bytes | None = None, includes: bool = False, display: str | None = None) -> Document:
    """Read, parse and convert one YAML file; problems end up in ``document.diagnostics``.

    ``raw`` is the file's bytes when the caller has read them already (within ``max_bytes``).
    With ``includes`` (a report), the desk files its sections include are put in place first.
    ``display`` is how messages name the file (by default its path from ``root``).
    """
    doc = Document(path=path, display=display or display_path(path, root))
    raw = raw if raw is not None and len(raw) <= max_bytes else _read_bytes(doc, max_bytes)
    if raw is None:
        return doc
    doc.raw = raw
    try:
        doc.text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start)
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1)
        doc.add(line, col, "encoding", f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8")
        return doc
    if doc.text.startswith("\ufeff"):
        doc.text = doc.text[1:]
    doc.source_text = doc.text
    if includes:
        from .desks import splice

        splice(doc, max_bytes=max_bytes, root=root)
        if doc.has_errors:
            return doc
    if not doc.text.strip() or _only_comments(doc.text):
        doc.add(0, 0, "empty-file", "the file is empty; a report needs at least title, period, published and regions")
        return doc
    if not _check_directives(doc):
        return doc
    data = fastload.load(doc.text, max_int=MAX_INT, max_depth=MAX_DEPTH, max_nodes=MAX_NODES, unpublishable=_UNPUBLISHABLE_RE)
    if data is not None:  # the same values the round-trip path would give; its tree comes on demand
        doc.data = data
        doc._lazy_tree = True
        return doc
    doc.tree = _parse(doc)
    if doc.tree is None:
        if not doc.has_errors:  # '---' or '~' alone: a document with no value
            doc.add(0, 0, "empty-file", "the file holds no value; a report needs at least title, period, published and regions")
        return doc
    if not isinstance(doc.tree, CommentedMap):
        doc.add(*_start(doc.tree), "not-a-mapping", f"the file must hold a mapping of keys (title: ..., period: ...), not {describe(doc.tree)}")
        return doc
    doc.data = _Converter(doc).convert(doc.tree, ())
    return doc


def document_of_values(path: Path, raw: bytes, values: Any, *, display: str) -> Document | None:
    """The report ``raw`` as ``read_document`` would give it, with ``values`` (recorded by the
    report cache for exactly these bytes) standing in for parsing; None when the values are not
    of the kinds the fast loader gives, or the bytes are not what it would have taken (then the
    file is read the usual way)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    text = text[1:] if text.startswith("\ufeff") else text
    if not fastload.plain(values, max_int=MAX_INT, max_depth=MAX_DEPTH, max_nodes=MAX_NODES, unpublishable=_UNPUBLISHABLE_RE):
        return None
    doc = Document(path=path, display=display, text=text, raw=raw, data=values, source_text=text)
    doc._lazy_tree = True  # a position is asked for: the round-trip tree is built from the text
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
    """Compose the node graph, check its size and depth, and only then construct the tree.

    The check must come before construction: ruamel expands merge keys ('<<') while it
    constructs, and a chain of merges in a small file can keep it busy for minutes.
    """
    yaml = make_yaml()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ReusedAnchorWarning)  # valid YAML: the later anchor wins
            root = yaml.compose(doc.text)
        doc._composed = root
        if root is None or not _graph_within_limits(doc, root):
            return None
        return yaml.constructor.construct_document(root)
    except MarkedYAMLError as exc:
        _syntax_diagnostic(doc, exc)
    except ReaderError as exc:
        _reader_diagnostic(doc, exc)
    except YAMLError as exc:  # an unmarked YAML error still names the file
        doc.add(0, 0, "yaml-syntax", _one_line(str(exc)))
    except RecursionError:
        doc.add(0, 0, "too-deep", f"the YAML nests too deeply (more than {MAX_DEPTH} levels)")
    except (ValueError, TypeError, ArithmeticError, LookupError) as exc:  # a scalar ruamel cannot construct
        _construction_diagnostic(doc, exc)
    return None


def _reader_diagnostic(doc: Document, exc: ReaderError) -> None:
    """A character YAML does not allow in a file (a raw control character), at its position."""
    position = exc.position if isinstance(exc.position, int) and 0 <= exc.position <= len(doc.text) else 0
    line = doc.text.count("\n", 0, position)
    col = position - (doc.text.rfind("\n", 0, position) + 1)
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
    doc.add(line, col, "yaml-syntax", f"the character U+{code:04X} is not allowed in a YAML file; remove it")


def _construction_diagnostic(doc: Document, exc: Exception) -> None:
    """A scalar that looks like a date or number but is not one ('2016-02-30'), at its line.

    ruamel's error has no position, so each scalar is constructed again, alone, by a fresh
    constructor (the failed one keeps half-built state), until the culprit is found.
    """
    for node in _scalars(doc._composed):
        try:
            make_yaml().constructor.construct_object(node, deep=True)
        except (ValueError, TypeError, ArithmeticError, LookupError) as problem:
            kind = str(node.tag).rsplit(":", 1)[-1]
            kind = {"timestamp": "date", "int": "number", "float": "number"}.get(kind, kind)
            doc.add(node.start_mark.line, node.start_mark.column, "invalid-value", f"{_quoted(str(node.value))} is not a valid {kind}: {_one_line(problem)[:80]}")
            return
        except Exception:  # noqa: BLE001 - another scalar's problem; keep looking
            continue
    for node in _nodes(doc._composed):  # a mapping or list used as a key cannot be hashed
        for key, _ in node.value if isinstance(node, MappingNode) else ():
            if not isinstance(key, ScalarNode):
                doc.add(key.start_mark.line, key.start_mark.column, "yaml-key", "keys must be plain words, not a mapping or a list")
                return
    doc.add(0, 0, "yaml-syntax", f"cannot read the YAML: {_one_line(exc)[:120]}")


def _nodes(root: Node | None) -> Iterator[Node]:
    """Every node of a composed graph once (an alias is the node it names, so a graph can share
    nodes and even contain cycles)."""
    seen: set[int] = set()
    stack: list[Node] = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, MappingNode):
            stack.extend(item for pair in node.value for item in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


def _scalars(root: Node | None) -> list[ScalarNode]:
    """Every scalar node once, in document order."""
    found = [node for node in _nodes(root) if isinstance(node, ScalarNode)]
    return sorted(found, key=lambda node: node.start_mark.index)


def _children(node: Node) -> list[Node]:
    """What a node holds: values, and keys that are not plain scalars (a key can be an alias too)."""
    if isinstance(node, MappingNode):
        return [key for key, _ in node.value if not isinstance(key, ScalarNode)] + [value for _, value in node.value]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _graph_within_limits(doc: Document, root: Node) -> bool:
    """Count the values and the depth the graph expands to through its aliases, without expanding.

    Each node is visited once (sizes and depths are memoised), so a billion-laughs file costs
    no more than its own length; a value that contains itself is refused here too.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            children = _children(node)
            size[key] = min(1 + sum(size[id(child)] for child in children), MAX_NODES + 1)
            depth[key] = min(1 + max((depth[id(child)] for child in children), default=0), MAX_DEPTH + 1)
            open_nodes.discard(key)
            mark = node.start_mark
            if size[key] > MAX_NODES:
                doc.add(mark.line, mark.column, "too-many-nodes", f"the file expands to more than {MAX_NODES:,} values (aliases expanding too far?)")
                return False
            if depth[key] > MAX_DEPTH:
                doc.add(mark.line, mark.column, "too-deep", f"the YAML nests more than {MAX_DEPTH} levels deep (counting what its aliases bring in)")
                return False
            continue
        if key in size:
            continue
        if key in open_nodes:
            mark = node.start_mark
            doc.add(mark.line, mark.column, "yaml-alias", "an alias refers to a value that contains it; remove the recursive alias")
            return False
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(_children(node)))
    return True


def _syntax_diagnostic(doc: Document, exc: MarkedYAMLError) -> None:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line, mark.column) if mark is not None else (0, 0)
    problem = _one_line(exc.problem or exc.context or "invalid YAML")
    name = type(exc).__name__
    if name == "DuplicateKeyError":
        key = re.search(r'duplicate key "(.*?)"', problem)
        first = _first_key_line(doc._composed, exc.context_mark, key.group(1) if key else None)
        where = f" (first defined on {doc.line_text(first)})" if first is not None else ""
        doc.add(line, col, "duplicate-key", f"duplicate key '{key.group(1) if key else '?'}'{where}; each key may appear once")
        return
    if name == "TooManyNodesError":
        doc.add(line, col, "too-many-nodes", f"the file holds more than {MAX_NODES:,} values; no report needs that many")
        return
    if name == "MaxDepthExceededError":
        doc.add(line, col, "too-deep", f"the YAML nests more than {MAX_DEPTH} levels deep")
        return
    from .syntax import explain  # only a file that does not parse needs it

    explained = explain(doc.text, exc)
    if explained is not None:
        doc.add(*explained[:2], "yaml-syntax", explained[2])
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


def _first_key_line(root: Node | None, mapping_mark: Any, key: str | None) -> int | None:
    """Line (0-based) of a duplicated key's first occurrence, found in the composed node graph."""
    if mapping_mark is None or key is None:
        return None
    for node in _nodes(root):
        if isinstance(node, MappingNode) and node.start_mark.line == mapping_mark.line and node.start_mark.column == mapping_mark.column:
            for key_node, _ in node.value:
                if getattr(key_node, "value", None) == key:
                    return key_node.start_mark.line
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
            return f"<{describe(key)}>"
        if (bad := _UNPUBLISHABLE_RE.search(key)) is not None:
            self.doc.add_at(loc, "yaml-key", f"a key contains {_character(bad.group(0))}; keys must be plain words")
            return key.encode("utf-8", "backslashreplace").decode("utf-8")
        return str(key)

    def _scalar(self, node: Any, loc: Loc) -> Any:
        if node is None or isinstance(node, bool):
            return node
        if isinstance(node, str):
            if (bad := _UNPUBLISHABLE_RE.search(node)) is not None:
                self.doc.add_at(loc, "invalid-value", f"{_name(loc)} contains {_character(bad.group(0))}, which cannot be published; remove it")
                return None
            return str(node)
        if isinstance(node, int):
            if abs(node) > MAX_INT:
                self.doc.add_at(loc, "invalid-value", f"{_name(loc)} is {describe(node)}; numbers in a report stay below {MAX_INT:,}")
                return None
            return int(node)
        if isinstance(node, float):
            if not math.isfinite(node):
                self.doc.add_at(loc, "invalid-value", f"{_name(loc)} must be a finite number, not {node}")
                return None
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
            if _other_member(error, errors):
                continue
            loc = _data_loc(doc.data, tuple(error["loc"]))
            if error["type"] == "missing_body":  # at an empty 'sections: []' if there is one
                loc = next(((key,) for key in ("sections", "regions") if isinstance(doc.data, dict) and key in doc.data), loc)
            if error["type"] == "missing" and (loc, error["loc"][-1]) in misspelt:
                continue
            code, message = _explain(error, loc, model, doc.data)
            if (loc, code, message) in seen:  # one value failing every member of a union
                continue
            seen.add((loc, code, message))
            doc.add_at(loc, code, message, at_key=error["type"] == "extra_forbidden")
        return None


def _other_member(error: Any, errors: list[Any]) -> bool:
    """In a union of a number and a model (a key figure's value: 90000, or {map: ...}), a
    mapping is judged as the model and anything else as the number: the other member's error
    would only say what the writer did not mean."""
    raw = tuple(error["loc"])
    if error["type"] == "model_type" and raw and raw[-1] == "MapMeasure":
        return True
    if error["type"] in ("int_type", "float_type") and raw and raw[-1] in ("int", "float") and isinstance(error.get("input"), dict):
        return any(tuple(other["loc"])[: len(raw)] == (*raw[:-1], "MapMeasure") for other in errors)
    return False


#: What stands in for a value that failed the schema, so that the rest of a report can be checked.
#: Inert for every text rule: no number, place name, reference, link or TODO in it.
PLACEHOLDER_TEXT = "placeholder"
_PLACEHOLDER_DATE = dt.date(2000, 1, 1)
_TEXT_ERRORS = {"string_type", "string_too_short", "string_too_long", "string_pattern_mismatch", "text_kind", "block_kind", "literal_error"}
_DATE_ERRORS = {"date_type", "date_parsing", "date_from_datetime_inexact", "date_from_datetime_parsing", "date_past", "date_future"}
_NUMBER_ERRORS = {"int_type", "float_type", "int_parsing", "float_parsing", "greater_than_equal", "greater_than", "less_than", "less_than_equal", "finite_number"}


@dataclass
class Salvaged(Generic[ModelT]):
    """What parsed of a report with schema errors, as a model: each value that failed is left
    out (an optional key) or stands replaced by a placeholder, at ``replaced``."""

    model: ModelT
    replaced: list[Loc]


def salvage_model(doc: Document, model: type[ModelT], *, rounds: int = 50) -> Salvaged[ModelT] | None:
    """After ``validate_model`` failed: the model of the same data with every failing value taken
    out, so that the text rules still run on every text field that parsed (a misspelt key must
    not hide a misspelt place name). None when the file did not parse, or nothing is left.

    Each round fixes every error pydantic reports; a value is replaced at most twice (a mapping
    first gets its absent optional text fields, then is replaced whole), so this ends.
    """
    if doc.data is None or not isinstance(doc.data, dict) or any(d.code not in _SCHEMA_CODES for d in doc.diagnostics):
        return None
    data = copy.deepcopy(doc.data)
    replaced: list[Loc] = []
    filled: set[Loc] = set()
    for _ in range(rounds):
        try:
            return Salvaged(model.model_validate(data), replaced)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
        changed = False
        for error in errors:
            changed |= _take_out(data, error, model, replaced, filled)
        if not changed:
            return None
    return None


#: The codes validate_model gives: a document with only these parsed, and can be salvaged.
_SCHEMA_CODES = {"unknown-key", "missing-key", "wrong-type", "invalid-value", "empty-alt"}


def _take_out(data: Any, error: Any, model: type[BaseModel], replaced: list[Loc], filled: set[Loc]) -> bool:
    """Remove or replace the value one error is about; whether anything changed."""
    kind = error["type"]
    loc = _data_loc(data, tuple(error["loc"]))
    if kind == "missing":
        parent = _get(data, loc)
        owner = _model_at(model, loc)
        name = str(error["loc"][-1])
        if not isinstance(parent, dict) or owner is None or name not in owner.model_fields or name in parent:
            return False
        parent[name] = _placeholder(owner.model_fields[name].annotation)
        replaced.append((*loc, name))
        return True
    if not loc or kind == "missing_body":
        return False
    parent, key = _get(data, loc[:-1]), loc[-1]
    owner = _model_at(model, loc[:-1])
    if isinstance(parent, dict) and (kind == "extra_forbidden" or (owner is not None and key in owner.model_fields and not owner.model_fields[key].is_required())):
        del parent[key]
        return True
    value = _get(data, loc)
    if kind in _TEXT_ERRORS:
        stand_in: Any = PLACEHOLDER_TEXT
    elif kind in _DATE_ERRORS:
        stand_in = _PLACEHOLDER_DATE
    elif kind in _NUMBER_ERRORS:
        stand_in = 1
    elif kind == "bool_type":
        stand_in = False
    elif kind == "list_type":
        stand_in = []
    elif (inner := _model_at(model, loc)) is not None:
        if isinstance(value, dict) and loc not in filled:  # a rule over the whole mapping failed
            filled.add(loc)
            absent = {name: PLACEHOLDER_TEXT for name, info in inner.model_fields.items() if name not in value and _placeholder(info.annotation) == PLACEHOLDER_TEXT}
            if absent:
                value.update(absent)
                return True
        stand_in = _placeholder(inner)
    else:
        return False
    if value == stand_in:
        return False
    parent[key] = stand_in
    replaced.append(loc)
    return True


def _get(data: Any, loc: Loc) -> Any:
    for part in loc:
        data = data[part]
    return data


def _placeholder(annotation: Any) -> Any:
    """The simplest value of a type that passes its checks, for a required value that failed."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _placeholder(typing.get_args(annotation)[0])
    if origin is list:
        return []
    if origin is typing.Literal:
        return typing.get_args(annotation)[0]
    if origin is typing.Union or isinstance(annotation, types.UnionType):
        return _placeholder(next(arg for arg in typing.get_args(annotation) if arg is not type(None)))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {name: _placeholder(info.annotation) for name, info in annotation.model_fields.items() if info.is_required()}
    return {str: PLACEHOLDER_TEXT, dt.date: _PLACEHOLDER_DATE, int: 1, float: 1.0, bool: False}.get(annotation)


def _data_loc(data: Any, loc: Loc) -> Loc:
    """The longest prefix of a pydantic location that exists in the data.

    It drops union member tags (``('value', 'int')``) and, for a missing key, the key itself,
    so the position is that of the mapping which lacks it.
    """
    node, kept = data, []
    for index, part in enumerate(loc):
        following = loc[index + 1 :]
        if part in _UNION_TAGS and following and isinstance(node, dict) and following[0] in node:
            continue  # a tag of a tagged union ('figure' in blocks[1].figure.figure.alt)
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(part, str) and following:
            continue  # a union member's name ('list[...]' in summary.list[...].0)
        else:
            break
        kept.append(part)
    return tuple(kept)


#: The tags of the models' tagged unions (model.Text, model.Block), which pydantic puts in a location.
_UNION_TAGS = {"paragraph", "text", "figure"}


#: Keys writers reach for that mean something else here: (model, key) -> the hint.
_CONFUSIONS = {
    ("Report", "figures"): "; a figure at report level is a block: put it under 'blocks:' as '- figure: {id: ..., image: ..., caption: ..., alt: ...}'",
    ("Report", "paragraphs"): "; text at report level goes under 'blocks:' (or 'summary:'), and a region's text under 'sections:'",
    ("Section", "figures"): "; in a section, a figure is one of its blocks: '- figure: {id: ..., image: ..., caption: ..., alt: ...}' in 'blocks:', where it is to print",
    ("Section", "paragraphs"): "; in a section, paragraphs are its 'blocks:'",
}

_TYPE_WORDS = {
    "string_type": "text",
    "bool_type": "true or false",
    "list_type": "a list, one item per line starting with '- '",
    "model_type": "a mapping of keys",
    "dict_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys",
}

#: What each pattern of the models means, for a writer: (what the value is, the rule, an example).
_PATTERN_WORDS = {
    r"^[a-z0-9][a-z0-9-]*$": ("a figure id", "lower-case letters, digits and hyphens", "aleppo-control"),
    r"^[a-z][a-z0-9-]{0,31}$": ("a name", "lower-case letters, digits and hyphens, starting with a letter, at most 32 characters", "internal"),
    r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$": ("a language tag", "two or three lower-case letters, then any subtags after '-'", "en"),
    r"^https?://[^\s]+/$": ("a web address", "http:// or https://, no spaces, ending with '/'", "https://sitreps.example.org/"),
}

#: A value that reads as text to a writer but is not text in YAML: a colon made it a mapping.
_COLON_FIX = "quote the text or start the item with `>-`"


def _explain(error: Any, loc: Loc, model: type[BaseModel], data: Any = None) -> tuple[str, str]:
    """A stable code and a message that says what is wrong and how to fix it: in a writer's
    words, naming the place once, with the allowed form and an example (never a regex)."""
    kind = error["type"]
    where = _name(loc)
    found = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        close = _suggest(key, model, loc[:-1])
        allowed = _allowed_keys(model, loc[:-1])
        hint = f"; did you mean '{close[0]}'?" if close else (f"; allowed keys: {', '.join(allowed)}" if allowed else "")
        place = _model_at(model, loc[:-1])
        hint = _CONFUSIONS.get((getattr(place, "__name__", ""), key), hint)
        return "unknown-key", f"unknown key '{key}'{hint}"
    if kind == "missing":
        name = str(error["loc"][-1])
        example = _example(model, (*loc, name))
        return "missing-key", f"missing required key '{name}'" + (f", e.g. {name}: {example}" if example else "")
    if kind == "missing_body":
        if loc:
            return "invalid-value", f"{where} is empty; {error['msg']}"
        return "missing-key", str(error["msg"])
    if kind in ("text_kind", "block_kind"):
        return "wrong-type", _not_text(kind, where, found)
    if kind in _DATE_ERRORS:
        return "wrong-type", f"{where} must be a date: write a date as YYYY-MM-DD, e.g. 2016-12-08, not {describe(found)}"
    if kind in ("int_type", "float_type"):
        example = _example(model, loc) or 90000
        return "wrong-type", f"{where} must be a number, written without quotes or thousands separators, e.g. {example}, not {describe(found)}"
    if kind in _TYPE_WORDS:
        return "wrong-type", f"{where} must be {_TYPE_WORDS[kind]}, not {describe(found)}"
    if kind == "string_too_short":
        if loc and loc[-1] == "alt":
            figure = _get(data, loc[:-1]) if data is not None else None
            return "empty-alt", empty_alt_message(str(figure.get("id", "?")) if isinstance(figure, dict) else "?")
        example = f", e.g. {_example(model, loc)!r}" if _example(model, loc) else ""
        if ctx.get("min_length", 1) <= 1:
            fix = ", or remove the item" if isinstance(loc[-1], int) else ("" if _required(model, loc) else ", or leave the key out")
            return "invalid-value", f"{where} is empty; write the text{example}{fix}"
        return "invalid-value", f"{where} is {_characters(len(found))} long; write at least {ctx['min_length']}{example}"
    if kind == "string_too_long":
        return "invalid-value", f"{where} is {_characters(len(found))} long; at most {ctx['max_length']} are allowed"
    if kind == "string_pattern_mismatch":
        what, rule, example = _PATTERN_WORDS.get(str(ctx.get("pattern")), ("an allowed value", "the form the field's description gives", _example(model, loc) or "..."))
        return "invalid-value", f"{where} is {describe(found)}, which is not {what}: write {rule}, e.g. {example!r}"
    if kind == "literal_error":
        return "invalid-value", f"{where} must be one of {ctx.get('expected', '?')}; not {describe(found)}"
    if kind in _BOUNDS:
        bounds = {key: f"{value:g}" if isinstance(value, float) else value for key, value in ctx.items()}
        return "invalid-value", f"{where} must be {_BOUNDS[kind].format(**bounds)}, not {describe(found)}"
    if kind == "too_short":
        return "invalid-value", f"{where} must list at least {ctx.get('min_length', 1)} item(s)" + (f", e.g. {_example(model, loc)!r}" if _example(model, loc) else "")
    message = str(error["msg"]).removeprefix("Value error, ")
    return "invalid-value", f"{where}: {message}"


_BOUNDS = {
    "greater_than_equal": "{ge} or more",
    "greater_than": "more than {gt}",
    "less_than_equal": "{le} or less",
    "less_than": "less than {lt}",
}


def _not_text(kind: str, where: str, found: Any) -> str:
    """A paragraph that is not text: for a mapping of one key, the ': ' that made it one."""
    if isinstance(found, dict) and len(found) == 1 and not ({"text", "figure"} & set(found)):
        key = next(iter(found))
        if isinstance(key, str) and (found[key] is None or isinstance(found[key], (str, int, float))):
            return f"{where} must be text, not a mapping: the ': ' after {key!r} makes it one; {_COLON_FIX}"
    if kind == "text_kind":
        return f"{where} must be text, not {describe(found)}"
    if isinstance(found, dict):
        keys = ", ".join(f"'{key}'" for key in found)
        close = difflib.get_close_matches(next(iter(found), ""), ["figure", "text"], n=1, cutoff=0.6) if found else []
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"{where} must be a paragraph (text, or 'text:' with an 'audience:') or a figure ('figure:' with id, image, caption, alt), not a mapping with {keys}{hint}"
    return f"{where} must be a paragraph (text, or 'text:' with an 'audience:') or a figure ('figure:' with id, image, caption, alt), not {describe(found)}"


def empty_alt_message(figure_id: str) -> str:
    """The one message for a figure without alt text, whether it is empty ("") or blank (" ")."""
    return f"figure '{figure_id}' has blank alt text; describe what it shows for readers who cannot see it"


def _required(model: type[BaseModel], loc: Loc) -> bool:
    """Whether the key at ``loc`` must be given (a key the model does not know counts as required)."""
    owner = _model_at(model, loc[:-1])
    info = owner.model_fields.get(str(loc[-1])) if owner is not None and loc else None
    return info is None or info.is_required()


def _characters(count: int) -> str:
    return f"{count} character" if count == 1 else f"{count} characters"


def _example(model: type[BaseModel], loc: Loc) -> Any:
    """The first example the model gives for the field at ``loc`` (a list item: the list's), when
    it is a single value a writer can copy."""
    names = [part for part in loc if isinstance(part, str)]
    if not names:
        return None
    owner = _model_at(model, tuple(part for part in loc[: max(i for i, part in enumerate(loc) if isinstance(part, str))]))
    info = owner.model_fields.get(names[-1]) if owner is not None else None
    examples = info.examples if info is not None else None
    if not examples:
        return None
    example = examples[0]
    if isinstance(example, list) and loc and isinstance(loc[-1], int) and example:
        example = example[0]
    return example if isinstance(example, (str, int, float)) and not isinstance(example, bool) else None


def _quoted(text: str) -> str:
    """A text for a message: quoted, escaped, and shortened when long."""
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _character(char: str) -> str:
    """'the control character U+0001', for a message (the character itself may be unprintable)."""
    code = ord(char)
    kind = "the lone surrogate" if 0xD800 <= code <= 0xDFFF else "the non-character" if code in (0xFFFE, 0xFFFF) else "the control character"
    return f"{kind} U+{code:04X}"


def _name(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return f"'{text}'" if text else "the report"


def _suggest(key: str, model: type[BaseModel], loc: Loc) -> list[str]:
    return difflib.get_close_matches(key, _allowed_keys(model, loc), n=1, cutoff=0.6)


def _allowed_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys allowed at ``loc``, found by following the model's field annotations."""
    current = _model_at(model, loc)
    return list(current.model_fields) if current is not None else []


def _model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model class of the mapping at ``loc`` (list indexes skipped), if there is one.

    In a union of models (a block: a paragraph or a figure) the member taken is the one that has
    the next key of ``loc``."""
    current: list[type[BaseModel]] = [model]
    for index, part in enumerate(loc):
        if isinstance(part, int):
            continue
        owners = [candidate for candidate in current if part in candidate.model_fields]
        if not owners:
            return None
        current = _models_in(owners[0].model_fields[part].annotation)
        following = next((p for p in loc[index + 1 :] if isinstance(p, str)), None)
        if following is not None:
            current = [candidate for candidate in current if following in candidate.model_fields] or current
    return current[0] if current else None


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The model classes inside ``list[X]``, ``X | None``, ``Annotated[X, ...]`` or a union."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin is None and not isinstance(annotation, types.UnionType):
        return []
    return [found for arg in typing.get_args(annotation) for found in _models_in(arg)]


def describe(value: Any) -> str:
    """How a value reads to a writer: 'a mapping', 'the text \"90,000\"'."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (dict, Mapping)):
        return "a mapping"
    if isinstance(value, TaggedScalar):
        tag = getattr(value.tag, "value", value.tag)
        return f"a value tagged '{tag}'"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, str):
        return f"the text {_quoted(value)}"
    if isinstance(value, int) and abs(value) > MAX_INT:
        return f"a number of {value.bit_length()} bits"  # printing it in decimal may be refused
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
