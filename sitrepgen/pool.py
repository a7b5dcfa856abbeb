"""The start method of the PDF workers, kept free of heavy imports: the CLI starts the fork
server before it imports anything else, so that WeasyPrint loads on another core meanwhile."""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
import select
import threading
import time


def pool_context() -> multiprocessing.context.BaseContext:
    """The start method for PDF workers: forkserver where there is one (safe with threads),
    whose server imports WeasyPrint and sitrepgen.pdf (``sitrepgen.preload``)
    once, so that workers are forked with them loaded; else spawn. (A warm-up render in the
    server was tried: it made a one-report rebuild slower, since the server is then ready later
    than the edited report's page.)"""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["sitrepgen.preload"])
        return context
    return multiprocessing.get_context("spawn")


def start_pool_server() -> None:
    """Start the fork server now, without waiting for it: it imports WeasyPrint on another core
    while this process goes on (the CLI calls this before its own imports)."""
    context = pool_context()
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def watch_build(pid: int) -> None:
    """A PDF worker's initializer: leave at once when the build process ``pid`` ends.

    Workers are forked by the fork server, and a killed build (SIGKILL: no clean-up runs)
    would leave them waiting for work forever, reparented to init. A daemon thread waits on a
    pidfd of the build (Linux 5.3+), or polls it where there is none, and ends the worker.
    """
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = None
        if not _alive(pid):
            os._exit(1)

    def wait() -> None:
        if fd is not None:
            select.select([fd], [], [])
        else:
            while _alive(pid):
                time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=wait, name="sitrepgen-watch-build", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
