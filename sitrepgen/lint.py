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

from . import markup, names, svg
from .diagnostics import Severity
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


#: Default limits per report (``max_figures`` and ``max_references`` in sitrepgen.yaml). Every
#: figure is checked, copied and drawn in the PDF, every reference rendered on several pages:
#: a report far beyond these is a mistake or an attack, and would cost minutes and gigabytes.
MAX_FIGURES = 50
MAX_REFERENCES = 1000


@dataclass(frozen=True)
class LintContext:
    root: Path
    gazetteer: tuple[Place, ...] = field(default_factory=tuple)
    max_figures: int = MAX_FIGURES
    max_references: int = MAX_REFERENCES


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


def check_limits(doc: Document, report: Report, ctx: LintContext) -> None:
    """At most ``max_figures`` figures and ``max_references`` references, reported at the first
    one beyond the limit. Checked before every other rule, which are skipped for a report over a
    limit (see run_rules): their work is what the limits bound."""
    figures = list(figure_locations(report))
    if len(figures) > ctx.max_figures:
        doc.add_at(
            figures[ctx.max_figures][0], "too-many-figures",
            f"the report has {len(figures):,} figures, more than the limit of {ctx.max_figures:,}; "
            "split it into several reports, or raise max_figures in sitrepgen.yaml",
        )
    count = 0
    first_beyond: tuple[Loc, str, int] | None = None
    for loc, text in text_fields(report):
        for match in markup.figure_ref_matches(text):
            count += 1
            if count == ctx.max_references + 1:
                first_beyond = (loc, text, match.start())
    if first_beyond is not None:
        line, col = doc.position_in(*first_beyond)
        doc.add(
            line, col, "too-many-references",
            f"the report makes {count:,} figure references, more than the limit of {ctx.max_references:,}; "
            "cite each figure where it matters, or raise max_references in sitrepgen.yaml",
        )


def check_references(doc: Document, report: Report, ctx: LintContext) -> None:
    known = {figure.id for figure in report.figures()}
    cited: set[str] = set()
    for loc, text in text_fields(report):
        for match in markup.figure_ref_matches(text):
            ref = match.group(1)
            cited.add(ref)
            if ref not in known:
                line, col = doc.position_in(loc, text, match.start())
                hint = f"; figures are: {', '.join(sorted(known))}" if known else "; this report has no figures"
                doc.add(line, col, "unknown-figure", f"reference to a figure that does not exist: {{fig:{ref}}}{hint}")
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


def check_figure_files(doc: Document, report: Report, ctx: LintContext) -> None:
    for loc, figure in figure_locations(report):
        try:
            path = resolve_figure(figure.image, doc.path.parent, ctx.root)
            if path.suffix.lower() == ".svg":
                svg.check(path)
        except FigureProblem as problem:
            doc.add_at((*loc, "image"), problem.code, str(problem))
        except svg.SvgProblem as problem:
            where = f"{_shown(path, ctx.root)}:{problem.line}:{problem.col}"
            doc.add_at((*loc, "image"), problem.code, f"figure '{figure.image}' ({where}): {problem.message}")
        except OSError as exc:
            doc.add_at((*loc, "image"), "figure-missing", f"figure file '{figure.image}' cannot be read: {exc.strerror or exc}")


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
    """Thousands written '3.000' in a report that writes '90,000' (or the other way round).

    Two passes over the text, the first only counting, so that nothing grows with the number
    of numbers but the warnings themselves."""
    usage: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for _loc, text in text_fields(report):
        for match in _GROUPED_NUMBER.finditer(text):
            usage[match.group(1)] += 1
            examples.setdefault(match.group(1), match.group(0))
    if len(usage) < 2:
        return  # one convention throughout: nothing to compare with
    usual = "," if usage[","] >= usage["."] else "."
    for loc, text in text_fields(report):
        for match in _GROUPED_NUMBER.finditer(text):
            number, separator = match.group(0), match.group(1)
            if separator != usual:
                line, col = doc.position_in(loc, text, match.start())
                doc.add(line, col, "number-format", f"'{number}' groups digits with '{separator}' where the report writes '{usual}' (as in '{examples[usual]}'); if it means {number.replace(separator, '')}, write {number.replace(separator, usual)}", W)


def check_place_names(doc: Document, report: Report, ctx: LintContext) -> None:
    for loc, text in text_fields(report):
        flat = _straight(text)
        for place in ctx.gazetteer:
            for variant in place.variants:
                for match in _names_in(flat, variant):
                    line, col = doc.position_in(loc, text, match.start())
                    doc.add(line, col, "place-name", f"'{match.group(0)}' is spelled '{place.name}' in this series (gazetteer); write '{place.name}'", W)
            for alias in place.aliases:
                for match in _names_in(flat, alias):
                    if _follows_name(flat, match.start(), _straight(place.name)):
                        continue  # "Tadmor (Palmyra)": the alias given beside the name
                    line, col = doc.position_in(loc, text, match.start())
                    doc.add(line, col, "place-name", f"'{alias}' is known in this series as '{place.name}'; write '{place.name}' or '{place.name} ({alias})'", W)


def _follows_name(text: str, start: int, name: str) -> bool:
    """Whether ``text[start:]`` comes right after "NAME (" (any spaces and brackets between).

    Looks back only over the brackets and spaces before ``start``: those runs lie between one
    match and the next, so all the looking back in a text costs no more than its length."""
    index = start
    while index > 0 and text[index - 1] in "( ":
        index -= 1
    return start > 0 and text[start - 1] == "(" and text.endswith(name, 0, index)


def _straight(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'")


@lru_cache(maxsize=1024)
def _name_re(name: str) -> re.Pattern[str]:
    """The name, not followed by a letter or digit. It starts with the name itself, so that the
    regular expression engine can look for it as a literal (a look-behind first would make it
    try every position of the text); the character before is checked by ``_names_in``."""
    return re.compile(re.escape(_straight(name)) + r"(?!\w)")


_WORD_CHAR_RE = re.compile(r"\w")


def _names_in(text: str, name: str) -> Iterator[re.Match[str]]:
    r"""Where ``name`` stands as a whole word in ``text``, as ``(?<!\w)NAME(?!\w)`` would find it:
    after a match refused for the letter before it, the search goes on from the next character."""
    pattern = _name_re(name)
    position = 0
    while (match := pattern.search(text, position)) is not None:
        start = match.start()
        if start > 0 and _WORD_CHAR_RE.match(text, start - 1) is not None:
            position = start + 1
            continue
        yield match
        position = max(match.end(), start + 1)


_PLACEHOLDER_RE = re.compile(r"\b" + PLACEHOLDER + r"\b")


def check_placeholders(doc: Document, report: Report, ctx: LintContext) -> None:
    for loc, text in all_strings(report):
        if (match := _PLACEHOLDER_RE.search(text)) is not None:
            line, col = doc.position_in(loc, text, match.start())
            doc.add(line, col, "placeholder", f"placeholder '{PLACEHOLDER}' left in the text; replace it with this week's content", W)


def check_links(doc: Document, report: Report, ctx: LintContext) -> None:
    """Links the allowlist refuses, inline images and links to an anchor the page does not have,
    found by the same scanner that neutralises them in the Markdown output (so a destination with
    parentheses is quoted whole)."""
    anchors: set[str] | None = None
    for loc, text in text_fields(report):
        for link in markup.iter_links(text):
            if link.image:
                line, col = doc.position_in(loc, text, link.start)
                doc.add(line, col, "inline-image", "images inside text are not shown; add the image to the region's figures and cite it with {fig:ID}", W)
            elif not link.allowed:
                shown = link.url if len(link.url) <= 60 else link.url[:57] + "..."
                line, col = doc.position_in(loc, text, link.start)
                doc.add(line, col, "unsafe-link", f"link to '{shown}' is not allowed (only http, https, mailto and relative links) and is shown as plain text", W)
            elif (fragment := markup.fragment(link.url)) is not None:
                anchors = names.page_anchors(report, doc.path.stem) if anchors is None else anchors
                if fragment not in anchors:
                    line, col = doc.position_in(loc, text, link.start)
                    doc.add(line, col, "unknown-anchor", _unknown_anchor(link.url, report))


def _unknown_anchor(url: str, report: Report) -> str:
    shown = url if len(url) <= 60 else url[:57] + "..."
    regions = list(dict.fromkeys(f"#{names.slugify(region.name)}" for region in report.regions))
    examples = ", ".join(regions[:3]) + (", ..." if len(regions) > 3 else "")
    return (
        f"link to '{shown}' leads nowhere: the report has no such anchor; "
        f"link to a region ({examples}), or cite a figure with {{fig:ID}}"
    )


def check_region_names(doc: Document, report: Report, ctx: LintContext) -> None:
    """A region's page is regions/SLUG.html: a slug the site's own pages use would replace one."""
    for r, region in enumerate(report.regions):
        slug = names.slugify(region.name)
        if slug in names.RESERVED_REGION_SLUGS:
            doc.add_at(
                ("regions", r, "name"), "region-name",
                f"a region named '{region.name}' would have the page regions/{slug}.html, which is the site's list "
                "of regions; name it differently",
            )


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
    check_region_names,
)


def run_rules(doc: Document, report: Report, ctx: LintContext) -> None:
    """Every rule, after the limits: a report over a limit gets that error alone, since checking
    the rest is the work the limit is there to bound."""
    found = len(doc.diagnostics)
    check_limits(doc, report, ctx)
    if len(doc.diagnostics) > found:
        return
    for rule in RULES:
        rule(doc, report, ctx)
