"""The project: its root, its optional ``sitrepgen.yaml`` (validated like a report) and its paths."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator

from .cache import Budget, digest_bytes, versions
from .desks import is_desk_folder
from .figures import MAX_FIGURE_BYTES, FigureStore
from .lint import MAX_FIGURES, MAX_REFERENCES, LintContext, Place
from .load import MAX_BYTES, Document, Loc, load_model
from .maps.settings import MapSettings
from .model import PUBLIC, Audience, Strict
from .paths import PathProblem, folder_problem, is_inside, output_dir_problem, resolve

if TYPE_CHECKING:
    from .i18n import Languages

CONFIG_NAME = "sitrepgen.yaml"
#: Default of max_build_bytes: what one build may read in all (reports, figures, templates).
MAX_BUILD_BYTES = 1024 * 1024 * 1024

LanguageTag = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]


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


class LanguageSettings(Strict):
    """How the site speaks one language: its title, the locale of its dates and numbers, its
    digits, and the project's own wording of any label."""

    title: Annotated[str, StringConstraints(min_length=1)] | None = Field(
        default=None, description="Title of the website in this language (default: title).", examples=["ملخص النزاع الأسبوعي في سوريا"]
    )
    locale: LanguageTag | None = Field(
        default=None,
        description="CLDR locale of dates and numbers, when it is not the language itself: 'ar-SY' gives the Levantine month names (كانون الأول).",
        examples=["ar-SY"],
    )
    digits: Literal["latin", "native"] = Field(
        default="latin",
        description="Digits of dates, key figures and page numbers: 'latin' (0-9, the default) or 'native' (the locale's own: Arabic-Indic for Arabic).",
        examples=["native"],
    )
    labels: dict[Annotated[str, StringConstraints(min_length=1)], Annotated[str, StringConstraints(min_length=1)] | list[Annotated[str, StringConstraints(min_length=1)]]] = Field(
        default_factory=dict,
        description=(
            "The project's wording of sitrepgen's fixed words, by message id (the English text): "
            "{\"Key figures\": \"Headline numbers\"}. A message with a number may take a list, one text per plural form."
        ),
        examples=[{"Key figures": "أبرز الأرقام"}],
    )

EDITION_PATTERN = r"^[a-z][a-z0-9-]{0,31}$"
#: The audiences every project has: who may read an item when it says nothing, and the team.
BUILTIN_AUDIENCES = (PUBLIC, "internal")
INTERNAL_BANNER = "Internal \u2014 not for publication"


class EditionSettings(Strict):
    """One edition of the site: the audiences it includes and the folder it is built into."""

    audiences: Annotated[list[Audience], Field(min_length=1)] = Field(
        description="The audiences whose items this edition shows ('public' and the others it may read).",
        examples=[["public", "partners"]],
    )
    output_dir: str = Field(description="Folder this edition is built into.", examples=["site-partners"])
    banner: Annotated[str, StringConstraints(min_length=1, max_length=120)] | None = Field(
        default=None,
        description=(
            "Shown on every page and in the PDF's running header (an edition with any audience "
            "other than public should say who may read it); its pages also ask search engines not to index them."
        ),
        examples=["Partners only \u2014 not for publication"],
    )

    @field_validator("output_dir")
    @classmethod
    def _inside_project(cls, value: str) -> str:
        return _relative_dir(value)


@dataclass(frozen=True)
class Edition:
    """An edition as the build uses it."""

    name: str
    audiences: frozenset[str]
    output_dir: str
    banner: str | None

    def shows(self, audience: str) -> bool:
        return audience in self.audiences


#: ReliefWeb's ids of the languages it takes reports in (api.reliefweb.int/v1/references/languages).
RELIEFWEB_LANGUAGES = {"en": 267, "fr": 268, "ar": 6876, "ru": 10906}


class ReliefWebSettings(Strict):
    """The organisation's ReliefWeb ids, for the Post API payload written beside each report."""

    source: Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=1, max_length=30)] = Field(
        description="The organisation's source ids on ReliefWeb (api.reliefweb.int/v1/sources).", examples=[[1503]]
    )
    country: Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=1, max_length=300)] = Field(
        description="Country ids (api.reliefweb.int/v1/countries), the primary country first.", examples=[[226]]
    )
    format: Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=1, max_length=1)] = Field(
        description="The content format id, one (api.reliefweb.int/v1/references/content-formats; 10 is Situation Report).",
        examples=[[10]],
    )
    theme: Annotated[list[Annotated[int, Field(ge=1)]], Field(max_length=20)] = Field(
        default_factory=list, description="Theme ids (api.reliefweb.int/v1/references/themes).", examples=[[4597]]
    )
    disaster: Annotated[list[Annotated[int, Field(ge=1)]], Field(max_length=30)] = Field(
        default_factory=list, description="Disaster ids (api.reliefweb.int/v1/disasters).", examples=[[50924]]
    )


def _needs_base_url(what: str, info: ValidationInfo) -> None:
    """Outputs read outside the site (an email, a ReliefWeb post) need the site's public address."""
    if not info.data.get("base_url"):
        raise ValueError(f"{what} needs base_url (the site's public address, ending in '/'), since its links and images are read outside the site; set base_url in sitrepgen.yaml")


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
    search: bool = Field(
        default=True,
        description="A full-text search of the reports (site/search.html, with a Pagefind index in site/pagefind/).",
        examples=[False],
    )
    email: bool = Field(
        default=False,
        description=(
            "Write each report as one email (reports/SLUG.email.html, styles inlined, images by absolute "
            "URL) and its plain-text alternative (reports/SLUG.email.txt). Needs base_url."
        ),
        examples=[True],
    )
    docx: bool = Field(
        default=False,
        description="Write each report as a Word document (reports/SLUG.docx), made by pandoc: install sitrepgen[docx].",
        examples=[True],
    )
    reliefweb: ReliefWebSettings | None = Field(
        default=None,
        description="The organisation's ReliefWeb ids: with them, each report gets its ReliefWeb Post API payload (reports/SLUG.reliefweb.json). Needs base_url.",
        examples=[{"source": [1503], "country": [226], "format": [10]}],
    )
    feed_entries: Annotated[int, Field(ge=1, le=1000)] = Field(
        default=20, description="How many of the latest reports each Atom feed holds.", examples=[50]
    )
    page_entries: Annotated[int, Field(ge=1, le=1000)] = Field(
        default=20,
        description=(
            "How many reports the archive (index.html), a series' page and a region's history show, newest "
            "first; with more, each of those pages links to pages by year that list all of a year's reports."
        ),
        examples=[52],
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
    output_dir: str = Field(
        default="site",
        description=(
            "Folder the build writes, replaced whole by every build: a new folder, or one an earlier"
            " build made (it holds a .sitrepgen-site file); never the project itself, nor a folder"
            " that is or holds reports_dir, templates_dir, .sitrepgen-cache or .git."
        ),
        examples=["site"],
    )
    figure_dirs: list[str] = Field(
        default_factory=list,
        description=(
            "Folders of the project, besides reports_dir, that figures may come from (a figure path"
            " is resolved, symbolic links followed, and must end inside one of them)."
        ),
        examples=[["maps"]],
    )
    max_file_bytes: Annotated[int, Field(ge=1024, le=64 * 1024 * 1024)] = Field(
        default=MAX_BYTES, description="Largest report file accepted, in bytes.", examples=[2097152]
    )
    max_build_bytes: Annotated[int, Field(ge=1024, le=1024**4)] = Field(
        default=MAX_BUILD_BYTES,
        description="Most bytes one build or validation may read in all: report, figure and template files.",
        examples=[4294967296],
    )
    max_figures: Annotated[int, Field(ge=1, le=10_000)] = Field(
        default=MAX_FIGURES, description="Most figures one report may have (each is checked, copied and drawn in the PDF).", examples=[50]
    )
    max_references: Annotated[int, Field(ge=1, le=1_000_000)] = Field(
        default=MAX_REFERENCES, description="Most {fig:ID} references one report may make.", examples=[1000]
    )
    figure_label: Annotated[str, StringConstraints(min_length=4, max_length=40)] = Field(
        default="Figure {n}",
        description=(
            "How figures are labelled before their caption, {n} standing for the number: "
            "'Figure {n}', 'Figure {n} -', 'Figure {n}:', 'Map {n}.'. Cross-references print it "
            "without its trailing separator ('Figure 1')."
        ),
        examples=["Figure {n} -"],
    )
    languages: dict[LanguageTag, LanguageSettings] = Field(
        default_factory=dict,
        description=(
            "Settings of each language the reports are written in (translations are named NAME.LANG.yaml "
            "beside NAME.yaml): title, locale, digits and labels."
        ),
        examples=[{"ar": {"title": "ملخص النزاع الأسبوعي في سوريا", "locale": "ar-SY", "digits": "latin"}}],
    )
    key_figure_jump: Annotated[float, Field(gt=0)] | None = Field(
        default=0.5,
        description=(
            "Warn (key-figure-jump) when a key figure moves by more than this share of the previous "
            "report's value while its source stays the same: 0.5 is a rise or fall of more than half. "
            "null turns the check off."
        ),
        examples=[0.5],
    )
    max_figure_bytes: Annotated[int, Field(ge=1024, le=256 * 1024 * 1024)] = Field(
        default=MAX_FIGURE_BYTES, description="Largest figure file accepted, in bytes.", examples=[5242880]
    )
    gazetteer: list[GazetteerEntry] = Field(
        default_factory=list,
        description="Canonical place names and their variant spellings.",
        examples=[[{"name": "Idleb", "variants": ["Idlib"]}, {"name": "Tadmor", "aliases": ["Palmyra"]}]],
    )
    audiences: list[Audience] = Field(
        default_factory=list,
        description="Audiences beyond the built-in 'public' and 'internal' that items may name (e.g. 'partners').",
        examples=[["partners"]],
    )
    editions: dict[Annotated[str, StringConstraints(pattern=EDITION_PATTERN)], EditionSettings] = Field(
        default_factory=dict,
        description=(
            "Editions of the site beyond (or replacing) the built-in ones: 'public' (audience public, "
            "into output_dir) and 'internal' (public and internal, into site-internal/, with a banner)."
        ),
        examples=[{"partners": {"audiences": ["public", "partners"], "output_dir": "site-partners", "banner": "Partners only"}}],
    )
    map: MapSettings | None = Field(
        default=None,
        description=(
            "How figures drawn from GeoJSON ('map:' in a report) name and colour the actors: "
            "'control' (each key a GeoJSON properties.control uses, with its label and colour) and "
            "an optional 'attribution' line. A project with map figures must have it."
        ),
        examples=[{"control": {"government": {"label": "Pro-government forces", "colour": "#e4a59a"}}}],
    )
    embed_source: bool = Field(
        default=True,
        description=(
            "Embed each report's YAML in its PDF (as its source, without comments and without the "
            "items outside the edition's audiences)."
        ),
        examples=[False],
    )

    @field_validator("email")
    @classmethod
    def _email_needs_base_url(cls, value: bool, info: ValidationInfo) -> bool:
        if value:
            _needs_base_url("email: true", info)
        return value

    @field_validator("reliefweb")
    @classmethod
    def _reliefweb_needs_base_url(cls, value: ReliefWebSettings | None, info: ValidationInfo) -> ReliefWebSettings | None:
        if value is not None:
            _needs_base_url("reliefweb:", info)
        return value

    @field_validator("figure_label")
    @classmethod
    def _one_number(cls, value: str) -> str:
        if value.count("{n}") != 1 or value.replace("{n}", "").count("{") or value.replace("{n}", "").count("}"):
            raise ValueError(f"'{value}' must hold {{n}} (the figure's number) exactly once, and no other braces: 'Figure {{n}} -'")
        return value

    @field_validator("reports_dir", "templates_dir", "output_dir")
    @classmethod
    def _inside_project(cls, value: str) -> str:
        return _relative_dir(value)

    @field_validator("editions")
    @classmethod
    def _known_audiences(cls, value: dict[str, EditionSettings], info: ValidationInfo) -> dict[str, EditionSettings]:
        declared = [*BUILTIN_AUDIENCES, *info.data.get("audiences", [])]
        for name, edition in value.items():
            for audience in edition.audiences:
                if audience not in declared:
                    raise ValueError(f"edition '{name}' includes the audience '{audience}', which is not declared; the audiences are: {', '.join(declared)} (declare more under 'audiences:')")
        return value

    def all_editions(self) -> dict[str, Edition]:
        """The built-in editions with this project's own on top (one of the same name replaces it)."""
        internal_dir = "site-internal" if self.output_dir == "site" else f"{self.output_dir.rstrip('/')}-internal"
        found = {
            PUBLIC: Edition(PUBLIC, frozenset({PUBLIC}), self.output_dir, None),
            "internal": Edition("internal", frozenset(BUILTIN_AUDIENCES), internal_dir, INTERNAL_BANNER),
        }
        for name, settings in self.editions.items():
            found[name] = Edition(name, frozenset(settings.audiences), settings.output_dir, settings.banner)
        return found

    @model_validator(mode="after")
    def _one_folder_each(self) -> Config:
        folders: dict[str, str] = {}
        for edition in self.all_editions().values():
            folder = edition.output_dir.rstrip("/")
            if folder in folders:
                raise ValueError(f"editions '{folders[folder]}' and '{edition.name}' would both be built into {folder}/; give each its own output_dir")
            folders[folder] = edition.name
        return self

    @field_validator("figure_dirs")
    @classmethod
    def _folders_inside_project(cls, value: list[str]) -> list[str]:
        return [_relative_dir(folder) for folder in value]


@dataclass(frozen=True)
class Project:
    root: Path
    config: Config
    config_document: Document | None = None
    #: Problems with the folders when there is no sitrepgen.yaml to point at (default settings)
    problems: tuple[str, ...] = ()

    @property
    def reports_dir(self) -> Path:
        return self.root / self.config.reports_dir

    @property
    def templates_dir(self) -> Path:
        return self.root / self.config.templates_dir

    @property
    def output_dir(self) -> Path:
        return self.root / self.config.output_dir

    def resolved(self, path: Path) -> Path:
        """``path`` with every link followed, once per run (a run asks it of each report several
        times); PathProblem for a link loop, which is never remembered."""
        memo = self.__dict__.setdefault("_resolved", {})
        found = memo.get(path)
        if found is None:
            found = memo[path] = resolve(path)
        return found

    def fingerprint(self) -> str:
        """What validation depends on besides the report itself: the config and the code."""
        path = self.root / CONFIG_NAME
        data = path.read_bytes() if path.is_file() else b""
        return digest_bytes(data) + json.dumps(versions(), sort_keys=True)

    def figure_folders(self) -> tuple[Path, ...]:
        """The resolved folders figures may come from: reports_dir, then figure_dirs."""
        return self._figure_folders

    @cached_property
    def _figure_folders(self) -> tuple[Path, ...]:
        folders = []
        for name in (self.config.reports_dir, *self.config.figure_dirs):
            try:
                folders.append(resolve(self.root / name))
            except PathProblem:
                continue  # a config error already says so
        return tuple(folders)

    @cached_property
    def _places(self) -> tuple[Place, ...]:
        return tuple(Place(p.name, tuple(p.variants), tuple(p.aliases)) for p in self.config.gazetteer)

    def lint_context(self, budget: Budget | None = None, figures: FigureStore | None = None, *, language: str | None = None) -> LintContext:
        """The context of the lint rules; ``figures`` is shared by every report of one run, and
        the figure label is the one of the report's ``language``."""
        label = self.languages().get(language).figure_label
        editions = tuple((e.name, e.audiences) for e in self.config.all_editions().values())
        return LintContext(
            root=self.resolved_root,
            gazetteer=self._places,
            figure_label=label,
            audiences=(*BUILTIN_AUDIENCES, *self.config.audiences),
            editions=editions,
            max_figures=self.config.max_figures,
            max_references=self.config.max_references,
            reports_dir=self.reports_dir,
            key_figure_jump=self.config.key_figure_jump,
            figure_folders=self.figure_folders(),
            figure_names=self.figure_names(),
            budget=budget,
            figures=figures or self.figure_store(),
            map_settings=self.config.map,
        )

    def figure_store(self) -> FigureStore:
        return FigureStore(self.config.max_figure_bytes)

    def edition(self, name: str) -> Edition:
        """The edition called ``name``; KeyError when the project has none of that name."""
        return self.config.all_editions()[name]

    def languages(self) -> Languages:
        """The languages of this project, each with its settings (made once per project)."""
        cached = self.__dict__.get("_languages")
        if cached is None:
            from .i18n import Languages, Settings

            settings = {
                tag: Settings(locale=one.locale, digits=one.digits, title=one.title, labels=dict(one.labels))
                for tag, one in self.config.languages.items()
            }
            default = settings.get(self.config.language, Settings())
            if "figure_label" in self.config.model_fields_set:  # the project's label style
                default = dataclasses.replace(default, figure_label=self.config.figure_label)
            settings[self.config.language] = default
            cached = Languages(self.config.language, settings)
            object.__setattr__(self, "_languages", cached)
        return cached

    def language_of(self, path: Path) -> str | None:
        """The language a file's name gives it ('ar' for 2016-12-08.ar.yaml), or None."""
        from .translations import language_of_name

        return language_of_name(path.name)

    def figure_names(self) -> str:
        """The allowed figure folders as a message names them: 'sitreps/' or 'sitreps/ or maps/'."""
        return " or ".join(f"{name.rstrip('/')}/" for name in (self.config.reports_dir, *self.config.figure_dirs))

    def slug_of(self, path: Path) -> str:
        """Where a report's pages go, below reports/: its path under reports_dir without the
        extension ('isw/2016-12-08'), so reports in two folders never collide. The file's own
        name is kept (a link inside reports_dir is named by the link)."""
        try:
            slug = self.resolved(path).relative_to(self._reports_folder).with_suffix("").as_posix()
        except (ValueError, OSError):  # outside the folder (named on the command line), or a loop
            slug = path.stem
        language = self.language_of(path)  # a translation shares its report's pages' name
        return slug[: -len(language) - 1] if language is not None else slug

    def report_paths(self) -> list[Path]:
        """Every report under the reports folder, in a stable order (hidden files skipped).

        Symbolic links are listed too, even broken ones or loops: loading says what is wrong
        with each (a link leading out of the folder is an error, never followed).
        """
        if not self.reports_dir.is_dir():
            return []
        found = [
            path
            for pattern in ("*.yaml", "*.yml")
            for path in self.reports_dir.rglob(pattern)
            if (path.is_symlink() or path.is_file())
            and not any(p.startswith(".") for p in path.relative_to(self.reports_dir).parts)
        ]
        # A split report's desk folder holds its parts (sitrepgen.desks), not reports: one look per folder.
        desks = {folder for folder in {path.parent for path in found} - {self.reports_dir} if is_desk_folder(folder)}
        return sorted(path for path in found if path.parent not in desks)

    @cached_property
    def _reports_folder(self) -> Path:
        return resolve(self.reports_dir)

    @cached_property
    def resolved_root(self) -> Path:
        """The project folder with every link followed (resolved once: a build asks per file)."""
        return resolve(self.root)

    def report_problem(self, path: Path) -> str | None:
        """Why the report file ``path`` may not be read: it must resolve inside reports_dir."""
        try:
            folder = self._reports_folder
            target = self.resolved(path)
        except PathProblem:
            return "the report file is a symbolic link loop; replace the link by the file itself"
        if not is_inside(target, folder) or target == folder:
            where = f"{self.config.reports_dir.rstrip('/')}/"
            if not path.is_symlink():  # named on the command line, or reached through a linked folder
                return f"the report file is not inside {where}; reports must be files inside {where} (it was not read)"
            return f"the report file is a symbolic link that leads outside {where}; reports must be files inside {where} (the link was not followed)"
        return None


def folder_problems(root: Path, config: Config) -> list[tuple[Loc, str]]:
    """(setting, message) for each folder setting that cannot be used as it stands on disk."""
    problems: list[tuple[Loc, str]] = []
    for name in ("reports_dir", "templates_dir"):
        message = folder_problem(root, name, getattr(config, name))
        if message is not None:
            problems.append(((name,), message))
    for index, folder in enumerate(config.figure_dirs):
        message = folder_problem(root, "figure_dirs", folder)
        if message is not None:
            problems.append((("figure_dirs", index), message))
    public = output_dir_problem(root, config.output_dir, config.reports_dir, config.templates_dir)
    if public is not None:
        problems.append((("output_dir",), public))
    for edition in config.all_editions().values():  # every edition's folder is replaced whole too
        declared = edition.name in config.editions
        if edition.output_dir == config.output_dir or (public is not None and not declared):
            continue  # (the built-in internal edition's folder stands beside output_dir: said once)
        message = output_dir_problem(root, edition.output_dir, config.reports_dir, config.templates_dir)
        if message is not None:
            where: Loc = ("editions", edition.name, "output_dir") if declared else ("output_dir",)
            problems.append((where, f"the {edition.name} edition's {message}"))
    return problems


def load_project(root: Path) -> Project:
    """The project at ``root``; a broken config is reported through its document's diagnostics.

    Folder settings are checked against the disk too (a link leading out of the project, an
    output folder that is the project): each is an error at its line, and nothing is written.
    """
    root = root.resolve()
    path = root / CONFIG_NAME
    if not path.exists():
        return Project(root, Config(), problems=tuple(message for _, message in folder_problems(root, Config())))
    from .translations import check_config

    def check_folders(doc: Document, config: Config) -> None:
        for loc, message in folder_problems(root, config):
            doc.add_at(loc, "output-dir" if "output_dir" in loc else "folder-path", message)

    loaded = load_model(path, Config, checks=(check_config,))
    if loaded.model is not None:  # the settings are valid: keep them, and check them on disk
        check_folders(loaded.document, loaded.model)
    return Project(root, loaded.model or Config(), loaded.document)
