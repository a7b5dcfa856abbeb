"""Checks over a report that passed the schema: each adds diagnostics at the exact YAML node.

These are the checks a build cannot do without (figure files, cross-references); each is a
function ``(document, report, root) -> None`` so more rules slot in beside them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from . import markup
from .load import Document, Loc
from .model import Report

IMAGE_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}

Check = Callable[[Document, Report, Path], None]


def text_fields(report: Report) -> Iterator[tuple[Loc, str]]:
    """Every Markdown field with its location, in reading order."""
    if report.summary:
        yield ("summary",), report.summary
    for r, region in enumerate(report.regions):
        for p, text in enumerate(region.paragraphs):
            yield ("regions", r, "paragraphs", p), text
        for f, figure in enumerate(region.figures):
            yield ("regions", r, "figures", f, "caption"), figure.caption
    for c, text in enumerate(report.conclusions):
        yield ("conclusions", c), text


def figure_locations(report: Report) -> Iterator[tuple[Loc, str, str]]:
    """(location, id, image) of every figure."""
    for r, region in enumerate(report.regions):
        for f, figure in enumerate(region.figures):
            yield ("regions", r, "figures", f), figure.id, figure.image


def check_figure_ids(doc: Document, report: Report, root: Path) -> None:
    seen: dict[str, Loc] = {}
    for loc, figure_id, _ in figure_locations(report):
        if figure_id in seen:
            line, _col = doc.position((*seen[figure_id], "id"))
            doc.add_at((*loc, "id"), "duplicate-figure-id", f"figure id '{figure_id}' is already used (line {line + 1}); ids must be unique")
        else:
            seen[figure_id] = loc


def check_references(doc: Document, report: Report, root: Path) -> None:
    known = {figure.id for figure in report.figures()}
    for loc, text in text_fields(report):
        counts: dict[str, int] = {}
        for ref in markup.figure_refs(text):
            needle = f"{{fig:{ref}}}"
            occurrence = counts.get(ref, 0)
            counts[ref] = occurrence + 1
            if ref not in known:
                line, col = doc.position_of_text(loc, needle, occurrence)
                hint = f"; figures are: {', '.join(sorted(known))}" if known else "; this report has no figures"
                doc.add(line, col, "unknown-figure", f"reference to a figure that does not exist: {needle}{hint}")


class FigureProblem(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def resolve_figure(image: str, report_dir: Path, root: Path) -> Path:
    """The figure's file; raises FigureProblem when it cannot be used. It must be in the project."""
    pure = PurePosixPath(image)
    if "\\" in image or pure.is_absolute() or (len(image) > 1 and image[1] == ":"):
        raise FigureProblem("figure-path", f"figure path '{image}' must be relative to the report file, not absolute")
    if ":" in pure.parts[0]:
        raise FigureProblem("figure-path", f"figure path '{image}' must be a file in the project, not a URL")
    if pure.suffix.lower() not in IMAGE_TYPES:
        raise FigureProblem("figure-format", f"figure '{image}' must be an SVG, PNG or JPEG file (.svg, .png, .jpg)")
    path = report_dir / pure
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise FigureProblem("figure-path", f"figure path '{image}' leads outside the project; keep figures inside it")
    if not resolved.is_file():
        raise FigureProblem("figure-missing", f"figure file '{image}' not found (looked for {_shown(path, root)})")
    return resolved


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def check_figure_files(doc: Document, report: Report, root: Path) -> None:
    for loc, _, image in figure_locations(report):
        try:
            resolve_figure(image, doc.path.parent, root)
        except FigureProblem as problem:
            doc.add_at((*loc, "image"), problem.code, str(problem))


CHECKS: tuple[Check, ...] = (check_figure_ids, check_references, check_figure_files)


def run_checks(doc: Document, report: Report, root: Path) -> None:
    for check in CHECKS:
        check(doc, report, root)
