"""The report schema: the single source of truth for validation, the editor schema and the docs.

Every model forbids unknown keys (a typo must not pass silently) and is strict: a number written
in quotes, or a paragraph written as a mapping, is a type error rather than something coerced.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

#: A figure id, as used in cross-references such as ``{fig:aleppo-control}``.
FIGURE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"

#: The cross-reference syntax inside Markdown text: ``{fig:ID}``.
FIGURE_REF_RE = re.compile(r"\{fig:([a-z0-9][a-z0-9-]*)\}")

NonEmptyStr = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1)]

Markdown = Annotated[
    str,
    StringConstraints(min_length=1),
    Field(
        description=(
            "CommonMark text (raw HTML is not allowed). Refer to a figure with {fig:ID}; "
            "it is rendered as 'Figure N'."
        )
    ),
]

Qualifier = Literal[
    "exactly",
    "at least",
    "at most",
    "more than",
    "fewer than",
    "less than",
    "approximately",
    "around",
    "nearly",
    "up to",
    "over",
]


class Strict(BaseModel):
    """Base of every model: unknown keys are errors, nothing is coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Period(Strict):
    """The reporting period: the first and last day the report covers (both included)."""

    start: dt.date = Field(description="First day covered, YYYY-MM-DD (unquoted).", examples=["2016-12-02"])
    end: dt.date = Field(description="Last day covered, YYYY-MM-DD (unquoted).", examples=["2016-12-08"])

    @model_validator(mode="after")
    def _end_not_before_start(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")
        return self


class Figure(Strict):
    """An image with a numbered caption, placed after the paragraph that first refers to it."""

    id: Annotated[str, StringConstraints(pattern=FIGURE_ID_PATTERN, max_length=64)] = Field(
        description="Lower-case id used in cross-references: {fig:ID}.",
        examples=["aleppo-control"],
    )
    image: Annotated[str, StringConstraints(min_length=1, max_length=512)] = Field(
        description="Path of the image (SVG, PNG or JPEG), relative to the report's YAML file.",
        examples=["figures/2016-12-08-aleppo-control.svg"],
    )
    caption: Markdown = Field(
        description="Caption shown after 'Figure N' (inline Markdown).",
        examples=["Areas of control in Aleppo city as of December 8."],
    )
    alt: Annotated[str, StringConstraints(min_length=1)] = Field(
        description="Text alternative for readers who cannot see the image (required): say what the figure shows.",
        examples=["Map of East Aleppo: the opposition holds a shrinking pocket in the south."],
    )
    source: str | None = Field(
        default=None, description="Credit or source of the image.", examples=["OCHA"]
    )


class Region(Strict):
    """One region's narrative: paragraphs in order, and the figures that belong to it."""

    name: NonEmptyStr = Field(
        description="Region name; the same name across weeks builds the region's history.",
        examples=["Aleppo"],
    )
    heading: NonEmptyStr | None = Field(
        default=None,
        description=(
            "Visible section heading. Leave it out to run the region on in the prose, as the "
            "classic weekly layout does ('In Rural Damascus, ...')."
        ),
        examples=["Opposition developments"],
    )
    paragraphs: list[Markdown] = Field(
        description="The narrative, one Markdown block per item.",
        examples=[["In Rural Damascus, another opposition surrender deal was enacted."]],
    )
    figures: list[Figure] = Field(
        default_factory=list,
        description="Figures of this region; each is placed after the paragraph that first refers to it.",
        examples=[[{"id": "aleppo-control", "image": "figures/map.svg", "caption": "Areas of control.", "alt": "Map of Aleppo city."}]],
    )


class KeyFigure(Strict):
    """A headline number, e.g. 'at least 90,000 people displaced'."""

    label: NonEmptyStr = Field(
        description="What is counted, read after the value.",
        examples=["people now in areas under government control"],
    )
    value: int | float = Field(
        description="The number itself: unquoted, without thousands separators.", examples=[90000]
    )
    unit: str | None = Field(
        default=None, description="Unit shown after the value, e.g. '%'.", examples=["%"]
    )
    qualifier: Qualifier | None = Field(
        default=None, description="How exact the value is.", examples=["at least"]
    )
    as_of: dt.date | None = Field(
        default=None, description="Date the value refers to (YYYY-MM-DD).", examples=["2016-12-08"]
    )
    source: str | None = Field(
        default=None, description="Who gave or estimated the value.", examples=["UNHCR"]
    )


class Report(Strict):
    """One weekly situation report."""

    title: NonEmptyStr = Field(
        description="Title printed at the top of the report.", examples=["Weekly Conflict Summary"]
    )
    series: str | None = Field(
        default=None, description="Name of the series (country or crisis).", examples=["Syria"]
    )
    number: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="Issue number within the series.", examples=[42]
    )
    period: Period = Field(
        description="The reporting period, both days included.",
        examples=[{"start": "2016-12-02", "end": "2016-12-08"}],
    )
    published: dt.date = Field(
        description="Publication date, YYYY-MM-DD (unquoted).", examples=["2016-12-08"]
    )
    organisation: str | None = Field(
        default=None, description="Publishing organisation.", examples=["Example Monitoring Group"]
    )
    prepared_by: list[NonEmptyStr] = Field(
        default_factory=list,
        description="Authors or team who prepared the report.",
        examples=[["Regional analysis desk"]],
    )
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")] = (
        Field(default="en", description="BCP 47 language tag of the text.", examples=["en", "ar"])
    )
    summary: Markdown | None = Field(
        default=None,
        description="Optional one-paragraph summary shown before the regions.",
        examples=["Pro-government forces took most of East Aleppo this week."],
    )
    key_figures: list[KeyFigure] = Field(
        default_factory=list,
        description="Headline numbers, shown in a strip under the title.",
        examples=[[{"label": "people displaced", "value": 90000, "qualifier": "at least"}]],
    )
    regions: Annotated[list[Region], Field(min_length=1)] = Field(
        description="The regions' narrative, in the order they are printed.",
        examples=[[{"name": "Aleppo", "paragraphs": ["The battle for Aleppo continued."]}]],
    )
    conclusions: list[Markdown] = Field(
        default_factory=list,
        description="Paragraphs printed under 'Conclusions:'.",
        examples=[["Noncombatants must be allowed free and safe passage."]],
    )

    def figures(self) -> list[Figure]:
        """Every figure of the report, in the order the regions define them."""
        return [figure for region in self.regions for figure in region.figures]


SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema(model: type[BaseModel]) -> dict[str, object]:
    """The JSON Schema of a file, for editors (yaml-language-server) and CI validators."""
    schema = model.model_json_schema(mode="validation")
    for obj in [schema, *schema.get("$defs", {}).values()]:
        for name, spec in obj.get("properties", {}).items():
            spec.setdefault("title", name.replace("_", " ").title())  # pydantic omits it beside $ref
    return {"$schema": SCHEMA_DIALECT, **schema}
