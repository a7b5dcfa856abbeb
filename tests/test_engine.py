"""engine.load: WeasyPrint imported without starting a process per library name, and never
worse than a plain import when the quick way leaves a library unopened."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# Counts the processes started while the code after it runs, in a fresh interpreter.
COUNT_PROCESSES = """
import subprocess, sys
started = []
original = subprocess.Popen.__init__
def counting(self, args, *rest, **kwargs):
    started.append(args)
    original(self, args, *rest, **kwargs)
subprocess.Popen.__init__ = counting
"""


def run_python(code: str, *path: Path) -> str:
    env_path = [str(p) for p in path]
    prelude = f"import sys; sys.path[:0] = {env_path!r}\n"
    out = subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True, check=True)
    return out.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the library search is skipped on Linux only")
def test_weasyprint_loads_without_starting_a_process() -> None:
    code = COUNT_PROCESSES + textwrap.dedent(
        """
        from sitrepgen import engine
        weasyprint = engine.load()
        from weasyprint.text.ffi import pango, harfbuzz, fontconfig
        print(len(started), pango.pango_version() > 0, weasyprint.HTML(string="<p>x</p>").write_pdf()[:5])
        """
    )
    assert run_python(code).split() == ["0", "True", "b'%PDF-'"]


FAKE = '''
"""Stands in for WeasyPrint: opens its library only when find_library can find it."""
import ctypes.util
print("could not import some external libraries")  # WeasyPrint prints this before raising
if ctypes.util.find_library("fake") is None:
    raise OSError("cannot load library 'fake'")
'''


def test_a_library_only_the_search_finds_is_still_found(tmp_path: Path) -> None:
    """The quick import fails; the module is imported again with find_library as it was, and the
    advice printed during the quick try is not shown."""
    (tmp_path / "fakeengine").mkdir()
    (tmp_path / "fakeengine" / "__init__.py").write_text(FAKE, encoding="utf-8")
    code = textwrap.dedent(
        """
        import ctypes.util, sys
        original = ctypes.util.find_library
        ctypes.util.find_library = lambda name: "libfake.so" if name == "fake" else None
        from sitrepgen import engine
        module = engine.load("fakeengine")
        print("loaded", module.__name__, ctypes.util.find_library("fake"))
        """
    )
    lines = run_python(code, tmp_path).splitlines()
    expected_prints = 1 if sys.platform.startswith("linux") else 0  # the second, real, import
    assert lines.count("could not import some external libraries") == expected_prints
    assert lines[-1] == "loaded fakeengine libfake.so"  # find_library is put back


def test_a_missing_library_is_still_an_error(tmp_path: Path) -> None:
    (tmp_path / "fakeengine").mkdir()
    (tmp_path / "fakeengine" / "__init__.py").write_text(FAKE, encoding="utf-8")
    code = textwrap.dedent(
        """
        import ctypes.util
        ctypes.util.find_library = lambda name: None
        from sitrepgen import engine
        try:
            engine.load("fakeengine")
        except OSError as exc:
            print("error:", exc)
        """
    )
    assert run_python(code, tmp_path).splitlines()[-1] == "error: cannot load library 'fake'"


def test_the_fork_server_leaves_at_once_with_its_output_flushed() -> None:
    """sitrepgen.preload is imported by the PDF workers' fork server only: when that process
    ends, it skips tearing WeasyPrint down (a pipe reader would wait for it) but not its output."""
    code = textwrap.dedent(
        """
        import atexit, sys
        atexit.register(print, "torn down")  # what an ordinary interpreter exit would run
        import sitrepgen.preload
        sys.stdout.write("output kept")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (out.returncode, out.stdout) == (0, "output kept")
