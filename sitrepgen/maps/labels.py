"""Labels on a map: how wide a text is, and where each name goes so that none hides another.

Widths come from Source Sans Pro's own advance widths (the font sitrepgen embeds in every PDF),
so a label's box is the box the PDF draws. A viewer without the font (an SVG opened on its own)
falls back to a wider sans-serif; the SVG's labels carry ``textLength`` so they keep the width
their boxes were made for.

Placement is greedy and deterministic: places first (each has eight positions around its dot,
tried in a fixed order; the first that touches nothing wins, else the one that overlaps least),
then area names, at the point of the area farthest from its edges (shapely's
``maximum_inscribed_circle``) when they fit there, else at the best of a grid of points inside
the area (a long name in a narrow area, or a point already taken by a place's name).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

Anchor = Literal["start", "middle", "end"]

# Advance widths of the printable ASCII characters (32..126) in Source Sans Pro, per 1000 em.
_REGULAR = (
    200, 289, 425, 497, 497, 824, 609, 249, 303, 303, 418, 497, 249, 311, 249, 350, 497, 497, 497, 497,
    497, 497, 497, 497, 497, 497, 249, 249, 497, 497, 497, 425, 847, 544, 588, 571, 615, 527, 494, 617,
    652, 263, 480, 579, 486, 727, 647, 664, 566, 664, 569, 534, 536, 645, 515, 786, 513, 476, 539, 303,
    350, 303, 497, 500, 542, 504, 553, 456, 555, 496, 292, 504, 544, 246, 247, 495, 255, 829, 547, 542,
    555, 555, 347, 419, 338, 544, 467, 718, 446, 467, 425, 303, 241, 303, 497,
)  # fmt: skip
_BOLD = (
    200, 340, 536, 528, 528, 857, 667, 300, 344, 344, 457, 528, 300, 332, 300, 339, 528, 528, 528, 528,
    528, 528, 528, 528, 528, 528, 300, 300, 528, 528, 528, 463, 903, 573, 605, 582, 635, 548, 524, 638,
    674, 301, 509, 614, 518, 762, 665, 684, 596, 684, 613, 556, 556, 665, 556, 813, 567, 525, 541, 344,
    339, 344, 528, 500, 555, 527, 573, 467, 573, 518, 341, 534, 571, 276, 278, 548, 286, 857, 572, 555,
    573, 573, 398, 443, 383, 568, 523, 776, 514, 521, 460, 344, 268, 344, 528,
)  # fmt: skip
_PUNCTUATION = {"\u2019": 0.28, "\u2018": 0.28, "\u201c": 0.48, "\u201d": 0.48, "\u2013": 0.48, "\u2014": 0.8, "\u2026": 0.96, "\u00b0": 0.35, "\u00b2": 0.37}
_OTHER = 0.56  #: any other character (an average letter, a little wide)

#: Source Sans Pro's ascent and descent (hhea), per em: where a line box puts the baseline.
ASCENT, DESCENT = 0.984, 0.273
#: Height of capitals and of descenders, per em: the ink box of a label.
CAP, BELOW = 0.70, 0.24
#: An area's name that does not fit at its pole is tried at (GRID - 1)^2 points of the area's box.
GRID = 12


def text_width(text: str, size: float, weight: int = 400) -> float:
    """Width of ``text`` set in Source Sans Pro at ``size`` (same unit as the result)."""
    table = _BOLD if weight >= 600 else _REGULAR
    total = 0.0
    for char in text:
        code = ord(char)
        if 32 <= code < 127:
            total += table[code - 32] / 1000
            continue
        base = unicodedata.normalize("NFD", char)[:1]
        if base and 32 <= ord(base) < 127:
            total += table[ord(base) - 32] / 1000
        elif unicodedata.combining(char):
            continue
        else:
            total += _PUNCTUATION.get(char, _OTHER)
    return total * size


@dataclass(frozen=True)
class Label:
    """A text on the map. ``x``, ``y`` are its anchor and baseline in the drawing's units;
    ``x_pct``, ``y_pct`` and ``size_pct`` the same as percentages of the drawing's width and
    height (size: of its width), for laying the label out over the drawing on the screen."""

    id: str
    text: str
    kind: str  #: place, area, advance, legend, scale, attribution, title
    x: float
    y: float
    anchor: Anchor
    size: float
    weight: int
    colour: str
    width: float  #: the text's width (Source Sans Pro), in the drawing's units
    x_pct: float = 0.0
    y_pct: float = 0.0
    size_pct: float = 0.0
    italic: bool = False

    def box(self, pad: float = 0.0) -> tuple[float, float, float, float]:
        """The ink box (left, top, right, bottom), grown by ``pad``."""
        left = self.x - (self.width / 2 if self.anchor == "middle" else self.width if self.anchor == "end" else 0.0)
        return left - pad, self.y - CAP * self.size - pad, left + self.width + pad, self.y + BELOW * self.size + pad


Box = tuple[float, float, float, float]


def overlap(a: Box, b: Box) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def inside(box: Box, frame: Box) -> bool:
    return box[0] >= frame[0] and box[1] >= frame[1] and box[2] <= frame[2] and box[3] <= frame[3]


@dataclass
class Placer:
    """Places labels one by one; each placed label becomes an obstacle for the next."""

    frame: Box
    obstacles: list[Box]
    lines: Any = None  #: shapely geometry labels should not cross (arrows), or None

    def cost(self, box: Box) -> float:
        if not inside(box, self.frame):
            return float("inf")
        total = sum(overlap(box, other) for other in self.obstacles)
        if self.lines is not None:
            import shapely

            total += shapely.area(shapely.intersection(shapely.box(*box), self.lines))
        return total

    def point(self, label: Label, dot: tuple[float, float], radius: float) -> Label:
        """``label`` moved to the best of eight positions around ``dot``."""
        x, y = dot
        size = label.size
        gap = radius + 3.0
        mid = 0.33 * size  # baseline that centres capitals on the dot
        candidates: list[tuple[float, float, Anchor]] = [
            (x + gap, y + mid, "start"),
            (x - gap, y + mid, "end"),
            (x, y - gap - BELOW * size, "middle"),
            (x, y + gap + CAP * size, "middle"),
            (x + gap * 0.75, y - gap * 0.75, "start"),
            (x + gap * 0.75, y + gap * 0.75 + CAP * size, "start"),
            (x - gap * 0.75, y - gap * 0.75, "end"),
            (x - gap * 0.75, y + gap * 0.75 + CAP * size, "end"),
        ]
        best, best_cost = label, float("inf")
        for cx, cy, anchor in candidates:
            moved = _moved(label, cx, cy, anchor)
            cost = self.cost(moved.box(1.5))
            if cost < best_cost:
                best, best_cost = moved, cost
            if cost == 0:
                break
        if best_cost == float("inf"):
            best = _moved(label, *candidates[0])
        self.obstacles.append(best.box(1.5))
        return best

    def area(self, lines: Sequence[Label], polygon: Any) -> list[Label]:
        """The lines of an area's name where they fit best in ``polygon``: at the point farthest
        from its edges if they fit there, else at the best of a grid of points inside it (least
        overlap with other labels first, then least text outside the area, then nearest)."""
        import shapely

        height = sum(line.size for line in lines) * 1.15
        centre = _pole(polygon)
        placed = _stacked(lines, centre, height)
        best = self._area_cost(placed, polygon)
        if best > 0:
            left, top, right, bottom = polygon.bounds
            steps = GRID
            for i in range(1, steps):
                for j in range(1, steps):
                    x, y = left + (right - left) * i / steps, top + (bottom - top) * j / steps
                    if not shapely.contains_xy(polygon, x, y):
                        continue
                    candidate = _stacked(lines, (x, y), height)
                    cost = self._area_cost(candidate, polygon) + 1e-3 * math.hypot(x - centre[0], y - centre[1])
                    if cost < best:
                        placed, best = candidate, cost
        for line in placed:
            self.obstacles.append(line.box(1.5))
        return placed

    def _area_cost(self, lines: Sequence[Label], polygon: Any) -> float:
        import shapely

        total = 0.0
        for line in lines:
            box = line.box(1.0)
            total += self.cost(box) * 10 + shapely.area(shapely.difference(shapely.box(*box), polygon))
        return total


def _pole(polygon: Any) -> tuple[float, float]:
    import shapely

    radius_line = shapely.maximum_inscribed_circle(polygon, tolerance=0.5)
    x, y = shapely.get_coordinates(radius_line)[0]
    return float(x), float(y)


def _stacked(lines: Sequence[Label], centre: tuple[float, float], height: float) -> list[Label]:
    """Lines centred on ``centre``, one under the other."""
    x, y = centre
    top = y - height / 2
    placed: list[Label] = []
    for line in lines:
        # Each line has a slot 1.15 em high; its ink (capitals and descenders) is centred in it.
        placed.append(_moved(line, x, top + (0.575 + (CAP - BELOW) / 2) * line.size, "middle"))
        top += line.size * 1.15
    return placed


def _moved(label: Label, x: float, y: float, anchor: Anchor) -> Label:
    return Label(label.id, label.text, label.kind, x, y, anchor, label.size, label.weight, label.colour, label.width, italic=label.italic)


def split_in_two(text: str) -> list[str]:
    """``text`` as two lines, broken at the space nearest its middle (one line if it has none)."""
    spaces = [i for i, char in enumerate(text) if char == " "]
    if not spaces:
        return [text]
    middle = len(text) / 2
    cut = min(spaces, key=lambda i: (abs(i - middle), i))
    return [text[:cut], text[cut + 1 :]]
