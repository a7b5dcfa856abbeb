"""PDF output through WeasyPrint, which may read only the files the build hands it.

WeasyPrint is imported here (through ``engine.load``) and only when a PDF is made: ``validate``
never pays for it.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urldefrag

from . import layout, maplabels
from .engine import load

#: The base every relative URL of a print page resolves against. It is never contacted: the
#: fetcher below answers from an explicit table of project files and refuses everything else.
VIRTUAL_BASE = "https://sitrepgen.invalid/"

CONTENT_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".css": "text/css",
}


ERROR_MARK = "\0error: "


class PdfError(Exception):
    """The PDF could not be made (a refused resource, a broken image)."""


def make_fetcher(files: Mapping[str, Path | bytes], base: str = VIRTUAL_BASE) -> Any:
    """A URLFetcher that serves ``files`` (site-relative URL -> project file, or the bytes the
    build made, such as a rebuilt figure) and nothing else.

    Every refusal is also kept in the fetcher's ``refused`` list: WeasyPrint draws an SVG inside
    a catch-all, so a refusal there (an SVG figure pointing at a server or at file:///etc/passwd)
    does not stop the rendering; ``render_pdf`` turns it into an error afterwards.
    """
    load()
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class ProjectFetcher(URLFetcher):  # type: ignore[misc]
        refused: list[str]

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            target, _ = urldefrag(url)
            relative = unquote(target[len(base) :]) if target.startswith(base) else None
            item = files.get(relative) if relative is not None else None
            if item is None:
                shown = url if len(url) < 120 else url[:117] + "..."
                message = f"refused to fetch '{shown}': only the report's own figures and the bundled fonts may be loaded"
                self.refused.append(message)
                raise FatalURLFetchingError(message)
            content_type = CONTENT_TYPES.get(PurePosixPath(relative or "").suffix.lower(), "application/octet-stream")
            body = item if isinstance(item, bytes) else item.read_bytes()
            return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})

    fetcher = ProjectFetcher(timeout=1, allowed_protocols=("https",))
    fetcher.refused = []
    return fetcher


@contextmanager
def _collect_warnings() -> Iterator[list[str]]:
    """WeasyPrint logs unsupported CSS as a warning and an image or stylesheet it could not load
    as an error (and carries on without it): keep the warnings, and mark the errors, which
    ``render_pdf`` turns into a failed PDF rather than publish one with a figure missing."""
    messages: list[str] = []

    class Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            prefix = ERROR_MARK if record.levelno >= logging.ERROR else ""
            messages.append(prefix + record.getMessage())

    logger = logging.getLogger("weasyprint")
    handler = Handler(level=logging.WARNING)
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)


#: PDF/A-3 level A: archival (fonts embedded, sRGB output intent, XMP metadata), tagged for screen
#: readers, and allowed to carry the report's YAML source as an associated file. WeasyPrint makes
#: one variant per file, so PDF/UA-1 identification cannot be combined with it.
PDF_VARIANT = "pdf/a-3a"


@dataclass(frozen=True)
class Source:
    """A file embedded in the PDF as its source (the report's YAML, byte for byte)."""

    name: str
    data: bytes
    description: str
    date: dt.datetime  #: fixed (the publication date), so rebuilds are byte-identical


def render_pdf(
    html: str, *, page_url: str, files: Mapping[str, Path | bytes], source: Source | None = None, name: str | None = None
) -> tuple[bytes, list[str]]:
    """Render one print page to PDF bytes, with the warnings WeasyPrint logged while doing it."""
    weasyprint = load()
    from weasyprint.urls import FatalURLFetchingError

    report = name or (source.name if source is not None else None)  # for messages

    fetcher = make_fetcher(files)

    def attachments() -> list[Any]:  # made for each writing: WeasyPrint reads the file object
        if source is None:
            return []
        return [
            weasyprint.Attachment(
                file_obj=io.BytesIO(source.data),
                url_fetcher=fetcher,
                name=source.name,
                description=source.description,
                created=source.date,
                modified=source.date,
                relationship="Source",
            )
        ]

    options: dict[str, Any] = {"pdf_variant": PDF_VARIANT, "pdf_tags": True, "uncompressed_pdf": False}

    def write(page: str, draws_labels: bool) -> bytes | None:
        document = weasyprint.HTML(string=page, base_url=VIRTUAL_BASE + page_url, url_fetcher=fetcher).render(**options)
        better = layout.rearranged(page, document)
        if better is not None:  # a figure left a page short: let the text after it fill the page
            document = weasyprint.HTML(string=better, base_url=VIRTUAL_BASE + page_url, url_fetcher=fetcher).render(**options)
        if draws_labels:  # the maps' labels, drawn over their drawings (maplabels)
            maplabels.attach(document)
        written: bytes | None = document.write_pdf(**options, attachments=attachments())
        return written

    with _collect_warnings() as warnings:
        try:
            prepared, draws_labels = maplabels.prepare(html)
            try:
                data = write(prepared, draws_labels)
            except maplabels.LabelsNotDrawn:  # this WeasyPrint's internals are not 70's: HTML labels
                warnings.clear()
                fetcher.refused.clear()
                data = write(html, False)
        except FatalURLFetchingError as exc:
            raise _failure(str(exc.__cause__ or exc), report) from None
        except maplabels.UnreadableLabels as exc:
            raise _failure(str(exc), report) from None
    if fetcher.refused:  # refused inside an SVG, where WeasyPrint carries on without the image
        raise _failure(fetcher.refused[0], report)
    errors = [message.removeprefix(ERROR_MARK) for message in warnings if message.startswith(ERROR_MARK)]
    if errors:  # e.g. a figure file that is not a readable image
        raise _failure(errors[0], report)
    assert data is not None
    return data, warnings


def _failure(message: str, report: str | None) -> PdfError:
    """The error, naming the report it came from: PDFs may render in another process, where the
    caller no longer knows which report a failure belongs to."""
    return PdfError(f"{message} (the PDF of {report})" if report is not None else message)


@dataclass(frozen=True)
class PdfJob:
    """Everything one PDF is made from; picklable, so a worker process can render it. It lives
    here, beside WeasyPrint, so that workers need neither pydantic nor Jinja."""

    html: str
    page_url: str
    files: dict[str, Path | bytes]  #: URL -> a trusted file (fonts, assets) or bytes sitrepgen made (figures)
    source: Source | None  #: None when the project does not embed sources
    report: str = ""  #: the report's file name, for messages


def render_job(job: PdfJob) -> tuple[bytes, list[str]]:
    return render_pdf(job.html, page_url=job.page_url, files=job.files, source=job.source, name=job.report or None)
