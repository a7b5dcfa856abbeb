"""Labels: every fixed word comes from the shipped catalogs, which stay in step with the code,
and a project can override any of them in sitrepgen.yaml (checked like everything else)."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sitrepgen import i18n, render
from sitrepgen.cli import cli
from tests.helpers import REPO

PACKAGE = REPO / "sitrepgen"
LANGUAGES = ("en", "ar", "fr")
FIXED_DATE = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)


def extract() -> dict[str | tuple[str, str], list[str]]:
    """Every message of the built-in templates and of the Python code, with where it is used.

    Written here, independently of sitrepgen.i18n, which only reads the catalogs."""
    import jinja2.ext
    from babel.messages.extract import extract_from_file

    found: dict[str | tuple[str, str], list[str]] = {}
    options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "True", "lstrip_blocks": "True", "newstyle_gettext": "True"}
    for path in sorted((PACKAGE / "templates").glob("*.j2")):
        for _, message, _, _ in extract_from_file(jinja2.ext.babel_extract, str(path), options=options):  # type: ignore[arg-type]
            found.setdefault(message, []).append(f"sitrepgen/templates/{path.name}")
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    for path in sorted(PACKAGE.rglob("*.py")):
        for _, message, _, _ in extract_from_file("python", str(path), keywords=keywords):
            found.setdefault(message, []).append(path.relative_to(REPO).as_posix())
    return found


def catalog_text(language: str, messages: dict[str | tuple[str, str], list[str]]) -> bytes:
    """The .po file of ``language`` for these messages, keeping the translations it has."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    old = None
    if path.is_file():
        with path.open("rb") as handle:
            old = read_po(handle, locale=language)
    catalog = Catalog(
        locale=language, domain=i18n.DOMAIN, project="sitrepgen", version="",
        copyright_holder="sitrepgen", msgid_bugs_address="", creation_date=FIXED_DATE, revision_date=FIXED_DATE,
        last_translator="sitrepgen", language_team=language, fuzzy=False,
        header_comment=(
            f"# sitrepgen's labels in '{language}'. The messages are kept in step with the code by\n"
            "# tests/test_labels.py (pytest --update-golden adds new ones); translate the msgstr lines.\n"
            "# Compiled in memory at build time: there is no .mo file to keep in sync."
        ),
    )
    for message, places in messages.items():
        key = message if isinstance(message, str) else message[0]
        previous = old.get(key) if old is not None else None
        string = previous.string if previous is not None else ("" if isinstance(message, str) else ("",) * catalog.num_plurals)
        catalog.add(message, string, locations=[(place, None) for place in dict.fromkeys(places)])
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, include_lineno=False, omit_header=False)
    # The same bytes whatever Babel version wrote them.
    return b"".join(line for line in buffer.getvalue().splitlines(keepends=True) if not line.startswith(b'"Generated-By:'))


def test_catalogs_hold_every_message_of_the_code(update_golden: bool) -> None:
    """The catalogs list exactly the messages the templates and code use (run
    `pytest --update-golden` after adding one, then translate it)."""
    messages = extract()
    assert len(messages) > 50
    for language in LANGUAGES:
        path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
        wanted = catalog_text(language, messages)
        if update_golden:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(wanted)
        assert path.read_bytes() == wanted, f"{path.relative_to(REPO)} is out of step: run pytest --update-golden"


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_every_message_is_translated_and_keeps_its_values(language: str) -> None:
    catalog = i18n.read_catalog(language)
    assert catalog is not None
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{language}: {ids[0]!r} is not translated"
        allowed = set(i18n.placeholders(" ".join(ids)))
        for string in strings:
            assert set(i18n.placeholders(string)) <= allowed, (language, ids[0], string)
        if ids[0] == i18n.FIGURE_LABEL:
            assert strings[0].count("{n}") == 1


def test_no_fixed_english_word_is_left_in_the_templates() -> None:
    """Text between tags in the built-in templates is a message, a value or punctuation."""
    for path in sorted((PACKAGE / "templates").glob("*.html.j2")) + [PACKAGE / "templates" / "report.md.j2"]:
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)  # comments
        text = re.sub(r"<script\b.*?</script>", " ", text, flags=re.S)  # code, not words a reader sees
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", text, flags=re.S)  # expressions and tags
        text = text.replace(' dir="rtl"', " ")  # an attribute, written inside a tag
        text = re.sub(r"<[^>]*>|&\w+;", " ", text)  # markup and character references
        words = re.findall(r"[A-Za-z]{3,}", text)
        assert words == [], (path.name, words)


# --------------------------------------------------------------------------- dates and numbers


D = dt.date


@pytest.mark.parametrize(
    ("language", "start", "end", "text"),
    [
        ("en", D(2016, 12, 2), D(2016, 12, 8), "December 2–8, 2016"),
        ("en", D(2016, 11, 28), D(2016, 12, 4), "November 28 – December 4, 2016"),
        ("en", D(2016, 12, 29), D(2017, 1, 4), "December 29, 2016 – January 4, 2017"),
        ("ar", D(2016, 12, 2), D(2016, 12, 8), "2–8 ديسمبر 2016"),
        ("ar-SY", D(2016, 12, 2), D(2016, 12, 8), "2–8 كانون الأول 2016"),
        ("ar-SY", D(2016, 11, 28), D(2016, 12, 4), "28 تشرين الثاني – 4 كانون الأول 2016"),
        ("fr", D(2016, 12, 2), D(2016, 12, 8), "2–8 décembre 2016"),
        ("fr", D(2016, 11, 28), D(2016, 12, 4), "28 novembre – 4 décembre 2016"),
        ("fr", D(2016, 12, 29), D(2017, 1, 4), "29 décembre 2016 – 4 janvier 2017"),
    ],
)
def test_periods_in_each_language(language: str, start: dt.date, end: dt.date, text: str) -> None:
    assert i18n.Language(language).period(start, end) == text


def test_digits_are_latin_unless_the_project_asks_for_native_ones() -> None:
    # ar-SY's own default is Arabic-Indic digits: Latin is the project's default all the same.
    latin = i18n.Language("ar", i18n.Settings(locale="ar-SY"))
    assert (latin.number(90000), latin.date(D(2016, 12, 8))) == ("90,000", "8 كانون الأول 2016")
    native = i18n.Language("ar", i18n.Settings(locale="ar-SY", digits="native"))
    assert native.number(90000) == "٩٠٬٠٠٠"
    assert native.period(D(2016, 12, 2), D(2016, 12, 8)) == "٢–٨ كانون الأول ٢٠١٦"
    assert native.page_counter() == 'counter(page, arabic-indic) " من " counter(pages, arabic-indic)'
    assert i18n.Language("fr").number(90000) == "90\u202f000"
    assert [i18n.english().number(v) for v in (90000, 2.5, 1e20, 0.125)] == ["90,000", "2.5", "100,000,000,000,000,000,000", "0.125"]


def test_previous_and_next_labels_in_arabic_and_french() -> None:
    from sitrepgen.series import distance_label
    from sitrepgen.model import Report

    def report(day: int) -> Report:
        return Report.model_validate({"title": "T", "period": {"start": D(2016, 12, 1), "end": D(2016, 12, day)}, "published": D(2016, 12, 31), "sections": [{"region": "A", "blocks": ["x"]}]})

    ar, fr = i18n.Language("ar"), i18n.Language("fr")
    assert distance_label(report(1), report(8), earlier=True, language=ar) == "الأسبوع السابق"
    assert distance_label(report(1), report(22), earlier=True, language=ar) == "التقرير السابق، قبل 3 أسابيع"
    assert distance_label(report(1), report(15), earlier=False, language=ar) == "التقرير التالي، بعد أسبوعين"
    assert distance_label(report(1), report(22), earlier=False, language=fr) == "Rapport suivant, 3 semaines plus tard"
    assert distance_label(report(1), report(22), earlier=False) == "Next report, 3 weeks later"


def test_language_names_and_directions() -> None:
    assert [(i18n.Language(t).name, i18n.Language(t).direction) for t in ("en", "ar", "fr", "fa", "he", "ur", "ps")] == [
        ("English", "ltr"), ("العربية", "rtl"), ("français", "ltr"), ("فارسی", "rtl"), ("עברית", "rtl"), ("اردو", "rtl"), ("پښتو", "rtl"),
    ]


# --------------------------------------------------------------------------- overrides in sitrepgen.yaml


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


REPORT = """\
title: Weekly Conflict Summary
period: {start: 2016-12-02, end: 2016-12-08}
published: 2016-12-08
key_figures:
  - {label: people displaced, value: 90000, qualifier: at least}
sections:
  - region: Aleppo
    blocks: [The battle continued.]
conclusions: [Done.]
"""


def project_with(tmp_path: Path, config: str) -> Path:
    root = tmp_path / "p"
    (root / "sitreps").mkdir(parents=True)
    (root / "sitreps" / "2016-12-08.yaml").write_text(REPORT, encoding="utf-8")
    (root / "sitrepgen.yaml").write_text(config, encoding="utf-8")
    return root


def test_a_project_overrides_labels(tmp_path: Path) -> None:
    root = project_with(tmp_path, 'title: T\nlanguages:\n  en:\n    labels:\n      "Key figures": "Headline numbers"\n      "Conclusions:": "In short:"\n      "%(page)s of %(pages)s": "Page %(page)s of %(pages)s"\n')
    result = run(root, "build", "--jobs", "1")
    assert result.exit_code == 0, result.output
    html = (root / "site" / "reports" / "2016-12-08.html").read_text(encoding="utf-8")
    assert ">Headline numbers</h2>" in html and ">In short:</h2>" in html and "Key figures" not in html
    assert "## Headline numbers" in (root / "site" / "reports" / "2016-12-08.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (
            '  en:\n    labels:\n      "Key figure": "Headline numbers"\n      "Nothing like any message": "x"\n',
            [
                "5:7: error[unknown-label]: 'Key figure' is not one of sitrepgen's labels; did you mean 'Key figures'?",
                "6:7: error[unknown-label]: 'Nothing like any message' is not one of sitrepgen's labels; "
                "the labels are the message ids of sitrepgen/locale/en/LC_MESSAGES/sitrepgen.po",
            ],
        ),
        (
            '  ar:\n    labels:\n      "Source: %(source)s": "المصدر"\n      "Figure {n}": "شكل"\n      "Key figures": "100% %(x)s"\n',
            [
                "5:29: error[invalid-value]: the label 'Source: %(source)s' must keep %(source)s, where sitrepgen puts its value",
                "6:21: error[invalid-value]: the label 'Figure {n}' must keep {n}, where sitrepgen puts its value",
                "7:22: error[invalid-value]: the label 'Key figures' has %(x)s, which sitrepgen does not fill in (it fills nothing)",
            ],
        ),
        (
            '  ar:\n    labels:\n      "Key figures": "100%"\n      "%(num)s week earlier": ["قبل أسبوع", "%(num)s %(x)s"]\n',
            [
                "5:22: error[invalid-value]: the label 'Key figures' has a '%' of its own: write it '%%'",
                "6:31: error[invalid-value]: the label '%(num)s week earlier' has %(x)s, which sitrepgen does not fill in (it fills %(num)s)",
            ],
        ),
    ],
    ids=["unknown", "values", "percent-and-plural"],
)
def test_label_mistakes_are_errors_at_their_place(tmp_path: Path, labels: str, expected: list[str]) -> None:
    result = run(project_with(tmp_path, "title: T\nlanguages:\n" + labels), "validate")
    assert result.exit_code == 1
    path = (tmp_path / "p" / "sitrepgen.yaml").as_posix()
    assert result.stdout.splitlines() == [f"{path}:{line}" for line in expected]


def test_language_settings_are_checked(tmp_path: Path) -> None:
    config = "title: T\nlanguages:\n  xx:\n    digits: latin\n  ar:\n    locale: ar-ZZZZ\n"
    result = run(project_with(tmp_path, config), "validate")
    assert result.exit_code == 1
    path = (tmp_path / "p" / "sitrepgen.yaml").as_posix()
    assert result.stdout == (
        f"{path}:3:3: error[invalid-value]: 'xx' is not a language CLDR knows (sitrepgen takes its dates and numbers from there)\n"
        f"{path}:6:13: error[invalid-value]: 'ar-ZZZZ' is not a locale CLDR knows; write a language tag such as 'ar' or 'ar-SY'\n"
    )
    result = run(project_with(tmp_path / "2", "title: T\nlanguages:\n  ar:\n    digits: roman\n"), "validate")
    assert result.stdout == (
        f"{(tmp_path / '2' / 'p' / 'sitrepgen.yaml').as_posix()}:4:13: error[invalid-value]: 'languages.ar.digits' must be one of 'latin' or 'native'; not the text 'roman'\n"
    )


def test_a_report_in_a_language_without_labels_is_warned_about(tmp_path: Path) -> None:
    root = project_with(tmp_path, "title: T\n")
    report = root / "sitreps" / "2016-12-08.yaml"
    report.write_text(REPORT.replace("published: 2016-12-08\n", "published: 2016-12-08\nlanguage: de\n"), encoding="utf-8")
    assert run(root, "validate").stdout == (
        f"{report.as_posix()}:4:11: warning[unsupported-language]: sitrepgen has no labels in 'de' (it has ar, en, fr): its labels "
        "are printed in English unless sitrepgen.yaml gives them (languages: {de: {labels: ...}})\n"
    )
    report.write_text(REPORT.replace("published: 2016-12-08\n", "published: 2016-12-08\nlanguage: xx\n"), encoding="utf-8")
    assert run(root, "validate").stdout == (
        f"{report.as_posix()}:4:11: warning[unsupported-language]: 'xx' is not a language CLDR knows: the report's dates, numbers and labels are printed in English\n"
    )
    # it still builds, as it did before languages existed, with German dates
    result = run(root, "build", "--jobs", "1")
    assert result.exit_code == 0, result.output


def test_render_speaks_the_environment_language() -> None:
    env = render.make_environment(None, i18n.Language("fr"))
    assert render.render_template(env, "404.html.j2", site={"title": "S", "organisation": None, "language": "fr"}, root="").count("Page introuvable") == 2
