"""Languages: the fixed words of every output, and dates and numbers in a report's own locale.

The fixed words ("Key figures", "Conclusions:", "1 of 2", "Previous week") are gettext messages:
templates write ``{{ _("Key figures") }}``, Python code ``language.gettext("Previous week")``,
and the translations live in ``sitrepgen/locale/<lang>/LC_MESSAGES/sitrepgen.po``. The ``.po``
files are the only copy: they are compiled in memory (Babel's ``read_po`` and ``write_mo``) the
first time a build needs a language, which takes milliseconds, so no compiled ``.mo`` file can
fall out of step with its source in the repository. A project overrides any message in
``sitrepgen.yaml`` (``languages: {ar: {labels: {"Key figures": ...}}}``).

Dates and numbers go through Babel (CLDR): a period is ``format_interval(start, end, "MMMMd")``
with the year added the way the locale's own ``yMMMMd`` pattern adds it (CLDR has no
``yMMMMd`` interval). Digits are Latin unless a project asks for a language's native digits
(``digits: native``: Arabic-Indic for Arabic), whatever the locale's default.

Babel is imported only here, and only when a language is first used.
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datetime as dt

    from babel import Locale
    from babel.messages.catalog import Catalog

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "sitrepgen"
#: The language the message ids are written in.
SOURCE_LANGUAGE = "en"

#: A language tag as reports and sitrepgen.yaml write it (BCP 47, simplified).
TAG_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
_TAG_RE = re.compile(TAG_PATTERN)

#: CSS counter styles for a numbering system's digits (page numbers are drawn by the PDF engine).
COUNTER_STYLES = {"latn": "decimal", "arab": "arabic-indic", "arabext": "persian", "deva": "devanagari", "beng": "bengali"}


def N_(message: str) -> str:
    """Marks a message for extraction where it is translated later (see ``Language.gettext``)."""
    return message


#: Messages made in Python rather than in a template, marked so that extraction finds them.
QUALIFIERS = {
    "at least": N_("at least"),
    "at most": N_("at most"),
    "more than": N_("more than"),
    "fewer than": N_("fewer than"),
    "less than": N_("less than"),
    "approximately": N_("approximately"),
    "around": N_("around"),
    "nearly": N_("nearly"),
    "up to": N_("up to"),
    "over": N_("over"),
}
FIGURE_LABEL = N_("Figure {n}")
PAGE_OF = N_("%(page)s of %(pages)s")


def is_tag(text: str) -> bool:
    return bool(_TAG_RE.match(text))


def base_language(tag: str) -> str:
    """'ar' for 'ar-SY': the catalog a regional variant uses."""
    return tag.split("-", 1)[0].lower()


def available_catalogs() -> list[str]:
    """The languages sitrepgen ships labels for."""
    return sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


@lru_cache(maxsize=None)
def read_catalog(language: str) -> Catalog | None:
    """The shipped catalog of ``language`` (its base language), or None."""
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / base_language(language) / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=base_language(language), domain=DOMAIN)


@lru_cache(maxsize=None)
def _compiled(language: str) -> gettext.GNUTranslations | None:
    """The catalog compiled to .mo bytes in memory, then read by the standard library."""
    from babel.messages.mofile import write_mo

    catalog = read_catalog(language)
    if catalog is None:
        return None
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def message_ids() -> dict[str, str | None]:
    """Every message id sitrepgen uses (from the source-language catalog) -> its plural id."""
    catalog = read_catalog(SOURCE_LANGUAGE)
    assert catalog is not None, "the source-language catalog is part of the package"
    found: dict[str, str | None] = {}
    for message in catalog:
        if message.id:
            key = message.id if isinstance(message.id, str) else message.id[0]
            found[key] = message.id[1] if isinstance(message.id, tuple) else None
    return found


def placeholders(text: str) -> list[str]:
    """The values a message takes: '%(num)d', '%(page)s', '{n}', in order of appearance."""
    return sorted(re.findall(r"%\([a-z_]+\)[sd]|\{n\}", text))


class Translations(gettext.NullTranslations):
    """A language's messages: the project's overrides, then the shipped catalog, then the id."""

    def __init__(self, base: gettext.GNUTranslations | None, overrides: Mapping[str, str | list[str]], plural: Any) -> None:
        super().__init__()
        self._base = base
        self._overrides = dict(overrides)
        self._plural = plural

    def gettext(self, message: str) -> str:
        override = self._overrides.get(message)
        if isinstance(override, str):
            return override
        return self._base.gettext(message) if self._base is not None else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:  # type: ignore[override]
        override = self._overrides.get(singular)
        if isinstance(override, str):
            return override
        if isinstance(override, list) and override:
            return override[min(self._plural(n), len(override) - 1)]
        if self._base is not None:
            return self._base.ngettext(singular, plural, n)
        return singular if n == 1 else plural

    # Jinja's newstyle gettext also looks for the context-aware variants.
    def pgettext(self, context: str, message: str) -> str:
        return self.gettext(message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self.ngettext(singular, plural, n)


@dataclass(frozen=True)
class Settings:
    """What a project says about one language (``languages:`` in sitrepgen.yaml)."""

    locale: str | None = None  #: the CLDR locale of dates and numbers ('ar-SY'); default: the tag
    digits: str = "latin"  #: 'latin' or 'native' (the locale's own digits)
    title: str | None = None  #: the site's title in this language
    labels: Mapping[str, str | list[str]] = field(default_factory=dict)
    figure_label: str | None = None  #: the project's own figure label, for its default language


class Language:
    """One language as the outputs use it: labels, direction, dates and numbers."""

    def __init__(self, tag: str, settings: Settings | None = None) -> None:
        from babel import Locale, UnknownLocaleError

        self.tag = tag
        self.settings = settings or Settings()
        from .translations import known_language

        try:
            self.locale: Locale = Locale.parse(self.settings.locale or tag, sep="-")
            self.known = known_language(self.settings.locale or tag)
            if not self.known:
                raise UnknownLocaleError(tag)
        except (UnknownLocaleError, ValueError):
            self.locale = Locale.parse(SOURCE_LANGUAGE)
            self.known = False
        native = self.locale.other_numbering_systems.get("native", "latn")
        self.numbering = native if self.settings.digits == "native" else "latn"
        base = _compiled(tag) if self.known else None
        self.has_catalog = base is not None
        self.translations = Translations(base, self.settings.labels, self.locale.plural_form)

    def __repr__(self) -> str:
        return f"Language({self.tag!r})"

    # ----------------------------------------------------------------- words

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    @property
    def direction(self) -> str:
        """'rtl' for Arabic, Persian, Hebrew, Urdu, Pashto... (from CLDR), else 'ltr'."""
        return "rtl" if self.known and self.locale.text_direction == "rtl" else "ltr"

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"

    @property
    def name(self) -> str:
        """The language's name in itself: 'العربية', 'English', 'français'."""
        if not self.known:
            return self.tag
        language = self.locale.languages.get(self.locale.language) or self.locale.language
        return language

    @cached_property
    def figure_label(self) -> str:
        """The label before a figure's caption ('Figure {n}', 'الشكل {n}')."""
        if FIGURE_LABEL in self.settings.labels:
            return str(self.settings.labels[FIGURE_LABEL])
        if self.settings.figure_label is not None:
            return self.settings.figure_label
        return self.gettext(FIGURE_LABEL)

    def qualifier(self, value: str) -> str:
        return self.gettext(QUALIFIERS.get(value, value))

    def page_counter(self) -> str:
        """'counter(page) " of " counter(pages)': the page footer as a CSS content value."""
        style = COUNTER_STYLES.get(self.numbering, "decimal")
        text = self.gettext(PAGE_OF)
        counter = {"%(page)s": "page", "%(pages)s": "pages"}
        parts = []
        for piece in re.split(r"(%\(pages?\)s)", text):
            if piece in counter:
                parts.append(f"counter({counter[piece]})" if style == "decimal" else f"counter({counter[piece]}, {style})")
            elif piece:
                parts.append('"' + piece.replace("\\", "\\\\").replace('"', '\\"') + '"')
        return " ".join(parts)

    # ----------------------------------------------------------------- numbers and dates

    def digits(self, text: str) -> str:
        """``text`` with its Latin digits in this language's digits."""
        if self.numbering == "latn":
            return text
        native = _native_digits(self.numbering)
        return text.translate({ord("0") + i: native[i] for i in range(10)})

    def number(self, value: int | float) -> str:
        """'90,000' ('90 000' in French; Arabic-Indic digits only when asked for)."""
        from babel.numbers import format_decimal

        if not isinstance(value, (int, float)):  # a key figure measured on a map, not measured here
            return str(value.placeholder())
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        # Babel gives the numbering system's separators; the digits are this language's own.
        return self.digits(format_decimal(value, locale=self.locale, decimal_quantization=False, numbering_system=self.numbering))

    def date(self, value: dt.date) -> str:
        """'December 8, 2016', '8 كانون الأول 2016', '8 décembre 2016'."""
        from babel.dates import format_skeleton

        return self.digits(format_skeleton("yMMMMd", value, locale=self.locale))

    def short_date(self, value: dt.date, *, year: bool = False) -> str:
        """'Dec 1' (or 'Dec 1, 2016'): a chart's axis, where the full date does not fit."""
        from babel.dates import format_skeleton

        return self.digits(format_skeleton("yMMMd" if year else "MMMd", value, locale=self.locale))

    def long_date(self, value: dt.date) -> str:
        """'Thursday, December 8, 2016': the date with its weekday."""
        from babel.dates import format_date

        return self.digits(format_date(value, "full", locale=self.locale))

    def period(self, start: dt.date, end: dt.date) -> str:
        """'December 2–8, 2016', 'November 28 – December 4, 2016', '2–8 كانون الأول 2016'."""
        from babel.dates import format_date, format_interval

        if start == end:
            return self.date(start)
        fallback = _spaced(str(self.locale.interval_formats.get(None) or "{0} – {1}"))
        if start.year != end.year:
            return self.digits(fallback.replace("{0}", self.date(start)).replace("{1}", self.date(end)))
        interval = _dashes(format_interval(start, end, "MMMMd", locale=self.locale))
        with_year = str(self.locale.datetime_skeletons.get("yMMMMd") or "")
        without = str(self.locale.datetime_skeletons.get("MMMMd") or "")
        if with_year.startswith(without) and without:
            return self.digits(interval + format_date(end, with_year[len(without) :], locale=self.locale))
        if with_year.endswith(without) and without:
            return self.digits(format_date(end, with_year[: -len(without)], locale=self.locale) + interval)
        return self.digits(fallback.replace("{0}", self.date(start)).replace("{1}", self.date(end)))


_DASH = re.compile(r"(\S?)[\s\u2009\u202f]*–[\s\u2009\u202f]*(\S?)")


def _dashes(text: str) -> str:
    """The dash of a range within a month as the classic report sets it: '2–8' between two days,
    ' – ' otherwise ('November 28 – December 4'). CLDR puts thin spaces around it, which the
    bundled Latin font does not have."""
    def one(match: re.Match[str]) -> str:
        before, after = match.group(1), match.group(2)
        return f"{before}–{after}" if before.isdigit() and after.isdigit() else f"{before} – {after}"

    return _DASH.sub(one, text)


def _spaced(pattern: str) -> str:
    """An interval pattern ('{0} – {1}') with plain spaces for CLDR's thin ones."""
    return re.sub(r"[\s\u2009\u202f]+", " ", pattern)


#: The zero of each numbering system's digits (CLDR numbering systems; Babel gives their
#: separators but not their digits). Others are printed with Latin digits.
NATIVE_ZERO = {"arab": 0x0660, "arabext": 0x06F0, "deva": 0x0966, "beng": 0x09E6, "thai": 0x0E50, "mymr": 0x1040, "khmr": 0x17E0, "tibt": 0x0F20}


def _native_digits(numbering: str) -> str:
    zero = NATIVE_ZERO.get(numbering)
    return "".join(chr(zero + i) for i in range(10)) if zero is not None else "0123456789"


class Languages:
    """The languages of one build, each made once: the default one, and any a report uses."""

    def __init__(self, default: str, settings: Mapping[str, Settings] | None = None) -> None:
        self.default = default
        self.settings = dict(settings or {})
        self._made: dict[str, Language] = {}

    def get(self, tag: str | None = None) -> Language:
        tag = tag or self.default
        if tag not in self._made:
            self._made[tag] = Language(tag, self.settings.get(tag))
        return self._made[tag]


def english() -> Language:
    """The source language with no project settings (what code outside a build uses)."""
    return _english()


@lru_cache(maxsize=1)
def _english() -> Language:
    return Language(SOURCE_LANGUAGE)
