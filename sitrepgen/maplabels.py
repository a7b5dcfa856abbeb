"""A map's labels drawn straight into the PDF, over the text-less drawing, as real text.

WeasyPrint lays out SVG text one character at a time, and each HTML label over the drawing is a
box with its own style, line layout and stacking context: about 9 M instructions a label on the
report's print page, so a map with 30 labels cost its PDF 0.09 s (docs/performance.md). Here
each label is one Pango line instead (about 3 M), and the same map costs 0.043 s: after WeasyPrint has laid the page out, the map's image is wrapped so that,
once the drawing is painted, every label of ``data-map-labels`` (``maps.print_labels``) is set
with the image's own style (the report's fonts, language and direction) at its size, weight and
colour, and drawn with WeasyPrint's own text drawer at the point the drawing gives it: the same
fonts, embedded and subset with the rest of the page, with their ToUnicode map, inside the
image's ``Figure`` tag. So the names are selectable and searchable, and where a reader sees them.

This uses WeasyPrint internals (``text.line_break.Layout``, ``draw.text.draw_first_line``, the
layout tree of ``Document.pages``), checked once by ``available``. A WeasyPrint without them gets
the HTML labels the print page also carries (marked ``data-html-labels``): slower, same look. If
they are there but behave otherwise than WeasyPrint 70's (``LabelsNotDrawn``), ``pdf.render_pdf``
renders the page again with the HTML labels.
"""

from __future__ import annotations

import json
import re
import inspect
from functools import cache
from typing import Any

#: The print page's ``<img>`` of a map carries its labels in this attribute (written by
#: ``maps.print_labels``); the HTML labels after it are marked with ``HTML_LABELS_ATTRIBUTE``,
#: for a WeasyPrint that cannot draw them here. (Defined here, not in ``maps``: a PDF worker
#: imports this module and neither pydantic nor the maps.)
LABELS_ATTRIBUTE = "data-map-labels"
HTML_LABELS_ATTRIBUTE = "data-html-labels"

#: The HTML labels of a map on the print page (``maps.overlay_html``): a ``<div>`` of escaped
#: ``<span>``s, so the first ``</div>`` ends it.
_HTML_LABELS = re.compile(rf'<div class="map-labels" aria-hidden="true" {HTML_LABELS_ATTRIBUTE}>.*?</div>\n?', re.DOTALL)


@cache
def available() -> bool:
    """Whether this WeasyPrint has what ``attach`` uses (WeasyPrint 70 has)."""
    try:
        from weasyprint.draw.text import draw_first_line  # noqa: F401
        from weasyprint.formatting_structure.boxes import ReplacedBox  # noqa: F401
        from weasyprint.matrix import Matrix  # noqa: F401
        from weasyprint.text.line_break import Layout, line_size  # noqa: F401
    except ImportError:
        return False
    drawer = list(inspect.signature(draw_first_line).parameters)
    return drawer == ["stream", "textbox", "text_overflow", "block_ellipsis", "matrix"] and hasattr(Layout, "set_text") and hasattr(Layout, "get_first_line")


def prepare(html: str) -> tuple[str, bool]:
    """The print page to lay out, and whether ``attach`` is to draw its maps' labels: if so,
    without the HTML labels (drawn here instead); otherwise as it is."""
    if LABELS_ATTRIBUTE not in html or not available():
        return html, False
    return _HTML_LABELS.sub("", html), True


class UnreadableLabels(ValueError):
    """A ``data-map-labels`` that ``print_labels`` did not write (a custom print template's?)."""


class LabelsNotDrawn(Exception):
    """WeasyPrint's internals did not behave as this module expects (another version's?)."""


def attach(document: Any) -> int:
    """Have every map image of the laid-out ``document`` draw its labels; how many maps."""
    from weasyprint.formatting_structure.boxes import ReplacedBox

    count = 0
    try:
        boxes = [box for page in document.pages for box in page._page_box.descendants()]
    except (AttributeError, TypeError) as exc:
        raise LabelsNotDrawn(str(exc)) from exc
    for box in boxes:
        element = getattr(box, "element", None)
        if isinstance(box, ReplacedBox) and element is not None and element.get(LABELS_ATTRIBUTE) is not None:
            if not isinstance(box.replacement, _LabelledImage):
                box.replacement = _LabelledImage(box.replacement, _read(element.get(LABELS_ATTRIBUTE)))
            count += 1
    return count


_ROW = (str, (int, float), (int, float), str, (int, float), int, bool, str)
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")  #: as the map settings and the drawing write colours


def _read(carried: str) -> dict[str, Any]:
    try:
        labels = json.loads(carried)
        ok = isinstance(labels, dict) and set(labels) == {"width", "labels"} and isinstance(labels["width"], (int, float)) and labels["width"] > 0
        ok = ok and isinstance(labels["labels"], list)
        ok = ok and all(isinstance(row, list) and len(row) == len(_ROW) and all(isinstance(v, t) for v, t in zip(row, _ROW)) for row in labels["labels"])
        ok = ok and all(row[3] in ("start", "middle", "end") and row[4] > 0 and _COLOUR.fullmatch(row[7]) for row in labels["labels"])
    except ValueError:
        ok = False
    if not ok:
        raise UnreadableLabels(f"a map's {LABELS_ATTRIBUTE} on the print page is not what sitrepgen writes there; a custom print template must not set it")
    result: dict[str, Any] = labels
    return result


class _Line:
    """What WeasyPrint's ``draw_first_line`` reads of a text box."""

    def __init__(self, text: str, style: Any, layout: Any) -> None:
        self.text, self.style, self.pango_layout = text, style, layout


class _LabelledImage:
    """The map's image as WeasyPrint draws it, then its labels over it."""

    def __init__(self, image: Any, labels: dict[str, Any]) -> None:
        self.image, self.width, self.labels = image, float(labels["width"]), labels["labels"]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.image, name)

    def draw(self, stream: Any, width: float, height: float, style: Any) -> None:
        """Draw the image in its box (``width`` x ``height`` CSS px, origin at its top left), and
        each label at its point of the drawing scaled to the box."""
        self.image.draw(stream, width, height, style)
        try:
            self._labels(stream, width / self.width, style)
        except (AttributeError, TypeError, KeyError, ValueError) as exc:  # not WeasyPrint 70's internals
            raise LabelsNotDrawn(f"{type(exc).__name__}: {exc}") from exc

    def _labels(self, stream: Any, scale: float, style: Any) -> None:
        import tinycss2.color4
        from weasyprint.draw.text import draw_first_line
        from weasyprint.matrix import Matrix
        from weasyprint.text.line_break import Layout, line_size

        layouts: dict[tuple[float, int, bool, str], tuple[Any, Any]] = {}  # one Pango layout a style
        for text, x, y, anchor, size, weight, italic, colour in self.labels:
            key = (size, weight, italic, colour)
            if key not in layouts:
                label_style = style.copy()
                label_style["font_size"] = size * scale
                label_style["font_weight"] = weight
                label_style["font_style"] = "italic" if italic else "normal"
                label_style["color"] = tinycss2.color4.parse_color(colour)
                layouts[key] = (label_style, Layout(label_style))
            label_style, layout = layouts[key]
            text = " ".join(text.split())  # as the HTML and SVG labels show it: one line, spaces collapsed
            layout.set_text(text)
            line, _ = layout.get_first_line()
            advance, _ = line_size(line, label_style)
            left = x * scale - (advance / 2 if anchor == "middle" else advance if anchor == "end" else 0.0)
            stream.set_color(label_style["color"])
            stream.begin_text()
            draw_first_line(stream, _Line(text, label_style, layout), "clip", "none", Matrix(d=-1, e=left, f=y * scale))
            stream.end_text()
        for _, layout in layouts.values():
            layout.deactivate()
