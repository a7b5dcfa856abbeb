"""``sitrepgen serve``: a local live preview that rebuilds on every save and reloads the browser.

Why it is shaped like this:

- The build is the ordinary ``sitrepgen.site.build``: the preview shows exactly what ``build``
  writes, and a failed build leaves the last good site on disk, so the preview keeps showing it.
- What is preview-only (the reload script, the error banner) is added to HTML responses as they
  are sent, never written to disk: the output folder stays a clean, publishable site.
- A mistake while editing is the normal case here, not an exceptional one: a failed build never
  stops the server; its diagnostics are shown on every page until the next good build.
- Everything runs in a ``PreviewServer`` object with ``start()``/``rebuild()``/``stop()``, so tests
  can drive it without a terminal, a browser or a Ctrl+C.
"""

from __future__ import annotations

import html
import io
import re
import socket
import sys
import threading
import time
import traceback
import webbrowser
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import urlsplit

import click

from .diagnostics import sort_diagnostics

if TYPE_CHECKING:  # the config (pydantic) is imported when the server starts, not with the CLI
    from .config import Project

__all__ = ["GENERATION_PATH", "BuildFailure", "PreviewServer", "run"]

#: Polled by the injected script; outside any path a build can write (builds write no "__" folders).
GENERATION_PATH = "/__sitrepgen__/generation"

#: How long ``start()`` waits for the file watcher to be in place before it returns anyway.
WATCH_READY_TIMEOUT = 10.0

_BODY_OPEN = re.compile(rb"<body\b[^>]*>", re.IGNORECASE)
_BODY_CLOSE = re.compile(rb"</body\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class BuildFailure:
    """Why the last build failed, already formatted: shown on every page and printed once."""

    message: str
    diagnostics: list[str] = field(default_factory=list)  #: "PATH:LINE:COL: error[code]: ..." lines


def reload_script(generation: int) -> str:
    """The script that reloads the page once the server reports a newer build.

    The generation the page was served with is baked in, so a build that finishes between the
    response and the first poll still triggers a reload. Failed polls (server stopped) are
    ignored and retried: the page reloads by itself when the server comes back.
    """
    return (
        "<script>(function(){"
        f'var seen="{generation}";'
        "function poll(){"
        f'fetch("{GENERATION_PATH}",{{cache:"no-store"}})'
        ".then(function(r){return r.ok?r.text():seen;})"
        ".then(function(g){if(g.trim()!==seen){location.reload();}else{setTimeout(poll,1000);}},"
        "function(){setTimeout(poll,1000);});"
        "}"
        "setTimeout(poll,1000);"
        "})();</script>"
    )


def error_banner(failure: BuildFailure, note: str = "showing the last good build") -> str:
    """A visible block listing the failure; every piece of text is escaped (it quotes the user's files)."""
    lines = "\n".join(html.escape(line) for line in failure.diagnostics)
    listing = (
        f'<pre style="margin:.5em 0 0;white-space:pre-wrap;font:13px/1.4 ui-monospace,monospace;">{lines}</pre>'
        if lines
        else ""
    )
    return (
        '<div id="sitrepgen-build-error" role="alert" style="position:relative;z-index:2147483647;'
        "margin:0;padding:12px 16px;background:#fff0f0;color:#8a1010;border-bottom:3px solid #c00;"
        'font:14px/1.4 system-ui,sans-serif;text-align:left;">'
        f"<strong>sitrepgen: build failed</strong> &mdash; {html.escape(failure.message)} ({html.escape(note)})"
        f"{listing}</div>"
    )


def error_page(failure: BuildFailure, generation: int) -> bytes:
    """The page shown when the very first build failed and there is no site to fall back on."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>Build failed - sitrepgen</title>\n</head>\n<body>\n"
        f"{error_banner(failure, 'no site has been built yet')}\n"
        "<p style=\"font:14px system-ui,sans-serif;margin:16px;\">Fix the files above and save: "
        "this page reloads by itself.</p>\n"
        f"{reload_script(generation)}\n</body>\n</html>\n"
    ).encode("utf-8")


def inject(page: bytes, *, generation: int, failure: BuildFailure | None) -> bytes:
    """``page`` with the reload script before ``</body>`` and, after a failed build, the banner after ``<body>``.

    Works on bytes so that a page is never re-encoded: only the inserted parts are new.
    """
    script = reload_script(generation).encode("utf-8")
    closes = list(_BODY_CLOSE.finditer(page))
    if closes:
        at = closes[-1].start()
        page = page[:at] + script + page[at:]
    else:
        page += script
    if failure is not None:
        banner = error_banner(failure).encode("utf-8")
        opening = _BODY_OPEN.search(page)
        at = opening.end() if opening else 0
        page = page[:at] + banner + page[at:]
    return page


class _HTTPServer(ThreadingHTTPServer):
    """The HTTP server, carrying the preview it serves, quiet about clients that hang up."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: Callable[..., Any], preview: PreviewServer) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.preview = preview
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser that navigates away mid-download is not an error worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(SimpleHTTPRequestHandler):
    """Serves the output folder; HTML goes out with the reload script (and the banner, if any)."""

    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        # One line per request (a poll every second per open tab) would drown the rebuild messages.
        return

    def end_headers(self) -> None:
        # Every response can change with the next build; never let the browser serve a stale copy.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def send_head(self) -> io.BytesIO | BinaryIO | None:
        preview = self.server.preview
        url_path = urlsplit(self.path).path
        if url_path == GENERATION_PATH:
            return self._send_bytes(HTTPStatus.OK, str(preview.generation).encode("ascii"), "text/plain; charset=utf-8")

        generation, failure = preview.state()  # before reading the page: a newer page only costs a reload
        if failure is not None and url_path in ("/", "/index.html") and not (Path(self.directory) / "index.html").is_file():
            body = error_page(failure, generation)
            return self._send_bytes(HTTPStatus.INTERNAL_SERVER_ERROR, body, "text/html; charset=utf-8")

        translated = self.translate_path(self.path)
        path = Path(translated)
        if path.is_dir():
            if not url_path.endswith("/") or not (path / "index.html").is_file():
                return super().send_head()  # the redirect to ".../", or a listing
            path = path / "index.html"
        elif translated.endswith("/") or self.guess_type(translated) != "text/html":
            return super().send_head()  # not a page: served as is (or a 404, as the base class decides)
        try:
            page = path.read_bytes()
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        body = inject(page, generation=generation, failure=failure)
        return self._send_bytes(HTTPStatus.OK, body, "text/html; charset=utf-8")

    def _send_bytes(self, status: HTTPStatus, body: bytes, content_type: str) -> io.BytesIO:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def _stderr(line: str) -> None:
    click.echo(line, err=True)


class PreviewServer:
    """Build once, serve the output folder over HTTP, rebuild on every change to the sources.

    ``start()`` returns the bound port (useful with ``port=0``); ``stop()`` ends both threads.
    ``generation`` counts completed builds, good or bad; ``failure`` is the last build's problem,
    or None when it succeeded.
    """

    def __init__(
        self,
        project: Project,
        host: str = "127.0.0.1",
        port: int = 8000,
        *,
        log: Callable[[str], None] = _stderr,
        edition: str = "public",
    ) -> None:
        self.host = host
        self.requested_port = port
        self.log = log
        self.edition = edition
        self._project = project
        self._serving_dir = _edition_dir(project, edition)  #: the output folder of the last good build
        self._generation = 0
        self._failure: BuildFailure | None = None
        self._state_lock = threading.Lock()
        self._build_lock = threading.Lock()
        self._stop_event = threading.Event()
        self._watch_ready = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._http_thread: threading.Thread | None = None
        self._watch_thread: threading.Thread | None = None
        self.watch_error: str | None = None  #: why live rebuilding is off, if it is

    # ------------------------------------------------------------------ state

    @property
    def project(self) -> Project:
        return self._project

    @property
    def generation(self) -> int:
        with self._state_lock:
            return self._generation

    @property
    def failure(self) -> BuildFailure | None:
        with self._state_lock:
            return self._failure

    def state(self) -> tuple[int, BuildFailure | None]:
        """Generation and failure read together, so a page never mixes two builds' states."""
        with self._state_lock:
            return self._generation, self._failure

    @property
    def serving_dir(self) -> Path:
        return self._serving_dir

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the server is not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def is_serving(self) -> bool:
        return self._http_thread is not None and self._http_thread.is_alive()

    @property
    def threads(self) -> tuple[threading.Thread, ...]:
        return tuple(t for t in (self._http_thread, self._watch_thread) if t is not None)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> int:
        """Bind, start watching, build once, then serve; return the bound port.

        The socket is bound first so a busy port fails at once rather than after a build. The
        watcher starts before the first build so an edit made during it is not lost. A failed
        first build is reported, not raised: the server then shows the error page.
        """
        if self._httpd is not None:
            raise RuntimeError("the server is already started")
        self._httpd = _HTTPServer((self.host, self.requested_port), self._make_handler, self)
        try:
            self._watch_thread = threading.Thread(target=self._watch, name="sitrepgen-watch", daemon=True)
            self._watch_thread.start()
            self.rebuild(first=True)
            self._http_thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="sitrepgen-http", daemon=True
            )
            self._http_thread.start()
            self._watch_ready.wait(WATCH_READY_TIMEOUT)
        except BaseException:
            self.stop()
            raise
        return self.port

    def stop(self) -> None:
        """Stop watching and serving, and wait for both threads (a rebuild in progress finishes first)."""
        self._stop_event.set()
        if self._httpd is not None:
            if self._http_thread is not None and self._http_thread.is_alive():
                self._httpd.shutdown()
            self._httpd.server_close()
        for thread in self.threads:
            if thread is not threading.current_thread():
                thread.join()

    def wait(self) -> None:
        """Block until the HTTP server stops; Ctrl+C raises KeyboardInterrupt here, in the main thread.

        A short sleep in a loop, not a join: joining a thread cannot be interrupted on every platform.
        """
        while self.is_serving:
            time.sleep(0.5)

    def __enter__(self) -> PreviewServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _make_handler(self, *args: Any, **kwargs: Any) -> _Handler:
        # Read per request: a change of output_dir in sitrepgen.yaml takes effect at the next good build.
        return _Handler(*args, directory=str(self._serving_dir), **kwargs)

    # ------------------------------------------------------------------ building

    def rebuild(self, *, first: bool = False) -> bool:
        """Reload the project (sitrepgen.yaml may have changed) and build; True on success.

        Never raises for a problem in the user's files, nor for a bug: the preview must survive
        both, and says what happened on stderr and on every page.
        """
        from .render import TemplateError
        from .site import BuildError, build

        with self._build_lock:
            started = time.perf_counter()
            failure: BuildFailure | None = None
            warnings: list[str] = []
            try:
                from .config import load_project

                project = load_project(self._project.root)
                self._project = project
                result = build(project, edition=self.edition)
                # Lint warnings (BuildResult.diagnostics, where this version has it), then PDF warnings.
                warnings = [d.format_text() for d in sort_diagnostics(getattr(result, "diagnostics", []))]
                warnings += [f"warning: {w}" for w in result.warnings]
            except BuildError as exc:
                diagnostics = sort_diagnostics(exc.diagnostics)
                errors = sum(d.is_error for d in diagnostics)
                message = f"{errors} error(s)" if errors else str(exc)
                failure = BuildFailure(message, [d.format_text() for d in diagnostics])
            except TemplateError as exc:
                failure = BuildFailure(str(exc))
            except Exception as exc:  # a bug in sitrepgen: keep serving, show it, keep the traceback
                self.log(traceback.format_exc().rstrip())
                failure = BuildFailure(f"internal error: {type(exc).__name__}: {exc}")
            elapsed = time.perf_counter() - started
            with self._state_lock:
                if failure is None:
                    self._serving_dir = _edition_dir(self._project, self.edition)
                self._failure = failure
                self._generation += 1

        if failure is None:
            for warning in warnings:
                self.log(warning)
            self.log(f"{'built' if first else 'rebuilt'} in {elapsed:.1f} s")
        else:
            self.log(f"build failed: {failure.message}")
            for line in failure.diagnostics:
                self.log(line)
        return failure is None

    # ------------------------------------------------------------------ watching

    def _is_source(self, path: Path) -> bool:
        """Whether a change at ``path`` can change the site: the reports, the templates, the config.

        The output folder and the build's staging folders beside it are excluded explicitly, so
        even an output_dir placed inside reports_dir cannot make the build trigger itself.
        """
        project = self._project
        output = _edition_dir(project, self.edition)
        if path.is_relative_to(output.parent):
            first = path.relative_to(output.parent).parts[:1]
            if first and (first[0] == output.name or first[0].startswith(f".{output.name}.")):
                return False
        return (
            path == project.root / "sitrepgen.yaml"
            or path.is_relative_to(project.reports_dir)
            or path.is_relative_to(project.templates_dir)
        )

    def _watch(self) -> None:
        """The watcher thread: rebuild after every batch of relevant changes until stopped.

        The whole project folder is watched (and filtered), not the three sources themselves:
        a folder that does not exist yet can then still appear, an editor that saves by renaming
        a new file over sitrepgen.yaml is still seen, and a changed reports_dir takes effect.
        """
        import watchfiles

        default_filter = watchfiles.DefaultFilter()

        def relevant(change: watchfiles.Change, path: str) -> bool:
            return default_filter(change, path) and self._is_source(Path(path))

        try:
            for changes in watchfiles.watch(
                self._project.root,
                watch_filter=relevant,
                stop_event=self._stop_event,
                debounce=800,
                rust_timeout=250,
                yield_on_timeout=True,  # the first timeout says the watches are in place
                raise_interrupt=False,
            ):
                self._watch_ready.set()
                if changes and not self._stop_event.is_set():
                    self._log_changes(path for _, path in changes)
                    self.rebuild()
        except Exception as exc:  # e.g. out of inotify watches: keep serving without live rebuilds
            self.watch_error = f"{type(exc).__name__}: {exc}"
            self.log(f"warning: cannot watch {self._project.root} for changes ({self.watch_error}); not rebuilding on save")
        finally:
            self._watch_ready.set()

    def _log_changes(self, paths: Iterable[str]) -> None:
        root = self._project.root
        shown = sorted({Path(p).relative_to(root).as_posix() if Path(p).is_relative_to(root) else p for p in paths})
        more = f" and {len(shown) - 3} more" if len(shown) > 3 else ""
        self.log(f"changed: {', '.join(shown[:3])}{more}")


def _edition_dir(project: Project, edition: str) -> Path:
    """Where ``edition`` is built (an unknown edition fails its build, which says so)."""
    try:
        return project.root / project.edition(edition).output_dir
    except KeyError:
        return project.output_dir


def run(root: Path, host: str, port: int, open_browser: bool, edition: str = "public") -> None:
    """``sitrepgen serve``: build the site, serve it, rebuild and reload on every save, until Ctrl+C."""
    from .config import load_project

    project = load_project(root)
    server = PreviewServer(project, host, port, edition=edition)
    try:
        try:
            server.start()
        except OSError as exc:
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        click.echo(f"Serving {server.url} \u2014 Ctrl+C to stop", err=True)
        if open_browser:
            webbrowser.open(server.url)
        server.wait()
    except KeyboardInterrupt:
        click.echo("stopping", err=True)
    finally:
        try:
            server.stop()
        except KeyboardInterrupt:  # a second Ctrl+C while a rebuild finishes: leave at once, quietly
            raise SystemExit(130) from None
