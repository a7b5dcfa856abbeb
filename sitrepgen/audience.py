"""Audiences and editions: what each edition of the site may show, decided once, before rendering.

Items of a report (a section or region, a figure, a key figure, a paragraph or conclusion written
as ``{text: ..., audience: ...}``) name an audience: ``public`` unless they say otherwise. An
edition of the site (``public``, ``internal``, or one the project declares) includes some
audiences. ``for_edition`` turns a report into the report an edition sees: every item outside the
edition's audiences is removed, and the paragraphs that stay become plain text, so no output can
show what the edition may not (a new output cannot forget the rule: it never sees the item).
``source_yaml`` writes that report back as YAML for the PDF to embed: without the removed items
and without a single comment of the writer's file.

An item is shown only when its own audience and those of everything it stands in (its section or
region) are all in the edition.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from .model import FigureBlock, KeyFigure, Paragraph, Report, audience_of, text_of


def shown(audiences: Iterable[str], allowed: frozenset[str]) -> bool:
    return all(audience in allowed for audience in audiences)


def _paragraphs(items: Iterable[str | Paragraph], allowed: frozenset[str]) -> list[str]:
    return [text_of(item) for item in items if audience_of(item) in allowed]


def _blocks(blocks: Iterable[str | Paragraph | FigureBlock], allowed: frozenset[str]) -> list[str | FigureBlock]:
    kept: list[str | FigureBlock] = []
    for block in blocks:
        if isinstance(block, FigureBlock):
            if block.figure.audience in allowed:
                kept.append(block)
        elif audience_of(block) in allowed:
            kept.append(text_of(block))
    return kept


def for_edition(report: Report, allowed: frozenset[str]) -> Report | None:
    """The report as an edition including ``allowed`` sees it, or None when nothing of its body is
    for that edition (the report is then not in it)."""
    sections = []
    for section in report.sections:
        if section.audience in allowed:
            blocks = _blocks(section.blocks, allowed)
            if blocks:
                sections.append(section.model_copy(update={"blocks": blocks}))
    regions = []
    for region in report.regions:
        if region.audience in allowed:
            paragraphs = _paragraphs(region.paragraphs, allowed)
            if paragraphs:
                figures = [figure for figure in region.figures if figure.audience in allowed]
                regions.append(region.model_copy(update={"paragraphs": paragraphs, "figures": figures}))
    blocks = _blocks(report.blocks, allowed)
    if not (sections or regions or blocks):
        return None
    summary: Any = report.summary
    if isinstance(summary, list):
        summary = _paragraphs(summary, allowed) or None
    key_figures: list[KeyFigure] = [item for item in report.key_figures if item.audience in allowed]
    return report.model_copy(
        update={
            "summary": summary,
            "blocks": blocks,
            "sections": sections,
            "regions": regions,
            "key_figures": key_figures,
            "conclusions": _paragraphs(report.conclusions, allowed),
        }
    )


def _plain(value: Any) -> Any:
    """A model dump made of what YAML writes plainly: dicts, lists, text, numbers, dates."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def source_yaml(report: Report) -> bytes:
    """The report as a YAML file: what an edition embeds in its PDFs as their source.

    Written from the model (the edition's report), not copied from the writer's file: it holds
    no comment and nothing the edition leaves out, and it is the same bytes for the same report.
    It is still a report file: ``sitrepgen validate`` accepts it (figure paths are as written,
    relative to the report's folder).
    """
    from ruamel.yaml import YAML

    data = _plain(report.model_dump(exclude_defaults=True))
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[attr-defined]
    yaml.width = 4096
    yaml.allow_unicode = True
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue().encode("utf-8")

