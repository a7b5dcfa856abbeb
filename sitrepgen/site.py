"""The build: gather and validate every report, render everything in memory, then swap it in.

A failed build writes nothing: the output folder is replaced only once every page and PDF has
been made, so the last good site survives any error.

Output layout (all links relative, so the site works offline and from a subpath)::

    site/index.html
    site/assets/style.css, site/assets/fonts/*.ttf, and the project's templates/assets/*
    site/reports/<slug>.html | .md | .pdf
    site/reports/<slug>/<figure-id>.<ext>
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from . import render
from .config import Project
from .diagnostics import Diagnostic, Severity
from .lint import resolve_figure, run_rules
from .load import Document, load_model
from .model import Report
from .render import ReportView

FONT_FACES = (
    ("SourceSansPro-Regular.ttf", 400, "normal"),
    ("SourceSansPro-It.ttf", 400, "italic"),
    ("SourceSansPro-Semibold.ttf", 600, "normal"),
    ("SourceSansPro-Bold.ttf", 700, "normal"),
    ("SourceSansPro-BoldIt.ttf", 700, "italic"),
)


class BuildError(Exception):
    """The build stopped; ``diagnostics`` says where, when the problem is in a file."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics or []


@dataclass
class LoadedReport:
    document: Document
    report: Report
    slug: str


@dataclass
class BuildResult:
    output_dir: Path
    reports: list[LoadedReport]
    files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def font_files() -> dict[str, Path]:
    """Site-relative URL -> file of every bundled font face."""
    import font_source_sans_pro

    directory = Path(font_source_sans_pro.font_directory)
    return {f"assets/fonts/{name}": directory / name for name, _, _ in FONT_FACES}


def project_assets(project: Project) -> dict[str, Path]:
    """Files under ``templates/assets/`` (a project's own fonts, logo): copied to site/assets/ and
    available to the PDF. Only regular files inside the project are taken."""
    folder = project.templates_dir / "assets"
    if not folder.is_dir():
        return {}
    root = project.root.resolve()
    return {
        f"assets/{path.relative_to(folder).as_posix()}": path.resolve()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.resolve().is_relative_to(root)
    }


def font_context(prefix: str) -> dict[str, object]:
    return {
        "font_prefix": prefix,
        "fonts": [{"file": name, "weight": weight, "style": style} for name, weight, style in FONT_FACES],
    }


def load_report(path: Path, project: Project) -> tuple[Document, Report | None]:
    """Load, validate and check one report."""
    loaded = load_model(
        path,
        Report,
        max_bytes=project.config.max_file_bytes,
        root=Path.cwd(),
        checks=(lambda doc, report: run_rules(doc, report, project.lint_context()),),
    )
    return loaded.document, loaded.model


def gather(
    project: Project, paths: list[Path] | None = None, *, strict: bool = False
) -> tuple[list[LoadedReport], list[Diagnostic]]:
    """Load every report; all diagnostics of all files, and the reports that were valid.

    Under ``strict`` every warning counts as an error (a publishing pipeline's choice).
    """
    diagnostics: list[Diagnostic] = []
    if project.config_document is not None:
        diagnostics += project.config_document.diagnostics
    reports: list[LoadedReport] = []
    slugs: dict[str, Path] = {}
    for path in paths if paths is not None else project.report_paths():
        doc, report = load_report(path, project)
        diagnostics += doc.diagnostics
        if report is None:
            continue
        slug = path.stem
        if slug in slugs:
            doc.add(0, 0, "output-collision", f"this report would write reports/{slug}.* like {slugs[slug]}; rename one of them")
            diagnostics.append(doc.diagnostics[-1])
            continue
        slugs[slug] = path
        reports.append(LoadedReport(doc, report, slug))
    if strict:
        diagnostics = [dataclasses.replace(d, severity=Severity.ERROR) for d in diagnostics]
    return reports, diagnostics


def build(project: Project, *, page_size: str | None = None, strict: bool = False) -> BuildResult:
    """Build the whole site; raise BuildError (and write nothing) on any error."""
    reports, diagnostics = gather(project, strict=strict)
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    if errors:
        raise BuildError(f"{len(errors)} error(s); nothing was written", diagnostics)
    if not reports:
        raise BuildError(f"no reports found in {project.config.reports_dir}/ (files ending in .yaml)")

    env = render.make_environment(project.templates_dir)
    site = site_context(project)
    size = page_size or project.config.page_size
    series = sorted(reports, key=lambda r: (r.report.period.end, r.slug))  # oldest first
    assets = {**font_files(), **project_assets(project)}
    outputs: dict[str, bytes | Path] = dict(assets)
    warnings: list[str] = []

    def page(name: str, template: str, **context: object) -> None:
        outputs[name] = render.render_template(env, template, site=site, **context).encode("utf-8")

    views = [render.build_view(item.report, item.slug) for item in series]
    for index, (item, view) in enumerate(zip(series, views)):
        sources = {f.id: resolve_figure(f.image, item.document.path.parent, project.root) for f in item.report.figures()}
        figures = {f"reports/{figure.file}": sources[figure.id] for figure in view.figures}
        outputs.update(figures)
        context = {
            "report": item.report,
            "view": view,
            "root": "../",
            "previous": views[index - 1] if index > 0 else None,
            "next": views[index + 1] if index + 1 < len(views) else None,
        }
        page(f"reports/{item.slug}.md", "report.md.j2", **context)
        page(f"reports/{item.slug}.html", "report.html.j2", **context)
        print_html = render.render_template(
            env, "print.html.j2", site=site, **context, page_size=size, **font_context("../assets/fonts/")
        )
        outputs[f"reports/{item.slug}.pdf"], pdf_warnings = _pdf(print_html, item, {**assets, **figures}, view)
        warnings += [f"{item.document.display}: PDF: {message}" for message in pdf_warnings]

    outputs["assets/style.css"] = render.render_template(env, "style.css.j2", **font_context("fonts/")).encode("utf-8")
    from_root = [render.build_view(item.report, item.slug, page=f"reports/{item.slug}.html", assets="reports/") for item in series]
    listed = [
        {"view": view, "href": f"reports/{view.slug}.html", "pdf": f"reports/{view.slug}.pdf", "md": f"reports/{view.slug}.md"}
        for view in reversed(from_root)
    ]
    page("index.html", "index.html.j2", reports=listed, root="")
    page("404.html", "404.html.j2", root=site["base_url"] or "")
    regions = region_pages(series)
    for region in regions:
        page(f"regions/{region['slug']}.html", "region.html.j2", region_name=region["name"], entries=region["entries"], root="../")
    page("regions/index.html", "regions.html.j2", regions=regions, root="../")
    page("feed.xml", "feed.xml.j2", **feed_context(site, listed))
    if site["base_url"]:
        page("sitemap.xml", "sitemap.xml.j2", urls=sitemap_urls(site["base_url"], outputs, listed))

    write_tree(project.output_dir, outputs)
    return BuildResult(project.output_dir, reports, sorted(outputs), warnings, diagnostics)


def site_context(project: Project) -> dict[str, str | None]:
    config = project.config
    return {"title": config.title, "organisation": config.organisation, "language": config.language, "base_url": config.base_url}


def region_pages(series: list[LoadedReport]) -> list[dict[str, object]]:
    """One page per region name: its section of every report, newest first, figures included."""
    by_name: dict[str, list[dict[str, object]]] = {}
    for item in reversed(series):
        view = render.build_view(item.report, item.slug, page=f"../reports/{item.slug}.html", assets="../reports/")
        for region in view.regions:
            by_name.setdefault(region.name, []).append({"view": view, "region": region})
    pages: dict[str, dict[str, object]] = {}
    for name, entries in by_name.items():
        slug = render.slugify(name)
        if slug in pages:
            raise BuildError(f"regions '{pages[slug]['name']}' and '{name}' would both write regions/{slug}.html; spell the region the same way in every report")
        latest = entries[0]["view"]
        assert isinstance(latest, ReportView)
        pages[slug] = {"name": name, "slug": slug, "entries": entries, "count": len(entries), "latest": latest.period_text}
    return sorted(pages.values(), key=lambda page: str(page["name"]).lower())


def _atom_date(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def feed_context(site: dict[str, str | None], listed: list[dict[str, object]]) -> dict[str, object]:
    """Atom entries, newest first; ids are stable (the page URL, or a UUID derived from it)."""
    base = site["base_url"] or ""

    def stable_id(path: str) -> str:
        return base + path if base else f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'sitrepgen:' + str(site['title']) + ':' + path)}"

    entries = []
    for item in listed:
        view = item["view"]
        assert isinstance(view, ReportView)
        entries.append(
            {"view": view, "id": stable_id(str(item["href"])), "href": f"{base}{item['href']}", "pdf": f"{base}{item['pdf']}", "updated": _atom_date(view.report.published)}
        )
    return {"entries": entries, "feed_id": stable_id("feed.xml"), "updated": max(str(e["updated"]) for e in entries)}


def sitemap_urls(base: str, outputs: dict[str, bytes | Path], listed: list[dict[str, object]]) -> list[dict[str, str | None]]:
    published = {str(item["href"]): _atom_date(item["view"].report.published)[:10] for item in listed}  # type: ignore[attr-defined]
    pages = sorted(name for name in outputs if name.endswith(".html") and name != "404.html")
    return [{"loc": base + name, "lastmod": published.get(name)} for name in pages]


def _pdf(html: str, item: LoadedReport, files: dict[str, Path], view: ReportView) -> tuple[bytes, list[str]]:
    from .pdf import PdfError, Source, render_pdf

    published = item.report.published
    source = Source(
        name=item.document.path.name,
        data=item.document.path.read_bytes(),
        description=f"YAML source of {view.heading_title}",
        date=dt.datetime(published.year, published.month, published.day, tzinfo=dt.timezone.utc),
    )
    try:
        return render_pdf(html, page_url=f"reports/{item.slug}.html", files=files, source=source)
    except PdfError as exc:
        raise BuildError(f"{item.document.display}: the PDF could not be made: {exc}") from None


def write_tree(target: Path, outputs: dict[str, bytes | Path]) -> None:
    """Write every output into a fresh folder beside ``target``, then swap it in at once."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        for relative, content in sorted(outputs.items()):
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):
                shutil.copyfile(content, path)
            else:
                path.write_bytes(content)
        os.chmod(staging, 0o755)
        swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging``; the old folder is removed only after the swap."""
    if not target.exists():
        os.replace(staging, target)
        return
    old = target.with_name(f".{target.name}.old")
    if old.exists():
        shutil.rmtree(old)
    os.replace(target, old)
    try:
        os.replace(staging, target)
    except BaseException:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)
