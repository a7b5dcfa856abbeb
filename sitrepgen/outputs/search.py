"""Full-text search: the search page (search.html) and a Pagefind index of the report pages.

Pagefind (PyPI ``pagefind[bin]``, which ships its binary) reads the staged site just before it
is swapped in (``index_site``), so it indexes exactly the pages of the edition being built and
nothing else: the index can hold no more than the pages do. Only report pages are indexed (each
marks its report text ``data-pagefind-body``; the archive and region pages repeat that text),
one index per language, as Pagefind splits them by each page's ``lang``. The search page uses
Pagefind's own UI, served from the site; the browser can only load the index over HTTP, so the
page says what to do when it is opened as a file.

Pagefind writes the same bytes for the same pages, so an unchanged site stays unchanged and
the no-op check keeps working; an edited report means one re-index (see docs/performance.md).
"""

from __future__ import annotations

import os
import posixpath
import subprocess
import tempfile
from pathlib import Path

from . import Files, Plan, relative

BUNDLE = "pagefind"  #: the folder of the site Pagefind writes into
#: Only report pages carry text to find; e-mail editions of them lack ``data-pagefind-body``.
GLOB = "{reports/**/*.html,*/reports/**/*.html}"  # every language's report pages (ar/reports/...)
TIMEOUT = 600


class SearchError(Exception):
    """The index could not be made (Pagefind missing or failing): the build stops, writing nothing."""


def render(plan: Plan) -> Files:
    if not plan.project.config.search:
        return {}
    page = plan.path("search.html")  # one page per language; Pagefind keeps an index per <html lang>
    return {page: plan.render("search.html.j2", page, bundle=relative(f"{BUNDLE}/", posixpath.dirname(page)))}


def pagefind_binary() -> Path:
    """The binary that ``pagefind[bin]`` installs (the ``pagefind_bin`` package)."""
    try:
        from pagefind_bin import get_executable
    except ImportError:
        raise SearchError(
            "search needs Pagefind, which is installed with sitrepgen (pip install 'pagefind[bin]'); "
            "or set 'search: false' in sitrepgen.yaml"
        ) from None
    return Path(get_executable())


def index_site(staging: Path) -> dict[str, bytes]:
    """Index the report pages of the staged site; every file Pagefind wrote, by site path.

    Pagefind reads its settings from a pagefind.yml/.toml/.json in its working folder and from
    ``PAGEFIND_*`` environment variables; it runs in an empty folder without those variables, so
    only the options given here apply.
    """
    binary = pagefind_binary()
    environment = {key: value for key, value in os.environ.items() if not key.upper().startswith("PAGEFIND")}
    with tempfile.TemporaryDirectory(prefix="sitrepgen-pagefind-") as empty:
        command = [str(binary), "--site", str(staging), "--glob", GLOB, "--output-subdir", BUNDLE, "--silent"]
        try:
            done = subprocess.run(command, cwd=empty, env=environment, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SearchError(f"the search index could not be made: Pagefind did not run ({exc})") from None
    if done.returncode != 0:
        said = " ".join((done.stderr or done.stdout).split())[:400]
        raise SearchError(f"the search index could not be made: Pagefind exited with status {done.returncode}: {said}")
    folder = staging / BUNDLE
    return {path.relative_to(staging).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}
