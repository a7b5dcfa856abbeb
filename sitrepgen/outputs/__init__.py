"""Everything a build writes, one module per output, each a function from the plan to files.

The build (``sitrepgen.site.build``) gathers and validates the reports, makes a ``Plan`` of them
(series, views, the Jinja environment) and asks every output in ``OUTPUTS`` for its files, a
mapping of site-relative path to bytes (or to a project file copied as it is). An output only
reads the plan: whatever it needs about the reports (their order, the previous report, a view
seen from another page) it asks the plan for, so two outputs cannot disagree.

Adding an output is a module with a ``render(plan)`` function and a line in ``OUTPUTS``;
``site.build`` refuses two outputs that claim one path.

Languages: each language the reports are written in has a plan of its own (``Plan.translations``),
whose pages go under ``site/LANG/`` (``plan.prefix``); the project's own language keeps the root.
Outputs write ``plan.path("index.html")`` and link with ``root`` (the language's home) and
``site_root`` (where the shared assets are); a plan knows the pages of every other language, so
each page can name its versions in them (``alternates``: ``<link rel="alternate" hreflang>``; and
``switch``: the visible links).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import render
from ..render import ReportView, slugify
from ..series import Neighbours, Series, comparisons, group, key_figure_trends, neighbours
from ..trends import NOTHING, Comparison, Trend, has_ids

if TYPE_CHECKING:
    import jinja2

    from ..config import Project
    from ..i18n import Language
    from ..site import LoadedReport

Files = dict[str, "bytes | Path"]


def up(directory: str) -> str:
    """The relative path from a folder of the site back to its root: '', '../', '../../'."""
    return "../" * len([part for part in directory.split("/") if part])


def relative(target: str, directory: str) -> str:
    """``target`` (site-relative) as seen from a page in ``directory``, ending in '/' if it does."""
    found = posixpath.relpath(target, directory or ".")
    if found == ".":
        return ""
    return found + "/" if target.endswith("/") else found


@dataclass
class Plan:
    """What every output reads: the valid reports of one language, their series, and how to
    render a page. The plan of the whole build is the project's own language; ``translations``
    gives one plan per other language the reports are written in."""

    project: Project
    env: jinja2.Environment
    site: dict[str, Any]
    reports: list[LoadedReport]  #: this language's, in the documented order, oldest first (series.order_key)
    translation: str | None = None  #: the language of this plan when it is not the project's own
    everything: list[LoadedReport] | None = None  #: the reports of every language
    environments: dict[str, jinja2.Environment] = field(default_factory=dict)  #: by language, made on first use
    arabic: bool = False  #: whether some PDF is set in the Arabic font (the site then has it too)
    series: list[Series] = field(default_factory=list)
    neighbours: dict[str, Neighbours] = field(default_factory=dict)
    comparisons: dict[str, Comparison] = field(default_factory=dict)  #: key figures against last week's, by slug
    _views: dict[tuple[str, str], ReportView] = field(default_factory=dict)
    _others: list[Plan] = field(default_factory=list)
    _trends: dict[str, list[Trend]] = field(default_factory=dict)
    _series_by_slug: dict[str, Series] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.everything is None:  # the plan of the whole build: its own language's reports
            self.everything = list(self.reports)
            self.reports = [item for item in self.reports if item.translation is None]
        self.environments.setdefault(self.language.tag, self.env)
        self.series = group(self.reports)
        self.neighbours = neighbours(self.series, self.language)
        self._series_by_slug = {member.slug: series for series in self.series for member in series.items}
        self.comparisons = comparisons(self.series)
        # Every page's navigation links the key-figures page when there is one.
        self.site = {**self.site, "key_figures": bool(self.key_figure_series)}

    @property
    def prefix(self) -> str:
        """Where this language's pages go: '' for the project's own, 'ar/' for Arabic."""
        return f"{self.translation}/" if self.translation else ""

    def path(self, page: str) -> str:
        """The site path of a page of this language: 'ar/index.html' for 'index.html'."""
        return self.prefix + page

    @property
    def language(self) -> Language:
        return self.project.languages().get(self.translation)

    def environment(self, tag: str) -> jinja2.Environment:
        """The templates speaking ``tag`` (a report page speaks its report's language)."""
        if tag not in self.environments:
            self.environments[tag] = render.make_environment(self.project.templates_dir, self.project.languages().get(tag))
        return self.environments[tag]

    def trends(self, series: Series) -> list[Trend]:
        """Each key-figure id of a series over its reports (series.key_figure_trends), made once."""
        if series.key not in self._trends:
            self._trends[series.key] = key_figure_trends(series, self.comparisons)
        return self._trends[series.key]

    @property
    def key_figure_series(self) -> list[Series]:
        """The series with at least one key figure that has an id: what the key-figures page,
        the charts and the data files show."""
        return [series for series in self.series if any(has_ids(item.report) for item in series.items)]

    @property
    def label(self) -> str:
        return str(self.site["figure_label"])

    def view(self, item: LoadedReport, page: str, *, link_base: str | None = None) -> ReportView:
        """The report as seen from the page at site path ``page`` (its own page, the index, a
        region page): figure sources, references and relative links all lead to the same places."""
        own = f"{self.prefix}reports/{item.slug}.html"
        directory = posixpath.dirname(page)
        key = (item.slug, "\0own" if page == own else directory, link_base or "")
        if key not in self._views:
            folder = posixpath.dirname(own) + "/"
            language = self.project.languages().get(item.report.language)
            self._views[key] = render.build_view(
                item.report,
                item.slug,
                page="" if page == own else relative(own, directory),
                assets=relative(f"{self.prefix}reports/", directory),
                link_base=relative(folder, directory) if link_base is None else link_base,
                language=language,
                label=self.label,
                comparison=self.comparisons.get(item.slug, NOTHING),
                sparks=self._sparks(item, directory) if page == own else None,
            )
        return self._views[key]

    # ----------------------------------------------------------------- languages

    @property
    def translations(self) -> list[Plan]:
        """One plan per other language the reports are written in, in the order of their tags."""
        if self.translation is not None or self._others:
            return self._others
        assert self.everything is not None
        tags = sorted({item.translation for item in self.everything if item.translation})
        from ..site import site_context

        edition = self.project.edition(str(self.site["edition"])) if "edition" in self.site else None
        for tag in tags:
            env = self.environment(tag)
            mine = [item for item in self.everything if item.translation == tag]
            self._others.append(Plan(self.project, env, site_context(self.project, edition, translation=tag), mine, tag, self.everything, self.environments))
        for plan in self._others:
            plan._others = [self, *(other for other in self._others if other is not plan)]
        return self._others

    def pages(self) -> set[str]:
        """Every page of this language, relative to its home: what another language can link to."""
        if "_pages" not in self.__dict__:
            found = {"index.html", "regions/index.html"}
            found |= {f"reports/{item.slug}.html" for item in self.reports}
            found |= {f"regions/{slugify(name)}.html" for item in self.reports for name in _region_names(item)}
            found |= {f"series/{series.key}.html" for series in self.series_pages}
            self.__dict__["_pages"] = found
        return self.__dict__["_pages"]  # type: ignore[no-any-return]

    def others(self) -> list[Plan]:
        """The plans of the other languages, the project's own language first."""
        return self.translations if self.translation is None else self._others

    def alternates(self, page: str, directory: str) -> list[dict[str, str]]:
        """The page's versions in every language that has it (itself included, and x-default:
        the project's own language), for ``<link rel="alternate" hreflang>``; none if no other
        language has it."""
        having = [plan for plan in [self, *self.others()] if page in plan.pages()]
        if len(having) < 2:
            return []
        base = self.project.config.base_url  # absolute where the site's address is known

        def href(plan: Plan) -> str:
            return f"{base}{plan.path(page)}" if base else relative(plan.path(page), directory)

        found = [{"hreflang": plan.language.tag, "href": href(plan)} for plan in sorted(having, key=lambda one: one.prefix)]
        own = [plan for plan in having if plan.translation is None]
        return found + [{"hreflang": "x-default", "href": href(own[0])}] if own else found

    def switch(self, page: str, directory: str, *, report: bool = False) -> list[dict[str, str]]:
        """Visible links to this page in the other languages (a report page: only where the
        report is translated; a list: the same list, else that language's archive)."""
        found = []
        for plan in self.others():
            if page in plan.pages():
                target = plan.path(page)
            elif report or not plan.reports:
                continue
            else:
                target = plan.path("index.html")
            language = plan.language
            found.append({"href": relative(target, directory), "lang": language.tag, "name": language.name, "dir": language.direction})
        return found

    def _sparks(self, item: LoadedReport, directory: str) -> dict[str, Any]:
        """The small chart of each of the report's key figures, over its series up to this
        report, where there are at least two values to draw."""
        if not has_ids(item.report):
            return {}
        from ..charts import spark, spark_points  # drawing code: only for a build that makes pages

        series = self.series_of(item)
        page = relative(self.path(KEY_FIGURES_PAGE), directory)
        return {
            trend.id: spark(trend, item.slug, f"{page}#{chart_anchor(series, trend.id)}")
            for trend in self.trends(series)
            if len([p for p in spark_points(trend, item.slug) if p.figure is not None]) >= 2
        }

    @property
    def series_pages(self) -> list[Series]:
        """The series that get a page and a feed of their own: all of them, when there are several."""
        return self.series if len(self.series) > 1 else []

    def series_of(self, item: LoadedReport) -> Series:
        """The series a report belongs to (looked up: a scan of every series for each report
        grew with the square of the archive)."""
        return self._series_by_slug[item.slug]

    def render(self, template: str, page: str, *, language: str | None = None, **context: object) -> bytes:
        """A page (at site path ``page``) from a template, with the site, the way back to this
        language's home (``root``) and to the site's root (``site_root``), and the page's
        versions in other languages; in ``language`` when given (a report page speaks its report's)."""
        inside = page[len(self.prefix) :] if page.startswith(self.prefix) else page
        directory = posixpath.dirname(page)
        context.setdefault("root", up(posixpath.dirname(inside)))
        context.setdefault("site_root", up(directory))
        if page.endswith(".html") and self.everything is not None and len(self.everything) != len(self.reports):
            context.setdefault("alternates", self.alternates(inside, directory))
            context.setdefault("switch", self.switch(inside, directory, report=inside.startswith("reports/")))
        env = self.environment(language) if language else self.env
        site = self.site if language in (None, self.language.tag) else {**self.site, "direction": self.project.languages().get(language).direction}
        return render.render_template(env, template, site=site, **context).encode("utf-8")


def _region_names(item: LoadedReport) -> list[str]:
    report = item.report
    names = [name for section in report.sections for name in section.region_names]
    return names + [region.name for region in report.regions]


#: The page of every key figure over its series, with its chart and table.
KEY_FIGURES_PAGE = "key-figures.html"


def chart_anchor(series: Series, figure_id: str) -> str:
    """The id of a key figure's part of the key-figures page: 'syria-people-trapped'."""
    return f"{series.key.replace('/', '-')}-{figure_id}"


def _outputs() -> list[Callable[[Plan], Files]]:
    from . import archive, assets, data, feeds, key_figures, regions, report_pages, search
    from . import email

    return [assets.render, report_pages.render, archive.render, regions.render, feeds.render, key_figures.render, data.render, search.render, email.render]


def render_all(plan: Plan, files: Files) -> Files:
    """Every output's files added to ``files`` (the figures and fonts already gathered), for the
    project's language and then each other one. The sitemap comes last, since it lists the pages."""
    from . import sitemap

    for one in [plan, *plan.translations]:
        for output in _outputs():
            _add(files, output(one))
    _add(files, sitemap.render(plan, files))
    return files


def _add(files: Files, more: Files) -> None:
    """Two outputs claiming one path is a bug in sitrepgen, not a choice to make silently."""
    for name, data in more.items():
        if name in files:
            raise AssertionError(f"two outputs write {name}")
        files[name] = data
