"""Desks in separate files: a report's sections can each live in a file of their own.

A section holds ``include: aleppo.yaml``; the file is ``aleppo.yaml`` in the report's desk
folder, the folder named like the report beside it (``sitreps/2016-12-08/`` for
``sitreps/2016-12-08.yaml``), and holds the rest of that section's keys (usually ``blocks:``).

Why it is shaped like this:

- The part's text is put in place of the ``include:`` line, indented to that key's column, before
  the report is parsed: everything after that (the fast loader, the schema, every lint rule, the
  positions inside scalars) works on one YAML text exactly as for an unsplit report, and the
  build's output is the same text. Each line of the merged text remembers the file and line it
  came from (``Segment``), and ``Document.add`` maps every diagnostic back through it: an error in
  a part is reported at PATH:LINE:COL of the part.
- The ``include:`` keys are found in the composed node graph (exact positions, never a search of
  the text: a paragraph that starts a line with "include:" is text, not an include), and only
  when the text holds "include:" at all, so an unsplit report pays nothing.
- A part is untrusted like the report: a plain file name (no folders, no ``..``), resolved
  (symbolic links followed) inside the desk folder, read within the size limit, included once.
  A part cannot include another part (its ``include:`` is an unknown key).
- The desk folder is not a series folder: ``Project.report_paths`` skips it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode

from .diagnostics import display_path
from .paths import PathProblem, is_inside, resolve

if TYPE_CHECKING:
    from .load import Document

#: What an include names: a file name in the desk folder, as the report names its own files.
PART_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_.-]*\.ya?ml")


@dataclass(frozen=True)
class Segment:
    """Lines ``start``... of the merged text come from ``display``, from its line ``line`` on,
    shifted right by ``shift`` columns (0-based lines and columns)."""

    start: int
    display: str
    line: int
    shift: int


def desk_folder(report: Path) -> Path:
    """Where a report's parts live: the folder named like the report, beside it."""
    return report.parent / report.stem


def is_desk_folder(folder: Path) -> bool:
    """Whether ``folder`` is a report's desk folder (a report file of the same name is beside it)."""
    return any((folder.parent / f"{folder.name}{suffix}").is_file() for suffix in (".yaml", ".yml"))


def splice(doc: Document, *, max_bytes: int, root: Path | None) -> None:
    """Put each ``include:``d part in place, in ``doc.text``; problems are diagnostics at the
    include (a refused include's line is left blank, so the report's other lines keep theirs)."""
    if "include:" not in doc.text:
        return
    from .load import make_yaml

    try:
        graph = make_yaml().compose(doc.text)
    except (YAMLError, RecursionError):
        return  # the parse that follows reports it
    includes = sorted(_includes(graph), key=lambda pair: pair[0].start_mark.line)
    if not includes:
        return
    lines = doc.text.splitlines(keepends=True)
    folder = desk_folder(doc.path)
    out: list[str] = []
    segments: list[Segment] = []
    seen: set[Path] = set()
    taken = 0  # lines of the report copied so far
    total = len(doc.text.encode("utf-8"))
    for key, value in includes:
        line, col = key.start_mark.line, key.start_mark.column
        if line < taken:
            continue  # nested in an earlier include's line: cannot happen in block YAML
        segments.append(Segment(len(out), doc.display, taken, 0))
        out += lines[taken:line]
        taken = line + 1
        problem, part = _check(doc, key, value, folder, seen)
        text = ""
        if part is not None:
            text, problem = _read(part, max_bytes)
            total += len(text.encode("utf-8")) + col * text.count("\n")
            if problem is None and total > max_bytes:
                problem = f"with its parts the report is larger than {max_bytes:,} bytes; split it into two reports or raise max_file_bytes"
        if problem is not None:
            doc.add(value.start_mark.line, value.start_mark.column, "include", problem)
            segments.append(Segment(len(out), doc.display, line, 0))
            out.append("\n")
            continue
        assert part is not None
        seen.add(resolve(part))
        doc.parts.append(part)
        segments.append(Segment(len(out), display_path(part, root), 0, col))
        out += [(" " * col + piece) if piece.strip() else piece.lstrip(" \t") for piece in _lines(text)]
    segments.append(Segment(len(out), doc.display, taken, 0))
    out += lines[taken:]
    doc.text = "".join(out)
    doc._segments = segments


def _lines(text: str) -> list[str]:
    found = text.splitlines(keepends=True)
    if found and not found[-1].endswith(("\n", "\r")):
        found[-1] += "\n"
    return found


def _includes(graph: object) -> list[tuple[ScalarNode, ScalarNode]]:
    """Every ``include:`` key of a block mapping, with its value, anywhere in the graph."""
    found = []
    stack = [graph]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.value == "include" and key.style is None and not node.flow_style:
                    found.append((key, value))
                else:
                    stack.append(value)
        elif isinstance(getattr(node, "value", None), list):
            stack.extend(node.value)  # a sequence
    return found


def _check(doc: Document, key: ScalarNode, value: object, folder: Path, seen: set[Path]) -> tuple[str | None, Path | None]:
    """The part an include names, or why it may not be read."""
    line = doc.text.splitlines()[key.start_mark.line]
    if line[: key.start_mark.column].strip():
        return "write 'include:' on a line of its own, below the section's first key (e.g. under 'region:')", None
    if not isinstance(value, ScalarNode) or value.end_mark.line != key.start_mark.line:
        return "'include' names one file, on the same line: include: aleppo.yaml", None
    name = str(value.value)
    if PART_NAME_RE.fullmatch(name) is None:
        return (
            f"'include' names a file in {folder.name}/ (the folder beside the report), by a plain name of lower-case "
            f"letters, digits, '-', '_' and '.', ending in .yaml, not {name!r}"
        ), None
    part = folder / name
    try:
        real = resolve(part)
        inside = is_inside(real, resolve(doc.path.parent)) and real.parent == resolve(folder)
    except (PathProblem, OSError):
        return f"{folder.name}/{name} is a symbolic link loop; replace the link by the file itself", None
    if not inside:
        return f"{folder.name}/{name} leads outside {folder.name}/ (a symbolic link); a part must be a file in the report's own folder", None
    if not real.is_file():
        return f"there is no file {folder.name}/{name} beside the report", None
    if real in seen:
        return f"{folder.name}/{name} is already included above; each part is included once", None
    return None, part


def _read(part: Path, max_bytes: int) -> tuple[str, str | None]:
    """The part's text, or why it cannot be used."""
    name = f"{part.parent.name}/{part.name}"
    try:
        with part.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        return "", f"cannot read {name}: {exc.strerror or exc}"
    if len(raw) > max_bytes:
        return "", f"{name} is larger than {max_bytes:,} bytes"
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        return "", f"{name} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
    if all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        return "", f"{name} is empty; it holds the section's keys, e.g. 'blocks:'"
    return text, None
