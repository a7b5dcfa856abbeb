"""Every figure the site and the PDF show is a file sitrepgen wrote, never the writer's bytes.

A figure's format is decided by its content, not its name: WeasyPrint and browsers sniff, so a
``.png`` that holds an SVG would be drawn as an SVG that nobody checked. The content must match
the name (``figure-format`` otherwise, saying what the file really is), and then:

- an SVG is rebuilt through the allowlist of ``svg.py``;
- a PNG is decoded completely and encoded again from its pixels (and transparency): no text,
  time, colour-profile or EXIF chunks, and nothing after the image (a file that is also
  something else is no longer so);
- a JPEG is checked segment by segment and written again with only what decoding needs (tables,
  frame, scans; the Adobe colour-transform flag; the EXIF orientation, as a minimal EXIF of its
  own), so it stays lossless; then it is decoded completely.

The size is checked before the file is read (``max_figure_bytes``), at most that many bytes
are read, and a raster's pixel count is read from its header before anything is decoded, so a
decompression bomb fails at once. Pillow (installed with WeasyPrint) is imported only when a
raster figure is met, so ``validate`` on SVG figures stays light.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import svg
from .cache import digest_bytes
from .diagnostics import Severity
from .svg import Problem

MAX_FIGURE_BYTES = 5 * 1024 * 1024  #: default of ``max_figure_bytes``
MAX_PIXELS = 30_000_000  #: a raster figure's width x height (a fixed limit; print needs far fewer)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KINDS = {".svg": "svg", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}
NAMES = {
    "svg": "an SVG document",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "gif": "a GIF image",
    "webp": "a WebP image",
    "tiff": "a TIFF image",
    "pdf": "a PDF document",
    "xml": "an XML document",
}
EXTENSIONS = {"svg": ".svg", "png": ".png", "jpeg": ".jpg"}

_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_TABLES = {0xC4, 0xCC, 0xDB, 0xDD}  # DHT, DAC, DQT, DRI


@dataclass(frozen=True)
class Prepared:
    """A figure made ready to publish: its bytes (None when it cannot be published), what was
    found on the way, and the digest of the bytes that were read (for the build cache)."""

    data: bytes | None
    problems: tuple[Problem, ...]
    digest: str

    @property
    def has_errors(self) -> bool:
        return self.data is None or any(problem.is_error for problem in self.problems)


def _error(code: str, message: str) -> Problem:
    return Problem(Severity.ERROR, code, 0, 0, message)


def sniff(data: bytes, *, xml: bool = True) -> str | None:
    """What the bytes are, by their first bytes; None when nothing known. With ``xml``, a
    document that starts with '<' is read up to its first element ('svg' or 'xml')."""
    if data.startswith(PNG_SIGNATURE):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data.startswith(b"%PDF"):
        return "pdf"
    if xml and data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "svg" if _xml_root(data) == "svg" else "xml"
    return None


def _xml_root(data: bytes) -> str | None:
    """The local name of the document's first element (the parse stops there), if it has one."""
    from xml.parsers import expat

    found: list[str] = []

    class Found(Exception):
        pass

    def start(name: str, attributes: object) -> None:
        found.append(name.rsplit(" ", 1)[-1])
        raise Found

    def doctype(name: str, system_id: object, public_id: object, has_internal_subset: bool) -> None:
        if has_internal_subset:
            raise Found  # no entity is defined, so none can be expanded in the root's attributes

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = start
    try:
        parser.Parse(data, True)
    except (Found, expat.ExpatError):
        pass
    return found[0] if found else None


def prepare(path: Path, max_bytes: int = MAX_FIGURE_BYTES) -> Prepared:
    """Read the figure at ``path`` (at most ``max_bytes``) and make the bytes to publish.
    Raises OSError when the file cannot be read."""
    size = path.stat().st_size
    if size <= max_bytes:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
        size = len(data)
    if size > max_bytes:
        message = f"the file is {size:,} bytes, more than the limit of {max_bytes:,}; reduce it, or raise max_figure_bytes in sitrepgen.yaml"
        return Prepared(None, (_error("figure-too-large", message),), "")
    return prepare_bytes(data, KINDS.get(path.suffix.lower(), "svg"))


def prepare_bytes(data: bytes, expected: str) -> Prepared:
    """The bytes to publish for ``data``, which is meant to be ``expected`` ('svg', 'png' or
    'jpeg', from the file's name)."""
    digest = digest_bytes(data)
    found = sniff(data, xml=expected != "svg")
    if expected == "svg" and found is None:
        rebuilt = svg.rebuild(data)  # a precise message for XML that is broken or not SVG
        return Prepared(None if rebuilt.has_errors else rebuilt.data, rebuilt.problems, digest)
    if found != expected:
        return Prepared(None, (_mismatch(expected, found),), digest)
    try:
        written = _png(data) if expected == "png" else _jpeg(data)
    except _Refused as refused:
        return Prepared(None, (refused.problem,), digest)
    return Prepared(written, (), digest)


def _mismatch(expected: str, found: str | None) -> Problem:
    wanted = NAMES[expected]
    if found is None:
        return _error("figure-format", f"the file is not {wanted}, nor any image sitrepgen knows; export it again as {wanted.split()[1]}")
    if found in EXTENSIONS:
        return _error("figure-format", f"the file is {NAMES[found]}, not {wanted}; name it {EXTENSIONS[found]}")
    return _error("figure-format", f"the file is {NAMES[found]}, not {wanted}; figures are SVG, PNG or JPEG")


class _Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.problem = _error(code, message)


def _check_pixels(kind: str, width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise _Refused(
            "figure-too-large",
            f"the {kind} is {width:,} x {height:,} pixels ({width * height:,}), more than the limit of {MAX_PIXELS:,} (a fixed limit); make it smaller",
        )


def _damaged(kind: str) -> _Refused:
    return _Refused("figure-format", f"the {kind} image is incomplete or damaged: it cannot be decoded to the end; export it again")


def _decoded(data: bytes, kind: str) -> object:
    """The image decoded completely by Pillow (imported here, when a raster figure is met).

    WeasyPrint sets Pillow's global ``LOAD_TRUNCATED_IMAGES`` when it is imported (as it is in
    a build that renders in this process, or in the preview server), which would let a truncated
    image through as complete: it is turned off while the figure is decoded. (PDFs render in
    other processes, or after validation, never at the same time in this one.)"""
    from PIL import Image, ImageFile

    saved = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image = Image.open(io.BytesIO(data), formats=[kind])
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, Image.DecompressionBombError):
        raise _damaged(kind) from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = saved
    return image


def _png(data: bytes) -> bytes:
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise _damaged("PNG")
    width, height = struct.unpack(">II", data[16:24])
    _check_pixels("PNG", width, height)
    image = _decoded(data, "PNG")
    if getattr(image, "n_frames", 1) > 1:
        raise _Refused("figure-format", f"the PNG is animated ({image.n_frames} frames); a figure is a still image: export one frame")  # type: ignore[attr-defined]
    clean = image.copy()  # type: ignore[attr-defined]
    transparency = image.info.get("transparency")  # type: ignore[attr-defined]
    clean.info = {}
    out = io.BytesIO()
    clean.save(out, "PNG", **({"transparency": transparency} if transparency is not None else {}))
    return out.getvalue()


def _jpeg(data: bytes) -> bytes:
    """The JPEG written again with the segments decoding needs, in their order."""
    segments = [b"\xff\xd8"]
    orientation = 1
    size: tuple[int, int] | None = None
    pos = 2
    while True:
        if pos >= len(data) or data[pos] != 0xFF:
            raise _damaged("JPEG")
        while pos < len(data) and data[pos] == 0xFF:
            pos += 1
        if pos >= len(data):
            raise _damaged("JPEG")
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # end of image: anything after it is not published
            segments.append(b"\xff\xd9")
            break
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:
            raise _damaged("JPEG")  # no such marker belongs outside a scan
        if pos + 2 > len(data):
            raise _damaged("JPEG")
        length = int.from_bytes(data[pos : pos + 2], "big")
        body = data[pos + 2 : pos + length]
        if length < 2 or len(body) != length - 2:
            raise _damaged("JPEG")
        pos += length
        whole = bytes([0xFF, marker]) + data[pos - length : pos]
        if marker in _SOF:
            if len(body) < 5:
                raise _damaged("JPEG")
            height, width = struct.unpack(">HH", body[1:5])
            size = (width, height)
            _check_pixels("JPEG", width, height)
            segments.append(whole)
        elif marker in _TABLES:
            segments.append(whole)
        elif marker == 0xEE and body[:5] == b"Adobe" and len(body) >= 12:
            segments.append(b"\xff\xee\x00\x0eAdobe\x00\x64\x00\x00\x00\x00" + body[11:12])  # the colour transform only
        elif marker == 0xE1 and body[:6] == b"Exif\x00\x00":
            orientation = _orientation(body[6:])
        elif marker == 0xDA:  # a scan: its header, then entropy-coded data up to the next marker
            if size is None:
                raise _damaged("JPEG")
            end = pos
            while True:
                end = data.find(b"\xff", end)
                if end < 0 or end + 1 >= len(data):
                    raise _damaged("JPEG")
                if data[end + 1] == 0x00 or 0xD0 <= data[end + 1] <= 0xD7:
                    end += 2
                    continue
                break
            segments.append(whole + data[pos:end])
            pos = end
        # other APPn, COM and unknown segments: metadata, not published
    if size is None:
        raise _damaged("JPEG")
    if orientation != 1:
        segments.insert(1, _exif_orientation(orientation))
    written = b"".join(segments)
    _decoded(written, "JPEG")
    return written


def _orientation(tiff: bytes) -> int:
    """The EXIF Orientation tag (1 to 8) of a TIFF structure, 1 when absent or unreadable."""
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None or len(tiff) < 8:
        return 1
    (offset,) = struct.unpack(order + "I", tiff[4:8])
    if offset + 2 > len(tiff):
        return 1
    (count,) = struct.unpack(order + "H", tiff[offset : offset + 2])
    for index in range(min(count, 1000)):
        entry = tiff[offset + 2 + 12 * index : offset + 14 + 12 * index]
        if len(entry) < 12:
            break
        tag, kind = struct.unpack(order + "HH", entry[:4])
        if tag == 0x0112 and kind == 3:
            (value,) = struct.unpack(order + "H", entry[8:10])
            return value if 1 <= value <= 8 else 1
    return 1


def _exif_orientation(orientation: int) -> bytes:
    """A minimal EXIF segment that holds only the orientation, which browsers and WeasyPrint
    apply: without it a photo taken sideways would be shown sideways."""
    tiff = b"MM\x00*\x00\x00\x00\x08" + b"\x00\x01" + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + b"\x00\x00\x00\x00"
    body = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body


class FigureStore:
    """The figures of one build or validation, each read once and made ready once: the bytes
    validated are the bytes published and handed to the PDF, even when several reports show
    the same figure."""

    def __init__(self, max_bytes: int = MAX_FIGURE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._prepared: dict[Path, Prepared] = {}
        #: maps drawn from GeoJSON, each read and checked once (sitrepgen.mapfigures.load_map)
        self.maps: dict[Path, Any] = {}

    def get(self, path: Path) -> Prepared:
        """The figure at ``path`` (resolved); raises OSError when it cannot be read."""
        if path not in self._prepared:
            self._prepared[path] = prepare(path, self.max_bytes)
        return self._prepared[path]
