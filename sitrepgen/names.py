"""Names that end up in paths, URLs and messages: report file names, region slugs, page anchors.

A report's file name becomes its slug, and the slug is pasted into URLs, HTML attributes, the
Markdown output, the Atom feed, the sitemap and every message about the file. Rather than escape
it correctly in each of those (and in every output still to come), the name itself is held to a
rule that needs no escaping anywhere: lower-case letters, digits, '-', '_' and '.'. Region names
become slugs the same way (``slugify``), and a few slugs are taken by the site's own pages.

Messages are a separate matter: they quote whatever is wrong, file names included, and a terminal
or a CI log obeys control characters. ``printable`` is applied to every message that goes out.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Report

#: What a report file name (and each folder under the reports folder) may be made of. The first
#: character is a letter or a digit: a leading '.' is a hidden file (skipped), a leading '-' reads
#: as an option on a command line.
NAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]*")

#: Region slugs that a site page already uses in regions/: 'index' is the list of all regions.
RESERVED_REGION_SLUGS = frozenset({"index"})

#: Characters a message never carries raw: C0 and C1 controls (ESC starts a terminal escape
#: sequence, a newline starts a new workflow command in a CI log), line and paragraph separators,
#: lone surrogates (a file name that is not UTF-8), and the bidirectional controls, which can
#: reorder what a terminal shows.
_UNPRINTABLE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, as os.fsdecode keeps it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every character that could act on a terminal or a log written as an escape
    (``\\x1b``, ``\\u202e``; a byte that is not UTF-8 as ``\\xff``). Plain text is returned as is."""
    return _UNPRINTABLE_RE.sub(lambda match: _escape(match.group(0)), text)


def slugify(text: str) -> str:
    """The URL form of a name: lower-case ASCII letters and digits, runs of anything else as '-'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def suggest_name(name: str) -> str:
    """A name that follows the rule, as close to ``name`` as possible ('Week 50.yaml' ->
    'week-50.yaml'): accents dropped, every run of other characters replaced by '-'."""
    suffix = ".yaml" if name.endswith(".yaml") else ".yml" if name.endswith(".yml") else ""
    stem = name[: len(name) - len(suffix)]
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^a-z0-9._-]+", "-", ascii_stem.lower()).strip("-._")
    return (cleaned or "report") + suffix


def name_problem(path: Path, reports_dir: Path) -> str | None:
    """Why the report at ``path`` cannot keep its name, or None when it can.

    Every part of the path below the reports folder is checked (sub-folders become part of the
    output's path too); a file outside that folder, named on the command line, by its own name.
    """
    try:
        parts = PurePath(os.path.abspath(path)).relative_to(reports_dir).parts
    except ValueError:
        parts = (path.name,)
    for index, part in enumerate(parts):
        if NAME_RE.fullmatch(part) is None:
            kind = "file name" if index == len(parts) - 1 else "folder name"
            return (
                f"the {kind} '{part}' may only hold lower-case letters, digits, '-', '_' and '.' "
                f"(it becomes part of the site's addresses); rename it, e.g. to '{suggest_name(part)}'"
            )
    return None


def report_slug(path: Path, reports_dir: Path) -> str:
    """Where a report's pages go, below reports/: its path under the reports folder without the
    extension ('isw/2016-12-08'), so reports in two folders never collide; a file named on the
    command line, outside that folder, by its own name."""
    try:
        inside = path.resolve().relative_to(reports_dir.resolve())
    except ValueError:
        return path.stem
    return inside.with_suffix("").as_posix()


def figure_anchor(slug: str, figure_id: str) -> str:
    """The element id of a figure: unique on a page that shows several weeks (a region page);
    a slug's folder ('isw/2016-12-08') becomes part of it ('fig-isw-2016-12-08-map')."""
    return f"fig-{slug.replace('/', '-')}-{figure_id}"


def section_heads(report: Report) -> list[tuple[str | None, tuple[str, ...], str]]:
    """(heading, regions, element id) of each printed section.

    The id is the region's name in the older form (as it has always been), else the heading,
    else the regions' names; made unique within the report ('aleppo', 'aleppo-2').
    """
    heads = [(s.heading, s.region_names, slugify(s.heading or "-".join(s.region_names))) for s in report.sections]
    heads += [(region.heading, (region.name,), slugify(region.name)) for region in report.regions]
    unique: list[tuple[str | None, tuple[str, ...], str]] = []
    taken: set[str] = set()
    for heading, regions, base in heads:
        anchor, n = base, 2
        while anchor in taken:
            anchor, n = f"{base}-{n}", n + 1
        taken.add(anchor)
        unique.append((heading, regions, anchor))
    return unique


def page_anchors(report: Report, slug: str) -> set[str]:
    """The ids a writer's ``[text](#id)`` link may point at: those of the report's body, which
    the web page and the print page (the PDF) share (templates/_report_body.html.j2).

    Sections (``#aleppo``, and ``#aleppo-heading`` when it has a heading), figures
    (``#fig-SLUG-ID``, though ``{fig:ID}`` is the way to cite one), the key figures and the
    conclusions. A link to any other id works nowhere: WeasyPrint refuses it in the PDF.
    """
    key = slug.replace("/", "-")
    anchors: set[str] = set()
    for heading, _regions, anchor in section_heads(report):
        anchors.add(anchor)
        if heading:
            anchors.add(f"{anchor}-heading")
    anchors.update(figure_anchor(slug, figure.id) for figure in report.figures())
    if report.key_figures:
        anchors.add(f"key-figures-{key}")
    if report.conclusions:
        anchors.add("conclusions-heading")
    return anchors
