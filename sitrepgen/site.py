"""The build: gather and validate every report, render everything in memory, then swap it in.

A failed build writes nothing: the output folder is replaced only once every page and PDF has
been made, so the last good site survives any error.

Output layout (all links relative, so the site works offline and from a subpath)::

    site/index.html, 404.html, feed.xml, sitemap.xml (with base_url)
    site/assets/style.css, site/assets/fonts/*.ttf, and the project's templates/assets/*
    site/reports/<slug>.html | .md | .pdf
    site/reports/<slug>/<figure-id>.<ext>
    site/regions/index.html, site/regions/<region>.html
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import datetime as dt
import json
import os
import queue
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import audience, render
from .cache import (
    PdfCache,
    ReportCache,
    State,
    build_key,
    build_options,
    digest_bytes,
    digest_file,
    hash_inputs,
    save_state,
    versions,
)
from .config import CONFIG_NAME, Edition, Project
from .diagnostics import Diagnostic, Severity, display_path, format_diagnostics
from .lint import FigureProblem, resolve_figure, run_rules
from .load import Document, load_model
from .model import PUBLIC, Report
from .pdf import PdfJob, Source, render_job
from .pool import pool_context
from .outputs import Plan, relative, render_all, up
from .outputs.assets import font_context, font_files, project_assets
from .outputs.regions import RegionCollision
from .outputs.search import SearchError, index_site
from .render import ReportView
from .series import order_key

class BuildError(Exception):
    """The build stopped; ``diagnostics`` says where, when the problem is in a file."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics or []


@dataclass
class LoadedReport:
    document: Document
    report: Report
    slug: str


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


def load_report(path: Path, project: Project) -> tuple[Document, Report | None]:
    """Load, validate and check one report."""
    loaded = load_model(
        path,
        Report,
        max_bytes=project.config.max_file_bytes,
        root=Path.cwd(),
        checks=(lambda doc, report: run_rules(doc, report, project.lint_context()),),
    )
    return loaded.document, loaded.model


def _cached_report(path: Path, raw: bytes, entry: dict[str, Any]) -> tuple[Document, Report]:
    """A report validated by an earlier build: ``entry`` is the cache's record for ``raw``, the
    bytes that were hashed (never a second reading, which could differ)."""
    doc = Document(path=path, display=display_path(path, Path.cwd()), text=raw.decode("utf-8"), raw=raw)
    doc.diagnostics = [
        Diagnostic(doc.display, d["line"], d["col"], Severity(d["severity"]), d["code"], d["message"])
        for d in entry["diagnostics"]
    ]
    return doc, Report.model_validate_json(entry["model"])


def _remember(path: Path, project: Project, cache: ReportCache, key: str, doc: Document, report: Report) -> None:
    figures = {}
    for figure in report.figures():
        try:
            resolved = resolve_figure(figure.image, path.parent, project.root)
        except FigureProblem:
            return  # an invalid report is never cached
        figures[str(resolved)] = digest_file(resolved)
    diagnostics = [d.as_json() for d in doc.diagnostics]
    cache.put(path.as_posix(), key, figures, {"model": report.model_dump_json(), "diagnostics": diagnostics})


def gather(
    project: Project,
    paths: list[Path] | None = None,
    *,
    strict: bool = False,
    cache: ReportCache | None = None,
    on_report: Callable[[LoadedReport], None] | None = None,
) -> tuple[list[LoadedReport], list[Diagnostic]]:
    """Load every report; all diagnostics of all files, and the reports that were valid.

    Under ``strict`` every warning counts as an error (a publishing pipeline's choice). With a
    ``cache``, a report whose YAML, figures and config are unchanged is not parsed again.
    """
    diagnostics: list[Diagnostic] = []
    if project.config_document is not None:
        diagnostics += project.config_document.diagnostics
    reports: list[LoadedReport] = []
    slugs: dict[str, Path] = {}
    context = project.fingerprint()
    paths = paths if paths is not None else project.report_paths()
    slug_of = {path: project.slug_of(path) for path in paths}
    stems = collections.Counter(slug_of.values())
    loaded: dict[Path, tuple[Document, Report | None]] = {}
    started: set[Path] = set()

    def start(path: Path, doc: Document, report: Report) -> None:
        slugs[slug_of[path]] = path
        item = LoadedReport(doc, report, slug_of[path])
        reports.append(item)
        if on_report is not None and not doc.has_errors:
            on_report(item)  # e.g. start its PDF while the next report is read

    # First the reports the cache does not know (an edited one, or all of them in a cold
    # build), so that their PDFs start at once, while the unchanged ones are taken from the cache.
    unchanged: dict[Path, tuple[bytes, dict[str, Any]]] = {}
    for path in paths:
        key = ""
        if cache is not None:
            try:
                with path.open("rb") as handle:  # never a huge file whole: load_report refuses it
                    raw = handle.read(project.config.max_file_bytes + 1)
                if len(raw) <= project.config.max_file_bytes:
                    key = digest_bytes(raw + context.encode("utf-8"))
            except OSError:
                key = ""
        entry = cache.get(path.as_posix(), key) if cache is not None and key else None
        if entry is not None:
            unchanged[path] = (raw, entry)  # nothing validation read has changed
            continue
        loaded[path] = doc, report = load_report(path, project)
        if cache is not None and report is not None:
            # keyed by the bytes that were validated: the file may have changed since it was hashed
            _remember(path, project, cache, digest_bytes(doc.raw + context.encode("utf-8")), doc, report)
        if report is not None and stems[slug_of[path]] == 1:  # no other file claims its slug
            start(path, doc, report)
            started.add(path)
    # Then every report in order: diagnostics, slugs and the report list as if read one by one.
    for path in paths:
        if path in unchanged:
            loaded[path] = _cached_report(path, *unchanged[path])
        doc, report = loaded[path]
        diagnostics += doc.diagnostics
        if report is None or path in started:
            continue
        if slug_of[path] in slugs:
            doc.add(0, 0, "output-collision", _collision(slug_of[path], path, slugs[slug_of[path]], report))
            diagnostics.append(doc.diagnostics[-1])
            continue
        start(path, doc, report)
    order = {path: index for index, path in enumerate(paths)}
    reports.sort(key=lambda item: order[item.document.path])
    if strict:
        diagnostics = [dataclasses.replace(d, severity=Severity.ERROR) for d in diagnostics]
    return reports, diagnostics


def _collision(slug: str, path: Path, first: Path, report: Report) -> str:
    """Two files of one folder that would make the same pages: say which, and a name to take."""
    suffix = render.slugify(report.organisation) if report.organisation else "2"
    name = f"{path.name.split('.')[0]}-{suffix}{''.join(path.suffixes)}"
    return (
        f"this report would write reports/{slug}.* like {display_path(first)}; rename one of them "
        f"(two reports of one week in one folder need two names, e.g. {name}; or give each "
        "organisation's reports a folder of their own)"
    )


@dataclass
class Progress:
    """How a long build reports progress: the CLI shows a bar on a terminal, a line in CI."""

    start: Callable[[int, int], None] = lambda total, processes: None
    advance: Callable[[], None] = lambda: None
    finish: Callable[[], None] = lambda: None


def build(
    project: Project,
    *,
    page_size: str | None = None,
    strict: bool = False,
    jobs: int | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    edition: str = PUBLIC,
) -> BuildResult:
    """Build one edition of the site; raise BuildError (and write nothing) on any error.

    Every report is validated whole, then cut down to what the edition's audiences may read
    (``audience.for_edition``) before anything is rendered. Reports, pages and feeds are rendered
    in memory; PDFs come from the cache when everything they are made from is unchanged, and are
    otherwise rendered by a pool of ``jobs`` processes (default: one per core). The output folder
    is swapped in only once all of it is ready.
    """
    chosen = _edition(project, edition)
    output_dir = project.root / chosen.output_dir
    scanned = [project.config.reports_dir, project.config.templates_dir]
    inputs_before = hash_inputs(project.root, scanned, [CONFIG_NAME])  # before anything is read
    report_cache = ReportCache(project.root) if use_cache else None
    pdf_cache = PdfCache(project.root, chosen.name) if use_cache else None
    env = render.make_environment(project.templates_dir)
    site = site_context(project, chosen)
    size = page_size or project.config.page_size
    assets = {**font_files(), **project_assets(project.templates_dir, project.root)}
    asset_hashes = {url: digest_file(path) for url, path in assets.items()}
    code = versions()  # read once: it hashes sitrepgen's own files
    outputs: dict[str, bytes | Path] = dict(assets)
    inputs: set[Path] = set()

    def file_hash(path: Path) -> str:
        """A figure's hash: taken from the input hashes already made, read again only when the
        figure lies outside the scanned folders."""
        known = inputs_before.get(_relative(path, project.root))
        return known if known is not None else digest_file(path)

    editions: dict[str, LoadedReport | None] = {}

    def for_edition(item: LoadedReport) -> LoadedReport | None:
        """The report as this edition sees it (None: nothing of it is for this edition)."""
        if item.slug not in editions:
            report = audience.for_edition(item.report, chosen.audiences)
            editions[item.slug] = dataclasses.replace(item, report=report) if report is not None else None
        return editions[item.slug]

    def start_pdf(whole: LoadedReport) -> None:
        """Make the print page as soon as a report is valid; render it unless the cache has it."""
        item = for_edition(whole)
        if item is None:
            return
        page = f"reports/{item.slug}.html"
        # The PDF is read outside the site: its relative links point at the published site.
        base = site["base_url"]
        folder = page.rpartition("/")[0] + "/"
        printed = _print_view(item, page, label=str(site["figure_label"]), link_base=f"{base}{folder}" if base else None)
        sources = {f.id: resolve_figure(f.image, item.document.path.parent, project.root) for f in item.report.figures()}
        inputs.update(sources.values())
        figures = {f"reports/{figure.file}": sources[figure.id] for figure in printed.figures}
        outputs.update(figures)
        html = render.render_template(
            env, "print.html.j2", site=site, report=item.report, view=printed, root=up(folder),
            page_size=size, **font_context(relative("assets/fonts/", folder)),
        )
        source = _source(item, printed) if project.config.embed_source else None
        job = PdfJob(html=html, page_url=page, files={**assets, **figures}, source=source, report=item.document.path.name)
        hashes = sorted({**asset_hashes, **{url: file_hash(path) for url, path in figures.items()}}.items())
        embedded = [digest_bytes(source.data), source.name] if source is not None else None
        key = digest_bytes(json.dumps([html, hashes, embedded, code]).encode("utf-8"))
        cached = pdf_cache.get(key) if pdf_cache is not None else None
        if cached is not None:
            outputs[f"reports/{item.slug}.pdf"] = cached
        else:
            renderer.submit(f"reports/{item.slug}.pdf", key, job)

    # Something changed (a no-op never gets here): a PDF is likely, so start the workers at once,
    # on the other cores, while this process reads the reports.
    with PdfRenderer(jobs or default_jobs(), progress or Progress(), warm=True) as renderer:
        reports, diagnostics = gather(project, strict=strict, cache=report_cache, on_report=start_pdf)
        errors = [d for d in diagnostics if d.severity is Severity.ERROR]
        if errors:
            raise BuildError(f"{len(errors)} error(s); nothing was written", diagnostics)
        if not reports:
            raise BuildError(f"no reports found in {project.config.reports_dir}/ (files ending in .yaml)")
        shown = [item for item in map(for_edition, reports) if item is not None]
        if not shown:
            raise BuildError(f"no report has anything for the '{chosen.name}' edition (audiences: {', '.join(sorted(chosen.audiences))})")
        # Every page while the workers render: none of them depends on a PDF.
        try:
            render_all(Plan(project, env, site, sorted(shown, key=order_key)), outputs)
        except RegionCollision as exc:
            raise BuildError(str(exc)) from None
        warnings: list[str] = []
        for name, key, job, (data, pdf_warnings) in renderer.results():
            outputs[name] = data
            if pdf_cache is not None:
                pdf_cache.put(key, data)
            warnings += [f"{job.report}: PDF: {message}" for message in pdf_warnings]

    try:
        outputs.update(write_tree(output_dir, outputs, index=index_site if project.config.search else None))
    except SearchError as exc:
        raise BuildError(str(exc)) from None
    result = BuildResult(output_dir, shown, sorted(outputs), warnings, diagnostics, renderer.rendered)
    if report_cache is not None and pdf_cache is not None:
        report_cache.save()
        pdf_cache.prune()
        outside = {_relative(path, project.root) for path in inputs} - set(inputs_before)
        save_state(
            project.root,
            State(
                key=build_key(build_options(page_size, strict, chosen.name)),
                scanned=scanned,
                inputs={**inputs_before, **{name: file_hash(project.root / name) for name in outside}},
                output_dir=chosen.output_dir,
                outputs={name: digest_bytes(data) if isinstance(data, bytes) else digest_file(data) for name, data in outputs.items()},
                messages=result.messages,
            ),
            chosen.name,
        )
    return result


def _relative(path: Path, root: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()


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
    return concurrent.futures.ProcessPoolExecutor(max_workers=processes, mp_context=pool_context())


def _print_view(item: LoadedReport, page: str, *, label: str, link_base: str | None) -> ReportView:
    """The report as its print page sees it (the print page stands where the report page does)."""
    assets = relative("reports/", page.rpartition("/")[0])
    return render.build_view(item.report, item.slug, assets=assets, link_base=link_base if link_base is not None else "", label=label)


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


def site_context(project: Project, edition: Edition | None = None) -> dict[str, Any]:
    config = project.config
    edition = edition or project.edition(PUBLIC)
    return {
        "title": config.title,
        "organisation": config.organisation,
        "language": config.language,
        "base_url": config.base_url,
        "figure_label": config.figure_label,
        "edition": edition.name,
        "banner": edition.banner,  #: shown on every page and in the PDF's running header
        "search": config.search,  #: the site has a search page (linked from every page)
    }


def write_tree(
    target: Path, outputs: dict[str, bytes | Path], *, index: Callable[[Path], dict[str, bytes]] | None = None
) -> dict[str, bytes]:
    """Write every output into a fresh folder beside ``target``, then swap it in at once.

    ``index`` (the search index) reads the staged folder before the swap, so it sees exactly
    this build's pages; the files it adds are returned, to be recorded with the others.
    """
    added: dict[str, bytes] = {}
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target)
    for stale in target.parent.glob(f".{target.name}.*.tmp"):  # left by a build that was killed
        if time.time() - stale.stat().st_mtime > 600:  # (not one that another build is writing)
            shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        for relative, content in sorted(outputs.items()):
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):
                shutil.copyfile(content, path)
            else:
                path.write_bytes(content)
        if index is not None:
            added = index(staging)
        os.chmod(staging, 0o755)
        swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return added


def recover(target: Path) -> None:
    """Put back the last good site if a build was killed between the two renames of swap_in."""
    old = target.with_name(f".{target.name}.old")
    if not target.exists() and old.is_dir():
        os.replace(old, target)


def swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging``; the old folder is removed only after the swap.

    Between the two renames ``target`` is missing for an instant; a build killed right there
    leaves the old site in ``.NAME.old``, which the next build (``recover``) puts back first.
    """
    if not target.exists():
        os.replace(staging, target)
        return
    old = target.with_name(f".{target.name}.old")
    if old.exists():
        shutil.rmtree(old)
    os.replace(target, old)
    try:
        os.replace(staging, target)
    except BaseException:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)
