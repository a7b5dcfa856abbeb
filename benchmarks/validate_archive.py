"""`sitrepgen validate` over a large archive with the report cache warm.

    python benchmarks/validate_archive.py [--reports 500] [--repeat 5]

Makes a project of N weekly reports (the seed and date-shifted copies, each with its own text
and key figures as in a real archive: tests/helpers.py write_series(distinct=True)), fills the
report cache the way a build does (reports.gather with a ReportCache, then save: the lint
diagnostics and each report's values, no PDF), then times whole `sitrepgen validate` commands
(interpreter start-up included, wall and CPU of the child): cold (no cache folder), warm, and
warm with one report edited (the weekly case: this week's file changed). In the same rounds,
interleaved, the floor: an interpreter that only imports what validate imports. Prints one JSON
object: the best and the median of each. Not a test: the suite bounds the work by counting
(tests/test_last_week.py), not by time.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.helpers import copy_project, write_series  # noqa: E402

BIN = Path(sys.executable).parent


def timed(root: Path, command: list[str]) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, cwd=root, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result.returncode


def summary(runs: list[tuple[float, float, int]]) -> dict[str, float]:
    walls, cpus = sorted(run[0] for run in runs), sorted(run[1] for run in runs)
    return {
        "wall_best": round(walls[0], 2), "wall_median": round(statistics.median(walls), 2),
        "cpu_best": round(cpus[0], 2), "cpu_median": round(statistics.median(cpus), 2),
        "exit": max(run[2] for run in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from sitrepgen.cache import CACHE_DIR, ReportCache
    from sitrepgen.config import load_project
    from sitrepgen.diagnostics import CODES
    from sitrepgen.reports import gather

    # Bytecode as an installed package has it (pip compiles on install; an editable checkout
    # whose environment sets PYTHONDONTWRITEBYTECODE would compile every module on every run).
    compileall.compile_dir(str(REPO / "sitrepgen"), quiet=1)
    validate = [str(BIN / "sitrepgen"), "validate"]
    floor = [sys.executable, "-c", "import sitrepgen.cli, sitrepgen.reports"]
    with tempfile.TemporaryDirectory() as folder:
        root = copy_project(Path(folder) / "archive")
        write_series(root / "sitreps", args.reports - 1, distinct=True)
        cold = [timed(root, validate) for _ in range(min(args.repeat, 2))]
        cache = ReportCache(root / CACHE_DIR, lambda message: None, CODES)
        gather(load_project(root), cache=cache)
        cache.save()
        warm, edited, floors = [], [], []
        latest = sorted((root / "sitreps").glob("*.yaml"))[-1]
        original = latest.read_text(encoding="utf-8")
        for round_ in range(args.repeat):
            floors.append(timed(root, floor))
            warm.append(timed(root, validate))
            latest.write_text(original.replace("The battle for Aleppo", f"In week {round_} the battle for Aleppo", 1), encoding="utf-8")
            edited.append(timed(root, validate))
            latest.write_text(original, encoding="utf-8")
        shutil.rmtree(root / CACHE_DIR)
    print(json.dumps({
        "reports": args.reports,
        "cores": os.cpu_count(),
        "load_average": os.getloadavg()[0],
        "cold": summary(cold),
        "warm": summary(warm),
        "warm_one_edited": summary(edited),
        "floor_imports": summary(floors),
    }, indent=2))


if __name__ == "__main__":
    main()
