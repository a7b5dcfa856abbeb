"""Figures that float: text after a figure fills the page the figure could not fit on.

WeasyPrint keeps a figure whole (``break-inside: avoid``), so a figure that does not fit in what is
left of a page moves to the next one and leaves the rest of its page empty, even when paragraphs
follow that would have filled it. WeasyPrint has no page floats; LaTeX would let the text run on
and put the figure at the top of the next page. This module does the same in one layout pass:

1. render the print page once (the caller does);
2. find each figure that starts a page while the page before it is left short (more than
   ``SHORT`` of its height empty);
3. move the paragraphs that follow the figure in its section ahead of it — as many as it takes to
   fill that gap, never past the next figure or heading, and only if the figure still fits on the
   next page after them;
4. the caller renders the rearranged page once more.

It reads only the boxes of the first rendering and the print page's own HTML (which sitrepgen
wrote), so the result is deterministic; figure numbers and references are not touched (they were
set when the page was made). Nothing here imports WeasyPrint: the caller passes the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

#: A page is "left short" when more than this share of its content height is empty.
SHORT = 0.05
#: How close to the top of its page (in CSS px) a figure must start to count as pushed there.
AT_TOP = 24.0
#: Elements a moved run of text stops at: it never passes another figure or a heading.
_BARRIERS = {"figure", "h1", "h2", "h3", "h4", "h5", "h6"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass(frozen=True)
class Child:
    """A top-level element of a section in the print page's source: its tag and where it is."""

    tag: str
    start: int
    end: int


class _Sections(HTMLParser):
    """The top-level children of every ``<section class="region ...">``, with source offsets."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.html = html
        self.line_starts = [0]
        for index, char in enumerate(html):
            if char == "\n":
                self.line_starts.append(index + 1)
        self.depth = 0
        self.section: tuple[str, int] | None = None  # (id, depth of the section element)
        self.found: dict[str, list[Child]] = {}
        self.open_child: tuple[str, int] | None = None

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self.section is None and tag == "section" and "region" in (values.get("class") or "").split() and values.get("id"):
            self.section = (str(values["id"]), self.depth)
            self.found[self.section[0]] = []
        elif self.section is not None and self.depth == self.section[1] + 1:
            if tag in _VOID:
                start = self._offset()
                self.found[self.section[0]].append(Child(tag, start, start + len(self.get_starttag_text() or "")))
            else:
                self.open_child = (tag, self._offset())
        if tag not in _VOID:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        self.depth -= 1
        if self.section is None:
            return
        if self.depth == self.section[1]:
            self.section = None
        elif self.depth == self.section[1] + 1 and self.open_child is not None:
            start = self._offset()
            end = self.html.index(">", start) + 1
            self.found[self.section[0]].append(Child(self.open_child[0], self.open_child[1], end))
            self.open_child = None


def section_children(html: str) -> dict[str, list[Child]]:
    parser = _Sections(html)
    parser.feed(html)
    parser.close()
    return parser.found


@dataclass
class _Placed:
    """Where an element's boxes ended up: (page, top, bottom) of each piece, in CSS px."""

    pieces: list[tuple[int, float, float]]

    @property
    def page(self) -> int:
        return self.pieces[0][0]

    @property
    def top(self) -> float:
        return self.pieces[0][1]

    @property
    def height(self) -> float:
        return sum(bottom - top for _, top, bottom in self.pieces)


def _boxes(document: Any) -> tuple[dict[int, _Placed], list[tuple[float, float, float]]]:
    """Each element's pieces (by ``id()`` of its tree element), and each page's content top,
    content bottom and the bottom of what is printed on it (its lowest line or image: an element
    split across pages, such as the body, reaches the foot of the page whatever it holds)."""
    placed: dict[int, _Placed] = {}
    pages = []
    for number, page in enumerate(document.pages):
        page_box = page._page_box
        top = float(page_box.content_box_y())
        bottom = top + float(page_box.height)
        used = top
        flow = [child for child in page_box.children if type(child).__name__ != "MarginBox"]
        for root in flow:
            for box in root.descendants():
                kind = type(box).__name__
                box_top = float(box.position_y)
                box_bottom = box_top + float(box.margin_height())
                if kind == "LineBox" or "Replaced" in kind:
                    used = max(used, box_bottom)
                element = getattr(box, "element", None)
                if element is None or kind in ("LineBox", "TextBox", "InlineBox"):
                    continue
                entry = placed.setdefault(id(element), _Placed([]))
                if not entry.pieces or entry.pieces[-1][0] != number:
                    entry.pieces.append((number, box_top, box_bottom))
        pages.append((top, bottom, used))
    return placed, pages


def _section_elements(document: Any) -> dict[str, list[Any]]:
    """The tree elements of each region section's children, by the section's id."""
    root = document.pages[0]._page_box.children[0].element if document.pages else None
    found: dict[str, list[Any]] = {}
    if root is None:
        return found
    for element in root.iter("section"):
        if "region" in (element.get("class") or "").split() and element.get("id"):
            found[element.get("id")] = [child for child in element if isinstance(child.tag, str)]
    return found


def rearranged(html: str, document: Any) -> str | None:
    """The print page with text moved ahead of figures that left a page short, or None when no
    figure needs it (the first rendering stands)."""
    children = section_children(html)
    elements = _section_elements(document)
    placed, pages = _boxes(document)
    moves: list[tuple[Child, list[Child]]] = []
    for section_id, items in children.items():
        tree = elements.get(section_id, [])
        if [c.tag for c in items] != [e.tag for e in tree]:
            continue  # not the page sitrepgen wrote (a project template): leave it as it is
        for index, (child, element) in enumerate(zip(items, tree)):
            if child.tag != "figure" or id(element) not in placed:
                continue
            figure = placed[id(element)]
            if figure.page == 0 or figure.top - pages[figure.page][0] > AT_TOP:
                continue
            top, bottom, used = pages[figure.page - 1]
            gap = bottom - used
            if gap <= SHORT * (bottom - top):
                continue
            room = pages[figure.page][1] - pages[figure.page][0] - figure.height
            moved: list[Child] = []
            total = 0.0
            for follower, follower_element in zip(items[index + 1 :], tree[index + 1 :]):
                if follower.tag in _BARRIERS or id(follower_element) not in placed or total >= gap:
                    break
                height = placed[id(follower_element)].height
                if total + height - gap > room:
                    break  # the figure would no longer fit after what spills over
                moved.append(follower)
                total += height
            if moved:
                moves.append((child, moved))
    if not moves:
        return None
    for figure, moved in sorted(moves, key=lambda move: move[0].start, reverse=True):
        text = "\n".join(html[c.start : c.end] for c in moved)
        html = html[: figure.start] + text + "\n" + html[figure.start : figure.end] + html[moved[-1].end :]
    return html
