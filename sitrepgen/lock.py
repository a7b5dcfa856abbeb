"""One build of a project at a time: an advisory lock on a file in the build cache folder.

Two builds that overlap would swap their sites over each other's ``.site.old`` and write the
cache at once; with the lock, the second waits (and says so) until the first is done. The lock
is ``fcntl.flock`` on ``.sitrepgen-cache/build.lock``: the kernel releases it when the holder
exits, however it exits, so a killed build never leaves a stale lock behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

try:
    import fcntl
except ImportError:  # not on a POSIX system: builds are not serialised there
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = "build.lock"


class BuildLock:
    """Hold the project's build lock for the duration of a ``with`` block."""

    def __init__(self, folder: Path, on_wait: Callable[[str], None]) -> None:
        self.path = folder / LOCK_NAME
        self.on_wait = on_wait
        self._fd: int | None = None

    def __enter__(self) -> BuildLock:
        if fcntl is None:
            return self
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        self._fd = os.open(self.path, flags, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.on_wait("another sitrepgen build of this project is running; waiting for it to finish")
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None
