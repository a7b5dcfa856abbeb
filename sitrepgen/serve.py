"""``sitrepgen serve``: a local live preview that rebuilds on every save and reloads the browser.

Why it is shaped like this:

- The build is the ordinary ``sitrepgen.site.build``: the preview shows exactly what ``build``
  writes, and a failed build leaves the last good site on disk, so the preview keeps showing it.
- What is preview-only (the reload script, the error banner) is added to HTML responses as they
  are sent, never written to disk: the output folder stays a clean, publishable site.
- A mistake while editing is the normal case here, not an exceptional one: a failed build never
  stops the server; its diagnostics are shown on every page until the next good build, errors
  first (the real problem, then any file's warnings). A good build with warnings shows them too,
  in a quieter notice, so a writer sees what ``validate --strict`` in CI will refuse.
- Everything runs in a ``PreviewServer`` object with ``start()``/``rebuild()``/``stop()``, so tests
  can drive it without a terminal, a browser or a Ctrl+C.
- It serves drafts, so it answers only requests addressed to this machine by name (``Host:
  127.0.0.1:PORT``, ``localhost:PORT``, ``[::1]:PORT``): a web page elsewhere that points its own
  domain at 127.0.0.1 (DNS rebinding) gets 421, not the drafts. A client that does not finish
  its request in time is disconnected, the number of threads is bounded (more clients wait in
  the listen backlog), and a request it cannot answer gets a status, never a traceback.
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
from urllib.parse import unquote, urlsplit

import click

from .diagnostics import Diagnostic, sort_diagnostics
from .names import printable

if TYPE_CHECKING:  # the config (pydantic) is imported when the server starts, not with the CLI
    from .config import Project

__all__ = ["GENERATION_PATH", "BuildFailure", "PreviewServer", "run"]

#: Polled by the injected script; outside any path a build can write (builds write no "__" folders).
GENERATION_PATH = "/__sitrepgen__/generation"

#: How long ``start()`` waits for the file watcher to be in place before it returns anyway.
WATCH_READY_TIMEOUT = 10.0

#: Seconds a client has to send its whole request line and headers, and then for each read or
#: write of the answer, before the connection is closed.
REQUEST_TIMEOUT = 10.0
#: Requests answered at once; further connections wait in the listen backlog for a free thread.
MAX_THREADS = 64
#: Connections the kernel queues before accepting (Python's default is 5, which drops clients
#: as soon as a page and its assets are fetched in parallel).
BACKLOG = 512
#: Longest request target answered; a longer one (or one holding a NUL) gets 400.
MAX_TARGET = 2048
#: The names the preview answers to, besides the address it was told to listen on.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")

_BODY_OPEN = re.compile(rb"<body\b[^>]*>", re.IGNORECASE)
_BODY_CLOSE = re.compile(rb"</body\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class BuildFailure:
    """Why the last build failed, already formatted: shown on every page and printed once."""

    message: str
    diagnostics: list[str] = field(default_factory=list)  #: "PATH:LINE:COL: error[code]: ..." lines


def errors_first(diagnostics: Iterable[Diagnostic]) -> list[str]:
    """The diagnostics as text lines, every error before any warning (each group in file and line
    order): a warning in another file must not push the one line that explains a failure below."""
    ordered = sort_diagnostics(diagnostics)
    return [d.format_text() for d in ordered if d.is_error] + [d.format_text() for d in ordered if not d.is_error]


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


def warning_banner(warnings: list[str]) -> str:
    """A quieter block for a good build's warnings (the site was built; CI with --strict would not
    publish it). Escaped like the error banner: the lines quote the user's files."""
    lines = "\n".join(html.escape(line) for line in warnings)
    return (
        '<div id="sitrepgen-build-warnings" role="status" style="position:relative;z-index:2147483647;'
        "margin:0;padding:12px 16px;background:#fff8e0;color:#5c4300;border-bottom:3px solid #d9a400;"
        'font:14px/1.4 system-ui,sans-serif;text-align:left;">'
        f"<strong>sitrepgen: built with {len(warnings)} warning(s)</strong>"
        f'<pre style="margin:.5em 0 0;white-space:pre-wrap;font:13px/1.4 ui-monospace,monospace;">{lines}</pre></div>'
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


def inject(page: bytes, *, generation: int, failure: BuildFailure | None, warnings: list[str] | None = None) -> bytes:
    """``page`` with the reload script before ``</body>`` and, after ``<body>``, the banner of a
    failed build or, after a good build with ``warnings``, the notice that lists them.

    Works on bytes so that a page is never re-encoded: only the inserted parts are new.
    """
    script = reload_script(generation).encode("utf-8")
    closes = list(_BODY_CLOSE.finditer(page))
    if closes:
        at = closes[-1].start()
        page = page[:at] + script + page[at:]
    else:
        page += script
    banner = error_banner(failure).encode("utf-8") if failure is not None else warning_banner(warnings).encode("utf-8") if warnings else b""
    if banner:
        opening = _BODY_OPEN.search(page)
        at = opening.end() if opening else 0
        page = page[:at] + banner + page[at:]
    return page


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The ``Host`` headers the preview answers (lower case): the loopback names and the
    address it listens on, with its port (and without it on port 80, as browsers send it)."""
    names = set(LOCAL_HOSTS)
    if host not in ("", "0.0.0.0", "::"):  # a wildcard is not a name anyone is sent to
        names.add(f"[{host}]" if ":" in host else host)
    hosts = {f"{name.lower()}:{port}" for name in names}
    if port == 80:
        hosts |= {name.lower() for name in names}
    return frozenset(hosts)


class _Deadlines:
    """Closes connections that have not sent a whole request within REQUEST_TIMEOUT.

    A socket timeout alone bounds each read, not the request: a client sending one byte every
    few seconds would hold its thread for ever. One thread checks every connection's deadline
    and shuts down the late ones, which ends their reads at once.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._open: dict[socket.socket, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sitrepgen-http-deadlines", daemon=True)
        self._thread.start()

    def watch(self, connection: socket.socket) -> None:
        with self._lock:
            self._open[connection] = time.monotonic() + self.seconds

    def release(self, connection: socket.socket) -> bool:
        """Stop watching ``connection``; False when its time had already run out."""
        with self._lock:
            return self._open.pop(connection, None) is not None

    def _run(self) -> None:
        while not self._stop.wait(min(0.25, self.seconds / 4)):
            now = time.monotonic()
            with self._lock:
                late = [connection for connection, deadline in self._open.items() if deadline <= now]
                for connection in late:
                    del self._open[connection]
            for connection in late:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:  # already closed by its handler
                    pass

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


class _HTTPServer(ThreadingHTTPServer):
    """The HTTP server, carrying the preview it serves: a bounded number of threads, a long
    listen backlog, deadlines for requests, and one quiet line instead of a traceback."""

    daemon_threads = True
    request_queue_size = BACKLOG

    def __init__(self, address: tuple[str, int], handler: Callable[..., Any], preview: PreviewServer) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.preview = preview
        self.slots = threading.BoundedSemaphore(MAX_THREADS)
        self.deadlines = _Deadlines(preview.request_timeout)  # before binding: a failed bind closes the server
        super().__init__(address, handler)
        self.hosts = allowed_hosts(address[0], int(self.server_address[1]))

    def process_request(self, request: Any, client_address: Any) -> None:
        """Start a thread for the request once fewer than MAX_THREADS run (the connections that
        arrive meanwhile wait in the backlog); give up when the server is stopping."""
        while not self.slots.acquire(timeout=0.2):
            if self.preview.stopping:
                self.shutdown_request(request)
                return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up or times out is normal; anything else is one line in the log,
        never a traceback on the terminal."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        self.preview.log(f"preview: could not answer a request: {type(error).__name__}: {error}")

    def server_close(self) -> None:
        super().server_close()
        self.deadlines.stop()


class _Handler(SimpleHTTPRequestHandler):
    """Serves the output folder; HTML goes out with the reload script (and the banner, if any)."""

    server: _HTTPServer

    def setup(self) -> None:
        self.timeout = self.server.preview.request_timeout  # each read and write of the connection
        super().setup()
        self.server.deadlines.watch(self.connection)

    def parse_request(self) -> bool:
        """The request line and headers as the base class reads them, refused when the deadline
        passed meanwhile (the connection was shut down: what was read may be half a request)."""
        parsed = super().parse_request()
        if not self.server.deadlines.release(self.connection):
            self.close_connection = True
            return False
        return parsed

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.deadlines.release(self.connection)  # a client that sent nothing at all

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        # One line per request (a poll every second per open tab) would drown the rebuild messages.
        return

    def end_headers(self) -> None:
        # Every response can change with the next build; never let the browser serve a stale copy.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def send_head(self) -> io.BytesIO | BinaryIO | None:
        host = self.headers.get("Host")
        if host is None:
            return self._send_text(HTTPStatus.BAD_REQUEST, "a Host header is required")
        if host.strip().lower() not in self.server.hosts:
            return self._send_text(HTTPStatus.MISDIRECTED_REQUEST, f"this preview answers only at {self.server.preview.url}")
        url_path = _url_path(self.path)
        if url_path is None:
            return self._send_text(HTTPStatus.BAD_REQUEST, "bad request path")
        try:
            return self._send_page(url_path)
        except (OSError, ValueError):  # a path the file system refuses: no such page
            return self._send_text(HTTPStatus.NOT_FOUND, "not found")

    def _send_page(self, url_path: str) -> io.BytesIO | BinaryIO | None:
        preview = self.server.preview
        if url_path == GENERATION_PATH:
            return self._send_bytes(HTTPStatus.OK, str(preview.generation).encode("ascii"), "text/plain; charset=utf-8")

        generation, failure, warnings = preview.page_state()  # before reading the page: a newer page only costs a reload
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
        body = inject(page, generation=generation, failure=failure, warnings=warnings)
        return self._send_bytes(HTTPStatus.OK, body, "text/html; charset=utf-8")

    def _send_text(self, status: HTTPStatus, message: str) -> io.BytesIO:
        """A short plain-text answer (an error): never a page from the site."""
        self.close_connection = True
        return self._send_bytes(status, f"{status.value} {status.phrase}: {message}\n".encode("utf-8"), "text/plain; charset=utf-8")

    def _send_bytes(self, status: HTTPStatus, body: bytes, content_type: str) -> io.BytesIO:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def _url_path(target: str) -> str | None:
    """The path of a request target, or None when no file could be named so: too long, not
    parseable, or holding a NUL or a part longer than a file name can be."""
    if len(target) > MAX_TARGET:
        return None
    try:
        path = urlsplit(target).path
    except ValueError:  # '//[' is not a URL
        return None
    decoded = unquote(path)
    if "\x00" in decoded or any(len(part.encode("utf-8", "surrogateescape")) > 255 for part in decoded.split("/")):
        return None
    return path


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
        request_timeout: float = REQUEST_TIMEOUT,
        edition: str = "public",
    ) -> None:
        self.host = host
        self.requested_port = port
        self.log: Callable[[str], None] = lambda line: log(printable(line))  # lines quote file names
        self.request_timeout = request_timeout
        self.edition = edition
        self._project = project
        self._serving_dir = _edition_dir(project, edition)  #: the output folder of the last good build
        self._generation = 0
        self._failure: BuildFailure | None = None
        self._warnings: list[str] = []  #: the last good build's warnings, shown on its pages
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

    @property
    def warnings(self) -> list[str]:
        """The last good build's warnings ("PATH:LINE:COL: warning[code]: ..." lines); empty after a failure."""
        with self._state_lock:
            return list(self._warnings)

    def page_state(self) -> tuple[int, BuildFailure | None, list[str]]:
        """Generation, failure and warnings read together, so a page never mixes two builds' states."""
        with self._state_lock:
            return self._generation, self._failure, list(self._warnings)

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
    def stopping(self) -> bool:
        return self._stop_event.is_set()

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
                warnings = errors_first(getattr(result, "diagnostics", []))
                warnings += [f"warning: {w}" for w in result.warnings]
            except BuildError as exc:
                errors = sum(d.is_error for d in exc.diagnostics)
                message = f"{errors} error(s)" if errors else str(exc)
                failure = BuildFailure(message, errors_first(exc.diagnostics))
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
                self._warnings = warnings if failure is None else []
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
