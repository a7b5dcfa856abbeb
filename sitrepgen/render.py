"""From one validated report to its outputs: the view the templates see, and the Jinja environment.

Layout decisions (figure numbers, where each figure goes) are made here in Python, once, so the
Markdown, HTML and PDF outputs cannot disagree; the templates only arrange what they are given.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import traceback
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from . import markup, names
from .i18n import N_, Language, english
from .markup import DEFAULT_FIGURE_LABEL, figure_label, reference_text
from .diagnostics import display_path
from .model import Figure, FigureBlock, KeyFigure, Paragraph, Report, text_of
from .trends import NOTHING, Change, Comparison, exact

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"



class TemplateError(Exception):
    """A project template is missing or broken (templates are trusted code, but still typed by hand)."""


# --------------------------------------------------------------------------- the view


@dataclass(frozen=True)
class FigureView:
    id: str
    number: int | None  #: None for an unnumbered figure
    label: str | None  #: what precedes the caption: "Figure 1" (the project's figure_label); None if unnumbered
    anchor: str  #: element id, unique across a page that shows several weeks: "fig-2016-12-08-map"
    src: str  #: URL of the image, relative to the page being rendered
    file: str  #: where the build puts the image, relative to reports/: "2016-12-08/map.svg"
    alt: str
    caption_html: Markup
    caption_md: str
    credit: str | None
    #: the print page's map: the drawing with its labels over it (mapfigures.PublishedMap.overlay)
    overlay: Markup | None = None


def figure_file(slug: str, figure: Figure) -> str:
    """Where the build puts a figure, relative to reports/: '2016-12-08/aleppo-control.svg'
    (a map is published as the SVG sitrepgen draws of it)."""
    suffix = Path(figure.image).suffix.lower() if figure.image is not None else ".svg"
    return f"{slug}/{figure.id}{suffix}"


def print_map_file(slug: str, figure: Figure) -> str:
    """Where a map's text-less drawing goes for the print page: '2016-12-08/aleppo-control.print.svg'
    (a figure id has no '.', so no other figure's file can have this name)."""
    return f"{slug}/{figure.id}.print.svg"


class Block:
    """A paragraph (with its HTML and Markdown forms, each made on first use) or a placed figure.

    Lazy because one report is shown in several places (its page, the index lead, the region
    pages) and most of them need only the HTML of some paragraphs.
    """

    def __init__(
        self,
        kind: str,
        *,
        text: str = "",
        labels: dict[str, str] | None = None,
        links: dict[str, str] | None = None,
        figure: FigureView | None = None,
        link_base: str = "",
        link_page: str = "",
        footnote_base: int = 0,
        footnote_key: str = "report",
        footnotes_at_foot: bool = False,
    ) -> None:
        self.kind = kind
        self.figure = figure
        self._text = text
        self._labels = labels or {}
        self._links = links or {}
        self._link_base = link_base
        self._link_page = link_page
        self._footnote_base = footnote_base  #: notes of the report before this paragraph
        self._footnote_key = footnote_key
        self._footnotes_at_foot = footnotes_at_foot  #: each note where it is cited (the PDF)

    @cached_property
    def html(self) -> Markup:
        if not self._text:
            return Markup("")
        html = markup.render_block(
            self._text, self._labels, self._links, link_base=self._link_base, link_page=self._link_page,
            footnote_base=self._footnote_base, footnote_key=self._footnote_key, footnotes_inline=self._footnotes_at_foot,
        )
        return Markup(html)

    @cached_property
    def markdown(self) -> str:
        if not self._text:
            return ""
        return markup.markdown_source(markup.footnote_markdown(self._text, self._footnote_base), self._labels)

    @cached_property
    def notes(self) -> list[markup.Note]:
        """The footnotes this paragraph cites, as the report's list of notes prints them (none
        where they are printed at the page foot)."""
        if self._footnotes_at_foot:
            return []
        notes = markup.render_footnotes(self._text, self._labels, self._links, base=self._footnote_base, key=self._footnote_key, link_base=self._link_base)
        return [markup.Note(note.number, note.anchor, Markup(note.html)) for note in notes]


@dataclass(frozen=True)
class SectionView:
    """A section of the report as printed: a region's text in the older form, or a section."""

    name: str | None  #: the (first) region's name; None for a section with a heading only
    heading: str | None
    anchor: str
    blocks: list[Block]
    regions: tuple[str, ...] = ()  #: every region the section is about (its history pages)
    set_apart: bool = False  #: no heading, after a section with one: printed apart so it cannot read as part of it


#: The name templates written for the first form of the view use.
RegionView = SectionView


#: Every fixed phrase of a key figure's change, in one place, each translated through the
#: message catalogs when it is used (the templates' own words are written {{ _("...") }}).
CHANGE_PHRASES = {
    "up": N_("up"),  # the text alternative of the arrow, for screen readers
    "down": N_("down"),
    "since": N_("{amount} since {date}"),
    "same": N_("unchanged since {date}"),
    "other-unit": N_("{value} on {date}, in another unit"),
    "qualifiers": N_("{then} then, {now} now"),
    "points": N_("{amount} percentage points"),
    "point": N_("{amount} percentage point"),
    "dropped": N_("{value} {label} on {date}"),
}

ARROWS = {"up": "\u25b2", "down": "\u25bc"}  # ▲ ▼


@dataclass(frozen=True)
class ChangeView:
    """A figure's change since the previous report, as printed: '▲ 9,000 since December 1, 2016'."""

    direction: str  #: 'up', 'down', 'same' or 'other-unit' (see trends.Change.direction)
    arrow: str  #: '▲', '▼' or ''
    word: str  #: what the arrow says, for screen readers: 'up', 'down' or ''
    text: str  #: '9,000 since December 1, 2016 (approximately 80,000 then, at least 90,000 now)'
    qualifiers_differ: bool = False

    @property
    def spoken(self) -> str:
        """The change in words alone, with no arrow: 'up 9,000 since December 1, 2016'."""
        return f"{self.word} {self.text}" if self.word else self.text

    @property
    def plain(self) -> str:
        """Arrow and words, where nothing can be hidden from sight (Markdown): '▲ up 9,000 ...'."""
        return f"{self.arrow} {self.spoken}" if self.arrow else self.spoken


@dataclass(frozen=True)
class KeyFigureView:
    qualifier: str | None  #: "at least" (in the report's language); None when the value is exact
    number: str  #: "90,000", "70%"
    label: str
    as_of: str | None
    source: str | None
    id: str | None = None
    region: str | None = None
    change: ChangeView | None = None  #: since the previous report, when it has the same id
    new: bool = False  #: the previous report of the series did not have this id
    spark: Any = None  #: a small chart of the series up to this report (charts.Spark), on report pages
    language: Language = field(default_factory=english, repr=False, compare=False)

    @property
    def text(self) -> str:
        """'at least 90,000'."""
        return f"{self.qualifier} {self.number}" if self.qualifier else self.number

    @property
    def meta(self) -> str:
        """'Local leaders in East Aleppo, as of December 8, 2016', or ''."""
        return self._meta(str, str)

    @property
    def meta_html(self) -> Markup:
        """The same for HTML, each inserted value isolated (``<bdi>``) on right-to-left pages."""
        return Markup(self._meta(escape, lambda value: bdi(value, self.language)))

    def _meta(self, whole: Any, value: Any) -> str:
        gettext = self.language.gettext
        if self.source and self.as_of:
            return str(whole(gettext("%(source)s, as of %(date)s"))) % {"source": value(self.source), "date": value(self.as_of)}
        if self.as_of:
            return str(whole(gettext("as of %(date)s"))) % {"date": value(self.as_of)}
        return str(value(self.source)) if self.source else ""


def bdi(value: Any, language: Language) -> Markup | str:
    """A value inserted into a right-to-left page (a name, a number, a date), isolated in
    ``<bdi>`` so its own direction cannot reorder the text around it; unchanged elsewhere."""
    if not language.rtl or value is None or value == "":
        return value  # type: ignore[no-any-return]
    return Markup("<bdi>") + escape(value) + Markup("</bdi>")


@dataclass(frozen=True)
class ReportView:
    """Everything a template needs about one report, computed once."""

    report: Report
    slug: str
    period_text: str
    published_text: str
    summary: list[Block]
    key_figures: list[KeyFigureView]
    sections: list[SectionView]
    conclusions: list[Block]
    figures: list[FigureView] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)  #: report-level blocks, before the first section
    dropped: list[str] = field(default_factory=list)  #: figures of the previous report no longer given: "150,000 people trapped on December 1, 2016"
    language: Language = field(default_factory=english, repr=False, compare=False)  #: labels, dates, direction

    @property
    def direction(self) -> str:
        """'rtl' for a report in Arabic (and other right-to-left languages), else 'ltr'."""
        return self.language.direction

    @property
    def regions(self) -> list[SectionView]:
        """The sections, under the name templates of the first form use."""
        return self.sections

    @property
    def key(self) -> str:
        """The slug as a part of an element id: 'isw-2016-12-08' for 'isw/2016-12-08'."""
        return self.slug.replace("/", "-")

    @property
    def name(self) -> str:
        """The report page's file name without its folder: '2016-12-08' for 'isw/2016-12-08'."""
        return self.slug.rsplit("/", 1)[-1]

    @property
    def region_names(self) -> list[str]:
        """Every region the report covers, once each, in order."""
        return list(dict.fromkeys(name for section in self.sections for name in section.regions))

    @property
    def published_long(self) -> str:
        """'Thursday, December 8, 2016': the publication date as the title block prints it."""
        return self.language.long_date(self.report.published)

    @property
    def heading_title(self) -> str:
        """'Weekly Conflict Summary – December 2–8, 2016', as the running header reads."""
        return f"{self.report.title} – {self.period_text}"

    @property
    def lead(self) -> Block:
        """The paragraph that introduces the report in lists and feeds: the summary, else the
        first paragraph of the report."""
        paragraphs = [b for b in self.summary if b.kind == "paragraph"]
        paragraphs += [b for b in self.blocks if b.kind == "paragraph"]
        paragraphs += [b for region in self.sections for b in region.blocks if b.kind == "paragraph"]
        return paragraphs[0] if paragraphs else Block("paragraph")

    def region(self, name: str) -> SectionView | None:
        return next((region for region in self.sections if name in region.regions), None)

    @property
    def footnotes(self) -> list[markup.Note]:
        """Every footnote of the report, numbered through it in reading order, for its end."""
        blocks = [*self.summary, *self.blocks, *(b for section in self.sections for b in section.blocks), *self.conclusions]
        return [note for block in blocks for note in block.notes]


def format_date(value: Any, language: Language | None = None) -> str:
    """'December 8, 2016' (CLDR through Babel, never the machine's locale)."""
    return (language or english()).date(value)


def format_period(start: Any, end: Any, language: Language | None = None) -> str:
    """'December 2–8, 2016', 'November 28 – December 4, 2016', or one date."""
    return (language or english()).period(start, end)


def format_number(value: int | float, language: Language | None = None) -> str:
    """'90,000' in English; the report's own grouping and digits in another language."""
    return (language or english()).number(value)


slugify = names.slugify  #: region anchors and region pages (kept here for templates and callers)


def value_text(value: int | float, unit: str | None, language: Language | None = None) -> str:
    """The value with its unit, in the language's digits: '90,000', '70%', '12 km'."""
    number = format_number(value, language)
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}" if unit else number


def _qualified(item: KeyFigure, language: Language) -> str:
    """'at least 90,000', '70%'."""
    qualifier = exact(item.qualifier)
    number = value_text(item.value, item.unit, language)
    return f"{language.qualifier(qualifier)} {number}" if qualifier else number


def change_view(change: Change, language: Language | None = None) -> ChangeView:
    """How a change prints, in the figure's own unit ('percentage points' for '%'), from the day
    the previous value refers to; when the two values are qualified differently it says so."""
    language = language or english()
    _ = language.gettext
    date = language.date(change.since)
    amount = change.amount
    if amount is None:
        text = _(CHANGE_PHRASES["other-unit"]).format(value=_qualified(change.previous, language), date=date)
        return ChangeView("other-unit", "", "", text)
    if amount == 0:
        text = _(CHANGE_PHRASES["same"]).format(date=date)
    else:
        unit = change.current.unit
        number = language.number(abs(amount))
        if unit == "%":
            shown = _(CHANGE_PHRASES["point" if abs(amount) == 1 else "points"]).format(amount=number)
        else:
            shown = value_text(abs(amount), unit, language)
        text = _(CHANGE_PHRASES["since"]).format(amount=shown, date=date)
    if change.qualifiers_differ:
        then, now = _qualified(change.previous, language), _qualified(change.current, language)
        text += " (" + _(CHANGE_PHRASES["qualifiers"]).format(then=then, now=now) + ")"
    direction = change.direction
    word = _(CHANGE_PHRASES[direction]) if direction in ARROWS else ""
    return ChangeView(direction, ARROWS.get(direction, ""), word, text, change.qualifiers_differ)


def dropped_text(item: KeyFigure, since: dt.date, language: Language | None = None) -> str:
    """'150,000 people remaining in the canton on December 1, 2016': a figure no longer given."""
    language = language or english()
    return language.gettext(CHANGE_PHRASES["dropped"]).format(value=_qualified(item, language), label=item.label, date=language.date(item.as_of or since))


def _key_figure(item: KeyFigure, language: Language, comparison: Comparison, sparks: dict[str, Any]) -> KeyFigureView:
    change = comparison.changes.get(item.id) if item.id else None
    number = language.number(item.value)
    if item.unit:
        number += item.unit if item.unit == "%" else f" {item.unit}"
    return KeyFigureView(
        qualifier=language.qualifier(item.qualifier) if item.qualifier and item.qualifier != "exactly" else None,
        number=number,
        label=item.label,
        as_of=language.date(item.as_of) if item.as_of else None,
        source=item.source,
        id=item.id,
        region=item.region,
        change=change_view(change, language) if change else None,
        new=item.id in comparison.new if item.id else False,
        spark=sparks.get(item.id) if item.id else None,
        language=language,
    )


Item = str | Figure


def _flow(report: Report) -> tuple[list[Item], list[Item], list[list[Item]], list[Item]]:
    """Summary, report-level blocks, sections and conclusions, each a list of paragraphs and
    figures in the order they print.

    Figures listed as blocks stay where they are. Figures of the older ``regions`` form go right
    after the paragraph that first refers to them (wherever that is), and one never referred to
    at the end of its own region: the placement that form has always had.
    """
    summary: list[Item] = [text_of(item) for item in report.summary_paragraphs]
    top: list[Item] = [_item(block) for block in report.blocks]
    sections: list[list[Item]] = [[_item(block) for block in section.blocks] for section in report.sections]
    sections += [[text_of(item) for item in region.paragraphs] for region in report.regions]
    conclusions: list[Item] = [text_of(item) for item in report.conclusions]
    floating = {figure.id: figure for region in report.regions for figure in region.figures}
    if floating:
        placed: set[str] = set()
        for items in [summary, top, *sections, conclusions]:
            placed_items: list[Item] = []
            for item in items:
                placed_items.append(item)
                if isinstance(item, str):
                    refs = [r for r in dict.fromkeys(markup.figure_refs(item)) if r in floating and r not in placed]
                    placed.update(refs)
                    placed_items += [floating[r] for r in refs]
            items[:] = placed_items
        for index, region in enumerate(report.regions):
            sections[len(report.sections) + index] += [f for f in region.figures if f.id not in placed]
    return summary, top, sections, conclusions


def _item(block: str | Paragraph | FigureBlock) -> Item:
    return block.figure if isinstance(block, FigureBlock) else text_of(block)


def build_view(
    report: Report,
    slug: str,
    *,
    page: str = "",
    assets: str = "",
    link_base: str | None = None,
    label: str | None = None,
    language: Language | None = None,
    comparison: Comparison = NOTHING,
    sparks: dict[str, Any] | None = None,
    overlays: dict[str, str] | None = None,
    footnotes_at_foot: bool = False,
) -> ReportView:
    """Place and number the figures, then render every text field in both forms.

    Numbered figures are numbered in the order they print (see ``_flow`` for where they go);
    ``label`` is the figure label ("Figure {n}"; default: the language's own); ``language`` gives
    the words, dates and numbers (default: English).

    ``page`` is the URL of the report page relative to the page being rendered ("" on the report
    page itself, "../reports/2016-12-08.html" on a region page), so references always lead to the
    figure; ``assets`` is the path from the rendered page to the reports/ folder, and
    ``link_base`` what relative links in the text are rebased on (default: ``assets``; the PDF
    uses the site's public address, since its links are read outside the site).

    ``comparison`` holds the key figures' changes since the previous report of the series
    (``series.comparisons``), and ``sparks`` the small chart of each id, for the report page.
    ``overlays`` holds, by figure id, the HTML that stands for a map figure on the print page.

    Footnotes are numbered through the report and listed at its end (``view.footnotes``), or,
    ``footnotes_at_foot`` (the print page), each put where it is cited for the PDF's page foot.
    """
    link_base = assets if link_base is None else link_base
    language = language or english()
    label = label or language.figure_label
    summary, top, sections, conclusions = _flow(report)
    flow = [item for items in [summary, top, *sections, conclusions] for item in items]
    numbers: dict[str, int] = {}
    for item in flow:
        if isinstance(item, Figure) and item.numbered and item.id not in numbers:
            numbers[item.id] = len(numbers) + 1
    labels = {figure_id: language.digits(figure_label(label, number)) for figure_id, number in numbers.items()}
    references = {figure_id: reference_text(text) for figure_id, text in labels.items()}
    anchor_of = {figure.id: names.figure_anchor(slug, figure.id) for figure in report.figures()}
    links = {figure_id: f"{page}#{anchor_of[figure_id]}" for figure_id in references}

    def figure_view(figure: Figure) -> FigureView:
        view = _figure_view(figure, numbers.get(figure.id), labels.get(figure.id), slug, references, links, assets, link_base, page)
        overlay = (overlays or {}).get(figure.id)
        return dataclasses.replace(view, overlay=Markup(overlay)) if overlay is not None else view

    views = {item.id: figure_view(item) for item in flow if isinstance(item, Figure)}

    notes_before = 0  # footnotes are numbered through the report, in reading order

    def blocks(items: list[Item]) -> list[Block]:
        nonlocal notes_before
        made = []
        for item in items:
            if isinstance(item, Figure):
                made.append(Block("figure", figure=views[item.id]))
                continue
            made.append(
                Block(
                    "paragraph", text=item, labels=references, links=links, link_base=link_base, link_page=page,
                    footnote_base=notes_before, footnote_key=slug.replace("/", "-"), footnotes_at_foot=footnotes_at_foot,
                )
            )
            notes_before += markup.footnote_count(item)
        return made

    summary_blocks, top_blocks = blocks(summary), blocks(top)
    section_blocks = [blocks(items) for items in sections]
    conclusion_blocks = blocks(conclusions)

    heads = names.section_heads(report)
    section_views = []
    for index, ((heading, regions, anchor), items) in enumerate(zip(heads, section_blocks)):
        after_heading = index > 0 and heads[index - 1][0] is not None
        section_views.append(
            SectionView(
                name=regions[0] if regions else None,
                heading=heading,
                anchor=anchor,
                blocks=items,
                regions=regions,
                set_apart=heading is None and after_heading,
            )
        )
    return ReportView(
        report=report,
        slug=slug,
        period_text=language.period(report.period.start, report.period.end),
        published_text=language.date(report.published),
        summary=summary_blocks,
        key_figures=[_key_figure(item, language, comparison, sparks or {}) for item in report.key_figures],
        sections=section_views,
        conclusions=conclusion_blocks,
        figures=list(views.values()),
        blocks=top_blocks,
        dropped=[dropped_text(item, comparison.since, language) for item in comparison.dropped if comparison.since],
        language=language,
    )


def _figure_view(
    figure: Figure,
    number: int | None,
    label: str | None,
    slug: str,
    references: dict[str, str],
    links: dict[str, str],
    assets: str,
    link_base: str,
    page: str,
) -> FigureView:
    file = figure_file(slug, figure)
    return FigureView(
        id=figure.id,
        number=number,
        label=label,
        anchor=names.figure_anchor(slug, figure.id),
        src=assets + file,
        file=file,
        alt=figure.alt,
        caption_html=Markup(markup.render_inline(figure.caption, references, links, link_base=link_base, link_page=page)),
        caption_md=markup.markdown_source(figure.caption, references),
        credit=figure.source,
    )


# --------------------------------------------------------------------------- templates


def _autoescape(name: str | None) -> bool:
    """Escape HTML and XML templates, named by their inner extension: 'report.html.j2'."""
    if name is None:
        return True
    return name.removesuffix(".j2").endswith((".html", ".xml", ".htm", ".svg"))


def make_environment(project_templates: Path | None = None, language: Language | None = None) -> jinja2.Environment:
    """Project templates first, then the built-in ones; ``builtin/NAME`` always means the built-in.

    Built per call (no global state): a project's templates are its own trusted code. One
    environment speaks one ``language`` (default: English): its messages, dates and numbers.
    """
    language = language or english()
    builtin = jinja2.FileSystemLoader(BUILTIN_TEMPLATES)
    loaders: list[jinja2.BaseLoader] = [jinja2.PrefixLoader({"builtin": builtin})]
    if project_templates is not None and project_templates.is_dir():
        loaders.append(jinja2.FileSystemLoader(project_templates))
    loaders.append(builtin)
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=_autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # Fixed words in templates are written {{ _("Key figures") }}; the language's catalog (and
    # the project's own labels) answer them.
    env.install_gettext_translations(language.translations, newstyle=True)  # type: ignore[attr-defined]
    env.filters["md_escape"] = markup.escape_markdown
    env.filters["date"] = language.date
    env.filters["num"] = lambda value: language.digits(str(value))  # an issue number, a count: no grouping
    env.filters["bdi"] = lambda value: bdi(value, language)
    env.globals["language"] = language
    env.globals["page_counter"] = language.page_counter()
    env.globals["alternates"] = ()  # a page's versions in other languages (<link rel="alternate">)
    env.globals["switch"] = ()  # and the visible links to them
    env.filters["slugify"] = slugify
    env.globals["search_path"] = [str(p) for p in _search_path(project_templates)]
    return env


def _search_path(project_templates: Path | None) -> list[Path]:
    paths = [BUILTIN_TEMPLATES]
    if project_templates is not None and project_templates.is_dir():
        paths.insert(0, project_templates)
    return paths


def render_template(env: jinja2.Environment, name: str, **context: Any) -> str:
    """Render one template; a missing or broken template becomes a TemplateError that says where."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateNotFound as exc:
        searched = ", ".join(env.globals["search_path"])  # type: ignore[arg-type]
        raise TemplateError(f"template '{exc.name}' not found (searched: {searched})") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or exc.name}:{exc.lineno}: template syntax error: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{_where(exc, name)}: {exc.message}") from None


def _where(exc: BaseException, name: str) -> str:
    """'templates/masthead.html.j2:3': the template line that failed, from Jinja's traceback."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    if not frames:
        return f"template '{name}'"
    return f"{display_path(Path(frames[-1].filename))}:{frames[-1].lineno}"
