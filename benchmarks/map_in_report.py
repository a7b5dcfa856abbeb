"""What the bundled report's map costs its PDF, measured on the print page the build makes.

    python benchmarks/map_in_report.py [--labels 30] [--repeat 20] [--instructions]

Builds a copy of the repository's project (Figure 1 drawn from GeoJSON; with ``--labels N``,
made-up neighbourhoods are added to this week's GeoJSON until the map has N labels), keeps the
English report's PDF job (its print HTML and files, exactly as handed to WeasyPrint), and
renders four versions of that page, interleaved, in one process:

- drawn labels: as built, the labels drawn into the PDF over the drawing (sitrepgen.maplabels);
- HTML labels: each label an HTML box over the drawing (what a WeasyPrint without the internals
  maplabels uses gets, and what every print page had before);
- without labels: the drawing alone;
- an empty box: the figure with its caption and a box of the map's size, nothing in it (so the
  map is charged neither for its caption nor for the room it takes, which moves the page breaks).

It prints the best CPU time of each (garbage collector held off during a render) and the map's
cost: each minus the empty box. With ``--instructions`` it also counts the instructions of one
warm render of each under valgrind's cachegrind (benchmarks/instructions.py), which this shared
machine's changing speed does not move, and converts the map's cost to seconds at the rate the
empty box ran at its best. Not a test: the test suite has no timing assertions.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import re
import sys
import tempfile
import time
from html import unescape
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tests.helpers import copy_project  # noqa: E402

GEOJSON = Path("sitreps/figures/2016-12-08-aleppo-control.geojson")
Job = tuple[str, str, dict[str, bytes]]


def print_job(root: Path) -> Job:
    """The English report's print page, its URL and its files, from a real build of ``root``."""
    import sitrepgen.site as site
    from sitrepgen.config import load_project

    jobs: list[tuple[str, object]] = []
    submit = site.PdfRenderer.submit

    def record(self: site.PdfRenderer, name: str, key: str, job: object) -> None:
        jobs.append((name, job))
        submit(self, name, key, job)  # type: ignore[arg-type]

    site.PdfRenderer.submit = record  # type: ignore[method-assign]
    try:
        os.chdir(root)
        site.build(load_project(root), jobs=1)
    finally:
        site.PdfRenderer.submit = submit  # type: ignore[method-assign]
    (job,) = [job for name, job in jobs if name == "reports/2016-12-08.pdf"]
    files = {url: data if isinstance(data, bytes) else Path(data).read_bytes() for url, data in job.files.items()}  # type: ignore[attr-defined]
    return job.html, job.page_url, files  # type: ignore[attr-defined]


def labels_of(html: str) -> int:
    (carried,) = re.findall(r' data-map-labels="([^"]*)"', html)
    return len(json.loads(unescape(carried))["labels"])


def job_with_labels(wanted: int) -> Job:
    """The print job of the bundled project, its map given made-up places up to ``wanted`` labels."""
    root = copy_project(Path(tempfile.mkdtemp(prefix="map-in-report-")) / "project", as_shipped=True)
    job = print_job(root)
    added = 0
    while labels_of(job[0]) < wanted:
        added += wanted - labels_of(job[0])
        collection = json.loads((REPO / GEOJSON).read_text(encoding="utf-8"))
        for k in range(added):
            row, column = divmod(k, 6)
            point = [round(37.095 + column * 0.02, 4), round(36.240 - row * 0.0155, 4)]
            collection["features"].append({"type": "Feature", "properties": {"name": f"Neighbourhood {k + 1}"}, "geometry": {"type": "Point", "coordinates": point}})
        (root / GEOJSON).write_text(json.dumps(collection, indent=1), encoding="utf-8")
        job = print_job(root)
    return job


def variants(html: str) -> dict[str, str]:
    start = html.index('<div class="map"')
    end = html.index("</figure>", start)
    figure = html[start:end]
    labels = figure.index('<div class="map-labels"')
    box = re.match(r'<div class="map" style="[^"]*">', figure)
    assert box is not None
    def undrawn(page: str) -> str:  # without the labels maplabels draws
        return re.sub(r' data-map-labels="[^"]*"', "", page)

    return {
        "drawn labels": html,
        "HTML labels": undrawn(html),
        "without labels": undrawn(html[:start] + figure[:labels] + "</div>\n" + html[end:]),
        "an empty box": html[:start] + box.group(0) + "</div>\n" + html[end:],
    }


def render(page: str, url: str, files: dict[str, bytes]) -> float:
    from sitrepgen.pdf import render_pdf

    gc.collect()
    gc.disable()  # a collection falls on whichever render is running: not the page's cost
    start = time.process_time()
    render_pdf(page, page_url=url, files=files)
    seconds = time.process_time() - start
    gc.enable()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", type=int, default=0, help="add made-up places until the map has this many labels (default: the map as shipped)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--instructions", action="store_true", help="also count instructions with valgrind (about a minute a page)")
    parser.add_argument("--job", type=Path, help=argparse.SUPPRESS)  # the children --instructions runs
    parser.add_argument("--page", help=argparse.SUPPRESS)
    parser.add_argument("--renders", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.page is not None:  # a child: render one page, once to warm up, then --renders times
        html, url, files = pickle.loads(args.job.read_bytes())
        page = variants(html)[args.page]
        for _ in range(1 + args.renders):
            render(page, url, files)
        return

    html, url, files = job_with_labels(args.labels)
    pages = variants(html)
    best = {name: float("inf") for name in pages}
    for page in pages.values():
        render(page, url, files)  # warm-up
    for _ in range(args.repeat):
        for name, page in pages.items():
            best[name] = min(best[name], render(page, url, files))
    base = best["an empty box"]
    print(f"the bundled report's map: {labels_of(html)} labels; best of {args.repeat}, CPU s")
    for name, seconds in best.items():
        print(f"{name:<16} {seconds:7.3f} {seconds - base:+7.3f}")
    if not args.instructions:
        return
    import instructions

    if not instructions.available():
        sys.exit("--instructions needs valgrind (Debian: valgrind)")
    job = Path(tempfile.mkdtemp(prefix="map-in-report-job-")) / "job.pickle"
    job.write_bytes(pickle.dumps((html, url, files)))
    counts = {name: instructions.per_render(Path(__file__), name, "--job", str(job)) for name in pages}
    rate = counts["an empty box"] / base  # instructions a second, at the empty box's best
    print(f"instructions of one warm render (cachegrind); seconds at {rate / 1e9:.2f} G/s, the empty box's best rate")
    for name, count in counts.items():
        extra = count - counts["an empty box"]
        print(f"{name:<16} {count / 1e6:8.0f} M {extra / 1e6:+7.0f} M  {extra / rate:+7.3f} s")


if __name__ == "__main__":
    main()
