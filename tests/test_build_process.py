"""The build as a process: one at a time, nothing left running when it is killed, a read-only
old site handled, and a full disk named plainly. Real `sitrepgen build` processes where the
case is about processes; the CLI in this process where a write is made to fail.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sitrepgen.cli import cli
from tests.helpers import copy_project, write_series
from tests.test_cache_hardening import built  # noqa: F401 - the fixture: the seed, built in place

BUILT = "built 1 report(s) into site/ (39 files, {} PDF(s) rendered)\n"  # 16 of them the search index
WAITING = "note: another sitrepgen build of this project is running; waiting for it to finish"


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


def start(project: Path, *args: str, prefix: tuple[str, ...] = ()) -> subprocess.Popen[str]:
    """`sitrepgen build` in a fresh interpreter, in the project (real stdout, stderr, exit code)."""
    return subprocess.Popen(
        [*prefix, sys.executable, "-m", "sitrepgen", "-C", ".", "build", *args],
        cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(project: Path) -> list[str]:
    return sorted(name for name in os.listdir(project) if name.startswith(".site."))


def only_messages(text: str) -> str:
    """stdout without the seed's one warning (its wording is another test's business)."""
    return "".join(line for line in text.splitlines(keepends=True) if "warning[number-format]" not in line)


def touch(project: Path, text: str = "not a template") -> None:
    """A change the build notices that no PDF depends on: it runs, writes and swaps (fast)."""
    (project / "templates" / "notes.txt").write_text(text + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- one build at a time


def read_until(stream: Any, needle: str, timeout: float) -> list[str]:
    """Lines of ``stream`` up to the one holding ``needle`` (all of them if it never comes)."""
    lines: list[str] = []
    found = threading.Event()

    def reader() -> None:
        for line in stream:
            lines.append(line.rstrip("\n"))
            if needle in line:
                found.set()
                return
        found.set()

    threading.Thread(target=reader, daemon=True).start()
    found.wait(timeout)
    return lines


def test_a_second_build_waits_for_the_first(built: Path) -> None:
    """This test holds the project's build lock, as a running build does: a real build waits,
    says so, and goes on once the lock is free."""
    touch(built)
    before = snapshot(built / "site")
    lock = os.open(built / ".sitrepgen-cache" / "build.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(lock, fcntl.LOCK_EX)
    released = False
    process = start(built, "--jobs", "1")
    try:
        lines = read_until(process.stderr, "waiting", timeout=60)
        assert lines and lines[-1] == WAITING, lines
        time.sleep(0.5)
        assert process.poll() is None  # still waiting
        assert snapshot(built / "site") == before
        os.close(lock)
        released = True
        out, err = process.communicate(timeout=120)
    finally:
        if not released:
            os.close(lock)
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert only_messages(out) == BUILT.format(0)
    assert leftovers(built) == []


def test_concurrent_builds_all_succeed(built: Path) -> None:
    """Two real builds at once, five times over: each swap completes (before the lock, one in
    seven to one in three failed, one build removing the other's .site.old)."""
    for round_ in range(5):
        touch(built, f"round {round_}")
        processes = [start(built, "--jobs", "1") for _ in range(2)]
        results = [p.communicate(timeout=300) for p in processes]
        for process, (out, err) in zip(processes, results):
            assert process.returncode == 0, (round_, out, err)
            assert re.fullmatch(r"built 1 report\(s\) into site/ \(\d+ files, 0 PDF\(s\) rendered\)\n|site/ is up to date: nothing changed since the last build\n", only_messages(out))
        assert leftovers(built) == []
        assert (built / "site" / "reports" / "2016-12-08.pdf").is_file()


# --------------------------------------------------------------------------- a read-only site


def unprivileged() -> tuple[str, ...]:
    """A command prefix under which file permissions apply: as root (CI, this machine) the
    process keeps its uid but drops the capabilities that bypass them."""
    if os.geteuid() != 0:
        return ()
    from tests.helpers import need_tool

    return (need_tool("setpriv", "to run the read-only site tests as root"), "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search,-fowner")


def read_only(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            path.chmod(0o555)


def test_read_only_site_is_replaced_and_leaves_nothing(built: Path) -> None:
    """A site someone made read-only: the build replaces it, and the old one (read-only too) is
    made writable and removed, so the next build works as well."""
    read_only(built / "site")
    for round_ in range(2):
        touch(built, f"round {round_}")
        process = start(built, "--jobs", "1", prefix=unprivileged())
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        assert only_messages(out) == BUILT.format(0)
        assert leftovers(built) == []


def test_read_only_old_site_left_by_an_earlier_build_is_removed(built: Path) -> None:
    old = built / ".site.old"
    shutil.copytree(built / "site", old)
    read_only(old)
    touch(built)
    process = start(built, "--jobs", "1", prefix=unprivileged())
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert only_messages(out) == BUILT.format(0)
    assert leftovers(built) == []


def test_old_site_that_cannot_be_removed_is_said_plainly(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = built / ".site.old"
    shutil.copytree(built / "site", old)

    def refuse(folder: Path) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr("sitrepgen.site.remove_tree", refuse)
    before = snapshot(built / "site")
    touch(built)
    result = run(built, "build", "--jobs", "1")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: cannot remove .site.old, left beside site/ by an earlier build: Operation not permitted; "
        "remove it by hand (rm -r .site.old); nothing was written\n"
    )
    assert snapshot(built / "site") == before


# --------------------------------------------------------------------------- a full disk


def disk_full(path: Path) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


@pytest.mark.parametrize(
    ("patch", "name"),
    [("write_bytes", "reports/2016-12-08.pdf"), ("copyfile", "assets/fonts/SourceSansPro-Bold.ttf")],
)
def test_full_disk_names_the_output_file(built: Path, monkeypatch: pytest.MonkeyPatch, patch: str, name: str) -> None:
    """ENOSPC while the new site is written: the message names the site's file (never the font
    in site-packages it was copied from), and the previous site is unchanged."""
    if patch == "write_bytes":
        original = Path.write_bytes

        def write_bytes(self: Path, data: bytes) -> int:
            if self.as_posix().endswith(name) and ".site." in self.as_posix():
                raise disk_full(self)
            return original(self, data)

        monkeypatch.setattr(Path, "write_bytes", write_bytes)
    else:
        copy = shutil.copyfile

        def copyfile(source: Any, target: Any, **kwargs: Any) -> Any:
            if str(target).endswith(name):
                raise disk_full(Path(source))  # as sendfile reports it: naming the source
            return copy(source, target, **kwargs)

        monkeypatch.setattr(shutil, "copyfile", copyfile)
    before = snapshot(built / "site")
    touch(built)
    result = run(built, "build", "--jobs", "1")
    assert result.exit_code == 1
    assert re.fullmatch(
        rf"Error: cannot write the site: site/{re.escape(name)}: No space left on device \(while writing the new site "
        r"beside it, in \.site\.[A-Za-z0-9_]+\.tmp\); the previous site is unchanged\n",
        result.stderr,
    ), result.stderr
    assert snapshot(built / "site") == before
    assert leftovers(built) == []


# --------------------------------------------------------------------------- a killed build


def children() -> dict[int, int]:
    """pid -> parent pid of every process (Linux /proc)."""
    found: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[0] != "Z":  # a zombie has exited already
                found[int(entry)] = int(fields[1])
    return found


def descendants(pid: int) -> set[int]:
    table = children()
    family, grown = {pid}, True
    while grown:
        more = {child for child, parent in table.items() if parent in family} - family
        family |= more
        grown = bool(more)
    return family - {pid}


@pytest.fixture
def series(tmp_path: Path) -> Iterator[Path]:
    root = copy_project(tmp_path / "project")
    write_series(root / "sitreps", 3)
    yield root


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs Linux /proc to find the worker processes")
def test_killed_build_leaves_no_process_behind(series: Path, tmp_path: Path) -> None:
    """SIGKILL the build while its PDF workers render: the fork server and every worker it
    forked are gone within a few seconds (a bound on waiting, not a timing assertion). Output
    goes to a file, not a pipe: a process left behind would hold a pipe open."""
    log = tmp_path / "stderr.txt"
    with log.open("w", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "sitrepgen", "-C", ".", "build", "--jobs", "2"],
            cwd=series, stdout=subprocess.DEVNULL, stderr=stderr,
        )
    found: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "rendering" not in log.read_text(encoding="utf-8"):
            assert process.poll() is None, log.read_text(encoding="utf-8")
            time.sleep(0.05)
        assert log.read_text(encoding="utf-8").startswith("rendering 4 PDF(s) with 2 process(es)")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(found) < 3:  # the fork server and two workers
            found = descendants(process.pid)
            time.sleep(0.05)
        assert len(found) >= 3, found
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and found & set(children()):
            time.sleep(0.1)
        assert not found & set(children()), f"still running: {sorted(found & set(children()))}"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for pid in found & set(children()) | started_in(series):  # only the processes this test started
            os.kill(pid, signal.SIGKILL)


def started_in(project: Path) -> set[int]:
    """Processes whose command line names ``project`` (the fork server and its workers carry
    the build's sys.path, which starts with the project folder)."""
    found = set()
    for pid in children():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if str(project).encode() in handle.read():
                    found.add(pid)
        except OSError:
            continue
    return found
