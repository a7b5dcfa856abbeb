"""How a build grows with the number of reports: cold, nothing changed and one edit, at N reports.

    python benchmarks/scale.py [--reports 40 520] [--jobs 2] [--no-pdf-from 200] [--repeat 1]

For each N it makes a project of N weekly reports (the seed and date-shifted copies, as
benchmarks/run.py does) and times whole `sitrepgen build` commands: a cold build (no site, no
cache), a rebuild with nothing changed, and a rebuild after one report was edited; each as wall
time and as CPU time (user + system of the command and the processes it waited for, Pagefind
included), since on a shared machine the wall time follows the other work running. It also
times Pagefind alone indexing the built site (the search index is rebuilt whole on every build
that renders), and counts what each site holds (pages, the largest page, the index size).

PDFs cost about 0.5 s each (docs/performance.md) and would hide everything else at 520 reports
(over ten minutes cold on two cores): from ``--no-pdf-from`` reports on, the builds run in a
process whose PDF renderer returns a stub at once (``render_job`` replaced; ``--jobs 1``, so no
pool is started), and the table says so. That measures exactly the part of a build that grows
with the archive: reading, validating, the pages, the feed, the sitemap and the search index.

The per-report cost (seconds / N) should stay flat: the ratio of the largest N's to the smallest
N's is printed, for wall and CPU time. Not a test: the test suite has no timing assertions. Record results in
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.run import BIN, edit_one, make_project, measure  # noqa: E402

#: A build whose PDFs are stubs: everything else exactly as `sitrepgen build` does it.
NO_PDF = """
import sys
import sitrepgen.site

sitrepgen.site.render_job = lambda job: (b"%PDF-1.7 stub (benchmarks/scale.py --no-pdf-from)\\n", [])
from sitrepgen.cli import main

sys.argv = ["sitrepgen", *sys.argv[1:]]
main()
"""


def site_summary(site: Path) -> dict[str, float]:
    """Pages, the largest HTML page (KB), and the search index (files, KB)."""
    pages = [p for p in site.rglob("*.html") if "pagefind" not in p.relative_to(site).parts]
    index = [p for p in (site / "pagefind").rglob("*") if p.is_file()] if (site / "pagefind").is_dir() else []
    return {
        "pages": len(pages),
        "largest page KB": max(p.stat().st_size for p in pages) / 1024,
        "index files": len(index),
        "index KB": sum(p.stat().st_size for p in index) / 1024,
    }


def pagefind_alone(site: Path, scratch: Path, runs: int) -> float:
    """Seconds Pagefind takes to index a copy of the built site (best of ``runs``)."""
    from sitrepgen.outputs.search import index_site

    times = []
    for run in range(runs):
        copy = scratch / f"pagefind-{run}"
        shutil.copytree(site, copy, ignore=shutil.ignore_patterns("pagefind", "*.pdf", "*.svg", "fonts"))
        start = time.perf_counter()
        index_site(copy)
        times.append(time.perf_counter() - start)
        shutil.rmtree(copy)
    return min(times)


def best(runs: int, command: list[str], prepare=None, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of the fastest of ``runs``. CPU is user + system time of the
    command and every process it waited for (Pagefind included; a PDF pool's workers, children
    of its fork server, are not): on a shared machine wall time follows the load, CPU time less."""
    times = []
    for _ in range(runs):
        if prepare is not None:
            prepare()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = measure(command, REPO, env)[0]
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append((wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime))
    return min(times)


def one_size(reports: int, jobs: int, runs: int, stub_pdf: bool, work: Path, env: dict[str, str]) -> dict[str, float]:
    project = work / f"project-{reports}"
    project.mkdir()
    make_project(project, reports)
    if stub_pdf:
        script = work / "no_pdf.py"
        script.write_text(NO_PDF, encoding="utf-8")
        build = [sys.executable, str(script), "-C", str(project), "build", "--jobs", "1"]
    else:
        build = [str(BIN / "sitrepgen"), "-C", str(project), "build", "--jobs", str(jobs)]

    def clean() -> None:
        shutil.rmtree(project / "site", ignore_errors=True)
        shutil.rmtree(project / ".sitrepgen-cache", ignore_errors=True)

    row: dict[str, float] = {"reports": reports, "pdf": 0.0 if stub_pdf else 1.0, "load": os.getloadavg()[0]}
    row["cold"], row["cold CPU"] = best(runs, build, clean, env)
    # The no-op check runs in the command itself, before anything else is imported: the plain one.
    row["nothing changed"], row["nothing changed CPU"] = best(runs, [str(BIN / "sitrepgen"), "-C", str(project), "build"], env=env)
    counter = [0]
    row["one edited"], row["one edited CPU"] = best(runs, build, lambda: edit_one(project, counter), env)
    row["pagefind alone"] = pagefind_alone(project / "site", work, runs)
    row.update(site_summary(project / "site"))
    shutil.rmtree(project)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, nargs="+", default=[40, 520])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-pdf-from", type=int, default=200, help="stub the PDFs from this many reports on")
    parser.add_argument("--stub-all", action="store_true", help="stub the PDFs at every size (to compare like with like)")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    env = {**os.environ}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed software runs: with bytecode caches
    import sitrepgen as package

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(package.__file__).parent)], env=env, check=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for reports in args.reports:
            stub = args.stub_all or reports >= args.no_pdf_from
            rows.append(one_size(reports, args.jobs, args.repeat, stub, Path(tmp), env))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)

    print(f"\n{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
          f"{platform.machine()}, --jobs {args.jobs}, best of {args.repeat}\n")
    columns = ["cold", "cold CPU", "nothing changed", "nothing changed CPU", "one edited", "one edited CPU", "pagefind alone"]
    print("| reports | PDFs | load | " + " | ".join(f"{c} s" for c in columns) + " | cold CPU ms/report | pages | largest page KB | index KB |")
    print("|" + "---|" * (len(columns) + 7))
    for row in rows:
        n = row["reports"]
        print(f"| {n:.0f} | {'yes' if row['pdf'] else 'stub'} | {row['load']:.1f} | " + " | ".join(f"{row[c]:.2f}" for c in columns)
              + f" | {1000 * row['cold CPU'] / n:.1f} | {row['pages']:.0f} | {row['largest page KB']:.0f} | {row['index KB']:.0f} |")
    if len(rows) > 1:
        small, large = rows[0], rows[-1]
        print()
        for name in columns:
            ratio = (large[name] / large["reports"]) / (small[name] / small["reports"])
            print(f"{name}: per-report cost at {large['reports']:.0f} / at {small['reports']:.0f} = {ratio:.2f}")


if __name__ == "__main__":
    main()
