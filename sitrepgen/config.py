"""The project: its root, its optional ``sitrepgen.yaml`` (validated like a report) and its paths."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from .cache import digest_bytes, versions
from .figures import MAX_FIGURE_BYTES, FigureStore
from .lint import LintContext, Place
from .load import MAX_BYTES, Document, load_model
from .model import Strict

CONFIG_NAME = "sitrepgen.yaml"


def _relative_dir(value: str) -> str:
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts or "\\" in value:
        raise ValueError(f"'{value}' must be a folder inside the project (relative, no '..')")
    return value


class GazetteerEntry(Strict):
    """A place's canonical spelling in this series, and the other spellings writers may use."""

    name: Annotated[str, StringConstraints(min_length=1)] = Field(
        description="The spelling the series uses.", examples=["Idleb"]
    )
    variants: list[Annotated[str, StringConstraints(min_length=1)]] = Field(
        default_factory=list,
        description="Other spellings, flagged wherever they appear.",
        examples=[["Idlib", "Edlib"]],
    )
    aliases: list[Annotated[str, StringConstraints(min_length=1)]] = Field(
        default_factory=list,
        description="Other names, accepted only in brackets after the name: 'Tadmor (Palmyra)'.",
        examples=[["Palmyra"]],
    )


class Config(Strict):
    """Settings of a project; every one has a default, so a project with only sitreps/ works."""

    title: Annotated[str, StringConstraints(min_length=1)] = Field(
        default="Situation reports", description="Title of the website.", examples=["Syria Weekly Conflict Summary"]
    )
    organisation: str | None = Field(
        default=None, description="Publishing organisation.", examples=["Example Monitoring Group"]
    )
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")] = Field(
        default="en", description="BCP 47 language tag of the website.", examples=["en", "fr"]
    )
    base_url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+/$")] | None = Field(
        default=None,
        description="Public address of the site, ending in '/'; used for absolute links.",
        examples=["https://example.org/sitreps/"],
    )
    page_size: Literal["letter", "a4"] = Field(
        default="letter", description="PDF page size.", examples=["a4"]
    )
    reports_dir: str = Field(
        default="sitreps", description="Folder of the report YAML files.", examples=["sitreps"]
    )
    templates_dir: str = Field(
        default="templates", description="Folder of template overrides.", examples=["templates"]
    )
    output_dir: str = Field(default="site", description="Folder the build writes.", examples=["site"])
    max_file_bytes: Annotated[int, Field(ge=1024, le=64 * 1024 * 1024)] = Field(
        default=MAX_BYTES, description="Largest report file accepted, in bytes.", examples=[2097152]
    )
    max_figure_bytes: Annotated[int, Field(ge=1024, le=256 * 1024 * 1024)] = Field(
        default=MAX_FIGURE_BYTES, description="Largest figure file accepted, in bytes.", examples=[5242880]
    )
    gazetteer: list[GazetteerEntry] = Field(
        default_factory=list,
        description="Canonical place names and their variant spellings.",
        examples=[[{"name": "Idleb", "variants": ["Idlib"]}, {"name": "Tadmor", "aliases": ["Palmyra"]}]],
    )

    @field_validator("reports_dir", "templates_dir", "output_dir")
    @classmethod
    def _inside_project(cls, value: str) -> str:
        return _relative_dir(value)


@dataclass(frozen=True)
class Project:
    root: Path
    config: Config
    config_document: Document | None = None

    @property
    def reports_dir(self) -> Path:
        return self.root / self.config.reports_dir

    @property
    def templates_dir(self) -> Path:
        return self.root / self.config.templates_dir

    @property
    def output_dir(self) -> Path:
        return self.root / self.config.output_dir

    def fingerprint(self) -> str:
        """What validation depends on besides the report itself: the config and the code."""
        path = self.root / CONFIG_NAME
        data = path.read_bytes() if path.is_file() else b""
        return digest_bytes(data) + json.dumps(versions(), sort_keys=True)

    def lint_context(self, figures: FigureStore | None = None) -> LintContext:
        """The context of the lint rules; ``figures`` is shared by every report of one run."""
        places = tuple(Place(p.name, tuple(p.variants), tuple(p.aliases)) for p in self.config.gazetteer)
        return LintContext(root=self.root, gazetteer=places, figures=figures or self.figure_store())

    def figure_store(self) -> FigureStore:
        return FigureStore(self.config.max_figure_bytes)

    def report_paths(self) -> list[Path]:
        """Every report under the reports folder, in a stable order (hidden files skipped)."""
        if not self.reports_dir.is_dir():
            return []
        found = [
            path
            for pattern in ("*.yaml", "*.yml")
            for path in self.reports_dir.rglob(pattern)
            if path.is_file() and not any(p.startswith(".") for p in path.relative_to(self.reports_dir).parts)
        ]
        return sorted(found)


def load_project(root: Path) -> Project:
    """The project at ``root``; a broken config is reported through its document's diagnostics."""
    root = root.resolve()
    path = root / CONFIG_NAME
    if not path.exists():
        return Project(root, Config())
    loaded = load_model(path, Config)
    return Project(root, loaded.model or Config(), loaded.document)
