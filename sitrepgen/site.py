"""The build: gather and validate every report, render everything in memory, then swap it in.

A failed build writes nothing: the output folder is replaced only once every page and PDF has
been made, so the last good site survives any error.

Output layout (all links relative, so the site works offline and from a subpath)::

    site/index.html, 404.html, feed.xml, sitemap.xml (with base_url)
    site/assets/style.css, site/assets/fonts/*.ttf, and the project's templates/assets/*
    site/reports/<slug>.html | .md | .pdf
    site/reports/<slug>/<figure-id>.<ext>
    site/regions/index.html, site/regions/<region>.html
    site/<lang>/...: the same pages for the translations into <lang> (NAME.<lang>.yaml)
    site/key-figures.html, site/data/key-figures.csv | .json, site/data/charts/<series>/<id>.svg
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import json
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from . import audience, render
from .cache import (
    Budget,
    PdfCache,
    ReportCache,
    State,
    TooMuchInput,
    build_key,
    build_options,
    cache_folder,
    digest_bytes,
    digest_file,
    hash_file,
    hash_inputs,
    save_state,
    versions,
)
from .config import CONFIG_NAME, Edition, Project
from .diagnostics import CODES, Diagnostic, Severity, display_path, format_diagnostics
from .i18n import Language
from .lock import BuildLock
from .model import PUBLIC, Figure, Report
from .paths import SITE_MARK, SITE_MARK_TEXT, remove_tree, site_state
from .figures import FigureStore
from .pdf import PdfJob, Source, render_job
from .pool import pool_context, watch_build
from .outputs import Plan, docx, relative, reliefweb, render_all, up
from .outputs.assets import font_context, font_files, needs_arabic, project_assets
from .outputs.regions import RegionCollision
from .outputs.search import SearchError, index_site
from .render import ReportView
from .series import order_key
from .trends import NOTHING, Comparison, has_ids
from .reports import LoadedReport, _prefix, _relative, gather, too_much

if TYPE_CHECKING:
    from .i18n import Languages
    from .mapfigures import PublishedMap
    from .maps import MapData, MapSettings


class BuildError(Exception):
    """The build stopped; ``diagnostics`` says where, when the problem is in a file."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics or []


@dataclass
class BuildResult:
    output_dir: Path
    reports: list[LoadedReport]
    files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    rendered: int = 0  #: PDFs rendered (the others came from the cache)

    @property
    def messages(self) -> list[str]:
        """What the build has to say: its diagnostics (warnings), then WeasyPrint's warnings."""
        lines = format_diagnostics(self.diagnostics).splitlines() if self.diagnostics else []
        return lines + [f"warning: {warning}" for warning in self.warnings]


@dataclass
class Progress:
    """How a long build reports progress: the CLI shows a bar on a terminal, a line in CI."""

    start: Callable[[int, int], None] = lambda total, processes: None
    advance: Callable[[], None] = lambda: None
    finish: Callable[[], None] = lambda: None


def _note_to_stderr(message: str) -> None:
    import sys

    print(f"note: {message}", file=sys.stderr, flush=True)


def check_project(project: Project) -> None:
    """Refuse, before anything is read or written, a project whose settings are wrong."""
    document = project.config_document
    errors = [d for d in document.diagnostics if d.is_error] if document is not None else []
    if errors:
        raise BuildError(f"{len(errors)} error(s) in {CONFIG_NAME}; nothing was written", document.diagnostics if document else [])
    if project.problems:
        raise BuildError(f"{project.problems[0]}; nothing was written")


def check_output_folder(project: Project, edition: Edition) -> None:
    """Refuse to replace an output folder sitrepgen did not make (checked once the reports are
    known to be valid, so that their errors come first; and again at the swap)."""
    shown = f"{edition.output_dir.rstrip('/')}/"
    state = site_state(project.root / edition.output_dir)
    if state == "not-a-folder":
        raise BuildError(f"{shown} exists and is not a folder; move it away or set output_dir in {CONFIG_NAME} to a new folder; nothing was written")
    if state == "foreign":
        raise BuildError(
            f"{shown} exists but was not made by this version of sitrepgen (it has no {SITE_MARK} file), so the build will not replace it: "
            f"if it is a site an older sitrepgen built, delete it (rm -r {shown}) and build again; otherwise set output_dir in {CONFIG_NAME} to a new folder. Nothing was written"
        )


def build(
    project: Project,
    *,
    page_size: str | None = None,
    strict: bool = False,
    jobs: int | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    note: Callable[[str], None] | None = None,
    edition: str = PUBLIC,
) -> BuildResult:
    """Build one edition of the site; raise BuildError (and write nothing) on any error.

    Every report is validated whole, then cut down to what the edition's audiences may read
    (``audience.for_edition``) before anything is rendered. Reports, pages and feeds are rendered
    in memory; PDFs come from the cache when everything they are made from is unchanged, and are
    otherwise rendered by a pool of ``jobs`` processes (default: one per core). The output folder
    is swapped in only once all of it is ready. One build of a project runs at a time (a second
    one waits); ``note`` receives one-line notes (waiting for another build, a cache file
    discarded), by default on stderr.
    """
    note = note or _note_to_stderr
    check_project(project)
    chosen = _edition(project, edition)
    folder = cache_folder(project.root, note)
    with BuildLock(folder, note):
        return _build(project, folder, chosen, page_size=page_size, strict=strict, jobs=jobs, use_cache=use_cache, progress=progress, note=note)


def _build(
    project: Project,
    cache_dir: Path,
    chosen: Edition,
    *,
    page_size: str | None,
    strict: bool,
    jobs: int | None,
    use_cache: bool,
    progress: Progress | None,
    note: Callable[[str], None],
) -> BuildResult:
    output_dir = project.root / chosen.output_dir
    scanned = [PurePosixPath(project.config.reports_dir).as_posix(), PurePosixPath(project.config.templates_dir).as_posix()]
    budget = Budget(project.config.max_build_bytes)
    try:  # before anything is read
        inputs_before = hash_inputs(project.root, scanned, [CONFIG_NAME], budget)
    except TooMuchInput as exc:
        raise BuildError(f"{too_much(exc, f'reading {_relative(exc.path, project)}')}; nothing was written") from None
    # Without use_cache (--force) nothing is read from the cache, and a fresh one is written.
    report_cache = ReportCache(cache_dir, note, CODES, read=use_cache)
    pdf_cache = PdfCache(cache_dir, note, read=use_cache, edition=chosen.name)
    env = render.make_environment(project.templates_dir)
    languages = project.languages()
    env = render.make_environment(project.templates_dir, languages.get())
    environments = {languages.default: env}
    site = site_context(project, chosen)
    size = page_size or project.config.page_size
    own_assets = project_assets(project.templates_dir, project.root)
    assets = {**font_files(), **own_assets}  # what a PDF may read
    asset_hashes = {url: digest_file(path) for url, path in assets.items()}
    code = versions()  # read once: it hashes sitrepgen's own files
    outputs: dict[str, bytes | Path] = {**font_files(arabic=False), **own_assets, SITE_MARK: SITE_MARK_TEXT}
    inputs: set[Path] = set()
    figure_store = project.figure_store()  # validation and publishing share each figure's one reading
    arabic: list[bool] = []  # whether some PDF uses the Arabic font (then the site has it too)

    def environment(tag: str) -> Any:
        if tag not in environments:
            environments[tag] = render.make_environment(project.templates_dir, languages.get(tag))
        return environments[tag]

    def file_hash(path: Path) -> str:
        """A figure's hash (its resolved place and bytes): taken from the input hashes already
        made, read again only when the figure lies outside the scanned folders."""
        known = inputs_before.get(_relative(path, project))
        return known if known is not None else hash_file(path, project.root)

    editions: dict[tuple[str, str], LoadedReport | None] = {}

    def for_edition(item: LoadedReport) -> LoadedReport | None:
        """The report as this edition sees it (None: nothing of it is for this edition)."""
        if item.key not in editions:  # by slug and language: a translation has its original's slug
            report = audience.for_edition(item.report, chosen.audiences)
            editions[item.key] = dataclasses.replace(item, report=report) if report is not None else None
        return editions[item.key]

    waiting: list[LoadedReport] = []
    drawn_maps: dict[tuple[tuple[str, str], str], PublishedMap] = {}

    def drawn_map(item: LoadedReport, figure: Figure, previous: LoadedReport | None) -> PublishedMap:
        """Each map drawn once a build: for its measures, then for the pages and the PDF."""
        key = (item.key, figure.id)
        if key not in drawn_maps:
            drawn_maps[key] = _drawn_map(project, figure_store, item, figure, previous)
        return drawn_maps[key]

    def on_report(whole: LoadedReport) -> None:
        """A report whose key figures are compared with last week's waits for its series to be
        known; any other starts its PDF as soon as it is valid (each as this edition sees it)."""
        item = for_edition(whole)
        if item is None:
            return
        if has_ids(item.report) or has_maps(item.report):
            waiting.append(item)  # a map is compared with the previous report's too
        else:
            start_pdf(item, NOTHING, None)

    def start_pdf(item: LoadedReport, comparison: Comparison, previous: LoadedReport | None) -> None:
        """Make the print page; render it unless the cache has it."""
        prefix = _prefix(item.translation)
        page = f"{prefix}reports/{item.slug}.html"
        # The PDF is read outside the site: its relative links point at the published site.
        base = site["base_url"]
        folder = page.rpartition("/")[0] + "/"
        sources = {f.id: item.document.figure_paths[f.id] for f in item.report.figures()}  # resolved once, when checked
        inputs.update(sources.values())
        inputs.update(item.document.previous_map_paths.values())
        maps = {f.id: drawn_map(item, f, previous) for f in item.report.figures() if f.map is not None}
        assets_url = relative(f"{prefix}reports/", folder)
        overlays = {f.id: maps[f.id].overlay(assets_url + render.print_map_file(item.slug, f), f.alt, size) for f in item.report.figures() if f.id in maps}
        language = languages.get(item.report.language)
        printed = _print_view(item, page, language=language, link_base=f"{base}{folder}" if base else None, comparison=comparison, overlays=overlays)
        figures = {
            f"{prefix}reports/{figure.file}": maps[figure.id].svg if figure.id in maps else _published(figure_store, sources[figure.id], item)
            for figure in printed.figures
        }
        outputs.update(figures)
        # The print page's text-less drawings go to the PDF only: the site's pages show the drawing with its text.
        figures.update({f"{prefix}reports/{render.print_map_file(item.slug, f)}": maps[f.id].shapes for f in item.report.figures() if f.id in maps})
        context = {"report": item.report, "view": printed, "root": up(folder[len(prefix) :]), "site_root": up(folder), "page_size": size}
        templates = environment(item.report.language)
        html = render.render_template(templates, "print.html.j2", site=site, **context, **font_context(relative("assets/fonts/", folder)))
        if needs_arabic([html]):  # the Arabic font only where there is Arabic script to print
            arabic.append(True)
            html = render.render_template(templates, "print.html.j2", site=site, **context, **font_context(relative("assets/fonts/", folder), arabic=True))
        source = _source(item, printed) if project.config.embed_source else None
        job = PdfJob(html=html, page_url=page, files={**assets, **figures}, source=source, report=item.document.path.name)
        hashes = sorted({**asset_hashes, **{url: digest_bytes(data) for url, data in figures.items()}}.items())
        embedded = [digest_bytes(source.data), source.name] if source is not None else None
        key = digest_bytes(json.dumps([html, hashes, embedded, code]).encode("utf-8"))
        cached = pdf_cache.get(key)
        if cached is not None:
            outputs[f"{prefix}reports/{item.slug}.pdf"] = cached
        else:
            renderer.submit(f"{prefix}reports/{item.slug}.pdf", key, job)

    # Something changed (a no-op never gets here): a PDF is likely, so start the workers at once,
    # on the other cores, while this process reads the reports.
    with PdfRenderer(jobs or default_jobs(), progress or Progress(), warm=True) as renderer:
        reports, diagnostics = gather(project, strict=strict, cache=report_cache, on_report=on_report, budget=budget, figures=figure_store)
        errors = [d for d in diagnostics if d.severity is Severity.ERROR]
        if errors:
            raise BuildError(f"{len(errors)} error(s); nothing was written", diagnostics)
        if not reports:
            raise BuildError(f"no reports found in {project.config.reports_dir}/ (files ending in .yaml)")
        check_output_folder(project, chosen)
        shown = [item for item in map(for_edition, reports) if item is not None]
        if not shown:
            raise BuildError(f"no report has anything for the '{chosen.name}' edition (audiences: {', '.join(sorted(chosen.audiences))})")
        shown = _measured(shown, drawn_map, languages)  # before anything is rendered: every output prints the same numbers
        measured = {item.key: item for item in shown}
        plan = Plan(project, env, site, sorted(shown, key=order_key), environments=environments)
        plans = {None: plan, **{other.translation: other for other in plan.translations}}
        problems = [problem for one in plans.values() for problem in reliefweb.check(one)]
        if problems:  # what ReliefWeb would refuse, before waiting for a PDF
            raise BuildError(f"{len(problems)} error(s); nothing was written", diagnostics + problems)
        if project.config.docx:
            try:
                docx.pandoc()
            except docx.PandocMissing as exc:
                raise BuildError(f"{exc}; nothing was written") from None
        for item in waiting:  # compared with last week's report of its own language
            item = measured[item.key]
            mine = plans[item.translation]
            start_pdf(item, mine.comparisons.get(item.slug, NOTHING), mine.neighbours[item.slug].previous)  # type: ignore[arg-type]
        plan.arabic = bool(arabic)  # (known once every print page is made)
        # Every page while the workers render: none of them depends on a PDF.
        try:
            render_all(plan, outputs)
            for one in plans.values():  # each language's documents
                outputs.update(docx.render(one, outputs, cache=pdf_cache))  # (pandoc embeds the figures gathered above)
        except (RegionCollision, docx.PandocFailed) as exc:
            raise BuildError(str(exc)) from None
        warnings: list[str] = []
        for name, key, job, (data, pdf_warnings) in renderer.results():
            outputs[name] = data
            pdf_cache.put(key, data)
            warnings += [f"{job.report}: PDF: {message}" for message in pdf_warnings]
        for one in plans.values():
            outputs.update(reliefweb.render(one, outputs))  # (it needs the PDFs' checksums)

    try:
        warnings += write_tree(output_dir, outputs, shown=f"{chosen.output_dir.rstrip('/')}/", index=index_site if project.config.search else None)
    except SearchError as exc:
        raise BuildError(str(exc)) from None
    result = BuildResult(output_dir, shown, sorted(outputs), warnings, diagnostics, renderer.rendered)
    report_cache.save()
    pdf_cache.prune()
    outside = {_relative(path, project) for path in inputs} - set(inputs_before)
    save_state(
        project.root,
        State(
            key=build_key(build_options(page_size, strict, chosen.name)),
            scanned=scanned,
            inputs={**inputs_before, **{name: file_hash(project.root / name) for name in outside}},
            output_dir=PurePosixPath(chosen.output_dir).as_posix(),
            outputs={name: digest_bytes(data) if isinstance(data, bytes) else digest_file(data) for name, data in outputs.items()},
            messages=result.messages,
            limit=project.config.max_build_bytes,
        ),
        chosen.name,
    )
    return result


def _published(store: FigureStore, path: Path, item: LoadedReport) -> bytes:
    """The bytes sitrepgen made of a figure (never the file's own). A report taken from the
    cache was validated by an earlier build; its figure is rebuilt all the same, and refused if
    it changed into something that cannot be published since the cache looked at it."""
    try:
        prepared = store.get(path)
    except OSError as exc:
        raise BuildError(f"figure {display_path(path)} of {item.document.display} cannot be read: {exc.strerror or exc}") from None
    if prepared.data is None or prepared.has_errors:
        problem = next(problem for problem in prepared.problems if problem.is_error)
        raise BuildError(f"figure {display_path(path)} of {item.document.display} changed during the build and cannot be published: {problem.message}")
    return prepared.data


def has_maps(report: Report) -> bool:
    return any(figure.map is not None for figure in report.figures())


def _has_measures(report: Report) -> bool:
    from .measures import PLACEHOLDER_RE
    from .model import MapMeasure

    return any(isinstance(item.value, MapMeasure) for item in report.key_figures) or any(
        figure.map is not None and PLACEHOLDER_RE.search(figure.caption) for figure in report.figures()
    )


def _measured(items: list[LoadedReport], drawn: Callable[[LoadedReport, Figure, LoadedReport | None], PublishedMap], languages: Languages) -> list[LoadedReport]:
    """The reports with their map measures put in (sitrepgen.measures): each ``{map:...}`` of a
    map figure's caption, in the report's language, and each key figure measured on a map. Each
    map is compared with the previous report of its series in its own language, as ``drawn``
    draws it for the pages."""
    from .series import group, pairs

    done: dict[int, LoadedReport] = {}
    for tag in sorted({item.translation or "" for item in items}):
        for item, previous in pairs(group([one for one in items if (one.translation or "") == tag])):
            if _has_measures(item.report):
                done[id(item)] = dataclasses.replace(item, report=_with_measures(item, previous, drawn, languages.get(item.report.language)))
    return [done.get(id(item), item) for item in items]


def _with_measures(item: LoadedReport, previous: LoadedReport | None, drawn: Callable[[LoadedReport, Figure, LoadedReport | None], PublishedMap], language: Language) -> Report:
    from .lint import figure_locations
    from .measures import PLACEHOLDER_RE, amount
    from .model import MapMeasure

    report = item.report
    comparisons = {f.id: drawn(item, f, previous).drawn.comparison for f in report.figures() if f.map is not None}
    for loc, figure in list(figure_locations(report)):
        if figure.map is None or not PLACEHOLDER_RE.search(figure.caption):
            continue
        caption = PLACEHOLDER_RE.sub(lambda m: language.number(amount(comparisons[figure.id], m.group(1), m.group(2))), figure.caption)
        report = _replaced(report, (*loc, "caption"), caption)
    for k, key_figure in enumerate(report.key_figures):
        if isinstance(key_figure.value, MapMeasure):
            measure = key_figure.value
            report = _replaced(report, ("key_figures", k, "value"), amount(comparisons[measure.map], measure.measure, measure.control))
    return report


def _replaced(model: Any, loc: tuple[str | int, ...], value: Any) -> Any:
    """``model`` (frozen pydantic models and lists) with the value at ``loc`` replaced."""
    if not loc:
        return value
    head, rest = loc[0], loc[1:]
    if isinstance(head, int):
        items = list(model)
        items[head] = _replaced(items[head], rest, value)
        return items
    return model.model_copy(update={head: _replaced(getattr(model, head), rest, value)})


def _drawn_map(project: Project, store: FigureStore, item: LoadedReport, figure: Figure, previous: LoadedReport | None) -> PublishedMap:
    """The map figure drawn as published: compared with its ``previous_map`` when it names one,
    else with the same figure of the previous report of the series when that is a map (as the
    edition sees it: a previous map left out of this edition is not compared with)."""
    from .mapfigures import MapNotPublished, publish_map

    settings = project.config.map
    assert settings is not None  # check_map_files refuses a map figure without map settings
    before: MapData | None = None
    since: dt.date | None = None
    if figure.previous_map is not None:
        before, since = _map_data(store, item.document.previous_map_paths[figure.id], settings, item), figure.previous_date
    elif previous is not None:
        match = next((f for f in previous.report.figures() if f.id == figure.id and f.map is not None), None)
        if match is not None:
            before, since = _map_data(store, previous.document.figure_paths[match.id], settings, previous), previous.report.period.end
    try:
        return publish_map(_map_data(store, item.document.figure_paths[figure.id], settings, item), settings, previous=before, previous_date=since)
    except MapNotPublished as exc:
        raise BuildError(f"figure '{figure.id}' of {item.document.display}: {exc}") from None


def _map_data(store: FigureStore, path: Path, settings: MapSettings, item: LoadedReport) -> MapData:
    """A map's data as validation read it (read again only if the report came from elsewhere)."""
    from .mapfigures import load_map

    try:
        loaded = load_map(store, path, settings)
    except OSError as exc:
        raise BuildError(f"map {display_path(path)} of {item.document.display} cannot be read: {exc.strerror or exc}") from None
    if loaded.data is None:
        problem = next(problem for problem in loaded.problems if problem.severity is Severity.ERROR)
        raise BuildError(f"map {display_path(path)} of {item.document.display} changed during the build and cannot be drawn: {problem.message}")
    return loaded.data


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class PdfRenderer:
    """Renders PDFs as they are handed in, so the first renders while later reports are read.

    With more than one process allowed, a background thread starts a process pool (at once when
    ``warm``, else at the first PDF handed in) and feeds it: the main thread never waits for the
    workers to start, and even a one-report edit imports WeasyPrint on another core while this
    one reads the reports and makes the pages. The pool
    uses the forkserver start method where there is one: safe in a process with threads (the
    preview server), and its server imports WeasyPrint once, before forking the workers. With
    one process, PDFs are rendered here, at the end.
    """

    def __init__(self, processes: int, progress: Progress, *, warm: bool = False) -> None:
        self.processes = processes
        self.progress = progress
        self.jobs: list[tuple[str, str, PdfJob]] = []
        self.rendered = 0
        self._queue: queue.Queue[tuple[int, PdfJob] | None] = queue.Queue()
        self._futures: dict[int, concurrent.futures.Future[tuple[bytes, list[str]]]] = {}
        self._feeder: threading.Thread | None = None
        self._executor: concurrent.futures.ProcessPoolExecutor | None = None
        self._failure: BaseException | None = None
        if warm and processes > 1:
            self._start_feeder()

    def _start_feeder(self) -> None:
        self._feeder = threading.Thread(target=self._feed, name="sitrepgen-pdf-pool", daemon=True)
        self._feeder.start()

    def submit(self, name: str, key: str, job: PdfJob) -> None:
        self.jobs.append((name, key, job))
        if self.processes > 1:
            if self._feeder is None:
                self._start_feeder()
            self._queue.put((len(self.jobs) - 1, job))

    def _feed(self) -> None:
        try:
            self._executor = _pool(self.processes)
            # Start the workers now (the forkserver imports WeasyPrint), not when a PDF arrives.
            for _ in range(self.processes):
                self._executor.submit(os.getpid)
            while (item := self._queue.get()) is not None:
                index, job = item
                self._futures[index] = self._executor.submit(render_job, job)
        except BaseException as exc:  # reported by results(), in the main thread
            self._failure = exc

    def results(self) -> list[tuple[str, str, PdfJob, tuple[bytes, list[str]]]]:
        """Every PDF handed in, rendered, in the order they were handed in."""
        from .pdf import PdfError

        if not self.jobs:
            return []
        self.progress.start(len(self.jobs), self.processes if self._feeder else 1)
        rendered: list[tuple[bytes, list[str]] | None] = [None] * len(self.jobs)
        try:
            if self._feeder is None:
                for index, (_, _, job) in enumerate(self.jobs):
                    rendered[index] = render_job(job)
                    self.progress.advance()
            else:
                self._queue.put(None)
                self._feeder.join()
                if self._failure is not None and not isinstance(self._failure, BrokenProcessPool):
                    raise self._failure
                for future in concurrent.futures.as_completed(self._futures.values()):
                    if future.exception() is None:
                        self.progress.advance()
                for index, (_, _, job) in enumerate(self.jobs):
                    future = self._futures.get(index)
                    try:
                        rendered[index] = future.result() if future is not None else render_job(job)
                    except BrokenProcessPool:  # a worker died (or could not start): do it here
                        rendered[index] = render_job(job)
                        self.progress.advance()
        except PdfError as exc:  # the message names the report (see pdf._failure)
            raise BuildError(f"a PDF could not be made: {exc}") from None
        finally:
            self.progress.finish()
        self.rendered = len(self.jobs)
        return [(name, key, job, result) for (name, key, job), result in zip(self.jobs, rendered) if result is not None]

    def __enter__(self) -> PdfRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        """Always stop the pool: after success, an error in a report, or Ctrl+C."""
        if self._feeder is not None:
            self._queue.put(None)
            self._feeder.join()
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)


def _pool(processes: int) -> concurrent.futures.ProcessPoolExecutor:
    # Each worker watches this process and leaves when it dies (even by SIGKILL): the workers are
    # children of the fork server, not of the build, so nothing else would stop them.
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=processes, mp_context=pool_context(), initializer=watch_build, initargs=(os.getpid(),)
    )


def _print_view(item: LoadedReport, page: str, *, language: Language, link_base: str | None, comparison: Comparison, overlays: dict[str, str] | None = None) -> ReportView:
    """The report as its print page sees it (the print page stands where the report page does)."""
    assets = relative(_prefix(item.translation) + "reports/", page.rpartition("/")[0])
    return render.build_view(
        item.report, item.slug, assets=assets, link_base=link_base if link_base is not None else "", language=language,
        comparison=comparison, overlays=overlays, footnotes_at_foot=True,
    )


def _edition(project: Project, name: str) -> Edition:
    try:
        return project.edition(name)
    except KeyError:
        known = ", ".join(project.config.all_editions())
        raise BuildError(f"there is no edition '{name}'; the editions are: {known} (declare more in sitrepgen.yaml under 'editions:')") from None


def _source(item: LoadedReport, view: ReportView) -> Source:
    """The YAML embedded in the PDF: the edition's report written out afresh (never the
    writer's file, which holds comments and what other editions may read)."""
    published = item.report.published
    return Source(
        name=item.document.path.name,
        data=audience.source_yaml(item.report),
        description=f"YAML source of {view.heading_title}",
        date=dt.datetime(published.year, published.month, published.day, tzinfo=dt.timezone.utc),
    )


def site_context(project: Project, edition: Edition | None = None, translation: str | None = None) -> dict[str, Any]:
    """What every page knows of the site, in the project's language or in ``translation``'s
    (whose pages are under LANG/, so its base address is the site's plus 'LANG/')."""
    config = project.config
    edition = edition or project.edition(PUBLIC)
    tag = translation or config.language
    language = project.languages().get(tag)
    settings = config.languages.get(tag)
    return {
        "title": settings.title if settings is not None and settings.title else config.title,
        "organisation": config.organisation,
        "language": tag,
        "direction": language.direction,
        "base_url": f"{config.base_url}{_prefix(translation)}" if config.base_url else None,
        "figure_label": language.figure_label,
        "edition": edition.name,
        "banner": edition.banner,  #: shown on every page and in the PDF's running header
        "search": config.search,  #: the site has a search page (linked from every page)
        "key_figures": None,  #: whether the site has a key-figures page (set by outputs.Plan)
    }


def write_tree(
    target: Path, outputs: dict[str, bytes | Path], *, shown: str = "site/", index: Callable[[Path], dict[str, bytes]] | None = None
) -> list[str]:
    """Write every output into a fresh folder beside ``target``, then swap it in at once.

    Runs under the build lock, so any staging folder or old site beside ``target`` was left by
    a build that was killed: the old site is put back if the swap was cut short, the rest is
    removed. A file that cannot be written is named as it would be in the site (``shown`` is the
    output folder as the user wrote it). ``index`` (the search index) reads the staged folder
    before the swap, so it sees exactly this build's pages; the files it adds are put into
    ``outputs``, to be recorded with the others. Returns warnings (an old site that could not
    be removed).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target)
    if site_state(target) not in ("missing", "empty", "ours"):  # checked before the build, and again now
        raise BuildError(f"{shown} was not made by sitrepgen (it has no {SITE_MARK} file); it was left as it is")
    for stale in target.parent.glob(f".{target.name}.*.tmp"):
        _remove_old(stale, shown)
    old = target.with_name(f".{target.name}.old")
    _remove_old(old, shown)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        for relative, content in sorted(outputs.items()):
            path = staging / relative
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, Path):
                    shutil.copyfile(content, path)
                else:
                    path.write_bytes(content)
            except OSError as exc:
                raise BuildError(
                    f"cannot write the site: {shown}{relative}: {exc.strerror or exc} (while writing the new site beside it, "
                    f"in {staging.name}); the previous site is unchanged"
                ) from None
        if index is not None:
            outputs.update(index(staging))
        os.chmod(staging, 0o755)
        return swap_in(staging, target, shown)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _remove_old(folder: Path, shown: str) -> None:
    """Remove what a killed build left beside the site (made writable first, if need be)."""
    if not (folder.exists() or folder.is_symlink()):
        return
    try:
        remove_tree(folder)
    except OSError as exc:
        raise BuildError(
            f"cannot remove {folder.name}, left beside {shown} by an earlier build: {exc.strerror or exc}; "
            f"remove it by hand (rm -r {folder.name}); nothing was written"
        ) from None


def recover(target: Path) -> None:
    """Put back the last good site if a build was killed between the two renames of swap_in."""
    old = target.with_name(f".{target.name}.old")
    if not target.exists() and not target.is_symlink() and site_state(old) == "ours":
        os.replace(old, target)


def swap_in(staging: Path, target: Path, shown: str = "site/") -> list[str]:
    """Replace ``target`` by ``staging``; the old folder is removed only after the swap.

    Between the two renames ``target`` is missing for an instant; a build killed right there
    leaves the old site in ``.NAME.old``, which the next build (``recover``) puts back first.
    Returns a warning when the old site could not be removed afterwards.
    """
    if not target.exists():
        os.replace(staging, target)
        return []
    old = target.with_name(f".{target.name}.old")
    os.replace(target, old)
    try:
        os.replace(staging, target)
    except BaseException as exc:
        try:
            os.replace(old, target)
        except OSError:
            raise BuildError(
                f"cannot move the new site into {shown} ({exc}), nor put the previous one back: it is complete in {old.name}; "
                f"rename it to {shown.rstrip('/')}"
            ) from None
        if isinstance(exc, OSError):
            raise BuildError(f"cannot move the new site into {shown}: {exc.strerror or exc}; the previous site was put back") from None
        raise
    try:
        remove_tree(old)
    except OSError as exc:
        return [f"the previous site could not be removed from {old.name} ({exc.strerror or exc}); remove it by hand"]
    return []
