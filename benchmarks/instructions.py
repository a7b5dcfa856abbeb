"""Instructions a render costs, counted by valgrind's cachegrind: what the map benchmarks report
beside CPU time, because this shared machine's speed moves by up to 2x within minutes while an
instruction count of the same work moves by well under 1 %.

A benchmark script that uses this takes ``--page NAME --renders K``: it renders that page once
(the first render fills WeasyPrint's font caches) and then K times with the garbage collector
held off. ``per_render`` runs it under cachegrind with K = 1 and K = 3: half the difference is
what one warm render costs, with the interpreter's start-up and the preparation taken out.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def available() -> bool:
    return shutil.which("valgrind") is not None


def _count(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="cachegrind-") as scratch:
        out = Path(scratch) / "cachegrind.out"
        subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={out}", sys.executable, *argv],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        match = re.search(r"^summary: (\d+)", out.read_text(), re.MULTILINE)
        assert match is not None, "cachegrind wrote no summary"
        return int(match.group(1))


def per_render(script: Path, page: str, *extra: str) -> float:
    """Instructions of one warm render of ``page`` by ``script``."""
    once = _count([str(script), *extra, "--page", page, "--renders", "1"])
    thrice = _count([str(script), *extra, "--page", page, "--renders", "3"])
    return (thrice - once) / 2
