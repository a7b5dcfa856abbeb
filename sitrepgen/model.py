"""The report schema: the single source of truth for validation, the editor schema and the docs.

Every model forbids unknown keys (a typo must not pass silently) and is strict: a number written
in quotes, or a paragraph written as a mapping, is a type error rather than something coerced.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

#: A figure id, as used in cross-references such as ``{fig:aleppo-control}``.
FIGURE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"

#: A key figure's id: a lower-case slug, stable across the weeks of a series (``people-trapped``).
KEY_FIGURE_ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

#: An HXL hashtag with attributes, written compactly in lower case (``#affected+idps``).
HXL_PATTERN = r"^#[a-z][a-z0-9_]*(?:\+[a-z][a-z0-9_]*)*$"

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


_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: object) -> object:
    """A date written in quotes ("2016-12-15") is the same date: the JSON Schema an editor checks
    cannot tell it from an unquoted one (JSON has no dates), so validate accepts it too. Only
    the exact form YYYY-MM-DD, which the schema's format "date" accepts, and a real day."""
    if isinstance(value, str) and _ISO_DATE_RE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("date_parsing", "not a real day") from None
    return value


#: A day: unquoted (a YAML date) or quoted, always YYYY-MM-DD.
Date = Annotated[dt.date, BeforeValidator(_iso_date)]


class Period(Strict):
    """The reporting period: the first and last day the report covers (both included)."""

    start: Date = Field(description="First day covered, YYYY-MM-DD.", examples=["2016-12-02"])
    end: Date = Field(description="Last day covered, YYYY-MM-DD, not before the start.", examples=["2016-12-08"])

    @field_validator("end")
    @classmethod
    def _end_not_before_start(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        """At 'end' (the value to fix), not at the period's first key."""
        start = info.data.get("start")
        if start is not None and end < start:
            raise ValueError(f"the period ends ({end}) before it starts ({start}); the end is the last day covered")
        return end


#: An audience name: who may read an item ('public', 'internal', or one sitrepgen.yaml declares).
AUDIENCE_PATTERN = r"^[a-z][a-z0-9-]{0,31}$"
Audience = Annotated[str, StringConstraints(pattern=AUDIENCE_PATTERN)]
PUBLIC = "public"


def _audience_field(what: str) -> Any:
    return Field(
        default=PUBLIC,
        description=(
            f"Who may read {what}: 'public' (the default) or 'internal', or an audience sitrepgen.yaml "
            "declares. Editions (sitrepgen.yaml) include some audiences; an item outside an "
            "edition's audiences is left out of all of its outputs."
        ),
        examples=["internal"],
    )


class Paragraph(Strict):
    """A paragraph written as a mapping, to give it an audience; a public paragraph stays a plain string."""

    text: Markdown = Field(description="The paragraph (Markdown).", examples=["Our sources in al-Tal report ..."])
    audience: Audience = _audience_field("this paragraph")


def _text_kind(value: object) -> str | None:
    if isinstance(value, str):
        return "paragraph"
    if isinstance(value, Paragraph) or (isinstance(value, dict) and "text" in value):
        return "text"
    return None


#: A paragraph: Markdown text, or a mapping with its text and audience.
Text = Annotated[
    Annotated[Markdown, Tag("paragraph")] | Annotated[Paragraph, Tag("text")],
    Discriminator(_text_kind, custom_error_type="text_kind", custom_error_message="a paragraph is text (or 'text:' with an 'audience:')"),
]


def text_of(item: str | Paragraph) -> str:
    """A paragraph's Markdown, whichever way it was written."""
    return item.text if isinstance(item, Paragraph) else item


def audience_of(item: object) -> str:
    """The audience an item declares (public when it says nothing)."""
    return str(getattr(item, "audience", PUBLIC))


class Figure(Strict):
    """An image with a caption (numbered unless told otherwise).

    In a section's ``blocks`` it is placed where it is listed; in the older ``regions`` form,
    after the paragraph that first refers to it (or at the end of its region).
    """

    # Exactly one of image and map (the validator below); editors learn it from the schema too.
    model_config = ConfigDict(
        **Strict.model_config,
        json_schema_extra={
            "oneOf": [{"required": ["image"]}, {"required": ["map"]}],
            "dependentRequired": {"previous_map": ["previous_date", "map"], "previous_date": ["previous_map"]},
        },
    )

    id: Annotated[str, StringConstraints(pattern=FIGURE_ID_PATTERN, max_length=64)] = Field(
        description="Lower-case id used in cross-references: {fig:ID}.",
        examples=["aleppo-control"],
    )
    image: Annotated[str, StringConstraints(min_length=1, max_length=512)] | None = Field(
        default=None,
        description="Path of the image (SVG, PNG or JPEG), relative to the report's YAML file; a figure has an image or a map.",
        examples=["figures/2016-12-08-aleppo-control.svg"],
    )
    map: Annotated[str, StringConstraints(min_length=1, max_length=512)] | None = Field(
        default=None,
        description=(
            "Path of a GeoJSON file (.geojson), relative to the report's YAML file, that sitrepgen "
            "draws as an areas-of-control map (with the actors of 'map:' in sitrepgen.yaml); a "
            "figure has a map or an image. The same figure id in the previous report of the series, "
            "if it is a map, is last week's state: what changed hands since is drawn hatched."
        ),
        examples=["figures/2016-12-08-aleppo-control.geojson"],
    )
    previous_map: Annotated[str, StringConstraints(min_length=1, max_length=512)] | None = Field(
        default=None,
        description=(
            "For a map: the GeoJSON of the previous state, when there is no previous report in the "
            "series to take it from (the first report, a series that starts now); given, it is used "
            "instead of the previous report's map. Needs previous_date."
        ),
        examples=["figures/2016-12-01-aleppo-control.geojson"],
    )
    previous_date: dt.date | None = Field(
        default=None,
        description="The day previous_map shows (YYYY-MM-DD, unquoted): 'Taken by ... since December 1'.",
        examples=["2016-12-01"],
    )
    caption: Markdown = Field(
        description="Caption shown after 'Figure N' (inline Markdown).",
        examples=["Areas of control in Aleppo city as of December 8."],
    )
    alt: Annotated[str, StringConstraints(min_length=1)] = Field(
        description="Text alternative for readers who cannot see the image (required): say what the figure shows.",
        examples=["Map of East Aleppo: the opposition holds a shrinking pocket in the south."],
        json_schema_extra={"pattern": r"\S"},  # not blank: validate's empty-alt, for editors too
    )
    source: str | None = Field(
        default=None, description="Credit or source of the image.", examples=["OCHA"]
    )
    audience: Audience = _audience_field("this figure (its image, caption and alt text)")
    numbered: bool = Field(
        default=True,
        description=(
            "Whether the figure gets a number and a label ('Figure 1'); an unnumbered figure shows "
            "its caption alone and cannot be cited with {fig:ID}."
        ),
        examples=[False],
    )

    @model_validator(mode="after")
    def _image_or_map(self) -> Figure:
        if self.image is not None and self.map is not None:
            raise PydanticCustomError("image_and_map", "a figure has 'image:' (a file to show) or 'map:' (GeoJSON to draw), not both; remove one")
        if self.image is None and self.map is None:
            raise PydanticCustomError("image_or_map", "a figure needs 'image:' (an SVG, PNG or JPEG file) or 'map:' (a GeoJSON file to draw)")
        if (self.previous_map is None) != (self.previous_date is None):
            given, missing = ("previous_map", "previous_date") if self.previous_map is not None else ("previous_date", "previous_map")
            raise PydanticCustomError("previous_map", f"'{given}' needs '{missing}' too: the previous map and the day it shows go together")
        if self.previous_map is not None and self.map is None:
            raise PydanticCustomError("previous_map", "'previous_map' is for a figure drawn from a map ('map:'), not for an image")
        return self


class FigureBlock(Strict):
    """A figure placed in the flow of text, where it is listed."""

    figure: Figure = Field(
        description="The figure: id, image, caption, alt (and optionally source, numbered).",
        examples=[{"id": "syria-control", "image": "figures/syria.svg", "caption": "Areas of control.", "alt": "Map of Syria."}],
    )


def _block_kind(value: object) -> str | None:
    """Which kind of block a list item is: text is a paragraph, ``text:`` a paragraph with an
    audience, ``figure:`` a figure."""
    if isinstance(value, str):
        return "paragraph"
    if isinstance(value, (dict, Paragraph, FigureBlock)):
        if isinstance(value, FigureBlock) or (isinstance(value, dict) and "figure" in value):
            return "figure"
        if isinstance(value, Paragraph) or "text" in value:
            return "text"
    return None


#: One item of a flow of blocks: a paragraph (Markdown text, or ``text:`` with an ``audience:``)
#: or a figure (``figure: {...}``).
Block = Annotated[
    Annotated[Markdown, Tag("paragraph")] | Annotated[Paragraph, Tag("text")] | Annotated[FigureBlock, Tag("figure")],
    Discriminator(
        _block_kind,
        custom_error_type="block_kind",
        custom_error_message="a block is a paragraph (text, or a mapping with 'text:') or a figure (a mapping with 'figure:')",
    ),
]


class Section(Strict):
    """A part of the report: its blocks in the order they print, under a heading, for a region, or both.

    The ``region`` (one name or a list) is what builds each region's history page; the ``heading``
    is what prints. A section without a heading runs on in the prose, as the classic weekly
    layout does ("In Rural Damascus, ...").
    """

    #: _heading_or_region, for editors too (tests/test_schema_truth.py)
    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": ["heading"]}, {"required": ["region"]}]})

    heading: NonEmptyStr | None = Field(
        default=None, description="Visible section heading.", examples=["Opposition developments"]
    )
    region: NonEmptyStr | list[NonEmptyStr] | None = Field(
        default=None,
        description="The region (or regions) this section is about; the same name across weeks builds the region's history.",
        examples=["Idleb", ["Idleb", "Aleppo"]],
    )
    audience: Audience = _audience_field("this whole section")
    blocks: list[Block] = Field(
        description="Paragraphs (text) and figures ('figure:'), in the order they print.",
        examples=[["In Idleb, airstrikes continued.", {"figure": {"id": "idleb-map", "image": "figures/idleb.svg", "caption": "Idleb.", "alt": "Map of Idleb."}}]],
    )

    @model_validator(mode="after")
    def _heading_or_region(self) -> Section:
        if self.heading is None and self.region is None:
            raise ValueError("a section needs a heading, a region, or both")
        return self

    @property
    def region_names(self) -> tuple[str, ...]:
        if self.region is None:
            return ()
        return (self.region,) if isinstance(self.region, str) else tuple(self.region)


class Region(Strict):
    """One region's narrative: paragraphs in order, and the figures that belong to it.

    The first form of a report's body, still accepted unchanged: each figure is placed after the
    paragraph that first refers to it. ``sections`` place figures where they are listed.
    """

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
    audience: Audience = _audience_field("this whole region")
    paragraphs: list[Text] = Field(
        description="The narrative, one Markdown block per item.",
        examples=[["In Rural Damascus, another opposition surrender deal was enacted."]],
    )
    figures: list[Figure] = Field(
        default_factory=list,
        description="Figures of this region; each is placed after the paragraph that first refers to it.",
        examples=[[{"id": "aleppo-control", "image": "figures/map.svg", "caption": "Areas of control.", "alt": "Map of Aleppo city."}]],
    )


class MapMeasure(Strict):
    """A key figure's value measured by the build on a map figure of the same report, instead of
    a number (see "Maps drawn from data")."""

    map: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="The id of a figure of this report drawn from a map (map: in the figure).", examples=["aleppo-control"]
    )
    measure: Literal["changed_km2", "gained_km2", "lost_km2", "lost_percent", "area_km2"] = Field(
        description=(
            "What is measured: changed_km2 (ground that changed hands since the previous map), "
            "gained_km2 / lost_km2 (ground the actor took / lost since then), lost_percent (the share "
            "of its previous ground the actor lost), area_km2 (ground the actor holds)."
        ),
        examples=["gained_km2"],
    )
    control: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = Field(
        default=None, description="The actor, a key of 'map: control:' in sitrepgen.yaml (not for changed_km2).", examples=["government"]
    )

    def placeholder(self) -> str:
        """How it prints where no build measured it (``sitrepgen diff``): as a caption writes it."""
        return "{map:" + self.measure + (f":{self.control}" if self.control else "") + "}"


class KeyFigure(Strict):
    """A headline number, e.g. 'at least 90,000 people displaced'.

    With an ``id`` it is the same figure from week to week: each report shows its change since
    the previous report, the site charts it over the series and its data files list it.
    """

    id: str | None = Field(
        default=None,
        description=(
            "Lower-case id, the same every week (letters, digits and hyphens): it joins the weeks "
            "into a series, for the change since last week, the chart and the data files."
        ),
        examples=["people-trapped"],
        json_schema_extra={"pattern": KEY_FIGURE_ID_PATTERN, "maxLength": 64},
    )
    hxl: str | None = Field(
        default=None,
        description="HXL hashtag with attributes for the data files (hxlstandard.org), in lower case.",
        examples=["#affected+idps"],
        json_schema_extra={"pattern": HXL_PATTERN, "maxLength": 128},
    )
    region: NonEmptyStr | None = Field(
        default=None, description="The region the figure is about, if it is not the whole country.", examples=["Aleppo"]
    )
    label: NonEmptyStr = Field(
        description="What is counted, read after the value.",
        examples=["people now in areas under government control"],
    )
    value: int | float | MapMeasure = Field(
        description=(
            "The number itself: unquoted, without thousands separators; or what to measure on a map "
            "figure of this report ({map: FIGURE, measure: ..., control: ...}), computed by the build."
        ),
        examples=[90000, {"map": "aleppo-control", "measure": "gained_km2", "control": "government"}],
    )
    unit: str | None = Field(
        default=None, description="Unit shown after the value, e.g. '%'.", examples=["%"]
    )
    qualifier: Qualifier | None = Field(
        default=None, description="How exact the value is.", examples=["at least"]
    )
    as_of: Date | None = Field(
        default=None, description="Date the value refers to (YYYY-MM-DD).", examples=["2016-12-08"]
    )
    source: str | None = Field(
        default=None, description="Who gave or estimated the value.", examples=["UNHCR"]
    )
    audience: Audience = _audience_field("this key figure")

    @field_validator("id")
    @classmethod
    def _id_is_a_slug(cls, value: str | None) -> str | None:
        if value is not None and (len(value) > 64 or not re.match(KEY_FIGURE_ID_PATTERN, value)):
            raise ValueError(f"{value!r} is not an id: {_slug_hint(value)}")
        return value

    @field_validator("hxl")
    @classmethod
    def _hxl_hashtag(cls, value: str | None) -> str | None:
        if value is not None and (len(value) > 128 or not re.match(HXL_PATTERN, value)):
            raise ValueError(f"{value!r} is not an HXL hashtag: {_hxl_hint(value)}")
        return value


def _slug_hint(value: str) -> str:
    """What to write instead, for a writer: the slug the value most likely means."""
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:64].strip("-")
    rule = "write it in lower case, with letters, digits and single hyphens between words"
    return f"{rule}, e.g. '{slug}'" if slug and slug != value else f"{rule} (at most 64 characters), e.g. 'people-trapped'"


def _hxl_hint(value: str) -> str:
    """What to write instead: '#' first, then the tag and '+attributes', lower case, no spaces."""
    guess = re.sub(r"\s*\+\s*|\s+", "+", value.strip()).lower()  # 'affected idps', 'affected +IDPs': '#affected+idps'
    if guess and not guess.startswith("#"):
        guess = "#" + guess
    rule = "write '#', the tag, then each attribute after '+', in lower case without spaces"
    if guess != value and len(guess) <= 128 and re.match(HXL_PATTERN, guess):
        return f"{rule}: '{guess}'"
    return f"{rule}, e.g. '#affected+idps' or '#inneed'"


class TranslationOf(Strict):
    """What a translation was made from: the other language version of the same report, and
    the hash of its content then (written by ``sitrepgen translate --mark`` or ``sitrepgen new``)."""

    file: Annotated[str, StringConstraints(pattern=r"^[^/\\]+\.ya?ml$")] = Field(
        description="File name of the version translated from, in the same folder.", examples=["2016-12-08.yaml"]
    )
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] = Field(
        description=(
            "Hash of that version's content when this translation was last brought up to date "
            "(what it says, not its comments or layout); `validate` warns when it has changed since."
        ),
        examples=["3f1c0a6e0b9d4c2f8e7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e"],
    )


def _non_empty(key: str) -> dict[str, Any]:
    return {"required": [key], "properties": {key: {"minItems": 1}}}


class Report(Strict):
    """One weekly situation report."""

    #: _has_a_body and _one_form, for editors too (tests/test_schema_truth.py)
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [_non_empty("sections"), _non_empty("regions"), _non_empty("blocks")],
            "not": {"required": ["sections", "regions"], "properties": {"sections": {"minItems": 1}, "regions": {"minItems": 1}}},
        }
    )

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
    published: Date = Field(
        description="Publication date, YYYY-MM-DD.", examples=["2016-12-08"]
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
        Field(
            default="en",
            description="BCP 47 language tag of the text; a translation (NAME.LANG.yaml beside NAME.yaml) gives the language of its file name.",
            examples=["en", "ar"],
        )
    )
    translation_of: TranslationOf | None = Field(
        default=None,
        description="For a translation: the version it was translated from and that version's content hash then (see `sitrepgen translate --mark`).",
        examples=[{"file": "2016-12-08.yaml", "sha256": "3f1c0a6e0b9d4c2f8e7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e"}],
    )
    excerpt: bool = Field(
        default=False,
        description="Mark the report as an excerpt of a longer document (printed beside its title).",
        examples=[True],
    )
    summary: Markdown | list[Text] | None = Field(
        default=None,
        description="Optional summary shown first: one paragraph, or a list of paragraphs.",
        examples=["Pro-government forces took most of East Aleppo this week."],
    )
    key_figures: list[KeyFigure] = Field(
        default_factory=list,
        description="Headline numbers, shown in a strip under the title.",
        examples=[[{"label": "people displaced", "value": 90000, "qualifier": "at least"}]],
    )
    blocks: list[Block] = Field(
        default_factory=list,
        description=(
            "Paragraphs and figures at report level, printed after the summary and key figures and "
            "before the first section (a country map, say)."
        ),
        examples=[[{"figure": {"id": "syria-control", "image": "figures/syria.svg", "caption": "Areas of control.", "alt": "Map of Syria."}}]],
    )
    sections: list[Section] = Field(
        default_factory=list,
        description="The report's sections, in the order they print; each has a heading, a region, or both.",
        examples=[[{"region": "Aleppo", "blocks": ["The battle for Aleppo continued."]}]],
    )
    regions: list[Region] = Field(
        default_factory=list,
        description=(
            "The first form of a report's body, still accepted: one entry per region, with its "
            "paragraphs and figures (placed after the paragraph that first refers to them). New reports use sections."
        ),
        examples=[[{"name": "Aleppo", "paragraphs": ["The battle for Aleppo continued."]}]],
    )
    conclusions: list[Text] = Field(
        default_factory=list,
        description="Paragraphs printed under 'Conclusions:'.",
        examples=[["Noncombatants must be allowed free and safe passage."]],
    )

    @field_validator("regions")
    @classmethod
    def _one_form(cls, value: list[Region], info: ValidationInfo) -> list[Region]:
        if value and info.data.get("sections"):
            raise ValueError("a report has either 'sections' or the older 'regions', not both; move the regions into sections")
        return value

    @model_validator(mode="after")
    def _has_a_body(self) -> Report:
        if not (self.sections or self.regions or self.blocks):
            raise PydanticCustomError("missing_body", "the report's text is missing: add 'sections' (or the older 'regions')")
        return self

    @property
    def summary_paragraphs(self) -> list[str | Paragraph]:
        if self.summary is None:
            return []
        return [self.summary] if isinstance(self.summary, str) else list(self.summary)

    def figures(self) -> list[Figure]:
        """Every figure of the report, in the order the file defines them."""
        found = [block.figure for block in self.blocks if isinstance(block, FigureBlock)]
        found += [block.figure for section in self.sections for block in section.blocks if isinstance(block, FigureBlock)]
        return found + [figure for region in self.regions for figure in region.figures]


SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema(model: type[BaseModel]) -> dict[str, object]:
    """The JSON Schema of a file, for editors (yaml-language-server) and CI validators."""
    schema = model.model_json_schema(mode="validation")
    for obj in [schema, *schema.get("$defs", {}).values()]:
        for name, spec in obj.get("properties", {}).items():
            spec.setdefault("title", name.replace("_", " ").title())  # pydantic omits it beside $ref
    return {"$schema": SCHEMA_DIALECT, **schema}
