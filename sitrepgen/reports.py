"""Reading every report of a project: load, validate and check each, then what spans reports
(translations, last week's report, suppressions). ``sitrepgen validate`` needs this alone, so
nothing here imports the renderers (Jinja, WeasyPrint, the outputs): it starts in less time.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import suppress
from .cache import Budget, ReportCache, TooMuchInput, digest_bytes
from .config import Project
from .diagnostics import Diagnostic, Severity, display_path
from .figures import FigureStore
from .lint import CACHED_RULES, FIGURE_RULES, TEXT_RULES, LintContext, run_rules, run_series_rules
from .load import PLACEHOLDER_TEXT, Document, document_of_values, read_document, salvage_model, validate_model
from .model import Report
from .names import name_problem, slugify
from .paths import PathProblem
from .suppress import Suppressed
from .translations import check_report_language, check_translations


@dataclass
class LoadedReport:
    document: Document
    report: Report
    slug: str
    translation: str | None = None  #: the language of a translation (NAME.LANG.yaml); None: the project's own

    @property
    def key(self) -> tuple[str, str]:
        """What no two reports of a build share: the slug, and the language of its pages."""
        return self.slug, self.translation or ""


def load_report(
    path: Path,
    project: Project,
    *,
    budget: Budget | None = None,
    cache: ReportCache | None = None,
    read: tuple[bytes | None, str] | None = None,
    figures: FigureStore | None = None,
    display: str | None = None,
) -> tuple[Document, Report | None]:
    """Load, validate and check one report, from its YAML (for validate, from the values the
    cache recorded for exactly these bytes, when it may: ``ReportCache(values=True)``); its
    figures are read and rebuilt through ``figures`` (shared by a whole run, when given).

    The file must resolve inside reports_dir, or it is not read at all. The figure checks always
    run, on the files as they are now; the other lint rules' diagnostics come from ``cache``
    when it holds them for exactly these bytes, config and code. ``read`` is what
    ``read_report_bytes`` gave, when the caller has read the file already (and found it may
    be read); ``display``, how messages name the file, when the caller knows it.
    """
    config = project.config
    budget = budget or Budget(config.max_build_bytes)
    display = display or display_path(path, Path.cwd())
    doc = Document(path=path, display=display)
    problem = project.report_problem(path) if read is None else None
    if problem is not None:
        doc.add(0, 0, "report-path", problem)
        return doc, None
    raw, key = read if read is not None else read_report_bytes(doc, project, budget, project.fingerprint())
    if doc.has_errors:
        return doc, None
    name = _relative(path, project)
    values = cache.values(name, key) if cache is not None and key else None  # validate only
    fresh = values is None or (doc := document_of_values(path, raw, values, display=display)) is None
    if fresh:
        doc = read_document(path, max_bytes=config.max_file_bytes, root=Path.cwd(), raw=raw, includes=True, display=display)
    report = validate_model(doc, Report)
    if report is None:
        _check_text_of_invalid(doc, project.lint_context(budget, figures))
        return doc, None
    check_report_language(doc, report, project)  # its language against its file name
    context = project.lint_context(budget, figures, language=report.language)
    if not run_rules(doc, report, context, FIGURE_RULES):
        return doc, None  # over a limit: that error alone
    if doc.parts:  # its diagnostics name several files, which the cache's record cannot: linted afresh
        cache = None
    cached = cache.get(name, key, doc.text) if cache is not None and key else None
    if cached is not None:
        doc.diagnostics += [Diagnostic(doc.display, line, col, Severity(severity), code, message) for line, col, severity, code, message in cached]
        if fresh:  # a build: the values recorded are those of the YAML it read, whatever the file held
            cache.record_values(name, doc.data)
    else:
        before = len(doc.diagnostics)
        run_rules(doc, report, context, CACHED_RULES)  # (the limits were checked above)
        if cache is not None and key:
            found = [(d.line, d.col, d.severity.value, d.code, d.message) for d in doc.diagnostics[before:]]
            cache.put(name, key, found, values=doc.data if fresh else None)
    return doc, report if not doc.has_errors else None


def _check_text_of_invalid(doc: Document, context: LintContext) -> None:
    """The text rules, on what parsed of a report that failed the schema: one run reports every
    problem. A finding at a value that stands replaced (it failed the schema), or naming it, is dropped."""
    salvaged = salvage_model(doc, Report)
    if salvaged is None:
        return
    before = len(doc.diagnostics)
    run_rules(doc, salvaged.model, context, TEXT_RULES)
    stand_ins = {doc.position(loc) for loc in salvaged.replaced}
    doc.diagnostics[before:] = [d for d in doc.diagnostics[before:] if (d.line - 1, d.col - 1) not in stand_ins and PLACEHOLDER_TEXT not in d.message]


def read_report_bytes(doc: Document, project: Project, budget: Budget, fingerprint: str) -> tuple[bytes | None, str]:
    """The report's bytes and their cache key, counted against the build's budget before they
    are read. (None, '') when the loader must read the file itself to say what is wrong with it
    (too large: never read; unreadable); a diagnostic when the budget is spent."""
    limit = project.config.max_file_bytes
    try:
        size = doc.path.stat().st_size
        if size > limit:
            return None, ""
        budget.take(project.resolved(doc.path), size)
        with doc.path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except TooMuchInput as exc:
        doc.add(0, 0, "too-much-input", too_much(exc, "reading this file"))
        return None, ""
    except (OSError, PathProblem):
        return None, ""
    if len(raw) > limit:  # it grew meanwhile: the loader reports it
        return None, ""
    return raw, digest_bytes(raw + fingerprint.encode("utf-8"))


def too_much(exc: TooMuchInput, what: str) -> str:
    return f"{what} would take the build past {exc.limit:,} bytes read in all; raise max_build_bytes in sitrepgen.yaml"


def gather(
    project: Project,
    paths: list[Path] | None = None,
    *,
    strict: bool = False,
    cache: ReportCache | None = None,
    on_report: Callable[[LoadedReport], None] | None = None,
    budget: Budget | None = None,
    figures: FigureStore | None = None,
    suppressed: list[Suppressed] | None = None,
) -> tuple[list[LoadedReport], list[Diagnostic]]:
    """Load every report; all diagnostics of all files, and the reports that were valid.

    Under ``strict`` every warning counts as an error (a publishing pipeline's choice). With a
    ``cache``, the lint diagnostics of a report whose YAML, config and code are unchanged are
    not computed again (the report itself is always read again). ``budget`` counts every byte
    read against max_build_bytes.
    Figures are read and rebuilt once through ``figures`` (one store for the whole run).
    Warnings a ``# sitrepgen: ignore[CODE] reason`` comment accepts are left out (after the cache
    and the series checks, so cached and cross-report findings are silenced alike); they go into
    ``suppressed`` when it is given.
    """
    figures = figures or project.figure_store()
    diagnostics: list[Diagnostic] = []
    if project.config_document is not None:
        diagnostics += project.config_document.diagnostics
    budget = budget or Budget(project.config.max_build_bytes)
    reports: list[LoadedReport] = []
    slugs: dict[tuple[str, str], Path] = {}
    paths = paths if paths is not None else project.report_paths()
    translation_of_path = {path: _translation(project, path) for path in paths}
    slug_of = {path: project.slug_of(path) for path in paths}
    key_of = {path: (slug_of[path], translation_of_path[path] or "") for path in paths}
    stems = collections.Counter(key_of.values())
    loaded: dict[Path, tuple[Document, Report | None]] = {}
    started: set[Path] = set()

    def start(path: Path, doc: Document, report: Report) -> None:
        slugs[key_of[path]] = path
        item = LoadedReport(doc, report, slug_of[path], translation_of_path[path])
        reports.append(item)
        if on_report is not None and not doc.has_errors:
            on_report(item)  # e.g. start its PDF while the next report is read

    # First the reports the cache does not know (an edited one, or all of them in a cold
    # build), so that their PDFs start at once; then the others.
    fingerprint = project.fingerprint()
    read: dict[Path, tuple[bytes | None, str]] = {}
    early: dict[Path, Document] = {}
    cwd = Path.cwd()
    display_of = {path: display_path(path, cwd) for path in paths}
    for path in paths:
        doc = Document(path=path, display=display_of[path])
        if (problem := name_problem(path, project.reports_dir)) is not None:
            # Not read at all: the name goes into every address and message about the report.
            doc.add(0, 0, "file-name", problem)
            early[path] = doc
            continue
        if project.report_problem(path) is None:
            read[path] = read_report_bytes(doc, project, budget, fingerprint)
            if doc.has_errors:
                early[path] = doc
    known = {path for path, (_, key) in read.items() if cache is not None and key and cache.knows(_relative(path, project), key)}
    for path in [p for p in paths if p not in known] + [p for p in paths if p in known]:
        if path in early:
            loaded[path] = doc, report = early[path], None
        else:
            loaded[path] = doc, report = load_report(path, project, budget=budget, cache=cache, read=read.get(path), figures=figures, display=display_of[path])
        if report is not None and stems[key_of[path]] == 1 and path not in known:  # no other file claims its pages
            start(path, doc, report)
            started.add(path)
    # Then every report in order: diagnostics, slugs and the report list as if read one by one.
    for path in paths:
        doc, report = loaded[path]
        diagnostics += doc.diagnostics
        if report is None or path in started:
            continue
        if key_of[path] in slugs:
            doc.add(0, 0, "output-collision", _collision(_prefix(translation_of_path[path]) + slug_of[path], path, slugs[key_of[path]], report))
            diagnostics.append(doc.diagnostics[-1])
            continue
        start(path, doc, report)
    order = {path: index for index, path in enumerate(paths)}
    reports.sort(key=lambda item: order[item.document.path])
    # What spans two files (is a translation still up to date?) is found now, never cached.
    before = {id(item.document): len(item.document.diagnostics) for item in reports}
    check_translations(reports, lambda path: load_report(path, project, budget=budget, figures=figures))
    diagnostics += [d for item in reports for d in item.document.diagnostics[before[id(item.document)] :]]
    # Last, each report against the previous one of its series, in its own language (all are loaded now).
    for tag in sorted({item.translation or "" for item in reports}):
        mine = [item for item in reports if (item.translation or "") == tag]
        diagnostics += run_series_rules(mine, project.lint_context(language=mine[0].report.language))
    diagnostics = _suppress(diagnostics, [doc for doc, _ in loaded.values()], suppressed)
    if strict:
        diagnostics = [dataclasses.replace(d, severity=Severity.ERROR) for d in diagnostics]
    return reports, diagnostics


def _translation(project: Project, path: Path) -> str | None:
    """The language of a translation's pages, from its file name; None for the project's own."""
    language = project.language_of(path)
    return language if language != project.config.language else None


def _prefix(translation: str | None) -> str:
    return f"{translation}/" if translation else ""


def _suppress(diagnostics: list[Diagnostic], documents: list[Document], out: list[Suppressed] | None) -> list[Diagnostic]:
    """The diagnostics without those each file's suppressions silence, plus the findings about
    the suppressions; only files that hold one are looked at again."""
    dropped: set[int] = set()
    added: list[Diagnostic] = []
    for doc in documents:
        if not suppress.has_suppressions(doc.text):
            continue
        _kept, silenced, found = suppress.apply(doc.text, doc.display, doc.diagnostics)
        dropped.update(id(item.diagnostic) for item in silenced)
        added += found
        if out is not None:
            out += silenced
    return [d for d in diagnostics if id(d) not in dropped] + added if dropped or added else diagnostics


def _collision(slug: str, path: Path, first: Path, report: Report) -> str:
    """Two files of one folder that would make the same pages: say which, and a name to take."""
    suffix = slugify(report.organisation) if report.organisation else "2"
    name = f"{path.name.split('.')[0]}-{suffix}{''.join(path.suffixes)}"
    return (
        f"this report would write reports/{slug}.* like {display_path(first)}; rename one of them "
        f"(two reports of one week in one folder need two names, e.g. {name}; or give each "
        "organisation's reports a folder of their own)"
    )


def _relative(path: Path, project: Project) -> str:
    """The file's path from the project folder, links followed ('sitreps/2016-12-08.yaml')."""
    return project.resolved(path).relative_to(project.resolved_root).as_posix()
