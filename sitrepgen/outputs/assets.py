"""The site's stylesheet, the bundled fonts, and the project's own files under templates/assets/.

Two families come with sitrepgen from PyPI, both under the SIL Open Font License, and are the
only fonts any output uses: Source Sans Pro for Latin script and Amiri (``fontpkg-amiri``) for
Arabic script. Amiri is added to a PDF, and copied into the site, only when some text is in
Arabic script: WeasyPrint reads every font a stylesheet declares, used or not.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from . import Files, Plan

if TYPE_CHECKING:
    from collections.abc import Iterable

FONT_FACES = (
    ("SourceSansPro-Regular.ttf", 400, "normal"),
    ("SourceSansPro-It.ttf", 400, "italic"),
    ("SourceSansPro-Semibold.ttf", 600, "normal"),
    ("SourceSansPro-Bold.ttf", 700, "normal"),
    ("SourceSansPro-BoldIt.ttf", 700, "italic"),
)
#: Amiri's upright faces (its italic is a slanted naskh that Arabic typesetting does not use for
#: emphasis; Pango slants the regular face where CSS asks for italic).
ARABIC_FACES = (
    ("Amiri-Regular.ttf", 400, "normal"),
    ("Amiri-Bold.ttf", 700, "normal"),
)

#: Characters of the Arabic script (Arabic, its supplements and presentation forms).
ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\u0870-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


def font_files(*, arabic: bool = True) -> dict[str, Path]:
    """Site-relative URL -> file of every bundled font face (Amiri's too, unless ``arabic`` is false)."""
    import font_source_sans_pro

    directory = Path(font_source_sans_pro.font_directory)
    found = {f"assets/fonts/{name}": directory / name for name, _, _ in FONT_FACES}
    if arabic:
        import fontpkg_amiri

        found.update({f"assets/fonts/{name}": Path(fontpkg_amiri.ROOT) / "files" / name for name, _, _ in ARABIC_FACES})
    return found


def needs_arabic(texts: Iterable[str]) -> bool:
    """Whether any of ``texts`` holds a character of the Arabic script."""
    return any(ARABIC_SCRIPT.search(text) for text in texts)


def plan_needs_arabic(plan: Plan) -> bool:
    """Whether the site shows Arabic script anywhere: in a report, or in the settings of a
    language the site has pages in (its title, its labels)."""
    reports = plan.everything or plan.reports
    texts = [item.document.text for item in reports]
    config = plan.project.config
    shown = {config.language} | {item.report.language for item in reports}
    for tag, settings in config.languages.items():
        if tag in shown:
            texts += [settings.title or "", *(str(label) for label in settings.labels.values())]
    return needs_arabic(texts + [config.title or "", config.organisation or ""])


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


def font_context(prefix: str, *, arabic: bool = False) -> dict[str, object]:
    """What _fonts.css.j2 needs: where the fonts are, and which faces to declare."""
    return {
        "font_prefix": prefix,
        "fonts": [{"file": name, "weight": weight, "style": style} for name, weight, style in FONT_FACES],
        "arabic_fonts": [{"file": name, "weight": weight, "style": style} for name, weight, style in ARABIC_FACES] if arabic else [],
    }


def render(plan: Plan) -> Files:
    """The screen stylesheet, once for every language (the fonts and project assets are gathered
    with the figures, since the PDFs need them before any page is made)."""
    from ..render import render_template

    if plan.translation is not None:
        return {}
    arabic = plan.arabic or plan_needs_arabic(plan)
    files: Files = {"assets/style.css": render_template(plan.env, "style.css.j2", **font_context("fonts/", arabic=arabic)).encode("utf-8")}
    if arabic:  # the faces the stylesheet declares (the Latin ones are copied with the figures)
        files.update({url: path for url, path in font_files().items() if "Amiri" in url})
    return files
