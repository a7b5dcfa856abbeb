"""Translations: one report in several languages, and whether a translation is still up to date.

A translation is the same report in another language, in a file named ``NAME.LANG.yaml`` beside
``NAME.yaml`` (Hugo's convention): ``2016-12-08.ar.yaml`` is the Arabic version of
``2016-12-08.yaml``. It has the same slug and the same place in its series; its pages go under
``site/LANG/``. Its ``language`` must be the one its name gives.

A translation may record what it was translated from (``translation_of: {file, sha256}``): the
file, and the hash of that file's *content* (what it says, not how its YAML is laid out) when the
translation was last brought up to date. ``sitrepgen translate --mark`` writes it, ``sitrepgen new``
writes it for the translations it carries forward, and ``validate`` warns (``stale-translation``)
when the source has changed since.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostics import Severity
from .i18n import FIGURE_LABEL, is_tag, message_ids, placeholders

if TYPE_CHECKING:
    from .config import Config, Project
    from .load import Document
    from .model import Report
    from .reports import LoadedReport

W = Severity.WARNING


@lru_cache(maxsize=256)
def known_language(tag: str) -> bool:
    """Whether CLDR (through Babel) knows the language ``tag`` ('ar', 'ar-SY', 'fr')."""
    from babel import localedata
    from babel.core import get_locale_identifier, parse_locale

    try:
        parts = parse_locale(tag, sep="-")
    except ValueError:
        return False
    # the locale itself, not one Babel would fall back to ('ar-ZZZZ' is not 'ar-EG')
    return localedata.exists(get_locale_identifier(parts))


def language_of_name(name: str) -> str | None:
    """'ar' for '2016-12-08.ar.yaml'; None for '2016-12-08.yaml' (and for 'x.old.yaml': a part
    of a name is a language only if it is one CLDR knows)."""
    stem = re.sub(r"\.ya?ml$", "", name)
    base, dot, last = stem.rpartition(".")
    if not dot or not base or not is_tag(last) or not known_language(last):
        return None
    return last


def source_name(name: str) -> str:
    """'2016-12-08.yaml' for '2016-12-08.ar.yaml': the version in the project's own language."""
    language = language_of_name(name)
    if language is None:
        return name
    suffix = ".yml" if name.endswith(".yml") else ".yaml"
    return name[: -len(f".{language}{suffix}")] + suffix


def content_hash(report: Report) -> str:
    """sha256 of what a report says (every field but ``translation_of``), independent of its
    comments, key order and line folding, so only a change of content makes a translation stale.
    Fields left at their defaults are left out: a field a new sitrepgen adds changes no hash."""
    data = report.model_dump(mode="json", exclude={"translation_of"}, exclude_defaults=True)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- checks of one file


def check_report_language(doc: Document, report: Report, project: Project) -> None:
    """A translation's ``language`` is the one of its file name; a language sitrepgen cannot
    print is a warning (its labels and dates would be English)."""
    named = language_of_name(doc.path.name)
    if named is not None and report.language != named:
        if isinstance(doc.data, dict) and "language" in doc.data:
            doc.add_at(("language",), "language-mismatch", f"this file's name makes it the '{named}' translation of {source_name(doc.path.name)}, but its language is '{report.language}'; write 'language: {named}', or rename the file")
        else:
            doc.add_at((), "language-mismatch", f"this file's name makes it the '{named}' translation of {source_name(doc.path.name)}: add 'language: {named}'")
        return
    language = project.languages().get(report.language)
    where = ("language",) if isinstance(doc.data, dict) and "language" in doc.data else ()
    if not language.known:
        doc.add_at(where, "unsupported-language", f"'{report.language}' is not a language CLDR knows: the report's dates, numbers and labels are printed in English", W)
    elif not language.has_catalog and not set(message_ids()) <= set(language.settings.labels):
        doc.add_at(where, "unsupported-language", f"sitrepgen has no labels in '{report.language}' (it has {', '.join(_shipped())}): its labels are printed in English unless sitrepgen.yaml gives them (languages: {{{report.language}: {{labels: ...}}}})", W)


def _shipped() -> list[str]:
    from .i18n import available_catalogs

    return available_catalogs()


def check_config(doc: Document, config: Config) -> None:
    """The ``languages`` of sitrepgen.yaml: languages and locales CLDR knows, labels that exist
    and keep the values sitrepgen puts into them."""
    ids = message_ids()
    for tag, settings in config.languages.items():
        if not known_language(tag):
            doc.add_at(("languages", tag), "invalid-value", f"'{tag}' is not a language CLDR knows (sitrepgen takes its dates and numbers from there)", at_key=True)
        if settings.locale is not None and not known_language(settings.locale):
            doc.add_at(("languages", tag, "locale"), "invalid-value", f"'{settings.locale}' is not a locale CLDR knows; write a language tag such as 'ar' or 'ar-SY'")
        for message, text in settings.labels.items():
            loc = ("languages", tag, "labels", message)
            if message not in ids:
                close = difflib.get_close_matches(message, list(ids), n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else "the labels are the message ids of sitrepgen/locale/en/LC_MESSAGES/sitrepgen.po"
                doc.add_at(loc, "unknown-label", f"'{message}' is not one of sitrepgen's labels; {hint}", at_key=True)
                continue
            problem = _label_problem(message, ids[message], text)
            if problem:
                doc.add_at(loc, "invalid-value", f"the label '{message}' {problem}")


def _label_problem(message: str, plural: str | None, text: str | list[str]) -> str | None:
    """What is wrong with a project's wording of a message, or None."""
    allowed = set(placeholders(message + " " + (plural or "")))
    for one in [text] if isinstance(text, str) else text:
        found = placeholders(one)
        unknown = sorted(set(found) - allowed)
        if unknown:
            return f"has {', '.join(unknown)}, which sitrepgen does not fill in (it fills {', '.join(sorted(allowed)) or 'nothing'})"
        if plural is None:
            missing = [p for p in placeholders(message) if p not in found]
            if missing:
                return f"must keep {', '.join(missing)}, where sitrepgen puts its value"
        if message == FIGURE_LABEL and one.count("{n}") != 1:
            return "must hold {n} exactly once"
        bare = re.sub(r"%\([a-z_]+\)[sd]|%%", "", one)
        if "%" in bare and message != FIGURE_LABEL:
            return "has a '%' of its own: write it '%%'"
        if message == FIGURE_LABEL and bare.replace("{n}", "").count("{") + bare.replace("{n}", "").count("}"):
            return "must hold no braces but {n}"
    return None


# --------------------------------------------------------------------------- checks across files


def check_translations(reports: Iterable[LoadedReport], load: Callable[[Path], tuple[Document, Report | None]]) -> None:
    """``translation_of`` of every translation: the file it names is another version of the same
    report, and its content has not changed since (else ``stale-translation``, at the hash).

    ``load`` reads a source that is not among ``reports`` (``validate FILE`` of one translation).
    Found here, after every file is read, and never cached with the translation: it depends on
    another file.
    """
    by_path = {item.document.path.resolve(): item.report for item in reports}
    for item in list(reports):
        origin = item.report.translation_of
        if origin is None:
            continue
        doc = item.document
        path = doc.path.parent / origin.file
        if origin.file == doc.path.name or source_name(origin.file) != source_name(doc.path.name):
            doc.add_at(("translation_of", "file"), "translation-source", f"'{origin.file}' is not another language version of this report: write {source_name(doc.path.name)} (or another NAME.LANG.yaml of the same NAME)")
            continue
        source = by_path.get(path.resolve())
        if source is None and path.is_file():
            source = load(path)[1]
        if source is None:
            why = "does not exist" if not path.exists() else "is not valid (run sitrepgen validate on it)"
            doc.add_at(("translation_of", "file"), "translation-source", f"'{origin.file}' {why}; this translation cannot be checked against it")
            continue
        if content_hash(source) != origin.sha256:
            doc.add_at(("translation_of", "sha256"), "stale-translation", f"{origin.file} has changed since this translation was brought up to date; update the translation, then run 'sitrepgen translate --mark {doc.display}'", W)


# --------------------------------------------------------------------------- writing translation_of


class TranslateError(Exception):
    """A translation cannot be marked or started (the message says why)."""


def mark(path: Path, project: Project, source: Path | None = None) -> str:
    """Record in the translation at ``path`` the current content hash of its source; the rest of
    the file is left byte for byte as it is (comments, layout). Returns what was done."""
    from .cache import write_atomic
    from .reports import load_report

    doc, report = load_report(path, project)
    if report is None:
        raise TranslateError(f"{doc.display} is not valid; fix it first (sitrepgen validate {doc.display})")
    if language_of_name(path.name) is None and report.translation_of is None and source is None:
        raise TranslateError(f"{path.name} is not a translation: a translation is named NAME.LANG.yaml (e.g. {path.stem}.ar.yaml)")
    source = source or path.parent / (report.translation_of.file if report.translation_of else source_name(path.name))
    if source.resolve() == path.resolve():
        raise TranslateError(f"{path.name} cannot be a translation of itself")
    source_doc, source_report = load_report(source, project)
    if source_report is None:
        raise TranslateError(f"{source_doc.display} is not valid (or missing); a translation is marked against a valid report")
    digest = content_hash(source_report)
    text = set_translation_of(doc, source.name, digest)
    write_atomic(path, text.encode("utf-8"))
    return f"{doc.display}: translation of {source.name} as it is now (sha256 {digest[:12]}...)"


def set_translation_of(doc: Document, file: str, digest: str) -> str:
    """The document's text with ``translation_of`` set to ``file`` and ``digest``: the two values
    replaced where they are, or the mapping added after ``language:`` (else at the end)."""
    lines = doc.text.splitlines(keepends=True)
    tree: Any = doc.round_trip()
    existing = tree.get("translation_of") if isinstance(tree, dict) else None
    if isinstance(existing, dict) and "file" in existing and "sha256" in existing:
        for key, value in (("sha256", digest), ("file", file)):
            line, col = doc.position(("translation_of", key))
            lines[line] = lines[line][:col] + re.sub(r"""^(?:"[^"]*"|'[^']*'|[^\s,}#]+)""", value, lines[line][col:], count=1)
        return "".join(lines)
    if existing is not None:  # written some other way: start it afresh, at its place
        raise TranslateError(f"{doc.display}: 'translation_of' must be a mapping with file and sha256 to be marked; remove it and run this again")
    block = f"translation_of:  # what this translation was made from (sitrepgen translate --mark)\n  file: {file}\n  sha256: {digest}\n"
    if isinstance(tree, dict) and "language" in tree:
        line, _ = doc.position(("language",))
        lines.insert(line + 1, block)
    else:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.append(block)
    return "".join(lines)


def start_translation(path: Path, language: str, project: Project) -> Path:
    """Write NAME.LANG.yaml beside the report at ``path``: a copy whose text is marked TODO
    (comments and layout kept), in ``language``, recording what it is translated from."""
    import io

    from .new import NewReportError, mark_text, round_trip, set_translation_of as set_in_tree, write_new_file
    from .reports import load_report

    if not is_tag(language) or not known_language(language):
        raise TranslateError(f"'{language}' is not a language CLDR knows; write a language tag such as 'ar' or 'fr'")
    doc, report = load_report(path, project)
    if report is None:
        raise TranslateError(f"{doc.display} is not valid; fix it first (sitrepgen validate {doc.display})")
    if language == report.language:
        raise TranslateError(f"{path.name} is already in '{language}'")
    source = source_name(path.name)
    suffix = ".yml" if source.endswith(".yml") else ".yaml"
    target = path.with_name(f"{source[: -len(suffix)]}.{language}{suffix}")
    yaml = round_trip()
    tree = yaml.load(doc.text)
    mark_text(tree)
    tree["language"] = language
    if "language" not in list(tree.keys())[:-1]:  # it was added at the end: move it after the title
        del tree["language"]
        tree.insert(min(1, len(tree)), "language", language)
    set_in_tree(tree, path.name, content_hash(report))
    buffer = io.StringIO()
    yaml.dump(tree, buffer)
    try:
        write_new_file(target, buffer.getvalue())
    except NewReportError as exc:
        raise TranslateError(str(exc)) from None
    return target
