"""The command line: parse options, call the library, turn problems into messages and exit codes.

Exit codes: 0 success, 1 problems in the input (diagnostics printed), 2 usage errors.
A mistake in a user's files never shows a traceback; an internal bug shows one with --debug.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .diagnostics import Diagnostic, display_path, format_diagnostics
from .names import printable

if TYPE_CHECKING:  # heavy modules (pydantic, ruamel, jinja) are imported by the commands that need them
    from .config import Project


class InputError(click.ClickException):
    """A problem in the user's files or templates: printed as 'Error: ...', exit 1.

    The message may quote a file name or a library's message about one: it is made printable
    (no control character reaches the terminal or the CI log)."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(printable(message))


class DiagnosticsFound(click.ClickException):
    """Diagnostics were already printed; only the summary line is left."""

    exit_code = 1


FORMATS = click.Choice(["text", "github", "json"])


def _project(ctx: click.Context) -> Project:
    from .config import load_project

    return load_project(ctx.obj["root"])


def _print_diagnostics(diagnostics: list[Diagnostic], fmt: str, suppressed: list[Any] | None = None) -> None:
    if diagnostics or fmt == "json":
        click.echo(format_diagnostics(diagnostics, fmt, suppressed or []))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sitrepgen")
@click.option(
    "-C",
    "--project",
    "root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Project folder (holds sitreps/, templates/ and sitrepgen.yaml).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.pass_context
def cli(ctx: click.Context, root: Path, debug: bool) -> None:
    """Write weekly situation reports as YAML; validate them; publish Markdown, HTML, PDF and a site."""
    ctx.ensure_object(dict)
    ctx.obj["root"] = root
    ctx.obj["debug"] = debug


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True, help="How to print problems.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1 on any warning).")
@click.pass_context
def validate(ctx: click.Context, paths: tuple[Path, ...], fmt: str, strict: bool) -> None:
    """Check reports and print PATH:LINE:COL diagnostics. PATHS are report files or folders (every
    report inside them); by default, every report of the project."""
    from .reports import gather

    project = _project(ctx)
    if project.problems:
        raise InputError(project.problems[0])
    chosen = _reports_in(project, paths) if paths else project.report_paths()
    if not chosen:
        where = " or ".join(f"{printable(display_path(path))}/" for path in paths if path.is_dir()) or f"{project.config.reports_dir}/"
        raise InputError(f"no reports found in {where} (files ending in .yaml)")
    suppressed: list[Any] = []
    _, diagnostics = gather(project, chosen, strict=strict, cache=_read_only_cache(project), suppressed=suppressed)
    _print_diagnostics(diagnostics, fmt, suppressed)
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    summary = f"{len(chosen)} file(s) checked: {errors} error(s), {warnings} warning(s)"
    if suppressed:  # accepted warnings are not shown, but not hidden either
        summary += f", {len(suppressed)} suppressed"
    if errors:
        raise DiagnosticsFound(summary)
    if fmt == "text":
        click.echo(summary, err=True)


def _reports_in(project: Project, paths: tuple[Path, ...]) -> list[Path]:
    """The files given, and for a folder every report of the project inside it (all of them for
    the project's folder or its reports folder), each once, in the order given."""
    chosen: list[Path] = []
    for path in paths:
        if not path.is_dir():
            chosen.append(path)
            continue
        folder = path.resolve()
        chosen += [report for report in project.report_paths() if report.resolve().is_relative_to(folder) or report.absolute().is_relative_to(path.absolute())]
    return list(dict.fromkeys(chosen))


@cli.command()
@click.argument("series", required=False)
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day of the new period (YYYY-MM-DD).")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day of the new period (YYYY-MM-DD).")
@click.option("--force", is_flag=True, help="Start the next week even though the latest report still holds TODO markers (never replaces a file).")
@click.pass_context
def new(ctx: click.Context, series: str | None, start: dt.datetime | None, end: dt.datetime | None, force: bool) -> None:
    """Start the next report of a SERIES from its latest one (period + 7 days, last week's text
    marked TODO). SERIES is its folder under sitreps/ or its name; needed when there are several."""
    from .new import NewReportError, new_report

    project = _project(ctx)
    try:
        made = new_report(project, series=series, start=start.date() if start else None, end=end.date() if end else None, force=force)
    except NewReportError as exc:
        raise InputError(str(exc)) from None
    for path in made:  # the report, then its translations carried forward
        click.echo(printable(display_path(path)))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mark", "mark_it", is_flag=True, help="Record that each translation is up to date with its source as it is now.")
@click.option("--to", "language", default=None, metavar="LANG", help="Start the translation into LANG of each report given (NAME.LANG.yaml, its text marked TODO).")
@click.pass_context
def translate(ctx: click.Context, paths: tuple[Path, ...], mark_it: bool, language: str | None) -> None:
    """Start translations (--to LANG) or mark them up to date (--mark).

    A translation of sitreps/NAME.yaml is sitreps/NAME.LANG.yaml; it records the content hash of
    the version it was made from, and 'validate' warns (stale-translation) once that changes.
    """
    from .translations import TranslateError, mark, start_translation

    if mark_it == (language is not None):
        raise click.UsageError("give exactly one of --mark and --to LANG")
    project = _project(ctx)
    try:
        for path in paths:
            if mark_it:
                click.echo(printable(mark(path, project)))
            else:
                assert language is not None
                click.echo(printable(display_path(start_translation(path, language, project))))
    except TranslateError as exc:
        raise InputError(str(exc)) from None


@cli.command()
@click.option(
    "--for",
    "kind",
    type=click.Choice(["report", "config"]),
    default="report",
    show_default=True,
    help="Schema of a report file, or of sitrepgen.yaml.",
)
def schema(kind: str) -> None:
    """Print the JSON Schema (draft 2020-12) of a report, for editors and CI validators."""
    import json

    from .config import Config
    from .model import Report, json_schema

    click.echo(json.dumps(json_schema(Report if kind == "report" else Config), indent=2, ensure_ascii=False))


@cli.command()
@click.option("--page-size", type=click.Choice(["letter", "a4"]), default=None, help="PDF page size (default: from sitrepgen.yaml, else letter).")
@click.option("--strict", is_flag=True, help="Treat warnings as errors: publish nothing while any remain.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Processes rendering PDFs (default: one per core).")
@click.option("--force", is_flag=True, help="Read nothing from the build cache (.sitrepgen-cache/): rebuild everything, and write a fresh cache.")
@click.option("--edition", default="public", show_default=True, help="Which edition to build: public (into site/), internal (into site-internal/), or one sitrepgen.yaml declares.")
@click.pass_context
def build(ctx: click.Context, page_size: str | None, strict: bool, jobs: int | None, force: bool, edition: str) -> None:
    """Build every report into the output folder (default: site/): Markdown, HTML, PDF, pages, feed.

    Only what changed is rendered again; with nothing changed the build stops at once. The
    public edition holds nothing of the items whose audience is not public.
    """
    from .cache import build_options, up_to_date

    root = Path(ctx.obj["root"]).resolve()
    if not force:
        state = up_to_date(root, build_options(page_size, strict, edition), _note)
        if state is not None:  # nothing read or written has changed: skip even the imports
            for line in state.messages:
                click.echo(printable(line))
            click.echo(f"{state.output_dir}/ is up to date: nothing changed since the last build")
            return

    if jobs != 1:  # something changed: let the PDF workers' server start on another core now
        from .pool import start_pool_server

        start_pool_server()
    from .render import TemplateError
    from .site import BuildError, build as build_site

    project = _project(ctx)
    try:
        result = build_site(project, page_size=page_size, strict=strict, jobs=jobs, use_cache=not force, progress=_progress(), note=_note, edition=edition)
    except BuildError as exc:
        _print_diagnostics(exc.diagnostics, "text")
        raise InputError(str(exc)) from None
    except TemplateError as exc:
        raise InputError(f"{exc}; nothing was written") from None
    except OSError as exc:  # the output folder cannot be written (a file in the way, disk full)
        where = f"{exc.filename}: " if exc.filename else ""
        raise InputError(f"cannot write the site: {where}{exc.strerror or exc}; the previous site is unchanged") from None
    for line in result.messages:
        click.echo(printable(line))
    shown = display_path(result.output_dir, project.root)
    translated = sum(1 for item in result.reports if item.translation)
    also = f" and {translated} translation(s)" if translated else ""
    click.echo(f"built {len(result.reports) - translated} report(s){also} into {shown}/ ({len(result.files)} files, {result.rendered} PDF(s) rendered)")


def _read_only_cache(project: Project) -> object:
    """The build's record of lint diagnostics and report values, when there is one: validate
    reads it (checked, as the build does; the recorded values stand in for parsing a report
    whose bytes are unchanged) and never writes it, so it never needs the build lock."""
    import stat

    from .cache import CACHE_DIR, ReportCache
    from .diagnostics import CODES

    folder = project.root / CACHE_DIR
    try:
        if not stat.S_ISDIR(folder.lstat().st_mode):
            return None
    except OSError:
        return None
    return ReportCache(folder, _note, CODES, discard_bad=False, values=True)


def _note(message: str) -> None:
    """A one-line note on stderr: waiting for another build, a damaged cache file discarded."""
    click.echo(f"note: {message}", err=True)


def _progress() -> object:
    """A progress bar on a terminal; in CI (no terminal) one line, nothing per PDF."""
    from .site import Progress

    if not sys.stderr.isatty():
        return Progress(start=lambda total, processes: click.echo(f"rendering {total} PDF(s) with {processes} process(es)", err=True))
    bar: list[object] = []

    def start(total: int, processes: int) -> None:
        bar.append(click.progressbar(length=total, label=f"Rendering PDFs ({processes} processes)", file=sys.stderr))
        bar[0].__enter__()  # type: ignore[attr-defined]

    def advance() -> None:
        if bar:
            bar[0].update(1)  # type: ignore[attr-defined]

    def finish() -> None:
        if bar:
            bar.pop().__exit__(None, None, None)  # type: ignore[attr-defined]

    return Progress(start=start, advance=advance, finish=finish)


@cli.command()
@click.argument("report", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rev", default=None, help="Compare with REPORT at this git revision (default: HEAD).")
@click.option("--previous", is_flag=True, help="Compare with the previous report of REPORT's series instead.")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Also write the changes as a web page (<del>/<ins>) to this file.")
@click.option("--color", "colour", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True, help="Colour the changes (auto: in a terminal, unless NO_COLOR is set).")
@click.option("--edition", default="public", show_default=True, help="Which edition's text to compare.")
@click.pass_context
def diff(ctx: click.Context, report: Path, rev: str | None, previous: bool, html_out: Path | None, colour: str, edition: str) -> None:
    """Show what changed in REPORT's rendered text, word by word: against a git revision of the
    same file (default HEAD), or with --previous against last week's report."""
    import os

    from . import diff as differ

    if rev is not None and previous:
        raise click.UsageError("give --rev or --previous, not both")
    project = _project(ctx)
    try:
        new_report = differ.load(project, report, differ.read_file(project, report), display_path(report))
        if previous:
            old_path, old_report = differ.previous_report(project, report, new_report)
            old_name = display_path(old_path)
        else:
            raw, old_name, parts = differ.at_revision(report, rev or "HEAD")
            old_path, old_report = report, differ.load(project, report, raw, old_name, parts)
        old_text = differ.rendered(project, old_path, old_report, edition)
        new_text = differ.rendered(project, report, new_report, edition)
    except differ.DiffError as exc:
        _print_diagnostics(exc.diagnostics, "text")
        raise InputError(str(exc)) from None
    pieces = differ.compare(old_text, new_text)
    new_name = display_path(report)
    if html_out is not None:
        try:
            html_out.write_text(differ.as_html(pieces, old=old_name, new=new_name), encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write {display_path(html_out)}: {exc.strerror or exc}") from None
    use_colour = colour == "always" or (colour == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    click.echo(printable(f"--- {old_name}"))
    click.echo(printable(f"+++ {new_name}"))
    body = differ.as_text(pieces, colour=use_colour)
    if body:
        click.echo(body, color=use_colour)
    click.echo(differ.summary(pieces))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (keep the default: the preview is for this machine).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on; 0 picks a free one.")
@click.option("--open/--no-open", "open_browser", default=False, show_default=True, help="Open the preview in a web browser.")
@click.option("--edition", default="public", show_default=True, help="Which edition to preview (public, internal, or one sitrepgen.yaml declares).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, open_browser: bool, edition: str) -> None:
    """Build the site, serve it locally and rebuild and reload the browser on every save."""
    from .serve import run  # the HTTP server's modules load only for this command

    run(Path(ctx.obj["root"]), host, port, open_browser, edition)


def main() -> None:
    """Entry point: an internal bug is a one-line message unless --debug is given."""
    try:
        cli(prog_name="sitrepgen")
    except Exception as exc:  # not the user's input (that is a ClickException): a bug in sitrepgen
        if "--debug" in sys.argv[1:]:
            raise
        click.echo(
            printable(f"Error: internal error: {type(exc).__name__}: {exc} ")
            + "(run again with --debug for the traceback, and please report it)",
            err=True,
        )
        sys.exit(70)

