"""The ``map:`` section of ``sitrepgen.yaml``: who controls areas, and how each is drawn.

A map's GeoJSON names its actors by key (``properties.control: government``); the project says
once what each key means (its legend label, its colour). Keeping the actors in the config, not in
each week's file, is what lets two weeks be compared: the same key is the same actor.

There is no built-in list of actors: which groups a conflict has, and the colours that stand for
them, are an editorial decision, so a project that draws maps must declare them, and a map figure
in a project without ``map.control`` is an error (``map-settings``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from ..model import Strict

#: A control key: lower-case, usable as part of an SVG id (``fill-government``).
CONTROL_KEY_PATTERN = r"^[a-z][a-z0-9-]*$"

ControlKey = Annotated[str, StringConstraints(pattern=CONTROL_KEY_PATTERN, max_length=40)]


class ControlStyle(Strict):
    """One actor that can hold territory on a map: its legend label and its colour."""

    label: Annotated[str, StringConstraints(min_length=1, max_length=60)] = Field(
        description="Legend label of the actor's areas.",
        examples=["Pro-government forces"],
    )
    actor: Annotated[str, StringConstraints(min_length=1, max_length=60)] | None = Field(
        default=None,
        description=(
            "The actor's name inside a sentence, as in 'Taken by pro-government forces since "
            "December 1' and 'Advances by pro-government forces'; defaults to the label."
        ),
        examples=["pro-government forces"],
    )
    colour: Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")] = Field(
        description="Fill colour of the actor's areas, #rrggbb.",
        examples=["#e4a59a"],
    )
    pattern: Literal["dots", "crosshatch", "horizontal"] | None = Field(
        default=None,
        description=(
            "Draw the actor's areas with a pattern in its colour instead of a solid fill (for "
            "contested areas, or to tell actors apart in greyscale). Diagonal hatching is kept "
            "for areas that changed hands since the previous report."
        ),
        examples=["dots"],
    )

    @property
    def in_sentence(self) -> str:
        return self.actor or self.label


class MapSettings(Strict):
    """How maps drawn from GeoJSON (figures with ``map:``) name and colour the actors."""

    control: Annotated[dict[ControlKey, ControlStyle], Field(min_length=1)] = Field(
        description=(
            "The actors that can hold territory, by the key GeoJSON features use in "
            "properties.control; the legend lists them in this order."
        ),
        examples=[
            {
                "government": {"label": "Pro-government forces", "actor": "pro-government forces", "colour": "#e4a59a"},
                "opposition": {"label": "Opposition forces", "actor": "opposition forces", "colour": "#9fb86a"},
            }
        ],
    )
    attribution: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        default=None,
        description="A line printed under every map's legend: who drew it, from what.",
        examples=["Schematic, drawn from the report text"],
    )
