"""Side-by-side benchmark of `sitrepgen build` against the pandoc pipeline and WeasyPrint alone.

    python benchmarks/run.py [--reports 40] [--jobs 2] [--repeat 1]

It makes a project of N weekly reports (the seed and date-shifted copies), then measures, in one
run and on the same reports: a cold build, a rebuild with nothing changed, a rebuild after one
report was edited (by the command, and by a process that has built before, as `serve` does on
each save), the pandoc pipeline a user would otherwise script (per report: Markdown to
standalone HTML, and Markdown to PDF with --pdf-engine=weasyprint), one report at a time and
with the same number of processes, and WeasyPrint alone rendering sitrepgen's own print HTML
with the same number of processes. Each timing is the wall time of a whole command (interpreter
start-up included), the best of --repeat runs (the warm rebuild: of at least 3, timed inside the
process); memory is the peak resident size of the largest process of the command's process tree
(Linux /proc).

Not a test: the test suite has no timing assertions. Record results in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.helpers import write_series  # noqa: E402

BIN = Path(sys.executable).parent


def _peaks(root_pid: int, peaks: dict[int, int]) -> None:
    """Record VmHWM (peak resident size, kB) of ``root_pid`` and all its descendants."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    family, changed = {root_pid}, True
    while changed:
        grown = {pid for pid, parent in parents.items() if parent in family} | family
        changed, family = grown != family, grown
    for pid in family:
        try:
            with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
                for line in handle:
                    if line.startswith("VmHWM:"):
                        peaks[pid] = max(peaks.get(pid, 0), int(line.split()[1]))
        except OSError:
            continue


def measure(command: list[str], cwd: Path, env: dict[str, str] | None = None, memory: bool = False) -> tuple[float, int]:
    """Wall seconds; with ``memory``, also the peak resident size (MB) of the largest process of
    the command's tree, polled from /proc every 50 ms (a separate run: polling costs CPU time)."""
    peaks: dict[int, int] = {}
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if memory:
        while process.poll() is None:
            _peaks(process.pid, peaks)
            time.sleep(0.05)
    output_bytes = process.communicate()[0]
    elapsed = time.perf_counter() - start
    output = output_bytes.decode("utf-8", "replace")
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{output}")
    return elapsed, max(peaks.values(), default=0) // 1024


def best(runs: int, command: list[str], cwd: Path, prepare=None, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Best wall time of ``runs``, then one more run to measure memory."""
    times = []
    for _ in range(runs + 1):
        if prepare is not None:
            prepare()
        times.append(measure(command, cwd, env, memory=len(times) == runs))
    return min(t for t, _ in times[:runs]), times[-1][1]


def make_project(root: Path, reports: int) -> None:
    shutil.copytree(REPO / "sitreps", root / "sitreps")
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copy(REPO / "sitrepgen.yaml", root / "sitrepgen.yaml")
    write_series(root / "sitreps", reports - 1)


PANDOC_ONE = (  # run inside site/reports/, so the Markdown's relative figure paths resolve
    "set -e; md=$1; out=$2/$(basename $md .md); cd $(dirname $md); "
    "pandoc \"$md\" -s -o \"$out.html\" --metadata title=report; "
    "pandoc \"$md\" -o \"$out.pdf\" --pdf-engine=weasyprint --metadata title=report"
)


def pandoc_pipeline(site: Path, out: Path, jobs: int) -> list[str]:
    """The peer: pandoc per report, run with ``jobs`` at a time (xargs -P)."""
    markdown = sorted(str(p) for p in (site / "reports").glob("*.md"))
    return ["bash", "-c", f"printf '%s\\n' {' '.join(markdown)} | xargs -P {jobs} -I{{}} bash -c '{PANDOC_ONE}' _ {{}} {out}"]


WEASYPRINT_ALONE = """
import sys, weasyprint
for html in sys.argv[1:]:
    weasyprint.HTML(filename=html).write_pdf(html[:-5] + ".pdf", pdf_variant="pdf/a-3a", pdf_tags=True)
"""


def weasyprint_alone(project: Path, out: Path, jobs: int) -> list[str]:
    """WeasyPrint rendering sitrepgen's own print HTML, ``jobs`` processes, one import each."""
    from sitrepgen import render
    from sitrepgen.config import load_project
    from sitrepgen.outputs.assets import font_context
    from sitrepgen.site import gather, site_context

    shutil.copytree(project / "site", out)
    loaded = load_project(project)
    reports, _ = gather(loaded)
    env = render.make_environment(loaded.templates_dir)
    pages = []
    for item in reports:
        view = render.build_view(item.report, item.slug)
        html = render.render_template(
            env, "print.html.j2", report=item.report, view=view, site=site_context(loaded), root="../",
            previous=None, next=None, page_size=loaded.config.page_size, **font_context("../assets/fonts/"),
        )
        page = out / "reports" / f"{item.slug}.print.html"
        page.write_text(html, encoding="utf-8")
        pages.append(str(page))
    shares = [pages[i::jobs] for i in range(jobs)]
    script = out / "render.py"
    script.write_text(WEASYPRINT_ALONE, encoding="utf-8")
    commands = " & ".join(f"{sys.executable} {script} {' '.join(share)}" for share in shares if share)
    return ["bash", "-c", f"{commands} & wait"]


WARM_EDIT = """
import json, sys, time
from pathlib import Path

def main():
    from sitrepgen.config import load_project
    from sitrepgen.site import build
    root, jobs, runs = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    build(load_project(root), jobs=jobs)  # the preview's first build (the cache is already full)
    path = root / "sitreps" / "2016-12-01.yaml"
    text = path.read_text(encoding="utf-8")
    times = []
    for run in range(runs):  # what `sitrepgen serve` does on each save: reload the project, build
        path.write_text(text.replace("killing and injuring dozens", f"killing and injuring dozens (warm {run})", 1), encoding="utf-8")
        start = time.perf_counter()
        result = build(load_project(root), jobs=jobs)
        times.append(time.perf_counter() - start)
        assert result.rendered == 1, result.rendered
    path.write_text(text, encoding="utf-8")
    print(json.dumps(min(times)))

if __name__ == "__main__":
    main()
"""


def warm_edit(project: Path, scratch: Path, jobs: int, runs: int, env: dict[str, str]) -> float:
    """One report edited, rebuilt by a process that has built before, as `sitrepgen serve` does
    on every save: the fork server has WeasyPrint loaded, so only the render is paid."""
    script = scratch / "warm_edit.py"
    script.write_text(WARM_EDIT, encoding="utf-8")
    out = subprocess.run([sys.executable, str(script), str(project), str(jobs), str(runs)], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def edit_one(project: Path, counter: list[int]) -> None:
    counter[0] += 1
    path = project / "sitreps" / "2016-12-01.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("killing and injuring dozens", f"killing and injuring dozens (edit {counter[0]})", 1).replace(f"(edit {counter[0] - 1})", ""), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if shutil.which("pandoc") is None:
        raise SystemExit("pandoc not found: apt-get install pandoc")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}  # pandoc runs `weasyprint`
    # Every command runs as installed software does: with bytecode caches (pip writes them for
    # installed packages; an editable install gets them here), whatever this shell says.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    import sitrepgen as package

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(package.__file__).parent)], env=env, check=True)
    sitrepgen = [str(BIN / "sitrepgen")]
    rows: dict[str, tuple[float, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        project = work / "project"
        project.mkdir()
        make_project(project, args.reports)
        build = [*sitrepgen, "-C", str(project), "build", "--jobs", str(args.jobs)]

        def clean() -> None:
            shutil.rmtree(project / "site", ignore_errors=True)
            shutil.rmtree(project / ".sitrepgen-cache", ignore_errors=True)

        rows["sitrepgen: cold build"] = best(args.repeat, build, REPO, clean, env)
        rows["sitrepgen: nothing changed"] = best(args.repeat, build, REPO, env=env)
        counter = [0]
        rows["sitrepgen: one report edited"] = best(args.repeat, build, REPO, lambda: edit_one(project, counter), env)

        def fresh(name: str) -> Path:
            out = work / name
            shutil.rmtree(out, ignore_errors=True)
            return out

        rows["sitrepgen: one edited, warm (serve)"] = (warm_edit(project, work, args.jobs, max(3, args.repeat), env), 0)

        pandoc_out = work / "pandoc"
        rows["pandoc pipeline (html + pdf)"] = best(
            args.repeat, pandoc_pipeline(project / "site", pandoc_out, args.jobs), REPO,
            lambda: fresh("pandoc").mkdir(), env,
        )
        rows["pandoc, one report at a time"] = best(
            args.repeat, pandoc_pipeline(project / "site", pandoc_out, 1), REPO,
            lambda: fresh("pandoc").mkdir(), env,
        )
        alone = weasyprint_alone(project, fresh("alone"), args.jobs)
        rows["WeasyPrint alone (same HTML)"] = best(args.repeat, alone, REPO, env=env)

    cold = rows["sitrepgen: cold build"][0]
    print(f"\n{args.reports} reports, {args.jobs} process(es), best of {args.repeat}; "
          f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}\n")
    print(f"| {'measure':<36} | {'seconds':>8} | {'peak MB':>8} |")
    print(f"|{'-' * 38}|{'-' * 10}|{'-' * 10}|")
    for name, (seconds, rss) in rows.items():
        print(f"| {name:<36} | {seconds:8.2f} | {rss:8d} |")
    ratios = {
        f"pandoc ({args.jobs} at a time) / cold build (want >= 8)": rows["pandoc pipeline (html + pdf)"][0] / cold,
        "pandoc (one at a time) / cold build (want >= 8)": rows["pandoc, one report at a time"][0] / cold,
        "cold build / WeasyPrint alone (want <= 1.2)": cold / rows["WeasyPrint alone (same HTML)"][0],
        "nothing changed / cold (want <= 0.05)": rows["sitrepgen: nothing changed"][0] / cold,
        "one edited / cold (want <= 0.15)": rows["sitrepgen: one report edited"][0] / cold,
        "one edited, warm (serve) / cold (want <= 0.15)": rows["sitrepgen: one edited, warm (serve)"][0] / cold,
    }
    print()
    for name, value in ratios.items():
        print(f"{name:<50} {value:6.3f}")
    print(f"{'largest process of a sitrepgen build (MB)':<50} {max(rows[k][1] for k in rows if k.startswith('sitrepgen')):6d}")
    print(json.dumps({"rows": rows, "ratios": ratios}), file=sys.stderr)


if __name__ == "__main__":
    main()
