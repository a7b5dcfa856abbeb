"""Rules over a report that passed the schema; each adds diagnostics at the exact YAML node.

Each rule is a function ``(document, report, context) -> None``. Errors are what the build cannot
get right without (a missing figure file, a reference to nothing); warnings are what an editor
would query before publishing (a stray "3.000", a variant spelling, a leftover placeholder).
Every code is listed, with its meaning, in ``diagnostics.CODES`` and docs/diagnostics.md.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from pydantic import BaseModel

from . import markup, measures, names
from .diagnostics import Severity
from .figures import FigureStore
from .load import Document, Loc, empty_alt_message
from .cache import Budget, TooMuchInput
from .markup import DEFAULT_FIGURE_LABEL, reference_text
from .model import Figure, FigureBlock, MapMeasure, Paragraph, Report, audience_of, text_of
from .paths import PathProblem, resolve
from .trends import format_number, value_text

IMAGE_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
MAP_TYPES = {".geojson": "application/geo+json"}
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
    root: Path  #: the project folder, resolved
    gazetteer: tuple[Place, ...] = field(default_factory=tuple)
    figure_label: str = DEFAULT_FIGURE_LABEL
    audiences: tuple[str, ...] = ("public", "internal")  #: every audience an item may name
    editions: tuple[tuple[str, frozenset[str]], ...] = (("public", frozenset({"public"})), ("internal", frozenset({"public", "internal"})))
    max_figures: int = MAX_FIGURES
    max_references: int = MAX_REFERENCES
    reports_dir: Path | None = None  #: where slugs start (None: a report's slug is its file name)
    key_figure_jump: float | None = 0.5  #: the share a figure may move by, its source unchanged
    #: Resolved folders figures may come from (reports_dir and figure_dirs); empty: the project.
    figure_folders: tuple[Path, ...] = ()
    figure_names: str = ""  #: the same folders as messages name them ('sitreps/')
    budget: Budget | None = None  #: the build's max_build_bytes, counting figure files too
    #: the figures of this run, each read and rebuilt once (a build publishes the same bytes)
    figures: FigureStore = field(default_factory=FigureStore)
    map_settings: Any = None  #: the project's ``map:`` settings (maps.MapSettings), None without


Rule = Callable[[Document, Report, LintContext], None]


class Previous(Protocol):
    """The report before the one checked, as a series rule sees it (reports.LoadedReport)."""

    @property
    def document(self) -> Document: ...

    @property
    def report(self) -> Report: ...


#: A check of one report against the previous report of its series (None for a series' first).
SeriesRule = Callable[[Document, Report, "Previous | None", LintContext], None]


# --------------------------------------------------------------------------- walking a report


def _paragraph(loc: Loc, item: str | Paragraph) -> tuple[Loc, str]:
    """A paragraph's text and where it is: the string itself, or the mapping's 'text:'."""
    return ((*loc, "text"), item.text) if isinstance(item, Paragraph) else (loc, item)


def _summary_locs(report: Report) -> Iterator[tuple[Loc, str]]:
    if isinstance(report.summary, str):
        yield ("summary",), report.summary
    elif report.summary:
        for index, item in enumerate(report.summary):
            yield _paragraph(("summary", index), item)


def _blocks(loc: Loc, blocks: list[Any]) -> Iterator[tuple[Loc, Any]]:
    """(loc, paragraph text or Figure) of each block of a flow."""
    for index, block in enumerate(blocks):
        if isinstance(block, FigureBlock):
            yield (*loc, index, "figure"), block.figure
        else:
            yield _paragraph((*loc, index), block)


def flow(report: Report) -> Iterator[tuple[Loc, Any]]:
    """Every paragraph (text) and figure of the body with its location, in the file's order."""
    yield from _blocks(("blocks",), report.blocks)
    for s, section in enumerate(report.sections):
        yield from _blocks(("sections", s, "blocks"), section.blocks)
    for r, region in enumerate(report.regions):
        for p, item in enumerate(region.paragraphs):
            yield _paragraph(("regions", r, "paragraphs", p), item)
        for f, figure in enumerate(region.figures):
            yield ("regions", r, "figures", f), figure


def text_fields(report: Report) -> Iterator[tuple[Loc, str]]:
    """Every Markdown field with its location, in reading order."""
    yield from _summary_locs(report)
    for loc, item in flow(report):
        if isinstance(item, Figure):
            yield (*loc, "caption"), item.caption
        else:
            yield loc, item
    for c, item in enumerate(report.conclusions):
        yield _paragraph(("conclusions", c), item)


def plain_fields(report: Report) -> Iterator[tuple[Loc, str]]:
    """The plain-text fields a reader sees (title, names, headings, labels, alt text)."""
    yield ("title",), report.title
    for r, region in enumerate(report.regions):
        yield ("regions", r, "name"), region.name
        if region.heading:
            yield ("regions", r, "heading"), region.heading
    for s, section in enumerate(report.sections):
        if section.heading:
            yield ("sections", s, "heading"), section.heading
        if isinstance(section.region, str):
            yield ("sections", s, "region"), section.region
        for n, name in enumerate(section.region if isinstance(section.region, list) else []):
            yield ("sections", s, "region", n), name
    for k, item in enumerate(report.key_figures):
        yield ("key_figures", k, "label"), item.label
        if item.region:
            yield ("key_figures", k, "region"), item.region
    for loc, figure in figure_locations(report):
        yield (*loc, "alt"), figure.alt


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


def figure_locations(report: Report) -> Iterator[tuple[Loc, Figure]]:
    """Every figure with the location of its mapping, in the file's order."""
    for loc, item in flow(report):
        if isinstance(item, Figure):
            yield loc, item


# --------------------------------------------------------------------------- figures


def check_figure_ids(doc: Document, report: Report, ctx: LintContext) -> None:
    seen: dict[str, Loc] = {}
    for loc, figure in figure_locations(report):
        if figure.id in seen:
            line, _col = doc.position((*seen[figure.id], "id"))
            doc.add_at((*loc, "id"), "duplicate-figure-id", f"figure id '{figure.id}' is already used ({doc.line_text(line)}); ids must be unique")
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
    figures = {figure.id: figure for figure in report.figures()}
    numbered = sorted(figure_id for figure_id, figure in figures.items() if figure.numbered)
    cited: set[str] = set()
    for loc, text in text_fields(report):
        for match in markup.figure_ref_matches(text):
            ref = match.group(1)
            cited.add(ref)
            if ref in figures and figures[ref].numbered:
                continue
            needle = match.group(0)
            line, col = doc.position_in(loc, text, match.start())
            if ref in figures:
                doc.add(line, col, "unnumbered-reference", f"{needle} refers to a figure with 'numbered: false', which has no number to print; remove the reference or number the figure")
                continue
            hint = f"; figures are: {', '.join(numbered)}" if numbered else "; this report has no numbered figures"
            doc.add(line, col, "unknown-figure", f"reference to a figure that does not exist: {needle}{hint}")
        for bad in markup.malformed_refs(text):
            line, col = doc.position_in(loc, text, bad.start)
            doc.add(line, col, "malformed-reference", f"'{bad.text}' is not a figure reference: {bad.why}")
    for r, region in enumerate(report.regions):  # only the older form places figures by their first reference
        for f, figure in enumerate(region.figures):
            if figure.id not in cited:
                doc.add_at(("regions", r, "figures", f, "id"), "unreferenced-figure", f"no text refers to figure '{figure.id}'; cite it with {{fig:{figure.id}}} where it belongs (it is placed at the end of its region), or move the region to sections and list the figure where it goes", W)


def check_caption_labels(doc: Document, report: Report, ctx: LintContext) -> None:
    """A caption that starts with its own label ("Figure 1 - ...") would print it twice."""
    prefix = _label_prefix(ctx.figure_label)
    for loc, figure in figure_locations(report):
        match = prefix.match(figure.caption)
        if match:
            doc.add_at((*loc, "caption"), "caption-label", f"the caption starts with a figure label ('{match.group(0).strip()}'); sitrepgen prints the label itself: remove it from the caption", W)


@lru_cache(maxsize=16)
def _label_prefix(label: str) -> re.Pattern[str]:
    """'Figure {n} -' -> a pattern for 'Figure 1 -', 'Figure 12:', 'figure 3' at a caption's start."""
    word = re.escape(reference_text(label)).replace(re.escape("{n}"), r"\d+")
    return re.compile(r"\s*" + word + r"(?:\s*[-\u2013\u2014:.])?(?=\s|$)", re.IGNORECASE)


# --------------------------------------------------------------------------- audiences


def _models(value: Any, loc: Loc = ()) -> Iterator[tuple[Loc, BaseModel]]:
    """Every model inside the report (sections, figures, paragraphs, key figures...) with its place."""
    if isinstance(value, BaseModel):
        yield loc, value
        for name in type(value).model_fields:
            yield from _models(getattr(value, name), (*loc, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _models(item, (*loc, index))


def check_audiences(doc: Document, report: Report, ctx: LintContext) -> None:
    """Every audience an item names is one the project has."""
    for loc, model in _models(report):
        audience = getattr(model, "audience", None)
        if audience is not None and audience not in ctx.audiences:
            close = difflib.get_close_matches(audience, ctx.audiences, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            doc.add_at((*loc, "audience"), "unknown-audience", f"unknown audience '{audience}'; {hint}the audiences are: {', '.join(ctx.audiences)} (sitrepgen.yaml declares more under 'audiences:')")


Chain = tuple[str, ...]


def _audience_flow(report: Report) -> Iterator[tuple[Loc, str | Figure, Chain]]:
    """Each paragraph's text and each figure, with where it is and the audiences it stands under."""

    def blocks(loc: Loc, items: list[Any], outer: Chain) -> Iterator[tuple[Loc, str | Figure, Chain]]:
        for index, block in enumerate(items):
            if isinstance(block, FigureBlock):
                yield (*loc, index, "figure"), block.figure, (*outer, block.figure.audience)
            else:
                where, text = _paragraph((*loc, index), block)
                yield where, text, (*outer, audience_of(block))

    if isinstance(report.summary, str):
        yield ("summary",), report.summary, ()
    elif report.summary:
        yield from blocks(("summary",), list(report.summary), ())
    yield from blocks(("blocks",), report.blocks, ())
    for s, section in enumerate(report.sections):
        yield from blocks(("sections", s, "blocks"), section.blocks, (section.audience,))
    for r, region in enumerate(report.regions):
        yield from blocks(("regions", r, "paragraphs"), list(region.paragraphs), (region.audience,))
        for f, figure in enumerate(region.figures):
            yield ("regions", r, "figures", f), figure, (region.audience, figure.audience)
    yield from blocks(("conclusions",), list(report.conclusions), ())


def check_audience_references(doc: Document, report: Report, ctx: LintContext) -> None:
    """A reference must lead to a figure in every edition that shows the text citing it."""

    def editions(chain: Chain) -> set[str]:
        return {name for name, allowed in ctx.editions if all(audience in allowed for audience in chain)}

    flow = list(_audience_flow(report))
    figures = {item.id: (item, editions(chain)) for _, item, chain in flow if isinstance(item, Figure)}
    texts = [(loc, item, chain) for loc, item, chain in flow if isinstance(item, str)]
    texts += [((*loc, "caption"), item.caption, chain) for loc, item, chain in flow if isinstance(item, Figure)]
    for loc, text, chain in texts:
        shown_in = editions(chain)
        for match in markup.figure_ref_matches(text):
            ref = match.group(1)
            if ref not in figures:
                continue  # check_references says so
            figure, figure_in = figures[ref]
            missing = sorted(shown_in - figure_in)
            if missing:
                line, col = doc.position_in(loc, text, match.start())
                which = ", ".join(f"'{name}'" for name in missing)
                doc.add(line, col, "audience-reference", f"{{fig:{ref}}} is in text that the {which} edition{'s' if len(missing) > 1 else ''} show{'' if len(missing) > 1 else 's'}, but figure '{ref}' is left out of {'them' if len(missing) > 1 else 'it'} (audience '{figure.audience}'): give this text the figure's audience, or the figure this text's")
    for k, item in enumerate(report.key_figures):  # a measure must not publish what its map keeps from an edition
        if not isinstance(item.value, MapMeasure) or item.value.map not in figures:
            continue  # check_map_measures says so
        figure, figure_in = figures[item.value.map]
        missing = sorted(editions((audience_of(item),)) - figure_in)
        if missing:
            which = ", ".join(f"'{name}'" for name in missing)
            doc.add_at(("key_figures", k, "value", "map"), "audience-reference", f"key figure '{item.id or item.label}' is measured on figure '{figure.id}', which the {which} edition{'s' if len(missing) > 1 else ''} leave{'' if len(missing) > 1 else 's'} out (audience '{figure.audience}'): give the key figure the figure's audience, or the figure the key figure's")


class FigureProblem(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def resolve_figure(image: str, report_dir: Path, root: Path, *, folders: tuple[Path, ...] = (), names: str = "", kind: str = "image") -> Path:
    """The figure's file, resolved once (symlinks followed); FigureProblem when it cannot be used.

    It must end inside one of ``folders`` (reports_dir and figure_dirs, resolved), or inside the
    project (``root``, resolved) when none are given. A link that leads elsewhere is refused without being read.
    ``kind`` is 'image' (SVG, PNG, JPEG) or 'map' (GeoJSON): the same rules, other file types.
    """
    pure = PurePosixPath(image)
    if "\\" in image or pure.is_absolute() or (len(image) > 1 and image[1] == ":"):
        raise FigureProblem("figure-path", f"figure path '{image}' must be relative to the report file, not absolute")
    if ":" in pure.parts[0]:
        raise FigureProblem("figure-path", f"figure path '{image}' must be a file in the project, not a URL")
    if kind == "map" and pure.suffix.lower() not in MAP_TYPES:
        raise FigureProblem("figure-format", f"map '{image}' must be a GeoJSON file (.geojson)")
    if kind == "image" and pure.suffix.lower() not in IMAGE_TYPES:
        raise FigureProblem("figure-format", f"figure '{image}' must be an SVG, PNG or JPEG file (.svg, .png, .jpg)")
    path = report_dir / pure
    try:
        resolved = resolve(path)
    except PathProblem:
        raise FigureProblem("figure-path", f"figure path '{image}' is a symbolic link loop; point it at the figure file itself") from None
    if not resolved.is_relative_to(root):
        raise FigureProblem("figure-path", f"figure path '{image}' leads outside the project; keep figures inside it")
    if folders and not any(resolved.is_relative_to(folder) for folder in folders):
        raise FigureProblem(
            "figure-path",
            f"figure path '{image}' leads outside {names or 'the figure folders'}; keep figures there, or name their folder in figure_dirs in sitrepgen.yaml",
        )
    if not resolved.is_file():
        raise FigureProblem("figure-missing", f"figure file '{image}' not found (looked for {_shown(path, root)})")
    return resolved


def _shown(path: Path, root: Path) -> str:
    try:
        return resolve(path).relative_to(root).as_posix()
    except (ValueError, PathProblem):
        return path.as_posix()


MAX_FIGURE_MESSAGES = 20  #: problems shown for one figure; the rest are counted


def check_figure_files(doc: Document, report: Report, ctx: LintContext) -> None:
    """Each figure is read and rebuilt as the build would publish it (figures.py); what that
    drops or refuses is reported at its image: line, with the place in the figure."""
    for loc, figure in figure_locations(report):
        if figure.image is None:
            continue  # drawn from a map: check_map_files
        try:
            path = resolve_figure(figure.image, doc.path.parent, ctx.root, folders=ctx.figure_folders, names=ctx.figure_names)
            if ctx.budget is not None:
                ctx.budget.take(path, path.stat().st_size)
            doc.figure_paths[figure.id] = path
            prepared = ctx.figures.get(path)
        except FigureProblem as problem:
            doc.add_at((*loc, "image"), problem.code, str(problem))
            continue
        except TooMuchInput as exc:
            doc.add_at((*loc, "image"), "too-much-input", f"reading figure '{figure.image}' would take the build past {exc.limit:,} bytes read in all; raise max_build_bytes in sitrepgen.yaml")
            continue
        except OSError as exc:
            doc.add_at((*loc, "image"), "figure-missing", f"figure file '{figure.image}' cannot be read: {exc.strerror or exc}")
            continue
        problems = prepared.problems
        shown = _shown(path, ctx.root) if problems else ""
        for problem in problems[:MAX_FIGURE_MESSAGES]:
            where = f"{shown}:{problem.line}:{problem.col}" if problem.line else shown
            doc.add_at((*loc, "image"), problem.code, f"figure '{figure.image}' ({where}): {problem.message}", problem.severity)
        if len(problems) > MAX_FIGURE_MESSAGES:
            rest = problems[MAX_FIGURE_MESSAGES:]
            severity = Severity.ERROR if any(p.is_error for p in rest) else W
            code = next((p.code for p in rest if p.severity is severity), rest[0].code)
            doc.add_at((*loc, "image"), code, f"figure '{figure.image}' ({shown}): {len(rest):,} more problem(s) not shown; fix these first", severity)


def check_map_files(doc: Document, report: Report, ctx: LintContext) -> None:
    """Each map figure's GeoJSON (and its ``previous_map``) is read and checked as the build will
    draw it (mapfigures.load_map); its problems are reported at their place in the GeoJSON file."""
    from .diagnostics import Diagnostic, display_path
    from .mapfigures import load_map

    for loc, figure in figure_locations(report):
        if figure.map is None:
            continue
        if ctx.map_settings is None:
            doc.add_at(
                (*loc, "map"),
                "map-settings",
                f"figure '{figure.id}' is drawn from a map, but sitrepgen.yaml has no 'map:' settings; add 'map:' with "
                "'control:', one entry for each properties.control value of the GeoJSON, with its 'label' and 'colour' "
                "(see docs/writers-guide.md)",
            )
            continue
        wanted = [("map", figure.map)] + ([("previous_map", figure.previous_map)] if figure.previous_map is not None else [])
        for key, name in wanted:
            try:
                path = resolve_figure(name, doc.path.parent, ctx.root, folders=ctx.figure_folders, names=ctx.figure_names, kind="map")
                if ctx.budget is not None:
                    ctx.budget.take(path, path.stat().st_size)
                loaded = load_map(ctx.figures, path, ctx.map_settings)
            except FigureProblem as problem:
                doc.add_at((*loc, key), problem.code, str(problem))
                continue
            except TooMuchInput as exc:
                doc.add_at((*loc, key), "too-much-input", f"reading map '{name}' would take the build past {exc.limit:,} bytes read in all; raise max_build_bytes in sitrepgen.yaml")
                continue
            except OSError as exc:
                doc.add_at((*loc, key), "figure-missing", f"map file '{name}' cannot be read: {exc.strerror or exc}")
                continue
            (doc.figure_paths if key == "map" else doc.previous_map_paths)[figure.id] = path
            shown = display_path(path)
            for problem in loaded.problems[:MAX_FIGURE_MESSAGES]:
                doc.diagnostics.append(Diagnostic(shown, problem.line, problem.col, problem.severity, problem.code, problem.message))
            if len(loaded.problems) > MAX_FIGURE_MESSAGES:
                rest = loaded.problems[MAX_FIGURE_MESSAGES:]
                first = rest[0]
                doc.diagnostics.append(Diagnostic(shown, first.line, first.col, first.severity, first.code, f"{len(rest):,} more problem(s) not shown; fix these first"))


def _controls(ctx: LintContext) -> list[str] | None:
    """The actors of the project's maps; None without 'map:' settings (check_map_files says so)."""
    return list(ctx.map_settings.control) if ctx.map_settings is not None else None


def check_map_measures(doc: Document, report: Report, ctx: LintContext) -> None:
    """``{map:MEASURE[:CONTROL]}`` only in the caption of a figure drawn from a map, each a known
    measure of a known actor; a key figure measured on a map names a map figure of this report."""
    controls = _controls(ctx)
    captions = {(*loc, "caption"): figure for loc, figure in figure_locations(report)}
    for loc, text in text_fields(report):
        if "{" not in text or not measures.PLACEHOLDER_LIKE_RE.search(text):
            continue
        figure = captions.get(loc)
        for match in measures.PLACEHOLDER_LIKE_RE.finditer(text):
            line, col = doc.position_in(loc, text, match.start())
            written = match.group(0)
            exact = measures.PLACEHOLDER_RE.fullmatch(written)
            if figure is None or figure.map is None:
                where = f"figure '{figure.id}' is drawn from an image, not a map" if figure is not None else "this text is not the caption of a map figure"
                doc.add(line, col, "map-measure", f"{written} is a map measure, and {where}; measures go in the caption of a figure with 'map:'")
            elif exact is None:
                doc.add(line, col, "map-measure", f"'{written}' is not a map measure: write {{map:MEASURE}} or {{map:MEASURE:ACTOR}} in lower case, e.g. {{map:changed_km2}}; the measures are: {measures.names()}")
            elif controls is not None and (why := measures.problem(exact.group(1), exact.group(2), controls)) is not None:
                doc.add(line, col, "map-measure", f"{written}: {why}")
    maps = {figure.id for figure in report.figures() if figure.map is not None}
    for k, item in enumerate(report.key_figures):
        if not isinstance(item.value, MapMeasure):
            continue
        value = item.value
        if value.map not in maps:
            known = f"its map figures are: {', '.join(sorted(maps))}" if maps else "it has no figure drawn from a map"
            doc.add_at(("key_figures", k, "value", "map"), "map-measure", f"key figure '{item.id or item.label}' is measured on '{value.map}', which is not a map figure of this report; {known}")
        elif controls is not None and (why := measures.problem(value.measure, value.control, controls, key_figure=True)) is not None:
            where = "control" if value.control is not None else "measure"
            doc.add_at(("key_figures", k, "value", where), "map-measure", f"key figure '{item.id or item.label}': {why}")


def map_measures(report: Report) -> dict[str, list[tuple[Loc, str, int | None]]]:
    """Figure id -> (where, what is written, its offset in a caption) of each measure that needs
    last week's map."""
    found: dict[str, list[tuple[Loc, str, int | None]]] = {}
    for loc, figure in figure_locations(report):
        if figure.map is None:
            continue
        for match in measures.PLACEHOLDER_RE.finditer(figure.caption):
            if measures.needs_previous(match.group(1)):
                found.setdefault(figure.id, []).append(((*loc, "caption"), match.group(0), match.start()))
    for k, item in enumerate(report.key_figures):
        if isinstance(item.value, MapMeasure) and measures.needs_previous(item.value.measure):
            found.setdefault(item.value.map, []).append((("key_figures", k, "value", "measure"), item.value.measure, None))
    return found


def check_alt_text(doc: Document, report: Report, ctx: LintContext) -> None:
    for loc, figure in figure_locations(report):
        if not figure.alt.strip():
            doc.add_at((*loc, "alt"), "empty-alt", empty_alt_message(figure.id))


# --------------------------------------------------------------------------- content


def check_regions(doc: Document, report: Report, ctx: LintContext) -> None:
    """Empty regions and sections; a region or section given twice, at the second one."""
    seen: dict[str, Loc] = {}
    for r, region in enumerate(report.regions):
        if not any(text_of(p).strip() for p in region.paragraphs):
            doc.add_at(("regions", r, "paragraphs"), "empty-region", f"region '{region.name}' has no text; write at least one paragraph or remove the region", W)
        _once(doc, seen, region.name.casefold(), ("regions", r, "name"), f"region '{region.name}' is given twice", "put all of its text in one region")
    for s, section in enumerate(report.sections):
        if not any(isinstance(b, FigureBlock) or text_of(b).strip() for b in section.blocks):
            doc.add_at(("sections", s, "blocks"), "empty-region", "this section has no text; write at least one paragraph or remove the section", W)
        if section.heading is not None:
            _once(doc, seen, "heading:" + section.heading.casefold(), ("sections", s, "heading"), f"the section '{section.heading}' is given twice", "put all of its text in one section")
        else:
            names = ", ".join(section.region_names)
            _once(doc, seen, "region:" + names.casefold(), ("sections", s, "region"), f"a section for '{names}' without a heading is given twice", "put all of its text in one section, or give each a heading")


def _once(doc: Document, seen: dict[str, Loc], key: str, loc: Loc, what: str, fix: str) -> None:
    if key in seen:
        line, _ = doc.position(seen[key])
        doc.add_at(loc, "duplicate-section", f"{what} (first on {doc.line_text(line)}); {fix}")
    else:
        seen[key] = loc


def check_dates(doc: Document, report: Report, ctx: LintContext) -> None:
    start, end = report.period.start, report.period.end
    for k, item in enumerate(report.key_figures):
        if item.as_of is not None and not start <= item.as_of <= end:
            doc.add_at(("key_figures", k, "as_of"), "date-outside-period", f"as_of {item.as_of} is outside the reporting period {start} to {end}; is the figure up to date?", W)
    if report.published < end:
        doc.add_at(("published",), "date-outside-period", f"published {report.published} is before the end of the reporting period ({end})", W)


#: A number with its digits grouped ('90,000', '3.000'): one to three digits not after a digit,
#: '.' or ','. The first digit comes before the look-behind, so the scan tries the rest only at
#: digits (three times faster over a report than the look-behind first; the same matches).
_GROUPED_NUMBER = re.compile(r"\d(?<![\d.,]\d)\d{0,2}(?:([.,])\d{3})+(?![\d]|[.,]\d)")


def _grouping(report: Report) -> tuple[Counter[str], dict[str, str]]:
    """How often the report's text groups digits with '.' and with ',', and an example of each."""
    usage: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for _loc, text in text_fields(report):
        for match in _GROUPED_NUMBER.finditer(text):
            usage[match.group(1)] += 1
            examples.setdefault(match.group(1), match.group(0))
    return usage, examples


def check_number_format(doc: Document, report: Report, ctx: LintContext) -> None:
    """Thousands written '3.000' in a report that writes '90,000' (or the other way round).

    Two passes over the text, the first only counting, so that nothing grows with the number
    of numbers but the warnings themselves."""
    usage, examples = _grouping(report)
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
    """Variant spellings in the text and in every name, heading, label and alt text."""
    for loc, text in (*text_fields(report), *plain_fields(report)):
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


PLACEHOLDER_RE = re.compile(r"\b" + PLACEHOLDER + r"\b")


def check_placeholders(doc: Document, report: Report, ctx: LintContext) -> None:
    for loc, text in all_strings(report):
        if (match := PLACEHOLDER_RE.search(text)) is not None:
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
                if anchors is None:
                    slug = names.report_slug(doc.path, ctx.reports_dir) if ctx.reports_dir else doc.path.stem
                    anchors = names.page_anchors(report, slug)
                if fragment not in anchors:
                    line, col = doc.position_in(loc, text, link.start)
                    doc.add(line, col, "unknown-anchor", _unknown_anchor(link.url, report))


def _unknown_anchor(url: str, report: Report) -> str:
    shown = url if len(url) <= 60 else url[:57] + "..."
    sections = [f"#{anchor}" for _heading, _regions, anchor in names.section_heads(report)]
    examples = ", ".join(sections[:3]) + (", ..." if len(sections) > 3 else "")
    where = f"link to a section ({examples}), or cite" if sections else "cite"
    return f"link to '{shown}' leads nowhere: the report has no such anchor; {where} a figure with {{fig:ID}}"


def _region_names(report: Report) -> Iterator[tuple[Loc, str]]:
    """Every region name with its location: a region's, or a section's ``region:`` (one or a list)."""
    for r, region in enumerate(report.regions):
        yield ("regions", r, "name"), region.name
    for s, section in enumerate(report.sections):
        if isinstance(section.region, str):
            yield ("sections", s, "region"), section.region
        elif isinstance(section.region, list):
            for n, name in enumerate(section.region):
                yield ("sections", s, "region", n), name


def check_region_names(doc: Document, report: Report, ctx: LintContext) -> None:
    """A region's page is regions/SLUG.html: a slug the site's own pages use would replace one."""
    for loc, name in _region_names(report):
        slug = names.slugify(name)
        if slug in names.RESERVED_REGION_SLUGS:
            doc.add_at(
                loc, "region-name",
                f"a region named '{name}' would have the page regions/{slug}.html, which is the site's list "
                "of regions; name it differently",
            )


# --------------------------------------------------------------------------- silent mistakes
#
# What the outputs would print differently from what the writer meant, with no error anywhere:
# a value YAML reads as a decimal, a line Markdown makes a list or a heading, HTML shown as text.

#: A YAML number a writer may have meant with a thousands separator: 1 to 3 digits, a point and
#: exactly three digits ('3.000', '-1.500'). YAML reads it as a decimal (3.0, -1.5).
_GROUPED_VALUE_RE = re.compile(r"[-+]?\d{1,3}\.\d{3}")


def check_key_figure_numbers(doc: Document, report: Report, ctx: LintContext) -> None:
    """``value: 3.000`` is the number 3 to YAML, printed "approximately 3" in the headline strip.

    Warned whatever separator the text uses: YAML numbers never group digits, so such a value is
    either a thousands separator taken for a decimal point or trailing zeros that change nothing.
    The value is read as typed from the file; only a decimal value can have been typed that way."""
    for k, item in enumerate(report.key_figures):
        if not isinstance(item.value, float):
            continue
        loc = ("key_figures", k, "value")
        written = doc.scalar_source(loc)
        if written is None or _GROUPED_VALUE_RE.fullmatch(written) is None:
            continue
        thousands = written.replace(".", "")
        decimal = format_number(item.value).replace(",", "")
        doc.add_at(loc, "number-format", f"value {written} is the number {decimal} to YAML (printed '{value_text(item.value, item.unit)}'); YAML numbers have no thousands separator: if it means {int(thousands):,}, write {int(thousands)}; if it means {decimal}, write {decimal}", W)


def check_number_series(doc: Document, report: Report, previous: Previous | None, ctx: LintContext) -> None:
    """A report that groups digits one way only ('3.000') in a series whose previous report
    writes them the other way ('90,000'). A report using both is check_number_format's."""
    if previous is None:
        return
    usage, _examples = _grouping(report)
    if len(usage) != 1:
        return
    before, examples = _grouping(previous.report)
    if not before:
        return
    usual = "," if before[","] >= before["."] else "."
    if usual in usage:
        return
    for loc, text in text_fields(report):
        for match in _GROUPED_NUMBER.finditer(text):
            number, separator = match.group(0), match.group(1)
            line, col = doc.position_in(loc, text, match.start())
            doc.add(line, col, "number-format", f"'{number}' groups digits with '{separator}' where this series writes '{usual}' (as in '{examples[usual]}' in {previous.document.display}); if it means {number.replace(separator, '')}, write {number.replace(separator, usual)}", W)


def _markdown_fields(report: Report) -> Iterator[tuple[Loc, str]]:
    """The text fields rendered as blocks (captions are inline: no list or heading can form)."""
    for loc, text in text_fields(report):
        if loc[-1] != "caption":
            yield loc, text


def _line_starts(text: str) -> list[int]:
    """Where each line of a field's value starts: markdown-it's token maps count these lines."""
    return [0, *(match.end() for match in re.finditer("\n", text))]


_DASHES = ("-", "\u2013", "\u2014")
_INDENT_RE = re.compile(r"[ \t]*")


def accidental_blocks(text: str) -> Iterator[tuple[int, str]]:
    """(offset, explanation) of each list, heading or rule Markdown makes of ``text`` that a
    writer of a report paragraph did not mean (docs/diagnostics.md says which):

    - an ordered list that starts at a number other than 1 ('2016. The year...');
    - a bullet list of one item that either interrupts a paragraph or ends with a dash
      ('- according to local sources -' on a line of its own), judged when it closes;
    - any heading ('# 5 killed', or a line under a line of '-' or '='), and any horizontal rule.

    One pass over the tokens, reading each line at most once: a hostile field of a hundred
    thousand lists costs no more than its length."""
    tokens = markup.parse_block(text)
    starts = _line_starts(text)

    def at(line: int) -> int:  # the line's first character that is not indentation
        match = _INDENT_RE.match(text, starts[line])
        return match.end() if match else starts[line]

    def line_text(line: int) -> str:  # the line from its first character, without its break
        end = text.find("\n", starts[line])
        return text[at(line) : end if end >= 0 else len(text)].rstrip()

    items, list_start, interrupts = 0, 0, False  # the top-level bullet list being read
    for index, token in enumerate(tokens):
        if token.type == "list_item_open" and token.level == 1:
            items += 1
        elif token.type == "bullet_list_close" and token.level == 0:
            if items == 1 and (interrupts or line_text(list_start).endswith(_DASHES)):
                yield at(list_start), f"'{token.markup}' at the start of a line makes a list of one item; write '\\{token.markup}' if it is a dash in the sentence, or join the line to the one before"
        if token.map is None or token.level != 0:
            continue
        start = token.map[0]
        if token.type == "ordered_list_open":
            number = tokens[index + 1].info
            if number != "1":
                yield at(start), f"'{number}{token.markup}' at the start of a line makes a numbered list starting at {number}; write '{number}\\{token.markup}' if the number belongs to the sentence"
        elif token.type == "bullet_list_open":
            previous = tokens[index - 3] if index >= 3 and tokens[index - 1].type == "paragraph_close" else None
            items, list_start, interrupts = 0, start, previous is not None and previous.map is not None and previous.map[1] == start
        elif token.type == "heading_open":
            if token.markup.startswith("#"):
                yield at(start), f"'{token.markup}' at the start of a line makes a heading; write '\\{token.markup[0]}' if the '{token.markup[0]}' belongs to the text"
            else:
                underline = token.map[1] - 1
                yield at(underline), f"a line of '{token.markup}' under a line of text makes that text a heading; write '\\{line_text(underline)}' to keep the line as text"
        elif token.type == "hr":
            written = line_text(start)
            yield at(start), f"a line of '{written[0]}' alone makes a horizontal rule; write '\\{written}' to keep the characters"


def check_accidental_markdown(doc: Document, report: Report, ctx: LintContext) -> None:
    """A line that Markdown turns into a list, heading or rule, which the writer meant as text."""
    for loc, text in _markdown_fields(report):
        if not _MAY_BE_BLOCK_RE.search(text):
            continue  # the common case: no line starts with a marker
        for offset, why in accidental_blocks(text):
            line, col = doc.position_in(loc, text, offset)
            doc.add(line, col, "accidental-markdown", why, W)


#: A line that could start a list, heading or rule: only such a text is parsed for them.
_MAY_BE_BLOCK_RE = re.compile(r"(?:^|\n)[ \t]*(?:[-+*#=_]|\d{1,9}[.)])")

_TAG_START_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9\-]*)(?=[\s/>])")
_TAG_WINDOW = 512  #: how far a tag's '>' (or its closing tag) is looked for from its '<'
#: What to write in Markdown instead of an HTML tag, by the tag's name ({} is the tag's content).
_MARKDOWN_FOR = {
    "b": "**{}**", "strong": "**{}**", "i": "*{}*", "em": "*{}*", "code": "`{}`",
    "a": "[{}](https://...)", "br": "a blank line (a new paragraph)", "p": "a blank line between paragraphs",
    "sup": "a footnote ([^1] and a line '[^1]: ...')",
}


def raw_html(text: str) -> Iterator[tuple[int, str]]:
    """(offset, message) of each HTML tag or comment that the outputs print as written (report
    text has raw HTML off); a closing tag that closes one already reported is not repeated.

    A tag is '<' and a name, then its '>' within _TAG_WINDOW characters with no '<' before it
    (attributes are not checked further); '<!--' starts a comment, closed or not. Each '<' costs
    a few bounded searches, so a hostile text of '<' runs stays linear; autolinks (the name is
    followed by ':' or '@') and '3 < 4' are not tags."""
    if "<" not in text:
        return
    plain: bytearray | None = None  # made only for a text with something like a tag in it
    closed: set[int] = set()
    for match in _TAG_START_RE.finditer(text):
        start = match.start()
        end = text.find(">", match.end(), match.end() + _TAG_WINDOW)
        if end < 0 or start in closed or text.find("<", match.end(), end) >= 0:
            continue
        if plain is None:
            plain = markup.plain_mask(text)
        if not plain[start]:
            continue
        tag, name, closing_tag = text[start : end + 1], match.group(2).lower(), bool(match.group(1))
        content = ""
        if not closing_tag:
            closing = re.compile(rf"</{re.escape(name)}\s*>", re.IGNORECASE).search(text, end + 1, end + 1 + _TAG_WINDOW)
            if closing is not None and "\n\n" not in text[end + 1 : closing.start()]:
                closed.add(closing.start())
                content = text[end + 1 : closing.start()]
        shown = tag if len(tag) <= 40 else tag[:37] + "..."
        instead = _MARKDOWN_FOR.get(name)
        if instead is None or closing_tag:
            fix = "remove the tag"
        elif "{}" in instead:
            fix = f"write {instead.format(content or '...')} instead"
        else:
            fix = f"write {instead} instead"
        yield start, f"HTML is not allowed in report text: '{shown}' is printed as written; {fix}"
    for match in _COMMENT_RE.finditer(text):
        if plain is None:
            plain = markup.plain_mask(text)
        if plain[match.start()]:
            yield match.start(), "an HTML comment is printed as written in report text; remove it, or make it a YAML comment (a line starting with '#') outside the text"


_COMMENT_RE = re.compile("<!--")


def check_raw_html(doc: Document, report: Report, ctx: LintContext) -> None:
    """HTML tags in text, which every output shows as literal text (raw HTML is off)."""
    for loc, text in text_fields(report):
        for offset, message in raw_html(text):
            line, col = doc.position_in(loc, text, offset)
            doc.add(line, col, "raw-html", message, W)


def check_footnotes(doc: Document, report: Report, ctx: LintContext) -> None:
    """A footnote marker with no definition in its paragraph prints as '[^1]' (an error, like a
    reference to no figure); a definition no marker cites is left out of every output."""
    for loc, text in text_fields(report):
        caption = loc[-1] == "caption"
        for mark in markup.footnote_marks(text):
            line, col = doc.position_in(loc, text, mark.start)
            shown = f"[^{mark.label}]" if len(mark.label) <= 40 else f"[^{mark.label[:37]}...]"
            if caption:
                doc.add(line, col, "undefined-footnote", f"captions cannot have footnotes, and {shown} is printed as written; put the note in the text that cites the figure")
            elif not mark.definition and not mark.used:
                doc.add(line, col, "undefined-footnote", f"footnote {shown} has no definition in this paragraph, and is printed as written; add a line '{shown}: ...' to the same paragraph (in a '>-' block, after a blank line)")
            elif mark.definition and not mark.used:
                doc.add(line, col, "unused-footnote", f"footnote {shown} is defined but no marker in this paragraph cites it, so it is not printed; cite it with {shown} or remove the definition", W)


# --------------------------------------------------------------------------- key figures


def check_key_figure_ids(doc: Document, report: Report, ctx: LintContext) -> None:
    """One id per figure in a report; and a figure without an id among figures that have one,
    which would silently get no change, chart or data row (old archives, with no ids, are fine)."""
    seen: dict[str, int] = {}
    with_ids = any(item.id for item in report.key_figures)
    for k, item in enumerate(report.key_figures):
        if item.id is None:
            if with_ids:
                doc.add_at(("key_figures", k), "missing-key-figure-id", f"key figure '{item.label}' has no id, unlike the others of this report; without one it gets no change since last week, no chart and no row in the data files", W)
        elif item.id in seen:
            line, _ = doc.position(("key_figures", seen[item.id], "id"))
            doc.add_at(("key_figures", k, "id"), "duplicate-key-figure-id", f"key figure id '{item.id}' is already used ({doc.line_text(line)}); each key figure of a report needs its own id")
        else:
            seen[item.id] = k


def _ids(report: Report) -> dict[str, int]:
    """Each key-figure id of a report with its index (the first, should one be given twice)."""
    found: dict[str, int] = {}
    for k, item in enumerate(report.key_figures):
        if item.id is not None:
            found.setdefault(item.id, k)
    return found


def check_dropped_figures(doc: Document, report: Report, previous: Previous | None, ctx: LintContext) -> None:
    """An id the previous report gave that this one does not: forgotten, or dropped on purpose?"""
    if previous is None or not _ids(previous.report):
        return
    now = _ids(report)
    for item in previous.report.key_figures:
        if item.id and item.id not in now:
            shown = f"{value_text(item.value, item.unit)} {item.label}" if not isinstance(item.value, MapMeasure) else f"{item.label}, measured on map '{item.value.map}'"
            doc.add_at(("key_figures",), "dropped-figure", f"key figure '{item.id}' ({shown}) of the previous report ({previous.document.display}) is missing this week; give this week's value with the same id, or leave it out on purpose (the report then says it is no longer reported)", W, at_key=True)


def check_key_figure_units(doc: Document, report: Report, previous: Previous | None, ctx: LintContext) -> None:
    """The same id in another unit: the change since last week cannot be computed."""
    if previous is None:
        return
    before = {item.id: item for item in previous.report.key_figures if item.id}
    for id_, k in _ids(report).items():
        item = report.key_figures[k]
        if id_ in before and (before[id_].unit or None) != (item.unit or None):
            was, now = before[id_].unit or "no unit", item.unit or "no unit"
            loc = ("key_figures", k, "unit") if item.unit else ("key_figures", k, "id")
            doc.add_at(loc, "key-figure-unit", f"key figure '{id_}' is in {_unit(now)} this week but was in {_unit(was)} in the previous report ({previous.document.display}); the change cannot be computed across units: use the same unit, or a new id for a new measure", W)


def _unit(unit: str) -> str:
    return unit if unit == "no unit" else f"'{unit}'"


def check_key_figure_jumps(doc: Document, report: Report, previous: Previous | None, ctx: LintContext) -> None:
    """A value that moves by more than ``key_figure_jump`` of last week's while its source stays
    the same: a typo, or a new estimate whose source should say so."""
    if previous is None or ctx.key_figure_jump is None:
        return
    before = {item.id: item for item in previous.report.key_figures if item.id}
    for id_, k in _ids(report).items():
        item, old = report.key_figures[k], before.get(id_)
        if old is None or (old.unit or None) != (item.unit or None) or old.source != item.source or old.value == item.value:
            continue
        if isinstance(item.value, MapMeasure) or isinstance(old.value, MapMeasure):
            continue  # measured by the build on the week's map
        share = abs(item.value - old.value) / abs(old.value) if old.value else float("inf")
        if share > ctx.key_figure_jump:
            moved = "from zero" if not old.value else f"{'+' if item.value > old.value else '-'}{share:.0%}"
            source = f"'{item.source}'" if item.source else "none given"
            doc.add_at(("key_figures", k, "value"), "key-figure-jump", f"key figure '{id_}' went from {value_text(old.value, old.unit)} to {value_text(item.value, item.unit)} ({moved}) since the previous report ({previous.document.display}) with the same source ({source}); check the number, and name the new source if it is a new estimate (key_figure_jump: {ctx.key_figure_jump:g} in sitrepgen.yaml)", W)


def _label_key(label: str) -> str:
    return " ".join(label.split()).casefold()


def check_key_figure_labels(doc: Document, report: Report, previous: Previous | None, ctx: LintContext) -> None:
    """Two figures with one label and different ids, in this report or against the previous
    one: a renamed id breaks the figure's history in two."""
    mine: dict[str, tuple[int, str]] = {}
    for k, item in enumerate(report.key_figures):
        key = _label_key(item.label)
        if item.id is None:
            continue
        if key in mine and mine[key][1] != item.id:
            line, _ = doc.position(("key_figures", mine[key][0], "label"))
            doc.add_at(("key_figures", k, "label"), "key-figure-label", f"key figures '{mine[key][1]}' ({doc.line_text(line)}) and '{item.id}' have one label; give them labels that tell them apart, or one id if they are one figure", W)
        mine.setdefault(key, (k, item.id))
    if previous is None:
        return
    ids = _ids(report)
    for item in previous.report.key_figures:
        key = _label_key(item.label)
        if item.id and key in mine and mine[key][1] != item.id and item.id not in ids:
            doc.add_at(("key_figures", mine[key][0], "id"), "key-figure-label", f"key figure '{mine[key][1]}' has the label that '{item.id}' had in the previous report ({previous.document.display}); if it is the same figure, keep the id '{item.id}' so that its weeks join up", W)


def _paragraphs(report: Report) -> Iterator[tuple[Loc, str]]:
    """Every paragraph of running text (summary, body, conclusions): captions are left out, as
    a map's caption may rightly stay the same from week to week."""
    yield from _summary_locs(report)
    for loc, item in flow(report):
        if not isinstance(item, Figure):
            yield loc, item
    for c, item in enumerate(report.conclusions):
        yield _paragraph(("conclusions", c), item)


def _same_words(text: str) -> str:
    return " ".join(text.split())


def check_unchanged_text(doc: Document, report: Report, previous: Previous | None, ctx: LintContext) -> None:
    """A paragraph word for word as in last week's report (white space aside): a copy 'new'
    made and nobody rewrote, once its TODO marker was removed."""
    if previous is None:
        return
    before = {_same_words(text) for _, text in _paragraphs(previous.report)}
    for loc, text in _paragraphs(report):
        if (words := _same_words(text)) and words in before:
            doc.add_at(loc, "unchanged-text", f"this paragraph is word for word the one in the previous report ({previous.document.display}); write this week's, or remove it", W)


def check_overlapping_period(doc: Document, report: Report, previous: Previous | None, ctx: LintContext) -> None:
    """A period that begins before the previous report's ended. Reports of a series are ordered
    by their last day, so the previous one ends latest of all before: no overlap with it, none
    with any. A warning: two organisations' reports of one week may share a folder and a series."""
    if previous is None:
        return
    old, new = previous.report.period, report.period
    if new.start <= old.end:
        days = (old.end - new.start).days + 1
        doc.add_at(("period",), "overlapping-period", f"the period {new.start.isoformat()} to {new.end.isoformat()} overlaps the previous report's ({previous.document.display}: {old.start.isoformat()} to {old.end.isoformat()}) by {days} day{'s' if days != 1 else ''}; start the day after {old.end.isoformat()}", W, at_key=True)


def check_unchanged_figures(doc: Document, report: Report, previous: Previous | None, ctx: LintContext) -> None:
    """A value the same as last week's while its ``as_of`` date moved on: last week's number
    copied forward under a new date, or really unchanged (then say so with a suppression)."""
    if previous is None:
        return
    before = {item.id: item for item in previous.report.key_figures if item.id}
    for id_, k in _ids(report).items():
        item, old = report.key_figures[k], before.get(id_)
        if old is None or old.value != item.value or (old.unit or None) != (item.unit or None) or isinstance(item.value, MapMeasure):
            continue
        if old.as_of is not None and item.as_of is not None and item.as_of != old.as_of:
            doc.add_at(("key_figures", k, "value"), "unchanged-figure", f"key figure '{id_}' is {value_text(item.value, item.unit)} as in the previous report ({previous.document.display}), though its as_of date moved from {old.as_of.isoformat()} to {item.as_of.isoformat()}; give this week's number, or keep last week's date if there is no new one", W)


def check_map_measure_previous(doc: Document, report: Report, previous: Previous | None, ctx: LintContext) -> None:
    """A measure of what changed on a map (changed_km2, gained, lost) needs last week's map: the
    figure's previous_map, or the same figure id in the previous report, drawn from a map."""
    wanted = map_measures(report)
    if not wanted:
        return
    before = {figure.id for figure in previous.report.figures() if figure.map is not None} if previous is not None else set()
    for figure in report.figures():
        if figure.id not in wanted or figure.previous_map is not None or figure.id in before:
            continue
        why = f"the previous report ({previous.document.display}) has no map figure '{figure.id}'" if previous is not None else "this is the first report of its series"
        for loc, written, offset in wanted[figure.id]:
            line, col = doc.position_in(loc, figure.caption, offset) if offset is not None else doc.position(loc)
            doc.add(line, col, "map-measure", f"{written} measures what changed since last week's map, and {why}; give figure '{figure.id}' previous_map: and previous_date:, or measure area_km2")


#: The checks of each report against the previous one of its series, run once every report is
#: loaded (reports.gather); a check of "last week" belongs here, not in RULES.
SERIES_RULES: tuple[SeriesRule, ...] = (
    check_dropped_figures,
    check_key_figure_units,
    check_key_figure_jumps,
    check_key_figure_labels,
    check_number_series,
    check_unchanged_text,
    check_overlapping_period,
    check_unchanged_figures,
    check_map_measure_previous,
)


def run_series_rules(items: list[Any], ctx: LintContext) -> list[Any]:
    """Run SERIES_RULES over valid reports (``reports.LoadedReport``), each against the previous
    report of its series (``series.pairs``); returns the diagnostics they added."""
    from .series import group, pairs

    added = []
    for item, previous in pairs(group(items)):
        before = len(item.document.diagnostics)
        for rule in SERIES_RULES:
            rule(item.document, item.report, previous, ctx)
        added += item.document.diagnostics[before:]
    return added


RULES: tuple[Rule, ...] = (
    check_figure_ids,
    check_references,
    check_audiences,
    check_audience_references,
    check_caption_labels,
    check_figure_files,
    check_map_files,
    check_map_measures,
    check_alt_text,
    check_regions,
    check_dates,
    check_number_format,
    check_place_names,
    check_placeholders,
    check_links,
    check_region_names,
    check_key_figure_ids,
    check_key_figure_numbers,
    check_accidental_markdown,
    check_raw_html,
    check_footnotes,
)


#: The rules over text alone: they also run on what parsed of a report that failed the schema
#: (load.salvage_model), so that one run reports a misspelt key and a misspelt place name.
TEXT_RULES: tuple[Rule, ...] = (
    check_references,
    check_caption_labels,
    check_alt_text,
    check_number_format,
    check_place_names,
    check_placeholders,
    check_links,
)


#: The rules that read figure files: always run, on the files as they are (never from the cache).
FIGURE_RULES: tuple[Rule, ...] = (check_figure_files, check_map_files)
#: The others depend only on the report and the config: their diagnostics may be cached.
CACHED_RULES: tuple[Rule, ...] = tuple(rule for rule in RULES if rule not in FIGURE_RULES)


def run_rules(doc: Document, report: Report, ctx: LintContext, rules: tuple[Rule, ...] = RULES) -> bool:
    """The rules, after the limits: a report over a limit gets that error alone, since checking
    the rest is the work the limit is there to bound (False then)."""
    found = len(doc.diagnostics)
    check_limits(doc, report, ctx)
    if len(doc.diagnostics) > found:
        return False
    for rule in rules:
        rule(doc, report, ctx)
    return True
