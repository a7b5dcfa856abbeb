"""Everything a build writes, one module per output, each a function from the plan to files.

The build (``sitrepgen.site.build``) gathers and validates the reports, makes a ``Plan`` of them
(series, views, the Jinja environment) and asks every output in ``OUTPUTS`` for its files, a
mapping of site-relative path to bytes (or to a project file copied as it is). An output only
reads the plan: whatever it needs about the reports (their order, the previous report, a view
seen from another page) it asks the plan for, so two outputs cannot disagree.

Adding an output is a module with a ``render(plan)`` function and a line in ``OUTPUTS``;
``site.build`` refuses two outputs that claim one path.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import render
from ..render import ReportView
from ..series import Neighbours, Series, comparisons, group, key_figure_trends, neighbours
from ..trends import NOTHING, Comparison, Trend, has_ids

if TYPE_CHECKING:
    import jinja2

    from ..config import Project
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
    """What every output reads: the valid reports, their series, and how to render a page."""

    project: Project
    env: jinja2.Environment
    site: dict[str, Any]
    reports: list[LoadedReport]  #: in the documented order, oldest first (series.order_key)
    series: list[Series] = field(default_factory=list)
    neighbours: dict[str, Neighbours] = field(default_factory=dict)
    comparisons: dict[str, Comparison] = field(default_factory=dict)  #: key figures against last week's, by slug
    _views: dict[tuple[str, str], ReportView] = field(default_factory=dict)
    _trends: dict[str, list[Trend]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.series = group(self.reports)
        self.neighbours = neighbours(self.series)
        self.comparisons = comparisons(self.series)
        # Every page's navigation links the key-figures page when there is one.
        self.site = {**self.site, "key_figures": bool(self.key_figure_series)}

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
        own = f"reports/{item.slug}.html"
        directory = posixpath.dirname(page)
        key = (item.slug, "\0own" if page == own else directory, link_base or "")
        if key not in self._views:
            folder = posixpath.dirname(own) + "/"
            self._views[key] = render.build_view(
                item.report,
                item.slug,
                page="" if page == own else relative(own, directory),
                assets=relative("reports/", directory),
                link_base=relative(folder, directory) if link_base is None else link_base,
                label=self.label,
                comparison=self.comparisons.get(item.slug, NOTHING),
                sparks=self._sparks(item, directory) if page == own else None,
            )
        return self._views[key]

    def _sparks(self, item: LoadedReport, directory: str) -> dict[str, Any]:
        """The small chart of each of the report's key figures, over its series up to this
        report, where there are at least two values to draw."""
        if not has_ids(item.report):
            return {}
        from ..charts import spark  # drawing code: only for a build that makes pages

        series = self.series_of(item)
        page = relative(KEY_FIGURES_PAGE, directory)
        return {
            trend.id: spark(trend, item.slug, f"{page}#{chart_anchor(series, trend.id)}")
            for trend in self.trends(series)
            if len([p for p in trend.up_to(item.slug) if p.figure is not None]) >= 2
        }

    @property
    def series_pages(self) -> list[Series]:
        """The series that get a page and a feed of their own: all of them, when there are several."""
        return self.series if len(self.series) > 1 else []

    def series_of(self, item: LoadedReport) -> Series:
        return next(series for series in self.series if any(member.slug == item.slug for member in series.items))

    def render(self, template: str, page: str, **context: object) -> bytes:
        """A page from a template, with the site and (unless given) the way back to the site's root."""
        context.setdefault("root", up(posixpath.dirname(page)))
        return render.render_template(self.env, template, site=self.site, **context).encode("utf-8")


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
    """Every output's files added to ``files`` (the figures and fonts already gathered). The
    sitemap comes last, since it lists the pages."""
    from . import sitemap

    for output in _outputs():
        _add(files, output(plan))
    _add(files, sitemap.render(plan, files))
    return files


def _add(files: Files, more: Files) -> None:
    """Two outputs claiming one path is a bug in sitrepgen, not a choice to make silently."""
    for name, data in more.items():
        if name in files:
            raise AssertionError(f"two outputs write {name}")
        files[name] = data
