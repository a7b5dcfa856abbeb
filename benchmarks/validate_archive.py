"""`sitrepgen validate` over a large archive with the report cache warm.

    python benchmarks/validate_archive.py [--reports 500] [--repeat 3]

Makes a project of N weekly reports (the seed and date-shifted copies, each with its own text
and key figures as in a real archive: tests/helpers.py write_series(distinct=True)), fills the report cache the way a build does (site.gather with a ReportCache, then
save: the lint diagnostics, no PDF), then times whole `sitrepgen validate` commands (interpreter
start-up included, wall and CPU of the child), cold (no cache folder) and warm. Prints one JSON
object. Not a test: the suite bounds the work by counting (tests/test_last_week.py), not by time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.helpers import copy_project, write_series  # noqa: E402

BIN = Path(sys.executable).parent


def timed(root: Path) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run([str(BIN / "sitrepgen"), "validate"], cwd=root, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from sitrepgen.cache import CACHE_DIR, ReportCache
    from sitrepgen.config import load_project
    from sitrepgen.diagnostics import CODES
    from sitrepgen.site import gather

    with tempfile.TemporaryDirectory() as folder:
        root = copy_project(Path(folder) / "archive")
        write_series(root / "sitreps", args.reports - 1, distinct=True)
        cold = [timed(root) for _ in range(args.repeat)]
        cache = ReportCache(root / CACHE_DIR, lambda message: None, CODES)
        gather(load_project(root), cache=cache)
        cache.save()
        warm = [timed(root) for _ in range(args.repeat)]
        shutil.rmtree(root / CACHE_DIR)
    best = lambda runs: min(runs)  # noqa: E731 - (wall, cpu, code) of the fastest run
    print(json.dumps({
        "reports": args.reports,
        "cores": os.cpu_count(),
        "load_average": os.getloadavg()[0],
        "cold": {"wall": round(best(cold)[0], 2), "cpu": round(best(cold)[1], 2), "exit": best(cold)[2]},
        "warm": {"wall": round(best(warm)[0], 2), "cpu": round(best(warm)[1], 2), "exit": best(warm)[2]},
    }, indent=2))


if __name__ == "__main__":
    main()
