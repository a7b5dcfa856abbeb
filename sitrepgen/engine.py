"""Import WeasyPrint without its slow search for the libraries it is built on.

WeasyPrint 70 opens GObject, Pango, HarfBuzz and fontconfig through cffi, trying several names
for each, Windows and macOS names first. cffi hands every name that is not a file it can open to
``ctypes.util.find_library``, which on Linux runs ``ldconfig -p``, then ``gcc`` and ``ld`` in
subprocesses, and finds nothing for a name such as ``libgobject-2.0-0`` (Kozea/WeasyPrint#1125).
That is some fifty processes and about half a second of every import where a compiler is
installed, paid by every build that renders a PDF.

On Linux, the name that works is the library's soname (``libpango-1.0.so.0``), which WeasyPrint
also tries and which the dynamic loader finds by itself, as it finds what ``ldconfig -p`` lists.
So, while WeasyPrint is imported, ``find_library`` answers "not found" without starting a
process. Should that leave a library unopened (a loader path only ``gcc`` knows), the import is
done again the ordinary way, so the result is never worse than a plain ``import weasyprint``.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import importlib
import io
import sys
from collections.abc import Iterator
from types import ModuleType


@contextlib.contextmanager
def _no_library_search() -> Iterator[None]:
    original = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = original


def _forget(package: str) -> None:
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[name]


def load(package: str = "weasyprint") -> ModuleType:
    """``package`` (WeasyPrint), imported once, on Linux without the library search."""
    if package in sys.modules:
        return sys.modules[package]
    if sys.platform.startswith("linux"):
        try:
            # WeasyPrint prints its installation advice before raising: not for this first try.
            with _no_library_search(), contextlib.redirect_stdout(io.StringIO()):
                return importlib.import_module(package)
        except OSError:
            _forget(package)  # half-imported: start again, with the search
    return importlib.import_module(package)
