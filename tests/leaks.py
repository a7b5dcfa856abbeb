"""Everything a built site holds, as text to search: the leak test's eyes.

Written to be reused by every output: it walks every file of a site and reads it as a reader's
tools would, so a new output (a search index, an email, a DOCX) joins the leak test by being in
the site folder, without changing the test.

- every file's raw bytes (as UTF-8, and as UTF-16, which PDF text strings may use);
- PDFs: the text poppler extracts, every stream decompressed, every string in every object
  (metadata, outlines, tags), and every embedded file, itself read the same way;
- ZIP containers (DOCX and the like): every member, read the same way;
- gzip streams (every file of Pagefind's search index): decompressed, then read the same way.
"""

from __future__ import annotations

import gzip
import io
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path


def pdftotext(data: bytes) -> str:
    from tests.helpers import need_tool

    tool = need_tool("pdftotext")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        return subprocess.run([tool, handle.name, "-"], check=True, capture_output=True, text=True).stdout


def _pdf_objects(data: bytes) -> Iterator[tuple[str, str]]:
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        seen: set[tuple[int, int]] = set()

        def walk(value: object, where: str) -> Iterator[tuple[str, str]]:
            if isinstance(value, pikepdf.Object) and value.is_indirect:
                key = value.objgen
                if key in seen:
                    return
                seen.add(key)
            if isinstance(value, pikepdf.Stream):
                try:
                    yield where, value.read_bytes().decode("latin-1")
                except pikepdf.PdfError:  # a filter pikepdf cannot undo (e.g. an image codec)
                    yield where, value.read_raw_bytes().decode("latin-1")
            if isinstance(value, (pikepdf.Dictionary, pikepdf.Stream)):
                for name in value.keys():
                    yield from walk(value[name], f"{where}{name}")
            elif isinstance(value, pikepdf.Array):
                for index, item in enumerate(value):
                    yield from walk(item, f"{where}[{index}]")
            elif isinstance(value, pikepdf.String):
                yield where, str(value)

        for number, obj in enumerate(pdf.objects):
            yield from walk(obj, f"object {number}")
        for name, attachment in pdf.attachments.items():
            embedded = attachment.get_file().read_bytes()
            yield from read(f"attachment {name}", embedded)


def read(where: str, data: bytes) -> Iterator[tuple[str, str]]:
    """(where, text) for everything a file of these bytes holds."""
    yield where, data.decode("utf-8", "replace")
    yield f"{where} (UTF-16)", data.decode("utf-16-be", "replace")
    if data.startswith(b"%PDF"):
        yield f"{where} (pdftotext)", pdftotext(data)
        for inner, text in _pdf_objects(data):
            yield f"{where}: {inner}", text
    elif data.startswith(b"\x1f\x8b"):
        yield from read(f"{where} (gunzipped)", gzip.decompress(data))
    elif data.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                yield from read(f"{where}!{member}", archive.read(member))


def site_texts(site: Path) -> Iterator[tuple[str, str]]:
    """(where, text) for every file of a built site."""
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        yield from read(path.relative_to(site).as_posix(), path.read_bytes())


def found(site: Path, markers: list[str]) -> dict[str, list[str]]:
    """For each marker, the places in the site that hold it."""
    places: dict[str, list[str]] = {marker: [] for marker in markers}
    for where, text in site_texts(site):
        for marker in markers:
            if marker in text:
                places[marker].append(where)
    return places
