"""The one diagnostic type shared by syntax, schema and semantic checks, and its formatters."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from .names import printable


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


#: Every diagnostic code, with what it means. Codes are stable: editors, CI filters and the docs
#: (docs/diagnostics.md, checked by a test) refer to them.
CODES: dict[str, str] = {
    # reading and parsing
    "unreadable": "the file cannot be read",
    "file-name": "a report's file or folder name holds something other than a-z, 0-9, '-', '_' and '.'",
    "too-large": "the file is larger than max_file_bytes (checked before parsing)",
    "encoding": "the file is not UTF-8 text",
    "empty-file": "the file is empty or holds only comments",
    "yaml-version": "a %YAML directive other than 1.2",
    "yaml-syntax": "the YAML cannot be parsed (including tab indentation)",
    "include": "a section's 'include:' names a desk file that is missing, outside the report's folder (a name with '/' or '..', a symbolic link out), unreadable, empty or included twice",
    "duplicate-key": "a key appears twice in one mapping",
    "too-deep": "the YAML nests deeper than the limit",
    "too-many-nodes": "the file expands to too many values (an alias bomb)",
    "yaml-tag": "a YAML tag such as !!python/object",
    "yaml-alias": "an alias that contains itself",
    "yaml-key": "a mapping key that is not plain text",
    "yaml-type": "a value of a type reports never use (binary, set)",
    "not-a-mapping": "the file is not a mapping of keys",
    # schema
    "unknown-key": "a key the schema does not know (with a suggestion when one is close)",
    "missing-key": "a required key is missing",
    "wrong-type": "a value of the wrong type (a number in quotes, a paragraph as a mapping)",
    "invalid-value": "a value of the right type that breaks a rule (pattern, range, order)",
    # figures and references
    "duplicate-figure-id": "two figures share an id",
    "unknown-figure": "a {fig:ID} reference to a figure that does not exist",
    "malformed-reference": "something written like a figure reference that is not {fig:ID} ({fig: x}, {fig:X}, {figure:x}, no closing brace)",
    "unnumbered-reference": "a {fig:ID} reference to a figure with numbered: false",
    "unreferenced-figure": "a figure of the older regions form that no text refers to (it is placed at the end of its region)",
    "caption-label": "a caption that starts with a figure label, which sitrepgen prints itself",
    "audience-reference": "a {fig:ID} reference in text an edition shows to a figure that edition leaves out",
    "unknown-audience": "an audience that is neither built in (public, internal) nor declared in sitrepgen.yaml",
    "figure-missing": "a figure's image file does not exist",
    "figure-path": "a figure path that is absolute, a URL, or leads outside the project",
    "figure-format": "a figure whose content is not what its name says (SVG, PNG or JPEG), or is broken: XML that is not a well-formed SVG document, a truncated or damaged image",
    "figure-too-large": "a figure larger than max_figure_bytes (checked before reading), an SVG with too many elements or nested too deep, or an image with too many pixels",
    "unsafe-svg": "an SVG figure with active content: a script, an event handler, an embedded document, an http-equiv instruction, an animated link, a javascript: address, a stylesheet instruction or entity declarations",
    "svg-dropped": "something in an SVG figure that is not static drawing (an HTML element, a reference outside the figure, a CSS property or value, an editor's attribute) and was left out of the published figure",
    "empty-alt": "a figure whose alt text is blank",
    "too-many-figures": "a report with more figures than max_figures",
    "too-many-references": "a report with more {fig:ID} references than max_references",
    # maps drawn from GeoJSON (sitrepgen.maps.CODES), at their place in the GeoJSON file
    "map-too-large": "a map's GeoJSON file is larger than the limit (checked before reading)",
    "map-encoding": "a map's GeoJSON file is not UTF-8 text",
    "map-syntax": "a map's GeoJSON file is not valid JSON",
    "map-structure": "GeoJSON that is not a FeatureCollection of supported features with the properties a map needs",
    "map-coordinates": "a position outside longitude -180..180 / latitude -90..90, or a file in another coordinate system",
    "map-control": "a properties.control that is not a key of map.control in sitrepgen.yaml",
    "map-geometry": "an invalid polygon (self-intersection, ring outside its shell...), as shapely explains it",
    "map-too-many-vertices": "a map with more vertices than the limit (counted before any shape is built)",
    "map-overlap": "two actors' areas overlap on the same map",
    "map-settings": "a figure drawn from a map ('map:') in a project whose sitrepgen.yaml has no 'map:' settings",
    "map-measure": "a map measure ({map:MEASURE} in a map figure's caption, or a key figure's value: {map: FIGURE, measure: ...}) that names no map figure, no known measure or actor, or needs last week's map where there is none",
    # content
    "empty-region": "a region or section without any paragraph",
    "duplicate-section": "a region or section given twice in one report",
    "date-outside-period": "a date in a structured field outside the reporting period",
    "number-format": "a number written with a separator the rest of the report (or the previous report of its series) does not use, or a key-figure value typed like '3.000', which YAML reads as 3",
    "place-name": "a place name spelled differently from the project's gazetteer",
    "placeholder": "placeholder text (TODO) left in the report, e.g. by 'sitrepgen new'",
    "unsafe-link": "a link the allowlist refuses; it is shown as plain text",
    "inline-image": "Markdown image syntax in text; images belong in figures",
    # languages and translations
    "language-mismatch": "a translation (NAME.LANG.yaml) whose language is not the one its name gives",
    "unsupported-language": "a language CLDR does not know, or one sitrepgen has no labels for (they print in English)",
    "unknown-label": "a label in sitrepgen.yaml that is none of sitrepgen's messages (with a suggestion when one is close)",
    "translation-source": "a translation_of that names a file which is not another version of the same report, or is missing",
    "stale-translation": "the version a translation was made from has changed since it was marked (sitrepgen translate --mark)",
    "unknown-anchor": "a link to '#id' where the report has no such id (a region, figure, key figures or conclusions)",
    "region-name": "a region whose page would replace one of the site's own pages (regions/index.html)",
    "accidental-markdown": "a line that Markdown turns into a list, heading or rule the writer did not mean ('2016.' or '- ... -' at the start of a line)",
    "raw-html": "an HTML tag or comment in text, which is printed as written (raw HTML is off)",
    "undefined-footnote": "a footnote marker [^1] with no definition '[^1]: ...' in its paragraph, or in a caption",
    "unused-footnote": "a footnote definition '[^1]: ...' that no marker in its paragraph cites",
    # key figures (the last four compare a report with the previous one of its series)
    "duplicate-key-figure-id": "two key figures of one report share an id",
    "missing-key-figure-id": "a key figure without an id in a report whose other key figures have one",
    "dropped-figure": "a key figure id of the previous report that this report does not give",
    "key-figure-unit": "a key figure in another unit than the same id in the previous report",
    "key-figure-jump": "a key figure that moved by more than key_figure_jump since the previous report, its source unchanged",
    "key-figure-label": "two key figures with one label and different ids (in the report, or against the previous one)",
    # last week (the previous report of the series)
    "unchanged-text": "a paragraph word for word the one in the previous report of the series (white space aside)",
    "overlapping-period": "a period that overlaps the previous report's in the same series",
    "unchanged-figure": "a key figure with the same value as in the previous report while its as_of date moved",
    # suppressions (# sitrepgen: ignore[CODE] reason)
    "unused-ignore": "a suppression comment that silences nothing where it stands (the warning is gone, or the comment is not above a key or list item)",
    "invalid-ignore": "a suppression comment without codes in brackets or without a reason, or naming a code that does not exist or is an error",
    # build
    "output-collision": "two reports would write the same output files",
    "report-path": "a report file that is a symbolic link leading outside reports_dir, or a link loop (never followed)",
    "too-much-input": "the build would read more than max_build_bytes in all (reports, figures, templates)",
    "reliefweb": "a report ReliefWeb's Post API would refuse, built with reliefweb: set: a title outside 10-255 characters (with its period), a language ReliefWeb does not take, a body over 100,000 characters",
    # project settings (sitrepgen.yaml)
    "output-dir": "output_dir is the project, holds or is one of its source folders, the cache or .git, or leads outside the project",
    "folder-path": "reports_dir, templates_dir or a figure_dirs folder leads outside the project (a symbolic link), or loops",
}


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A problem at a place in a file. ``line`` and ``col`` are 1-based, as editors show them."""

    path: str
    line: int
    col: int
    severity: Severity
    code: str
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format_text(self) -> str:
        """The one-line form; the path and message are ``printable`` in every format, so a file
        name holding an escape sequence or a newline cannot act on a terminal or a CI log."""
        return (
            f"{printable(self.path)}:{self.line}:{self.col}: "
            f"{self.severity.value}[{self.code}]: {printable(self.message)}"
        )

    def format_github(self) -> str:
        """A GitHub Actions workflow command, which shows as an annotation on the diff."""
        message = _github_escape(printable(f"[{self.code}] {self.message}"), data=True)
        path = _github_escape(printable(self.path), data=False)
        return f"::{self.severity.value} file={path},line={self.line},col={self.col}::{message}"

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        data["path"] = printable(self.path)  # the same text as the other formats, and always UTF-8
        data["message"] = printable(self.message)
        return data


def _json_item(diagnostic: Diagnostic, suppressed: Any) -> dict[str, object]:
    data = diagnostic.as_json()
    if suppressed is not None:
        data["suppressed"] = {"reason": printable(suppressed.reason), "line": suppressed.line}
    return data


def _github_escape(text: str, *, data: bool) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if not data:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def display_path(path: Path, root: Path | None = None) -> str:
    """The path as the user would type it: relative to ``root`` (the cwd) when inside it."""
    root = (root or Path.cwd()).resolve()
    try:  # the folder is resolved, not the file: a symlinked report is shown by its own name
        return (path.parent.resolve() / path.name).relative_to(root).as_posix()
    except (ValueError, RuntimeError, OSError):
        return path.as_posix()


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: (d.path, d.line, d.col, d.code, d.message))


def format_diagnostics(diagnostics: Iterable[Diagnostic], fmt: str = "text", suppressed: Iterable[Any] = ()) -> str:
    """Text, GitHub annotations or JSON. Only JSON lists the ``suppressed`` findings
    (``suppress.Suppressed``), each with ``"suppressed": {"reason": ..., "line": ...}`` (the
    comment's line), among the others in order: a script sees what was accepted and why."""
    items = sort_diagnostics(diagnostics)
    if fmt == "json":
        reasons = {id(item.diagnostic): item for item in suppressed}
        everything = sort_diagnostics([*items, *(item.diagnostic for item in reasons.values())])
        return json.dumps([_json_item(d, reasons.get(id(d))) for d in everything], indent=2, ensure_ascii=False)
    formatter = Diagnostic.format_github if fmt == "github" else Diagnostic.format_text
    return "\n".join(formatter(d) for d in items)
