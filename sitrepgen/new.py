"""`sitrepgen new`: start next week's report from the latest one.

The latest report is loaded round-trip, so its comments, key order and layout survive. Dates
move on a week (or to the given period), the issue number goes up by one, and every piece of last
week's text is kept but marked with a ``TODO`` placeholder, which the linter reports until the
writer has replaced it. Nothing else is invented: figures keep last week's image until replaced.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import secrets
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from .config import Project
from .lint import PLACEHOLDER, PLACEHOLDER_RE, all_strings
from .load import make_yaml
from .model import Report
from .series import Series, group

MARK = f"{PLACEHOLDER}: "
WEEK = dt.timedelta(days=7)


class NewReportError(Exception):
    """The new report cannot be started (no valid report to start from, the file exists)."""


def next_period(report: Report, start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """Last week's period moved on by seven days, or the period asked for (same length if one end given)."""
    length = report.period.end - report.period.start
    if start is None and end is None:
        return report.period.start + WEEK, report.period.end + WEEK
    if start is None:
        assert end is not None
        start = end - length
    if end is None:
        end = start + length
    if end < start:
        raise NewReportError(f"the period would end ({end}) before it starts ({start})")
    return start, end


def mark(text: str) -> str:
    """Last week's text behind a placeholder, keeping the way the YAML folded or broke it."""
    if text.startswith(MARK):
        return text
    marked: Any
    if isinstance(text, FoldedScalarString):
        marked = FoldedScalarString(MARK + text)
        marked.fold_pos = [pos + len(MARK) for pos in getattr(text, "fold_pos", [])]
    elif isinstance(text, LiteralScalarString):
        marked = LiteralScalarString(MARK + text)
    else:
        marked = type(text)(MARK + text) if isinstance(text, str) else MARK + str(text)
    return marked


def _mark_list(node: Any, key: str) -> None:
    """Each paragraph of a list: a string, or a mapping's 'text:' (one with an audience)."""
    items = node.get(key) if isinstance(node, CommentedMap) else None
    if isinstance(items, CommentedSeq):
        for index, text in enumerate(items):
            if isinstance(text, str):
                items[index] = mark(text)
            else:
                _mark_key(text, "text")


def _mark_key(node: Any, key: str) -> None:
    if isinstance(node, CommentedMap) and isinstance(node.get(key), str):
        node[key] = mark(node[key])


def advance(tree: CommentedMap, report: Report, start: dt.date, end: dt.date) -> None:
    """Turn last week's round-trip tree into this week's, in place."""
    tree["period"]["start"] = start
    tree["period"]["end"] = end
    tree["published"] = dt.date(end.year, end.month, end.day)  # a distinct object: no YAML alias
    if report.number is not None:
        tree["number"] = report.number + 1
    _mark_key(tree, "summary")
    _mark_list(tree, "summary")
    _mark_list(tree, "conclusions")
    for item in tree.get("key_figures") or []:
        _mark_key(item, "label")
    _mark_blocks(tree)
    for section in tree.get("sections") or []:
        _mark_blocks(section)
    for region in tree.get("regions") or []:
        _mark_list(region, "paragraphs")
        for figure in region.get("figures") or []:
            _mark_key(figure, "caption")


def _mark_blocks(node: Any) -> None:
    """The paragraphs and figure captions of a flow of blocks."""
    _mark_list(node, "blocks")
    for block in node.get("blocks") or [] if isinstance(node, CommentedMap) else []:
        if isinstance(block, CommentedMap):
            _mark_key(block.get("figure"), "caption")


def choose_series(all_series: list[Series], wanted: str | None) -> Series:
    """The series ``wanted`` names (its folder, its name, or its key as in series/KEY.html); with
    no name, the only series there is."""
    if wanted is None:
        if len(all_series) == 1:
            return all_series[0]
        raise NewReportError(f"this project has several series; say which one: {_listing(all_series)}")
    clean = wanted.strip().strip("/").casefold()
    found = [s for s in all_series if clean in {s.folder.casefold(), (s.name or "").casefold(), s.key.casefold()}]
    if len(found) == 1:
        return found[0]
    if not found:
        raise NewReportError(f"no series called '{wanted}'; the series are: {_listing(all_series)}")
    raise NewReportError(f"'{wanted}' names several series; use one of: {_listing(found)}")


def _listing(all_series: list[Series]) -> str:
    return ", ".join(f"'{s.key}' ({s.title}{', ' + s.folder + '/' if s.folder else ''})" for s in all_series)


def new_report(project: Project, *, series: str | None = None, start: dt.date | None = None, end: dt.date | None = None, force: bool = False) -> Path:
    """Write the next report of a series beside its latest valid one and return its path.

    A latest report that still holds the TODO markers ``new`` puts in is a week started and not
    yet written: running ``new`` again (twice by mistake) would make a second untouched week
    from it, so that is refused unless ``force``. An existing file is never replaced."""
    from .site import gather

    reports, _ = gather(project)
    if not reports:
        raise NewReportError(f"no valid report in {project.config.reports_dir}/ to start from; run 'sitrepgen validate'")
    latest = choose_series(group(reports), series).latest
    if not force and _unwritten(latest.report):
        raise NewReportError(
            f"{latest.document.display} still holds the TODO markers 'sitrepgen new' put in: that week is "
            "started and not written yet; write it first, or pass --force to start the week after it anyway"
        )
    new_start, new_end = next_period(latest.report, start, end)
    target = latest.document.path.with_name(next_name(latest.document.path.name, latest.report.period.end, new_end))
    if target.exists():
        raise NewReportError(_exists(target))

    yaml = make_yaml()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    tree = yaml.load(latest.document.text)
    advance(tree, latest.report, new_start, new_end)
    buffer = io.StringIO()
    yaml.dump(tree, buffer)
    write_new_file(target, buffer.getvalue())
    return target


def _unwritten(report: Report) -> bool:
    """Whether any text of ``report`` still holds the placeholder (lint's 'placeholder' check)."""
    return any(PLACEHOLDER_RE.search(text) for _, text in all_strings(report))


def next_name(name: str, old_end: dt.date, new_end: dt.date) -> str:
    """The new file's name: the last week's name with its date moved ('2016-12-08-isw.yaml' ->
    '2016-12-15-isw.yaml'), or the new end date alone."""
    if name.startswith(old_end.isoformat()):
        return new_end.isoformat() + name[len(old_end.isoformat()) :]
    return f"{new_end.isoformat()}.yaml"


def _exists(target: Path) -> str:
    """The one message for 'that file is there', whichever check finds it."""
    return f"{target.name} already exists in {target.parent.name}/; edit it, or choose another period with --start/--end"


def write_new_file(target: Path, text: str) -> None:
    """Create ``target`` holding ``text``, all at once, and never over an existing file.

    The text goes to a hidden temporary file beside the target first, so an editor, the live
    preview or a crash never sees half a report. It is then hard-linked into place: a link fails
    if the name exists, so a file that appeared meanwhile (a writer's) is never replaced, as
    ``os.replace`` would do. Where hard links are not supported, the name is claimed by exclusive
    creation and the finished file moved over that (still empty) claim.
    """
    temporary = _temporary_beside(target)
    try:
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, target)
        except FileExistsError:
            raise NewReportError(_exists(target)) from None
        except OSError:  # no hard links here (some network and FAT file systems)
            try:
                os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            except FileExistsError:
                raise NewReportError(_exists(target)) from None
            try:
                os.replace(temporary, target)
            except OSError:
                target.unlink(missing_ok=True)  # our own empty claim, not a writer's file
                raise
    except OSError as exc:
        raise NewReportError(f"cannot write {target.name} in {target.parent.name}/: {exc.strerror or exc}") from None
    finally:
        temporary.unlink(missing_ok=True)


def _temporary_beside(target: Path) -> Path:
    """A fresh hidden name in the target's folder (hidden files are never taken for reports)."""
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
