"""What the bundled report's map costs its PDF, measured on the print page the build makes.

    python benchmarks/map_in_report.py [--repeat 20]

Builds a copy of the repository's project (as shipped: Figure 1 drawn from GeoJSON), keeps the
English report's PDF job (its print HTML and files, exactly as handed to WeasyPrint), and renders
three versions of that page, interleaved, in one process:

- as built: the drawing with its labels laid over it as HTML text;
- without labels: the drawing alone;
- an empty box: the figure with its caption and a box of the map's size, nothing in it (so the
  map is charged neither for its caption nor for the room it takes, which moves the page breaks).

It prints the best CPU time of each (garbage collector held off during a render) and the map's
cost: as built minus the empty box. Not a test: the test suite has no timing assertions.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.helpers import copy_project  # noqa: E402


def print_job() -> tuple[str, str, dict[str, bytes]]:
    """The English report's print page, its URL and its files, from a real build."""
    import sitrepgen.site as site
    from sitrepgen.config import load_project

    jobs: list[object] = []
    submit = site.PdfRenderer.submit

    def record(self: site.PdfRenderer, name: str, key: str, job: object) -> None:
        jobs.append((name, job))
        submit(self, name, key, job)  # type: ignore[arg-type]

    site.PdfRenderer.submit = record  # type: ignore[method-assign]
    root = copy_project(Path(tempfile.mkdtemp(prefix="map-in-report-")) / "project", as_shipped=True)
    os.chdir(root)
    site.build(load_project(root), jobs=1)
    (job,) = [job for name, job in jobs if name == "reports/2016-12-08.pdf"]
    files = {url: data if isinstance(data, bytes) else Path(data).read_bytes() for url, data in job.files.items()}  # type: ignore[attr-defined]
    return job.html, job.page_url, files  # type: ignore[attr-defined]


def variants(html: str) -> dict[str, str]:
    start = html.index('<div class="map"')
    end = html.index("</figure>", start)
    figure = html[start:end]
    labels = figure.index('<div class="map-labels"')
    box = re.match(r'<div class="map" style="[^"]*">', figure)
    assert box is not None
    return {
        "as built": html,
        "without labels": html[:start] + figure[:labels] + "</div>\n" + html[end:],
        "an empty box": html[:start] + box.group(0) + "</div>\n" + html[end:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    from sitrepgen.pdf import render_pdf

    html, url, files = print_job()
    pages = variants(html)
    labels = pages["as built"].count('class="map-label ')
    best = {name: float("inf") for name in pages}
    for page in pages.values():
        render_pdf(page, page_url=url, files=files)  # warm-up
    for _ in range(args.repeat):
        for name, page in pages.items():
            gc.collect()
            gc.disable()
            start = time.process_time()
            render_pdf(page, page_url=url, files=files)
            best[name] = min(best[name], time.process_time() - start)
            gc.enable()
    base = best["an empty box"]
    print(f"the bundled report's map: {labels} label boxes; best of {args.repeat}, CPU s")
    for name, seconds in best.items():
        print(f"{name:<16} {seconds:7.3f} {seconds - base:+7.3f}")


if __name__ == "__main__":
    main()
