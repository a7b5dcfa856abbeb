"""Rules over a report that passed the schema; each adds diagnostics at the exact YAML node.

Each rule is a function ``(document, report, context) -> None``. Errors are what the build cannot
get right without (a missing figure file, a reference to nothing); warnings are what an editor
would query before publishing (a stray "3.000", a variant spelling, a leftover placeholder).
Every code is listed, with its meaning, in ``diagnostics.CODES`` and docs/diagnostics.md.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel

from . import markup
from .diagnostics import Severity
from .figures import FigureStore
from .load import Document, Loc
from .model import Report

IMAGE_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
PLACEHOLDER = "TODO"

W = Severity.WARNING


@dataclass(frozen=True)
class Place:
    """A gazetteer entry: the canonical spelling, variants to flag, aliases allowed in brackets."""

    name: str
    variants: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class LintContext:
    root: Path
    gazetteer: tuple[Place, ...] = field(default_factory=tuple)
    #: the figures of this run, each read and rebuilt once (a build publishes the same bytes)
    figures: FigureStore = field(default_factory=FigureStore)


Rule = Callable[[Document, Report, LintContext], None]


# --------------------------------------------------------------------------- walking a report


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


def all_strings(value: Any, loc: Loc = ()) -> Iterator[tuple[Loc, str]]:
    """Every string anywhere in the report (titles, labels, alt texts too), with its location."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from all_strings(getattr(value, name), (*loc, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from all_strings(item, (*loc, index))
    elif isinstance(value, str):
        yield loc, value


def figure_locations(report: Report) -> Iterator[tuple[Loc, Any]]:
    for r, region in enumerate(report.regions):
        for f, figure in enumerate(region.figures):
            yield ("regions", r, "figures", f), figure


# --------------------------------------------------------------------------- figures


def check_figure_ids(doc: Document, report: Report, ctx: LintContext) -> None:
    seen: dict[str, Loc] = {}
    for loc, figure in figure_locations(report):
        if figure.id in seen:
            line, _col = doc.position((*seen[figure.id], "id"))
            doc.add_at((*loc, "id"), "duplicate-figure-id", f"figure id '{figure.id}' is already used (line {line + 1}); ids must be unique")
        else:
            seen[figure.id] = loc


def check_references(doc: Document, report: Report, ctx: LintContext) -> None:
    known = {figure.id for figure in report.figures()}
    cited: set[str] = set()
    for loc, text in text_fields(report):
        counts: Counter[str] = Counter()
        for ref in markup.figure_refs(text):
            needle = f"{{fig:{ref}}}"
            occurrence = counts[ref]
            counts[ref] += 1
            cited.add(ref)
            if ref not in known:
                line, col = doc.position_of_text(loc, needle, occurrence)
                hint = f"; figures are: {', '.join(sorted(known))}" if known else "; this report has no figures"
                doc.add(line, col, "unknown-figure", f"reference to a figure that does not exist: {needle}{hint}")
    for loc, figure in figure_locations(report):
        if figure.id not in cited:
            doc.add_at((*loc, "id"), "unreferenced-figure", f"no text refers to figure '{figure.id}'; cite it with {{fig:{figure.id}}} where it belongs (it is placed at the end of its region)", W)


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


MAX_FIGURE_MESSAGES = 20  #: problems shown for one figure; the rest are counted


def check_figure_files(doc: Document, report: Report, ctx: LintContext) -> None:
    """Each figure is read and rebuilt as the build would publish it (figures.py); what that
    drops or refuses is reported at its image: line, with the place in the figure."""
    for loc, figure in figure_locations(report):
        try:
            path = resolve_figure(figure.image, doc.path.parent, ctx.root)
            prepared = ctx.figures.get(path)
        except FigureProblem as problem:
            doc.add_at((*loc, "image"), problem.code, str(problem))
            continue
        except OSError as exc:
            doc.add_at((*loc, "image"), "figure-missing", f"figure file '{figure.image}' cannot be read: {exc.strerror or exc}")
            continue
        shown = _shown(path, ctx.root)
        problems = prepared.problems
        for problem in problems[:MAX_FIGURE_MESSAGES]:
            where = f"{shown}:{problem.line}:{problem.col}" if problem.line else shown
            doc.add_at((*loc, "image"), problem.code, f"figure '{figure.image}' ({where}): {problem.message}", problem.severity)
        if len(problems) > MAX_FIGURE_MESSAGES:
            rest = problems[MAX_FIGURE_MESSAGES:]
            severity = Severity.ERROR if any(p.is_error for p in rest) else W
            code = next((p.code for p in rest if p.severity is severity), rest[0].code)
            doc.add_at((*loc, "image"), code, f"figure '{figure.image}' ({shown}): {len(rest):,} more problem(s) not shown; fix these first", severity)


def check_alt_text(doc: Document, report: Report, ctx: LintContext) -> None:
    for loc, figure in figure_locations(report):
        if not figure.alt.strip():
            doc.add_at((*loc, "alt"), "empty-alt", f"figure '{figure.id}' has blank alt text; describe what it shows for readers who cannot see it")


# --------------------------------------------------------------------------- content


def check_regions(doc: Document, report: Report, ctx: LintContext) -> None:
    for r, region in enumerate(report.regions):
        if not any(p.strip() for p in region.paragraphs):
            doc.add_at(("regions", r, "paragraphs"), "empty-region", f"region '{region.name}' has no text; write at least one paragraph or remove the region", W)


def check_dates(doc: Document, report: Report, ctx: LintContext) -> None:
    start, end = report.period.start, report.period.end
    for k, item in enumerate(report.key_figures):
        if item.as_of is not None and not start <= item.as_of <= end:
            doc.add_at(("key_figures", k, "as_of"), "date-outside-period", f"as_of {item.as_of} is outside the reporting period {start} to {end}; is the figure up to date?", W)
    if report.published < end:
        doc.add_at(("published",), "date-outside-period", f"published {report.published} is before the end of the reporting period ({end})", W)


_GROUPED_NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(?:([.,])\d{3})+(?![\d]|[.,]\d)")


def check_number_format(doc: Document, report: Report, ctx: LintContext) -> None:
    """Thousands written '3.000' in a report that writes '90,000' (or the other way round)."""
    found: list[tuple[Loc, str, str, int]] = []  # (loc, number, separator, occurrence)
    for loc, text in text_fields(report):
        seen: Counter[str] = Counter()
        for match in _GROUPED_NUMBER.finditer(text):
            number = match.group(0)
            found.append((loc, number, match.group(1), seen[number]))
            seen[number] += 1
    usage = Counter(separator for _, _, separator, _ in found)
    if len(usage) < 2:
        return  # one convention throughout: nothing to compare with
    usual = "," if usage[","] >= usage["."] else "."
    example = next(number for _, number, separator, _ in found if separator == usual)
    for loc, number, separator, occurrence in found:
        if separator != usual:
            line, col = doc.position_of_text(loc, number, occurrence)
            doc.add(line, col, "number-format", f"'{number}' groups digits with '{separator}' where the report writes '{usual}' (as in '{example}'); if it means {number.replace(separator, '')}, write {number.replace(separator, usual)}", W)


def check_place_names(doc: Document, report: Report, ctx: LintContext) -> None:
    for loc, text in text_fields(report):
        flat = _straight(text)
        for place in ctx.gazetteer:
            for variant in place.variants:
                for match in _name_re(variant).finditer(flat):
                    line, col = doc.position_of_text(loc, text[match.start() : match.end()])
                    doc.add(line, col, "place-name", f"'{match.group(0)}' is spelled '{place.name}' in this series (gazetteer); write '{place.name}'", W)
            for alias in place.aliases:
                for match in _name_re(alias).finditer(flat):
                    before = flat[: match.start()].rstrip("( ")
                    if before.endswith(_straight(place.name)) and flat[: match.start()].endswith("("):
                        continue  # "Tadmor (Palmyra)": the alias given beside the name
                    line, col = doc.position_of_text(loc, text[match.start() : match.end()])
                    doc.add(line, col, "place-name", f"'{alias}' is known in this series as '{place.name}'; write '{place.name}' or '{place.name} ({alias})'", W)


def _straight(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'")


@lru_cache(maxsize=1024)
def _name_re(name: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(_straight(name)) + r"(?!\w)")


_PLACEHOLDER_RE = re.compile(r"\b" + PLACEHOLDER + r"\b")


def check_placeholders(doc: Document, report: Report, ctx: LintContext) -> None:
    for loc, text in all_strings(report):
        if _PLACEHOLDER_RE.search(text):
            line, col = doc.position_of_text(loc, PLACEHOLDER)
            doc.add(line, col, "placeholder", f"placeholder '{PLACEHOLDER}' left in the text; replace it with this week's content", W)


def check_links(doc: Document, report: Report, ctx: LintContext) -> None:
    """Links the allowlist refuses and inline images, found by the same scanner that neutralises
    them in the Markdown output (so a destination with parentheses is quoted whole)."""
    for loc, text in text_fields(report):
        seen: Counter[str] = Counter()
        for link in markup.links(text):
            needle = text[link.start : link.end]
            line, col = doc.position_of_text(loc, needle, seen[needle])
            seen[needle] += 1
            if link.image:
                doc.add(line, col, "inline-image", "images inside text are not shown; add the image to the region's figures and cite it with {fig:ID}", W)
            elif not link.allowed:
                shown = link.url if len(link.url) <= 60 else link.url[:57] + "..."
                doc.add(line, col, "unsafe-link", f"link to '{shown}' is not allowed (only http, https, mailto and relative links) and is shown as plain text", W)


RULES: tuple[Rule, ...] = (
    check_figure_ids,
    check_references,
    check_figure_files,
    check_alt_text,
    check_regions,
    check_dates,
    check_number_format,
    check_place_names,
    check_placeholders,
    check_links,
)


def run_rules(doc: Document, report: Report, ctx: LintContext) -> None:
    for rule in RULES:
        rule(doc, report, ctx)
