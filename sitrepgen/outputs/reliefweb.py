"""Each report's payload for ReliefWeb's Post API (reports/SLUG.reliefweb.json), when
sitrepgen.yaml has ``reliefweb:`` with the organisation's ReliefWeb ids.

The payload follows ReliefWeb's v2 report schema (tests/data/reliefweb/report.json): the report
page's absolute URL and its UUIDv5 (ReliefWeb's namespace), so posting the same report again
updates it; the title with the report's period, since a series' title alone names no week; the
report as Markdown with absolute links; and the PDF, with its checksum, so it is made after the
PDFs: ``site.build`` calls ``check`` once the reports are known, so nothing waits for a PDF
before an error, and ``render`` once the PDFs are ready (not through ``outputs._outputs``).

What ReliefWeb refuses (a title outside 10-255 characters, a language it does not take, a body
over 100,000 characters) is an error at the report's line, and nothing is written. Characters
its schema forbids in a title or body (no-break and other spaces, invisible format characters,
runs of spaces) are written as single plain spaces, or left out: that is how the payload is
encoded, not a change to the report.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import unicodedata
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import RELIEFWEB_LANGUAGES
from ..diagnostics import Diagnostic
from ..load import Loc
from ..model import PUBLIC
from ..render import render_template
from . import Plan
from .email import absolute_view

if TYPE_CHECKING:
    from ..site import LoadedReport

#: ReliefWeb's namespace for the UUIDv5 of a document's URL (its Post API documentation).
NAMESPACE = uuid.UUID("8e27a998-c362-5d1f-b152-d474e1d36af2")
TITLE_LENGTH = (10, 255)
MAX_BODY = 100_000
#: The languages a file (an attachment) may be marked with: the UN's official ones.
FILE_LANGUAGES = frozenset({"ar", "en", "es", "fr", "ru"})


def posted(plan: Plan) -> bool:
    """Whether this build writes payloads: ReliefWeb publishes to everyone, so only the public
    edition's reports are ever posted (an internal edition's would publish internal items)."""
    return plan.project.config.reliefweb is not None and plan.site.get("edition") == PUBLIC


def check(plan: Plan) -> list[Diagnostic]:
    """What ReliefWeb would refuse in any report, at its line: checked before the PDFs are made."""
    problems: list[Diagnostic] = []
    if posted(plan):
        for item in plan.reports:
            _payload(plan, item, None, problems)
    return problems


def render(plan: Plan, files: dict[str, bytes | Path]) -> dict[str, bytes]:
    """The payload of every report (``check`` found nothing wrong), given the built ``files``:
    the PDFs among them."""
    if not posted(plan):
        return {}
    found: dict[str, bytes] = {}
    for item in plan.reports:
        problems: list[Diagnostic] = []
        payload = _payload(plan, item, files[plan.path(f"reports/{item.slug}.pdf")], problems)
        assert payload is not None, problems
        found[plan.path(f"reports/{item.slug}.reliefweb.json")] = (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return found


def _payload(plan: Plan, item: LoadedReport, pdf: bytes | Path | None, problems: list[Diagnostic]) -> dict[str, Any] | None:
    """The payload, or None with what ReliefWeb would refuse added to ``problems``; without the
    ``pdf`` (its checksum unknown yet), only the check."""
    settings = plan.project.config.reliefweb
    assert settings is not None
    base = str(plan.project.config.base_url) + plan.prefix  # a translation's pages are under its folder
    view = absolute_view(plan, item)
    report = item.report
    before = len(problems)

    def problem(loc: Loc | None, message: str) -> None:
        """At the setting's value, or at the file's start for the report as a whole."""
        if loc is None:
            item.document.add(0, 0, "reliefweb", message)
        else:
            item.document.add_at(loc, "reliefweb", message)
        problems.append(item.document.diagnostics[-1])

    title = one_line(view.heading_title)
    if not TITLE_LENGTH[0] <= len(title) <= TITLE_LENGTH[1]:
        problem(("title",), f"ReliefWeb takes titles of {TITLE_LENGTH[0]} to {TITLE_LENGTH[1]} characters; this report's, with its period ('{title[:60]}{'...' if len(title) > 60 else ''}'), has {len(title)}")
    primary = report.language.split("-")[0].lower()
    language = RELIEFWEB_LANGUAGES.get(primary)
    if language is None:
        known = ", ".join(RELIEFWEB_LANGUAGES)
        problem(("language",), f"ReliefWeb takes reports in {known}; this report is in '{report.language}' (remove reliefweb: from sitrepgen.yaml to build without the ReliefWeb payload)")
    folder = posixpath.dirname(f"reports/{item.slug}.html")
    markdown = render_template(plan.environment(report.language), "report.md.j2", site=plan.site, report=report, view=view, root=base, previous=None, next=None, previous_label="", next_label="")
    body = text_block(markdown)
    if len(body) > MAX_BODY:
        problem(None, f"the report as Markdown has {len(body):,} characters; ReliefWeb takes at most {MAX_BODY:,} in a report's body")
    if len(problems) > before or pdf is None:
        return None
    url = f"{base}reports/{item.slug}.html"
    document = uuid.uuid5(NAMESPACE, url)
    pdf_url = f"{base}{folder}/{posixpath.basename(item.slug)}.pdf"
    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    attachment: dict[str, Any] = {
        "url": pdf_url,
        "uuid": str(uuid.uuid5(document, pdf_url)),
        "filename": posixpath.basename(pdf_url),
        "checksum": hashlib.sha256(data).hexdigest(),
        "description": one_line(f"{title} (PDF)")[:255],
    }
    if primary in FILE_LANGUAGES:
        attachment["language"] = primary
    published = report.published
    payload: dict[str, Any] = {
        "url": url,
        "uuid": str(document),
        "title": title,
        "source": settings.source,
        "country": settings.country,
        "format": settings.format,
        "language": [language],
        "published": f"{published.isoformat()}T00:00:00+00:00",
        "origin": url,
        "body": body,
        "file": [attachment],
    }
    if settings.theme:
        payload["theme"] = settings.theme
    if settings.disaster:
        payload["disaster"] = settings.disaster
    return payload


def _plain(char: str) -> str:
    """A character as ReliefWeb's schema takes it: any separator a plain space, any control or
    format character (zero-width, bidirectional marks, soft hyphens) left out."""
    category = unicodedata.category(char)
    if category.startswith("Z"):
        return " "
    if category.startswith("C"):
        return ""
    return char


def one_line(text: str) -> str:
    """A title: one line, single spaces, none at either end."""
    return " ".join("".join(" " if char == "\n" else _plain(char) for char in text).split())


def text_block(text: str) -> str:
    """A body: lines with single spaces (a Markdown line break's two spaces at a line's end
    kept), no blank at either end."""
    lines = []
    for line in text.split("\n"):
        plain = "".join(_plain(char) for char in line)
        hard_break = plain.endswith("  ") and plain.strip()
        lines.append(" ".join(plain.split()) + ("  " if hard_break else ""))
    return "\n".join(lines).strip(" \u3000\n")
