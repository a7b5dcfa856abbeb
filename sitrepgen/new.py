"""`sitrepgen new`: start next week's report from the latest one.

The latest report is loaded round-trip, so its comments, key order and layout survive. Dates
move on a week (or to the given period), the issue number goes up by one, and every piece of last
week's text is kept but marked with a ``TODO`` placeholder, which the linter reports until the
writer has replaced it. Nothing else is invented: figures keep last week's image until replaced.

Translations of the latest report (``NAME.LANG.yaml``) are carried forward the same way, each
recording the new report as what it is translated from (``translation_of``), so that ``validate``
says when the new week's text has moved on from what the translation follows.
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
from .desks import desk_folder
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
    mark_text(tree)


def mark_text(tree: CommentedMap) -> None:
    """Every piece of text of a round-trip report tree behind a TODO placeholder, in place."""
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
            _figure(figure)


def _mark_blocks(node: Any) -> None:
    """The paragraphs and figure captions of a flow of blocks."""
    _mark_list(node, "blocks")
    for block in node.get("blocks") or [] if isinstance(node, CommentedMap) else []:
        if isinstance(block, CommentedMap):
            _figure(block.get("figure"))


def _figure(figure: Any) -> None:
    """Last week's figure for this week: its caption marked, and a map's ``previous_map`` and
    ``previous_date`` dropped, since last week's report (this report's previous) now gives them."""
    _mark_key(figure, "caption")
    if isinstance(figure, CommentedMap) and "map" in figure:
        for key in ("previous_map", "previous_date"):
            figure.pop(key, None)


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


def new_report(
    project: Project, *, series: str | None = None, start: dt.date | None = None, end: dt.date | None = None, force: bool = False
) -> list[Path]:
    """Write the next report of a series beside its latest valid one, and the next version of
    each of its translations; return their paths, the report's first.

    A latest report that still holds the TODO markers ``new`` puts in is a week started and not
    yet written: running ``new`` again (twice by mistake) would make a second untouched week
    from it, so that is refused unless ``force``. An existing file is never replaced."""
    from .reports import gather, load_report
    from .translations import content_hash

    reports, _ = gather(project)
    own = [item for item in reports if item.translation is None]  # translations are not weeks of the series
    if not own:
        raise NewReportError(f"no valid report in {project.config.reports_dir}/ to start from; run 'sitrepgen validate'")
    latest = choose_series(group(own), series).latest
    if not force and _unwritten(latest.report):
        raise NewReportError(
            f"{latest.document.display} still holds the TODO markers 'sitrepgen new' put in: that week is "
            "started and not written yet; write it first, or pass --force to start the week after it anyway"
        )
    new_start, new_end = next_period(latest.report, start, end)
    old_end = latest.report.period.end
    target = latest.document.path.with_name(next_name(latest.document.path.name, old_end, new_end))
    translations = sorted(
        (item for item in reports if item.translation and item.slug == latest.slug), key=lambda item: str(item.translation)
    )
    targets = [item.document.path.with_name(next_name(item.document.path.name, old_end, new_end, item.translation)) for item in translations]
    for path in [target, *targets]:  # nothing is written if any of them is there already
        if path.exists():
            raise NewReportError(_exists(path))
    parts = latest.document.parts
    folder = desk_folder(target)
    if parts and folder.exists():
        raise NewReportError(f"{folder.name}/ already exists in {folder.parent.name}/; move it away, or choose another period with --start/--end")

    # The report file as written (a split report's text is merged with its parts): each desk
    # keeps its own file, copied into the new week's desk folder with its text marked too.
    yaml = round_trip()
    tree = yaml.load(latest.document.source_text or latest.document.text)
    advance(tree, latest.report, new_start, new_end)
    copies = []
    for part in parts:
        part_tree = yaml.load(part.read_text(encoding="utf-8"))
        mark_part(part_tree)
        copies.append((folder / part.name, _dumped(yaml, part_tree)))
    if copies:
        try:
            folder.mkdir()
        except OSError as exc:
            raise NewReportError(f"cannot make {folder.name}/ in {folder.parent.name}/: {exc.strerror or exc}") from None
    try:
        for path, text in copies:  # the parts first: the report never appears without them
            write_new_file(path, text)
        write_new_file(target, _dumped(yaml, tree))
    except NewReportError:
        for path, _ in copies:
            path.unlink(missing_ok=True)
        if copies:
            folder.rmdir()
        raise
    made = [target]
    source = load_report(target, project)[1] if translations else None
    for item, path in zip(translations, targets):
        origin = (target.name, content_hash(source)) if source is not None else None
        write_new_file(path, _advanced(item.document.source_text or item.document.text, item.report, new_start, new_end, origin))
        made.append(path)
    return made


def round_trip() -> Any:
    """The YAML reader and writer that keeps a report's comments and layout."""
    yaml = make_yaml()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def _advanced(text: str, report: Report, start: dt.date, end: dt.date, origin: tuple[str, str] | None = None) -> str:
    """Last week's file as this week's: dates moved, text marked; for a translation, ``origin``
    (file, content hash) is what it is now translated from."""
    yaml = round_trip()
    tree = yaml.load(text)
    advance(tree, report, start, end)
    if origin is not None:
        set_translation_of(tree, *origin)
    return _dumped(yaml, tree)


def _dumped(yaml: Any, tree: Any) -> str:
    buffer = io.StringIO()
    yaml.dump(tree, buffer)
    return buffer.getvalue()


def mark_part(tree: Any) -> None:
    """A desk file's text marked as ``advance`` marks a section's or a region's (it holds one)."""
    _mark_blocks(tree)
    _mark_list(tree, "paragraphs")
    for figure in (tree.get("figures") or []) if isinstance(tree, CommentedMap) else []:
        _mark_key(figure, "caption")


def set_translation_of(tree: CommentedMap, file: str, digest: str) -> None:
    """``translation_of`` in a round-trip tree: updated where it is, else added before ``language``
    (before, so that a comment written after the language line stays with what it is about)."""
    existing = tree.get("translation_of")
    if isinstance(existing, CommentedMap):
        existing["file"], existing["sha256"] = file, digest
        return
    value = CommentedMap([("file", file), ("sha256", digest)])
    keys = list(tree.keys())
    position = keys.index("language") if "language" in keys else len(keys)
    if existing is not None:
        del tree["translation_of"]
    tree.insert(position, "translation_of", value)


def _unwritten(report: Report) -> bool:
    """Whether any text of ``report`` still holds the placeholder (lint's 'placeholder' check)."""
    return any(PLACEHOLDER_RE.search(text) for _, text in all_strings(report))


def next_name(name: str, old_end: dt.date, new_end: dt.date, translation: str | None = None) -> str:
    """The new file's name: the last week's name with its date moved ('2016-12-08-isw.yaml' ->
    '2016-12-15-isw.yaml'), or the new end date alone (with the language of a translation:
    '2016-12-15.ar.yaml')."""
    if name.startswith(old_end.isoformat()):
        return new_end.isoformat() + name[len(old_end.isoformat()) :]
    return f"{new_end.isoformat()}.{translation}.yaml" if translation else f"{new_end.isoformat()}.yaml"


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
