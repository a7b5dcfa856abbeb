"""Each report as a Word document (reports/SLUG.docx), for partners who edit in Word.

pandoc makes it (from PyPI's ``pypandoc_binary``, which ships the program: the optional extra
``sitrepgen[docx]``) from the report's Markdown (templates/docx.md.j2: the Markdown output with
its key figures as a table). python-docx could write the file too, but has no paragraph
direction; pandoc writes right-to-left paragraphs for ``dir: rtl``.

The report text is untrusted, and pandoc can read files and fetch URLs named in its input: it
runs with ``--sandbox`` (no input but standard input, no network), reads plain CommonMark with
pipe tables (no raw OpenXML, no includes), and gets each figure as a data: URL of the bytes
sitrepgen published. ``SOURCE_DATE_EPOCH`` (the publication date) makes the bytes the same in
every build; in its sandbox pandoc dates the document 1970, so the document's created and
modified dates are set to the publication date afterwards (``_finish``), and so is the
direction of the two things pandoc leaves left to right in an RTL document: the title
paragraph and the tables' column order. SVG figures are embedded as SVG (Word 2016 and later show them); pandoc would add a
PNG rendition only with rsvg-convert, which sitrepgen does not ask for.
"""

from __future__ import annotations

import base64
import calendar
import concurrent.futures
import dataclasses
import io
import json
import os
import re
import subprocess
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..cache import digest_bytes, versions
from ..render import Block, ReportView, build_view, render_template
from ..trends import NOTHING
from . import Files, Plan
from .email import direction

if TYPE_CHECKING:
    from ..site import LoadedReport

INSTALL = 'pip install "sitrepgen[docx]"'
MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
#: pandoc's reader: CommonMark (what the Markdown output is written in) and the key-figure table.
READER = "commonmark+pipe_tables"


class PandocMissing(Exception):
    """docx: true, and pandoc cannot be found."""


def pandoc() -> str:
    """The pandoc program pypandoc_binary ships (or one pypandoc finds)."""
    try:
        import pypandoc

        return str(pypandoc.get_pandoc_path())
    except (ImportError, OSError):
        raise PandocMissing(f"docx: true needs pandoc, which sitrepgen runs from the pypandoc_binary package: {INSTALL}") from None


class Cache(Protocol):
    """Documents by content key (the build's PDF cache, which keeps what one build used)."""

    def get(self, key: str) -> bytes | None: ...
    def put(self, key: str, data: bytes) -> None: ...


def render(plan: Plan, files: Files, jobs: int = 2, cache: Cache | None = None) -> Files:
    """Every report's Word document, made from the figures already in ``files``.

    pandoc takes most of a second a document, so a document whose Markdown (figures included),
    properties, pandoc and sitrepgen are unchanged comes from ``cache``.
    """
    if not plan.project.config.docx:
        return {}
    program = pandoc()
    identity = _identity(program)

    def one(item: LoadedReport) -> tuple[str, bytes]:
        text, meta = markdown(plan, item, files), metadata(plan, item)
        key = digest_bytes(json.dumps(["docx", text, meta, identity]).encode("utf-8"))
        data = cache.get(key) if cache is not None else None
        if data is None:
            data = make_docx(program, text, meta, item)
            if cache is not None:
                cache.put(key, data)
        return plan.path(f"reports/{item.slug}.docx"), data

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:  # pandoc runs as its own process
        return dict(pool.map(one, plan.reports))


def _identity(program: str) -> list[object]:
    """What the documents depend on besides their input: this pandoc, and sitrepgen's code."""
    try:
        found = os.stat(program)
        stamp: list[object] = [program, found.st_size, found.st_mtime_ns]
    except OSError:
        stamp = [program]
    return [*stamp, versions()]


def markdown(plan: Plan, item: LoadedReport, files: Files) -> str:
    """The report as pandoc reads it: links absolute (when base_url is set), figures as data: URLs."""
    base = plan.project.config.base_url + plan.prefix if plan.project.config.base_url else ""
    folder = "reports/" + (item.slug.rpartition("/")[0] + "/" if "/" in item.slug else "")
    view = build_view(
        item.report, item.slug, page=f"{base}reports/{item.slug}.html" if base else "", assets="",
        link_base=f"{base}{folder}" if base else "", label=plan.label, comparison=plan.comparisons.get(item.slug, NOTHING),
        language=plan.language,
    )
    _embed_figures(view, files, plan.prefix)
    return render_template(plan.environment(item.report.language), "docx.md.j2", site=plan.site, report=item.report, view=view, root=base)


def _embed_figures(view: ReportView, files: Files, prefix: str = "") -> None:
    blocks: list[Block] = [*view.summary, *view.blocks, *(b for section in view.sections for b in section.blocks), *view.conclusions]
    for block in blocks:
        if block.figure is not None:
            data = files[f"{prefix}reports/{block.figure.file}"]
            raw = data.read_bytes() if isinstance(data, Path) else data
            media = MEDIA_TYPES[Path(block.figure.file).suffix.lower()]
            block.figure = dataclasses.replace(block.figure, src=f"data:{media};base64,{base64.b64encode(raw).decode('ascii')}")


def metadata(plan: Plan, item: LoadedReport) -> dict[str, str]:
    """The document's properties: its title (with the period), language and direction."""
    view = plan.view(item, plan.path(f"reports/{item.slug}.html"))
    found = {"title": view.heading_title, "lang": item.report.language}
    if direction(item.report.language) == "rtl":
        found["dir"] = "rtl"
    return found


def make_docx(program: str, text: str, meta: dict[str, str], item: LoadedReport) -> bytes:
    """pandoc's Word document of ``text``; the same bytes for the same input."""
    published = item.report.published
    command = [program, "--sandbox", "--from", READER, "--to", "docx", "--output", "-"]
    command += [f"--metadata={key}:{value}" for key, value in meta.items()]
    environment = {"PATH": os.environ.get("PATH", ""), "SOURCE_DATE_EPOCH": str(calendar.timegm(published.timetuple()))}
    result = subprocess.run(command, input=text.encode("utf-8"), capture_output=True, env=environment, timeout=600, check=False)
    if result.returncode != 0:
        problem = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PandocFailed(f"pandoc could not make reports/{item.slug}.docx from {item.document.display}: {problem[-1] if problem else f'exit status {result.returncode}'}")
    return _finish(result.stdout, rtl=meta.get("dir") == "rtl", date=f"{published.isoformat()}T00:00:00Z")


_CORE = "docProps/core.xml"
_BODY = "word/document.xml"
_EPOCH = "1970-01-01T00:00:00Z"


def _finish(data: bytes, *, rtl: bool, date: str) -> bytes:
    """pandoc's document with its dates, the key figures' column widths, and for RTL its
    title and tables, set right. The archive is written again entry by entry, in the same order
    with the same times: the same input still gives the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == _CORE:
                content = content.replace(_EPOCH.encode("ascii"), date.encode("ascii"))
            elif info.filename == _BODY:
                content = _body(content.decode("utf-8"), rtl=rtl).encode("utf-8")
            target.writestr(info, content)
    return out.getvalue()


#: The key figures' columns (figure, what it counts, source, change), in twentieths of a point:
#: pandoc makes them equal, too narrow for the label. 9360 is a Letter page's text width.
KEY_FIGURE_GRID = "<w:tblGrid>" + "".join(f'<w:gridCol w:w="{width}" />' for width in (1800, 3960, 2520, 1080)) + "</w:tblGrid>"


def _body(text: str, *, rtl: bool) -> str:
    text = re.sub(r'<w:tblGrid>(?:<w:gridCol w:w="\d+" />){4}</w:tblGrid>', KEY_FIGURE_GRID, text, count=1)
    if rtl:
        text = re.sub(r'(<w:pStyle w:val="Title" />)(\s*</w:pPr>)', r"\1<w:bidi />\2", text)
        text = re.sub(r'(<w:tblPr><w:tblStyle w:val="[^"]*" />)', r"\1<w:bidiVisual />", text)
    return text


class PandocFailed(Exception):
    """pandoc stopped with an error (its message says why)."""
