"""The site's stylesheet, the bundled fonts, and the project's own files under templates/assets/."""

from __future__ import annotations

from pathlib import Path

from . import Files, Plan

FONT_FACES = (
    ("SourceSansPro-Regular.ttf", 400, "normal"),
    ("SourceSansPro-It.ttf", 400, "italic"),
    ("SourceSansPro-Semibold.ttf", 600, "normal"),
    ("SourceSansPro-Bold.ttf", 700, "normal"),
    ("SourceSansPro-BoldIt.ttf", 700, "italic"),
)


def font_files() -> dict[str, Path]:
    """Site-relative URL -> file of every bundled font face."""
    import font_source_sans_pro

    directory = Path(font_source_sans_pro.font_directory)
    return {f"assets/fonts/{name}": directory / name for name, _, _ in FONT_FACES}


def project_assets(templates_dir: Path, root: Path) -> dict[str, Path]:
    """Files under ``templates/assets/`` (a project's own fonts, logo): copied to site/assets/ and
    available to the PDF. Only regular files inside the project are taken."""
    folder = templates_dir / "assets"
    if not folder.is_dir():
        return {}
    root = root.resolve()
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


def render(plan: Plan) -> Files:
    """The screen stylesheet (fonts and project assets are gathered with the figures, since the
    PDFs need them before any page is made)."""
    from ..render import render_template

    return {"assets/style.css": render_template(plan.env, "style.css.j2", **font_context("fonts/")).encode("utf-8")}
