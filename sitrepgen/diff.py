"""``sitrepgen diff``: what changed in a report's rendered text, word by word, for a reviewer.

Why it is shaped like this:

- It compares what readers get, not the YAML: the report's Markdown as the build writes it
  (``report.md.j2`` through the same Plan and templates), so a re-indented or re-wrapped block,
  a moved comment or a quoting change shows no difference, and a changed word shows exactly.
- The other side is the same file at another git revision (``git show REV:path``, run as a
  subprocess with an argument list, never a shell) or the previous report of the series. Both
  sides are validated as ``validate`` would; a side with errors is reported, not compared.
- Words are compared with difflib on word tokens, each remembering the white space before it,
  so a changed line break is no change but a changed word is; only the paragraphs holding a
  change are shown, each whole, with ``[-deleted-]{+inserted+}`` (git's ``--word-diff=plain``
  markers) or, in a terminal, in colour.
- ``--html`` writes one self-contained page (inline style, no script, nothing fetched) with
  ``<del>``/``<ins>``; every piece of text in it is escaped, as report text is untrusted.
"""

from __future__ import annotations

import dataclasses
import difflib
import html
import re
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click

from .desks import PART_NAME_RE
from .diagnostics import Diagnostic, display_path
from .names import printable

if TYPE_CHECKING:
    from .config import Project
    from .model import Report

Kind = Literal["equal", "delete", "insert"]

#: A word and the white space before it (the white space of the text's start has no word).
_TOKEN_RE = re.compile(r"(\s*)(\S+)")
#: The white space a terminal shows as layout, kept as it is in the output.
_LAYOUT_RE = re.compile(r"([ \t\n]+)")
#: White space that ends a paragraph: a blank line.
_PARAGRAPH_BREAK_RE = re.compile(r"\n[ \t]*\n")


class DiffError(Exception):
    """A problem to show as one ``Error:`` line; ``diagnostics`` when a version of a report has
    errors, printed before it."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics or []


@dataclass(frozen=True)
class Piece:
    """A run of the compared text: unchanged, only in the old version, or only in the new one.
    ``space`` is the white space before it, outside any marker."""

    kind: Kind
    space: str
    text: str


# --------------------------------------------------------------------------- the two versions


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False, timeout=60)
    except FileNotFoundError:
        raise DiffError("git is not installed; --rev needs it (or compare with --previous)") from None
    except subprocess.TimeoutExpired:
        raise DiffError(f"git {args[0]} took more than 60 s; nothing was compared") from None


def at_revision(path: Path, rev: str) -> tuple[bytes, str, dict[str, bytes]]:
    """The bytes of ``path`` at git revision ``rev``, the name to show them by
    ('HEAD:sitreps/x.yaml'), and the files of its desk folder at that revision (sitrepgen.desks)."""
    if not rev or rev.startswith("-") or "\0" in rev:
        raise DiffError(f"{rev!r} is not a git revision")
    folder = path.resolve().parent
    top = _git(["rev-parse", "--show-toplevel"], folder)
    if top.returncode != 0:
        raise DiffError(f"{display_path(path)} is not in a git repository; --rev needs one (or compare with --previous)")
    root = Path(top.stdout.decode("utf-8", "replace").strip())
    relative = (folder / path.name).relative_to(root.resolve()).as_posix()
    if _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], folder).returncode != 0:
        raise DiffError(f"unknown git revision '{rev}'")
    shown = _git(["show", f"{rev}:{relative}"], root)
    if shown.returncode != 0:
        raise DiffError(f"{relative} does not exist at revision '{rev}'")
    desk = relative.rpartition("/")[0] + ("/" if "/" in relative else "") + path.stem + "/"
    listed = _git(["ls-tree", "-z", "--name-only", rev, "--", desk], root)
    parts: dict[str, bytes] = {}
    for name in listed.stdout.decode("utf-8", "replace").split("\0") if listed.returncode == 0 else []:
        base = name.rpartition("/")[2]
        if name == desk + base and PART_NAME_RE.fullmatch(base):  # a file directly in it, named as a part may be
            part = _git(["show", f"{rev}:{name}"], root)
            if part.returncode == 0:
                parts[base] = part.stdout
    return shown.stdout, f"{rev}:{relative}", parts


def load(project: Project, path: Path, raw: bytes, shown: str, parts: dict[str, bytes] | None = None) -> Report:
    """The report in ``raw``, validated (schema only: the text is compared, not checked); its
    errors raise a DiffError. With ``parts`` (a git revision's desk files), the report and its
    parts are read from a temporary copy, and the errors named as at that revision (``shown``)."""
    from .load import read_document, validate_model
    from .model import Report

    prefix = shown[: len(shown) - len(path.name)]  # 'HEAD:sitreps/'
    if parts is None:
        doc = read_document(path, max_bytes=project.config.max_file_bytes, raw=raw, includes=True)
    else:
        with tempfile.TemporaryDirectory() as temporary:
            copy = Path(temporary) / path.name
            if parts:
                (copy.parent / path.stem).mkdir()
            for name, data in parts.items():
                (copy.parent / path.stem / name).write_bytes(data)
            doc = read_document(copy, max_bytes=project.config.max_file_bytes, raw=raw, includes=True, root=copy.parent)
    report = validate_model(doc, Report)  # (reads no file: positions come from the text)
    errors = [dataclasses.replace(d, path=prefix + d.path) if parts is not None else d for d in doc.diagnostics if d.is_error]
    if report is None or errors:
        raise DiffError(f"{shown} has {len(errors)} error(s); fix them to compare it", errors)
    return report


def read_file(project: Project, path: Path) -> bytes:
    """The report file's bytes, if it lies inside the reports folder (as every command requires)."""
    problem = project.report_problem(path)
    if problem is not None:
        raise DiffError(f"{display_path(path)}: {problem}")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DiffError(f"cannot read {display_path(path)}: {exc.strerror or exc}") from None


def previous_report(project: Project, path: Path, report: Report) -> tuple[Path, Report]:
    """The report before ``report`` in its series, among the project's valid reports."""
    from .load import read_document, validate_model
    from .model import Report
    from .series import group, previous_in_series

    @dataclass
    class Item:
        path: Path
        report: Report
        slug: str

    slug = project.slug_of(path)
    items: list[Item] = [Item(path, report, slug)]
    for other in project.report_paths():
        if other.resolve() == path.resolve() or project.report_problem(other) is not None:
            continue
        doc = read_document(other, max_bytes=project.config.max_file_bytes, includes=True)
        loaded = validate_model(doc, Report)
        if loaded is not None:
            items.append(Item(other, loaded, project.slug_of(other)))
    found = previous_in_series(group(items), slug)
    if found is None:
        raise DiffError(f"{display_path(path)} is the first report of its series; there is no previous week to compare with")
    return found.path, found.report  # type: ignore[attr-defined]


def rendered(project: Project, path: Path, report: Report, edition: str) -> str:
    """The report's Markdown, as the build writes it for ``edition`` (without the series around
    it: links to the previous and next report are navigation, not content)."""
    from . import audience, render
    from .outputs import Plan, report_pages
    from .reports import LoadedReport
    from .site import BuildError, _edition, site_context
    from .load import Document

    try:
        chosen = _edition(project, edition)
    except BuildError as exc:
        raise DiffError(str(exc)) from None
    shown = audience.for_edition(report, chosen.audiences)
    if shown is None:
        return ""
    item = LoadedReport(Document(path=path, display=display_path(path)), shown, project.slug_of(path))
    plan = Plan(project, render.make_environment(project.templates_dir), site_context(project, chosen), [item])
    return report_pages.render(plan)[f"reports/{item.slug}.md"].decode("utf-8")


# --------------------------------------------------------------------------- comparing


def tokens(text: str) -> list[tuple[str, str]]:
    """(white space before, word) for every word of ``text``."""
    return [(match.group(1), match.group(2)) for match in _TOKEN_RE.finditer(text)]


def compare(old: str, new: str) -> list[Piece]:
    """The pieces that turn ``old`` into ``new``, word by word (white space alone is no change).

    Unchanged words keep the new text's spacing; a deleted run keeps the old one's."""
    before, after = tokens(old), tokens(new)
    matcher = difflib.SequenceMatcher(None, [w for _, w in before], [w for _, w in after], autojunk=False)
    pieces: list[Piece] = []

    def run(kind: Kind, words: list[tuple[str, str]]) -> None:
        if words:
            inner = words[0][1] + "".join(space + word for space, word in words[1:])
            pieces.append(Piece(kind, words[0][0], inner))

    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.extend(Piece("equal", space, word) for space, word in after[j1:j2])
            continue
        run("delete", before[i1:i2])
        run("insert", after[j1:j2])
        if op == "replace":  # '[-old-]{+new+}', side by side: the old words' space serves both
            pieces[-1] = dataclasses.replace(pieces[-1], space="")
    return pieces


def paragraphs(pieces: list[Piece]) -> list[list[Piece]]:
    """The pieces cut into paragraphs, keeping only those that hold a change. A paragraph starts
    at a blank line before a word (a deleted or inserted run starts one too)."""
    found: list[list[Piece]] = [[]]
    for piece in pieces:
        if _PARAGRAPH_BREAK_RE.search(piece.space) and found[-1]:
            found.append([])
        found[-1].append(piece if found[-1] else dataclasses.replace(piece, space=""))
    return [group for group in found if any(p.kind != "equal" for p in group)]


def counts(pieces: Iterable[Piece]) -> tuple[int, int]:
    """Words deleted and words inserted."""
    deleted = inserted = 0
    for piece in pieces:
        words = len(piece.text.split())
        deleted += words if piece.kind == "delete" else 0
        inserted += words if piece.kind == "insert" else 0
    return deleted, inserted


def summary(pieces: list[Piece]) -> str:
    deleted, inserted = counts(pieces)
    changed = len(paragraphs(pieces))
    return f"{changed} paragraph(s) changed: {deleted} word(s) deleted, {inserted} inserted"


def as_text(pieces: list[Piece], *, colour: bool) -> str:
    """The changed paragraphs for a terminal: coloured (deleted red and struck through, inserted
    green), or with git's plain word-diff markers."""
    shown = []
    for group in paragraphs(pieces):
        out = []
        for piece in group:
            text = _printable(piece.text)
            if piece.kind == "equal":
                out.append(piece.space + text)
            elif colour:
                style = {"fg": "red", "strikethrough": True} if piece.kind == "delete" else {"fg": "green", "underline": True}
                out.append(piece.space + click.style(text, **style))  # type: ignore[arg-type]
            else:
                out.append(piece.space + (f"[-{text}-]" if piece.kind == "delete" else f"{{+{text}+}}"))
        shown.append("".join(out))
    return "\n\n".join(shown)


def _printable(text: str) -> str:
    """``text`` with its line breaks kept and every other character that could act on a terminal
    escaped (report text never reaches it as control characters)."""
    return "".join(part if part.isspace() else printable(part) for part in _LAYOUT_RE.split(text))


def as_html(pieces: list[Piece], *, old: str, new: str) -> str:
    """A self-contained page of the changed paragraphs with <del> and <ins>; all text escaped."""
    blocks = []
    for group in paragraphs(pieces):
        parts = []
        for piece in group:
            text = html.escape(piece.text)
            tag = {"equal": None, "delete": "del", "insert": "ins"}[piece.kind]
            parts.append(html.escape(piece.space) + (f"<{tag}>{text}</{tag}>" if tag else text))
        blocks.append(f"<pre>{''.join(parts)}</pre>")
    body = "\n".join(blocks) if blocks else "<p>No change in the rendered text.</p>"
    title = f"{new} against {old}"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Changes: {html.escape(title)}</title>\n"
        "<style>body{font:15px/1.5 system-ui,sans-serif;max-width:50em;margin:2em auto;padding:0 1em;color:#1a1a1a}"
        "pre{white-space:pre-wrap;font:inherit;border-left:3px solid #ccc;padding:.2em 0 .2em 1em;margin:1.2em 0}"
        "del{background:#fde2e2;color:#8a1010}ins{background:#ddf4dd;color:#0b5a0b;text-decoration:none}"
        "</style>\n</head>\n<body>\n"
        f"<h1>Changes in the rendered text</h1>\n<p>{html.escape(new)} against {html.escape(old)}: {html.escape(summary(pieces))}</p>\n"
        f"{body}\n</body>\n</html>\n"
    )
