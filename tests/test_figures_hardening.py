"""The figures part of the hardening issue, through the CLI: `sitrepgen validate` and `build`.

Each SVG case of the issue (tests/test_svg_rebuild.ISSUE) is a figure of the seed report: its
problem is reported at the image: line with the place in the SVG, a static one is dropped and
the site gets the rebuilt figure, an active one stops the build. Then the raster cases: a file
whose content is not what its name says, a truncated PNG, a decompression bomb, metadata; the
size limit; and the build's use of the rebuilt bytes (site, PDF, cache; each figure read once).
A loopback server counts connections throughout: none is ever made.
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from PIL import Image

from sitrepgen import figures, svg
from sitrepgen.cli import cli
from tests.helpers import copy_project, line_of, write_series, seed_report_text
from tests.test_hostile import Loopback, serve_loopback, snapshot
from tests.test_svg_rebuild import HOST, ISSUE, assert_inert, place

SEED = seed_report_text()
REPORT = "sitreps/2016-12-08.yaml"
FIGURE = "figures/2016-12-08-aleppo-control.svg"
PUBLISHED = "site/reports/2016-12-08/aleppo-control"  #: + the figure's extension
IMAGE_COL = 16  #: where the value of `image:` starts in the seed


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    with serve_loopback() as server:
        yield server


@pytest.fixture
def here(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project, as the cwd (diagnostics show sitreps/2016-12-08.yaml)."""
    monkeypatch.chdir(project)
    return project


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


#: What validate says about the seed as it is (its one warning, a '3.000').
NUMBER_FORMAT = (
    f"{REPORT}:{line_of(SEED, 'around 3.000')}:64: warning[number-format]: '3.000' groups digits with '.' where the report "
    "writes ',' (as in '90,000'); if it means 3000, write 3,000"
)


def with_figure(project: Path, name: str, content: bytes) -> str:
    """The seed report with its figure replaced by ``figures/NAME`` holding ``content``."""
    (project / "sitreps" / "figures" / name).write_bytes(content)
    report = SEED.replace(FIGURE, f"figures/{name}")
    (project / REPORT).write_text(report, encoding="utf-8")
    return report


def diagnostic(report: str, name: str, severity: str, code: str, where: str, message: str) -> str:
    line = line_of(report, f"image: figures/{name}")
    return f"{REPORT}:{line}:{IMAGE_COL}: {severity}[{code}]: figure 'figures/{name}' (sitreps/figures/{name}{where}): {message}"


def issue_case(case: str, url: str) -> tuple[str, str, str, str, str]:
    """(SVG text, severity, code, ':line:col' in the SVG, message) of one case, aimed at ``url``."""
    text, ((code, needle, message),) = ISSUE[case]
    text = text.replace(HOST, url)
    line, col = place(text, needle)
    severity = "error" if code == "unsafe-svg" else "warning"
    return text, severity, code, f":{line}:{col}", message.replace(HOST, url)


# --------------------------------------------------------------------------- the SVG cases of the issue

WARNED = [case for case in ISSUE if ISSUE[case][1][0][0] == "svg-dropped"]
REFUSED = [case for case in ISSUE if ISSUE[case][1][0][0] == "unsafe-svg"]


@pytest.mark.parametrize("case", list(ISSUE), ids=list(ISSUE))
def test_validate_reports_each_svg_case(here: Path, loopback: Loopback, case: str) -> None:
    text, severity, code, where, message = issue_case(case, loopback.url)
    report = with_figure(here, f"{case}.svg", text.encode("utf-8"))
    result = run(here, "validate")
    assert result.stdout.splitlines() == [diagnostic(report, f"{case}.svg", severity, code, where, message), NUMBER_FORMAT]
    if severity == "error":
        assert (result.exit_code, result.stderr) == (1, "Error: 1 file(s) checked: 1 error(s), 1 warning(s)\n")
    else:
        assert (result.exit_code, result.stderr) == (0, "1 file(s) checked: 0 error(s), 2 warning(s)\n")
    assert loopback.connections == []


@pytest.mark.parametrize("case", REFUSED)
def test_build_refuses_active_content(here: Path, loopback: Loopback, case: str) -> None:
    text, severity, code, where, message = issue_case(case, loopback.url)
    report = with_figure(here, f"{case}.svg", text.encode("utf-8"))
    result = run(here, "build")
    assert result.stdout.splitlines() == [diagnostic(report, f"{case}.svg", severity, code, where, message), NUMBER_FORMAT]
    assert (result.exit_code, result.stderr) == (1, "Error: 1 error(s); nothing was written\n")
    assert not (here / "site").exists() and loopback.connections == []


@pytest.fixture(scope="module")
def warned_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Result, str, Loopback]]:
    """One build of the seed whose Aleppo region shows every static case of the issue as a
    figure of its own (referred to from a new first paragraph)."""
    root = copy_project(tmp_path_factory.mktemp("warned") / "project")
    with serve_loopback() as server, pytest.MonkeyPatch.context() as patch:
        items = paragraph = ""
        for case in WARNED:
            text = issue_case(case, server.url)[0]
            (root / "sitreps" / "figures" / f"{case}.svg").write_text(text, encoding="utf-8")
            items += f"      - id: {case}\n        image: figures/{case}.svg\n        caption: Case {case}.\n        alt: Case {case}.\n"
            paragraph += f" {{fig:{case}}}"
        report = SEED.replace("    figures:\n", "    figures:\n" + items, 1)
        report = report.replace("    paragraphs:\n", f"    paragraphs:\n      - Cases{paragraph}.\n", 1)
        (root / REPORT).write_text(report, encoding="utf-8")
        patch.chdir(root)
        yield root, run(root, "build"), report, server


def test_build_publishes_static_cases_without_what_it_dropped(warned_build: tuple[Path, Result, str, Loopback]) -> None:
    root, result, report, server = warned_build
    expected = [diagnostic(report, f"{case}.svg", *issue_case(case, server.url)[1:]) for case in WARNED]
    number_format = NUMBER_FORMAT.replace(f":{line_of(SEED, 'around 3.000')}:", f":{line_of(report, 'around 3.000')}:")
    assert result.stdout.splitlines() == [*expected, number_format, result.stdout.splitlines()[-1]]
    assert result.stdout.splitlines()[-1].startswith("built 1 report(s) into site/")
    assert result.exit_code == 0
    assert server.connections == []


@pytest.mark.parametrize("case", WARNED)
def test_the_site_holds_the_rebuilt_figure(warned_build: tuple[Path, Result, str, Loopback], case: str) -> None:
    root, _, _, server = warned_build
    source = (root / "sitreps" / "figures" / f"{case}.svg").read_bytes()
    published = (root / "site" / "reports" / "2016-12-08" / f"{case}.svg").read_bytes()
    assert published == svg.rebuild(source).data and published != source
    assert b"127.0.0.1" not in published
    assert_inert(published)
    assert server.connections == []


def test_a_figure_with_many_problems_shows_the_first_twenty(here: Path) -> None:
    """Every problem is reported, up to 20 a figure (repeats of one kind are counted in one)."""
    rows = "".join(f"<rect style='prop-{n}: 1'/>\n" for n in range(24)) + "<script/>\n"
    report = with_figure(here, "many.svg", f"<svg xmlns='http://www.w3.org/2000/svg'>\n{rows}</svg>".encode())
    result = run(here, "validate")
    shown = [
        diagnostic(report, "many.svg", "warning", "svg-dropped", f":{n + 2}:1", f"dropped the CSS property 'prop-{n}' (style= of <rect>): not used to draw figures")
        for n in range(20)
    ]
    rest = diagnostic(report, "many.svg", "error", "unsafe-svg", "", "5 more problem(s) not shown; fix these first")
    assert result.stdout.splitlines() == [*sorted(shown), rest, NUMBER_FORMAT]  # sorted by code, then message
    assert result.exit_code == 1  # the script, though not shown, is an error


# --------------------------------------------------------------------------- format by content


def png(size: tuple[int, int] = (40, 30), **save: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (200, 10, 10, 128)).save(out, "PNG", **save)
    return out.getvalue()


def jpeg(**save: Any) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (64, 48), (20, 120, 200))
    image.paste((250, 250, 0), (10, 10, 30, 30))
    image.save(out, "JPEG", quality=90, **save)
    return out.getvalue()


SVG_TEXT = ISSUE["image-set-string"][0].encode("utf-8")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("svg-named.png", SVG_TEXT, "the file is an SVG document, not a PNG image; name it .svg"),
        ("svg-named.jpg", SVG_TEXT, "the file is an SVG document, not a JPEG image; name it .svg"),
        ("png-named.svg", png(), "the file is a PNG image, not an SVG document; name it .png"),
        ("jpeg-named.png", jpeg(), "the file is a JPEG image, not a PNG image; name it .jpg"),
        ("gif-named.png", b"GIF89a" + b"\x00" * 40, "the file is a GIF image, not a PNG image; figures are SVG, PNG or JPEG"),
        ("html-named.jpeg", b"<html><body>x</body></html>", "the file is an XML document, not a JPEG image; figures are SVG, PNG or JPEG"),
        ("text-named.png", b"hello", "the file is not a PNG image, nor any image sitrepgen knows; export it again as PNG"),
        ("truncated.png", png()[:60], "the PNG image is incomplete or damaged: it cannot be decoded to the end; export it again"),
        ("truncated.jpg", jpeg()[:-40], "the JPEG image is incomplete or damaged: it cannot be decoded to the end; export it again"),
    ],
)
def test_a_figure_is_what_its_content_says(here: Path, loopback: Loopback, name: str, content: bytes, message: str) -> None:
    report = with_figure(here, name, content)
    for command in ("validate", "build"):
        result = run(here, command)
        assert result.stdout.splitlines() == [diagnostic(report, name, "error", "figure-format", "", message), NUMBER_FORMAT]
        assert result.exit_code == 1
    assert not (here / "site").exists() and loopback.connections == []


@pytest.mark.parametrize(("name", "content"), [("truncated.png", png()[:60]), ("truncated.jpg", jpeg()[:-40])])
def test_a_truncated_image_is_refused_after_weasyprint_is_loaded(here: Path, monkeypatch: pytest.MonkeyPatch, name: str, content: bytes) -> None:
    """WeasyPrint's import sets Pillow's global LOAD_TRUNCATED_IMAGES (found when this file ran
    after tests that render in-process); the check must not depend on it, nor change it."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    report = with_figure(here, name, content)
    result = run(here, "validate")
    kind = "PNG" if name.endswith(".png") else "JPEG"
    message = f"the {kind} image is incomplete or damaged: it cannot be decoded to the end; export it again"
    assert result.stdout.splitlines() == [diagnostic(report, name, "error", "figure-format", "", message), NUMBER_FORMAT]
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


def bomb(width: int, height: int) -> bytes:
    """A valid PNG of ``width`` x ``height`` black pixels (1 bit each): tiny on disk, huge decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = zlib.compress(b"\x00" * ((1 + (width + 7) // 8) * height), 9)
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return figures.PNG_SIGNATURE + chunk(b"IHDR", ihdr) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def test_a_decompression_bomb_fails_before_decoding(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[object] = []
    monkeypatch.setattr(Image, "open", lambda *args, **kwargs: opened.append(args))
    data = bomb(20_000, 20_000)
    assert len(data) < 100_000
    report = with_figure(here, "bomb.png", data)
    result = run(here, "validate")
    message = f"the PNG is 20,000 x 20,000 pixels (400,000,000), more than the limit of {figures.MAX_PIXELS:,} (a fixed limit); make it smaller"
    assert result.stdout.splitlines() == [diagnostic(report, "bomb.png", "error", "figure-too-large", "", message), NUMBER_FORMAT]
    assert result.exit_code == 1 and opened == []


# --------------------------------------------------------------------------- the size limit


def test_a_47_megabyte_svg_is_refused_without_being_read(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's 47 MB SVG took `build` 137 s and 6.3 GB: the size is checked first (a sparse
    file here: had it been read, it would be 47 MB of zeros, not this message)."""
    rebuilt: list[bytes] = []
    monkeypatch.setattr(svg, "rebuild", lambda data: rebuilt.append(data))
    report = with_figure(here, "big.svg", b"")
    size = 47 * 1024 * 1024
    os.truncate(here / "sitreps" / "figures" / "big.svg", size)
    message = f"the file is {size:,} bytes, more than the limit of 5,242,880; reduce it, or raise max_figure_bytes in sitrepgen.yaml"
    for command in ("validate", "build"):
        result = run(here, command)
        assert result.stdout.splitlines() == [diagnostic(report, "big.svg", "error", "figure-too-large", "", message), NUMBER_FORMAT]
        assert result.exit_code == 1
    assert rebuilt == [] and not (here / "site").exists()


def test_max_figure_bytes_raises_the_limit(here: Path) -> None:
    points = " ".join(f"L{i % 800},{i % 560}" for i in range(700_000))
    content = f"<svg xmlns='http://www.w3.org/2000/svg'><path d='M0,0 {points}'/></svg>".encode()
    assert 5 * 1024 * 1024 < len(content) < 8 * 1024 * 1024
    with_figure(here, "big.svg", content)
    refused = run(here, "validate")
    assert refused.exit_code == 1 and "error[figure-too-large]" in refused.stdout
    config = here / "sitrepgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "max_figure_bytes: 8388608\n", encoding="utf-8")
    accepted = run(here, "validate")
    assert (accepted.exit_code, accepted.stdout.splitlines()) == (0, [NUMBER_FORMAT])


# --------------------------------------------------------------------------- rasters are written again


def chunk_types(data: bytes) -> list[bytes]:
    types, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        types.append(data[pos + 4 : pos + 8])
        pos += 12 + length
    return types


def test_a_png_is_published_from_its_pixels(here: Path, loopback: Loopback) -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", f"see {loopback.url}")
    source = png(pnginfo=info, dpi=(300, 300)) + b"<svg xmlns='http://www.w3.org/2000/svg'/>"  # text, pHYs, a tail
    with_figure(here, "map.png", source)
    result = run(here, "build")
    assert result.exit_code == 0, result.output
    published = (here / f"{PUBLISHED}.png").read_bytes()
    assert chunk_types(published) == [b"IHDR", b"IDAT", b"IEND"]
    assert b"<svg" not in published and b"127.0.0.1" not in published
    assert Image.open(io.BytesIO(published)).tobytes() == Image.open(io.BytesIO(source)).tobytes()
    assert loopback.connections == []


def jpeg_markers(data: bytes) -> list[int]:
    """The markers of a JPEG's segments up to its first scan."""
    markers, pos = [], 2
    while data[pos + 1] != 0xDA:
        markers.append(data[pos + 1])
        pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
    return [*markers, 0xDA]


def test_a_jpeg_is_published_with_what_decoding_needs(here: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # taken sideways: the orientation must survive
    exif[0x010F] = "Camera maker"
    source = jpeg(exif=exif.tobytes(), comment=b"a comment") + b"trailing data"
    assert 0xFE in jpeg_markers(source) and 0xE1 in jpeg_markers(source)
    with_figure(here, "photo.jpg", source)
    result = run(here, "build")
    assert result.exit_code == 0, result.output
    published = (here / f"{PUBLISHED}.jpg").read_bytes()
    # a minimal EXIF, then the source's own segments without JFIF (APP0), its EXIF and comment
    assert jpeg_markers(source)[:2] == [0xE0, 0xE1] and jpeg_markers(source).count(0xC4) == 4
    assert jpeg_markers(published) == [0xE1] + [m for m in jpeg_markers(source) if m not in (0xE0, 0xE1, 0xFE)]
    assert published[published.index(b"\xff\xda") :] == source[source.index(b"\xff\xda") : source.index(b"trailing")]  # the scan, untouched
    assert published.endswith(b"\xff\xd9") and b"Camera maker" not in published and b"a comment" not in published
    decoded = Image.open(io.BytesIO(published))
    assert decoded.getexif() == {0x0112: 6}
    assert decoded.tobytes() == Image.open(io.BytesIO(source)).tobytes()  # the same pixels: not re-encoded


# --------------------------------------------------------------------------- the build uses the rebuilt bytes


def test_the_pdf_gets_the_bytes_the_site_publishes(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sitrepgen import pdf

    handed: list[dict[str, Any]] = []
    original = pdf.render_pdf

    def spy(html: str, *, files: Any, **kwargs: Any) -> Any:
        handed.append(dict(files))
        return original(html, files=files, **kwargs)

    monkeypatch.setattr(pdf, "render_pdf", spy)
    result = run(here, "build", "--jobs", "1")
    assert result.exit_code == 0, result.output
    ((files),) = handed
    published = (here / f"{PUBLISHED}.svg").read_bytes()
    assert files["reports/2016-12-08/aleppo-control.svg"] == published
    assert published == svg.rebuild((here / "sitreps" / FIGURE).read_bytes()).data


def test_each_figure_is_read_once_per_build_and_rebuilt_even_from_the_cache(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three reports show the same map: it is read and rebuilt once per build. A build that
    takes every report from the cache (only a template changed: nothing is validated again)
    still rebuilds it from the file, never copies it."""
    from sitrepgen import reports

    write_series(here / "sitreps", 2)
    reads: list[Path] = []
    validated: list[Path] = []  # reports whose cached lint rules ran again
    prepare, run_rules = figures.prepare, reports.run_rules

    def rules(doc: object, report: object, context: object, which: object) -> bool:
        if which is reports.CACHED_RULES:
            validated.append(doc.path)  # type: ignore[attr-defined]
        return run_rules(doc, report, context, which)  # type: ignore[arg-type]

    monkeypatch.setattr(figures, "prepare", lambda path, max_bytes: (reads.append(path), prepare(path, max_bytes))[1])
    monkeypatch.setattr(reports, "run_rules", rules)
    assert run(here, "build").exit_code == 0
    assert reads == [(here / "sitreps" / FIGURE).resolve()] and len(validated) == 3
    reads.clear()
    validated.clear()
    extra = here / "templates" / "extra.css.j2"
    extra.write_text(extra.read_text(encoding="utf-8") + "\n.masthead-band .period { color: #000; }\n", encoding="utf-8")
    result = run(here, "build")
    assert result.exit_code == 0 and "3 PDF(s) rendered" in result.stdout
    assert validated == [] and reads == [(here / "sitreps" / FIGURE).resolve()]
    published = (here / f"{PUBLISHED}.svg").read_bytes()
    assert published == svg.rebuild((here / "sitreps" / FIGURE).read_bytes()).data


@pytest.mark.parametrize("change", ["unreadable", "broken"])
def test_a_figure_that_changes_under_a_cached_report_is_not_published(here: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    """A report from the cache was validated by an earlier build; its figures are checked again
    on every build, on the files as they are now. Should one have become unreadable or
    unpublishable since, the build reports it at the figure's line, and writes nothing."""
    assert run(here, "build").exit_code == 0
    before = snapshot(here / "site")
    extra = here / "templates" / "extra.css.j2"
    extra.write_text(extra.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # the report stays cached

    def changed(path: Path, max_bytes: int) -> figures.Prepared:
        if change == "unreadable":
            raise PermissionError(13, "Permission denied", str(path))
        return figures.prepare_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>", "svg")

    monkeypatch.setattr(figures, "prepare", changed)
    result = run(here, "build")
    reason = (
        f"error[figure-missing]: figure file '{FIGURE}' cannot be read: Permission denied"
        if change == "unreadable"
        else f"error[unsafe-svg]: figure '{FIGURE}' (sitreps/{FIGURE}:1:41): a <script> element; scripts and embedded documents are not allowed in figures (remove it, or export the figure as PNG)"
    )
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == f"{REPORT}:80:16: {reason}"
    assert result.stderr == "Error: 1 error(s); nothing was written\n"
    assert snapshot(here / "site") == before
