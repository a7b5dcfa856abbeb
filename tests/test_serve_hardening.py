"""The preview server under hostile clients, through real sockets on loopback.

It serves drafts, so it must answer only requests addressed to this machine (a page on another
domain pointed at 127.0.0.1 by DNS rebinding must not read them), must not let clients that never
finish a request hold it, must serve a burst of parallel clients, and must answer a path it
cannot serve with a status, never a traceback.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sitrepgen.config import load_project
from sitrepgen.serve import GENERATION_PATH, PreviewServer
from tests.helpers import copy_project

TIMEOUT = 2.0  #: the request deadline of the server under test (the default is 10 s)


@dataclass
class Served:
    server: PreviewServer
    logs: list[str]

    @property
    def port(self) -> int:
        return self.server.port


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One preview of the seed project for the whole module (its first build renders a PDF)."""
    root = copy_project(tmp_path_factory.mktemp("serve") / "project")
    logs: list[str] = []
    server = PreviewServer(load_project(root), "127.0.0.1", 0, log=logs.append)
    server.request_timeout = TIMEOUT
    server.start()
    try:
        yield Served(server, logs)
    finally:
        server.stop()


def request(port: int, target: str, host: str | None = "default", *, timeout: float = 30.0) -> tuple[int, dict[str, str], bytes]:
    """One raw HTTP/1.0 request (``host`` None sends no Host header at all)."""
    lines = [f"GET {target} HTTP/1.0"]
    if host is not None:
        lines.append(f"Host: {f'127.0.0.1:{port}' if host == 'default' else host}")
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        response = http.client.HTTPResponse(connection)
        response.begin()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


# --------------------------------------------------------------------------- Host


@pytest.mark.parametrize(
    "host",
    ["attacker.example", "attacker.example:{port}", "127.0.0.1.attacker.example:{port}", "127.0.0.1:1", "localhost", "192.168.1.7:{port}"],
)
def test_a_request_for_another_host_gets_421_and_nothing_from_the_site(served: Served, host: str) -> None:
    """DNS rebinding: a page at attacker.example resolving to 127.0.0.1 sends its own Host."""
    port = served.port
    for target in ("/", "/index.html", "/reports/2016-12-08.html", "/reports/2016-12-08.md", GENERATION_PATH):
        status, headers, body = request(port, target, host.format(port=port))
        assert status == 421, (target, status)
        assert headers["content-type"] == "text/plain; charset=utf-8"
        assert body == f"421 Misdirected Request: this preview answers only at http://127.0.0.1:{port}/\n".encode()


def test_a_request_without_host_gets_400(served: Served) -> None:
    status, headers, body = request(served.port, "/index.html", None)
    assert (status, body) == (400, b"400 Bad Request: a Host header is required\n")
    assert headers["content-type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}", "[::1]:{port}"])
def test_the_local_names_are_answered(served: Served, host: str) -> None:
    status, headers, body = request(served.port, "/index.html", host.format(port=served.port))
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert b"Weekly Conflict Summary" in body and GENERATION_PATH.encode() in body


# --------------------------------------------------------------------------- slow and many clients


def closed_within(connection: socket.socket, seconds: float) -> bool:
    """Whether the server closes ``connection`` (a read returns nothing) within ``seconds``."""
    connection.settimeout(seconds)
    try:
        return connection.recv(1024) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_half_sent_requests_do_not_stop_other_clients_and_are_closed(served: Served) -> None:
    port = served.port
    partial = f"GET /index.html HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n".encode()  # no blank line: never finished
    stalled = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(50)]
    try:
        for connection in stalled:
            connection.sendall(partial)
        started = time.monotonic()
        for _ in range(20):  # others are served meanwhile, at once
            status, _, body = request(port, "/index.html", timeout=TIMEOUT)
            assert status == 200 and b"</html>" in body
        assert time.monotonic() - started < TIMEOUT  # so they did not wait for the stalled ones
        # Every stalled connection is closed once its deadline passes, without an answer.
        deadline = time.monotonic() + TIMEOUT + 8
        assert [closed_within(connection, max(0.01, deadline - time.monotonic())) for connection in stalled] == [True] * 50
    finally:
        for connection in stalled:
            connection.close()


def test_a_request_sent_one_byte_at_a_time_is_cut_off_at_the_deadline(served: Served) -> None:
    """A socket timeout alone bounds each read; the deadline bounds the whole request."""
    message = f"GET /index.html HTTP/1.0\r\nHost: 127.0.0.1:{served.port}\r\nX-Slow: ".encode() + b"y" * 200
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as connection:
        started = time.monotonic()
        sent = 0
        with pytest.raises(OSError):  # the server shut the connection: a send fails
            for byte in message:
                connection.send(bytes([byte]))
                sent += 1
                time.sleep(TIMEOUT / 8)
        assert sent < len(message) and time.monotonic() - started < TIMEOUT + 4


def test_200_parallel_clients_all_get_answers(served: Served) -> None:
    """Five rounds of 200 clients connecting at once (1,000 requests): none is dropped."""
    clients, rounds = 200, 5
    start = threading.Barrier(clients)
    results: list[tuple[int, int] | str] = []
    lock = threading.Lock()

    def client() -> None:
        start.wait()
        for _ in range(rounds):
            try:
                status, _, body = request(served.port, "/assets/style.css")
                outcome: tuple[int, int] | str = (status, len(body))
            except OSError as exc:
                outcome = f"{type(exc).__name__}: {exc}"
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failures = [result for result in results if isinstance(result, str) or result[0] != 200]
    assert len(results) == clients * rounds and failures == []
    assert len({result for result in results}) == 1  # the same stylesheet every time


# --------------------------------------------------------------------------- bad paths


@pytest.mark.parametrize("target", ["/%00", "/reports/%00.html", "/a%00b", "/" + "a" * 8000, "/reports/" + "b" * 300 + ".html"])
def test_a_bad_path_gets_400_and_nothing_on_stderr(served: Served, capfd: pytest.CaptureFixture[str], target: str) -> None:
    status, headers, body = request(served.port, target)
    assert (status, body) == (400, b"400 Bad Request: bad request path\n")
    assert headers["content-type"] == "text/plain; charset=utf-8"
    assert request(served.port, "/index.html")[0] == 200  # and the server goes on
    time.sleep(0.2)  # a handler thread's traceback would be printed after the answer
    captured = capfd.readouterr()
    assert (captured.out, captured.err) == ("", "")
    assert not [line for line in served.logs if "could not answer" in line]


def test_log_lines_are_printable(tmp_path: Path) -> None:
    """The preview prints file names it is told about (changes, diagnostics): escaped."""
    logs: list[str] = []
    preview = PreviewServer(load_project(copy_project(tmp_path / "p")), "127.0.0.1", 0, log=logs.append)
    preview._log_changes([str(preview.project.root / "sitreps" / "evil\x1b[2J\n::error::x.yaml")])
    assert logs == ["changed: sitreps/evil\\x1b[2J\\x0a::error::x.yaml"]
