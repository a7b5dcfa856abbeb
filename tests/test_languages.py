"""Translations: the bundled report's Arabic version (right to left, Arabic labels, dates and
font, a readable text layer), a French one of one paragraph, and stale translations."""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner, Result

from sitrepgen import i18n
from sitrepgen.cli import cli
from tests.helpers import REPO, copy_project, line_of

DATA = REPO / "tests" / "data" / "projects"
ATOM = "{http://www.w3.org/2005/Atom}"
SLUG = "2016-12-08"


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


def need(tool: str, package: str) -> str:
    """The tool's path; skipped naming ``package`` when it is missing (failed in CI)."""
    from tests.helpers import TOOLS, need_tool

    assert TOOLS[tool][0] == package, tool
    return need_tool(tool)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled project, built once: the English report and its Arabic translation."""
    root = copy_project(tmp_path_factory.mktemp("languages") / "project", translations=True)
    result = run(root, "build", "--jobs", "1")
    assert result.exit_code == 0, result.output
    return root / "site"


@pytest.fixture(scope="module")
def plain_figure_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same, with the Arabic version's map replaced by one without words: the map's labels
    are English (it is the English report's map), and would hide a label that stayed English."""
    root = copy_project(tmp_path_factory.mktemp("plain") / "project", translations=True)
    (root / "sitreps" / "figures" / "plain.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="200" height="100" fill="#ccc"/></svg>', encoding="utf-8"
    )
    arabic = root / "sitreps" / f"{SLUG}.ar.yaml"
    arabic.write_text(arabic.read_text(encoding="utf-8").replace("figures/2016-12-08-aleppo-control.svg", "figures/plain.svg"), encoding="utf-8")
    assert run(root, "build", "--jobs", "1").exit_code == 0
    return root / "site"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the bundled project with its Arabic translation."""
    return copy_project(tmp_path / "project", translations=True)


def pages(site: Path, folder: str) -> list[Path]:
    return sorted((site / folder).rglob("*.html"))


def text_of(html: str) -> str:
    """What a reader sees: the text of the page (and its title), without the links to other
    languages, which name each language in itself ('English')."""
    html = re.sub(r'<nav class="language-switch".*?</nav>', " ", html, flags=re.S)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def pdf_text(path: Path) -> str:
    """pdftotext's text, without the bidi controls it wraps right-to-left lines in."""
    text = subprocess.run([need("pdftotext", "poppler-utils"), str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text)


# --------------------------------------------------------------------------- direction and language


def test_every_arabic_page_is_lang_ar_and_right_to_left(site: Path) -> None:
    arabic = pages(site, "ar")
    assert {p.relative_to(site).as_posix() for p in arabic} >= {
        "ar/index.html", f"ar/reports/{SLUG}.html", "ar/regions/index.html", "ar/regions/حلب.html", "ar/regions/إدلب.html",
    }
    for page in arabic:
        assert '<html lang="ar" dir="rtl">' in page.read_text(encoding="utf-8"), page
    for page in pages(site, "reports") + pages(site, "regions") + [site / "index.html"]:
        assert '<html lang="en">' in page.read_text(encoding="utf-8"), page
    with pikepdf.open(site / "ar" / "reports" / f"{SLUG}.pdf") as pdf:
        assert str(pdf.Root.Lang) == "ar"
    feed = ET.parse(site / "ar" / "feed.xml").getroot()
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "ar"


def test_inserted_values_are_isolated_on_right_to_left_pages(site: Path) -> None:
    html = (site / "ar" / "reports" / f"{SLUG}.html").read_text(encoding="utf-8")
    assert '<p class="period"><bdi>2–8 كانون الأول 2016</bdi>' in html
    assert "<strong><bdi>90,000</bdi></strong>" in html
    assert '<span class="key-meta"><bdi>وزير الخارجية الروسي سيرغي لافروف (Sergei Lavrov)</bdi>، حتى <bdi>8 كانون الأول 2016</bdi></span>' in html
    assert "<bdi>" not in (site / "reports" / f"{SLUG}.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- labels, dates, numbers


def english_label_words() -> set[str]:
    """The words of every English label (message), but the names of formats and of sitrepgen."""
    words: set[str] = set()
    for message, plural in i18n.message_ids().items():
        text = re.sub(r"<[^>]+>|%\([a-z_]+\)[sd]|\{n\}", " ", f"{message} {plural or ''}")
        words |= {word.lower() for word in re.findall(r"[A-Za-z]{2,}", text)}
    months = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}
    # the names of formats, of technologies and of the command the search page says to type
    return (words | months | {"thursday"}) - {"pdf", "markdown", "atom", "sitrepgen", "csv", "hxl", "json", "http", "javascript", "serve"}


def test_no_english_label_in_the_arabic_pages(plain_figure_site: Path) -> None:
    forbidden = english_label_words()
    assert {"key", "figures", "conclusions", "published", "download", "previous", "source", "regions", "december", "of"} <= forbidden
    for page in pages(plain_figure_site, "ar"):
        # identifiers (a key figure's id, marked translate="no") are data, not words of a language
        html = re.sub(r'<span[^>]* translate="no">[^<]*</span>', " ", page.read_text(encoding="utf-8"))
        text = text_of(html)
        # the report's own Latin words: a name and an acronym kept in the Arabic text
        latin = {word.lower() for word in re.findall(r"[A-Za-z]{2,}", text)}
        assert latin & forbidden == set(), (page.name, latin & forbidden)
        assert latin <= {"sergei", "lavrov", "unhcr", "sitrepgen", "pdf", "markdown", "atom", "csv", "hxl", "json", "http", "javascript", "serve"}, (page.name, latin)


def test_no_english_label_in_the_arabic_pdf(plain_figure_site: Path) -> None:
    text = pdf_text(plain_figure_site / "ar" / "reports" / f"{SLUG}.pdf")
    latin = {word.lower() for word in re.findall(r"[A-Za-z]{2,}", text)}
    assert latin <= {"sergei", "lavrov", "unhcr", "sitrepgen"}, latin
    flat = " ".join(text.split())
    for label in ("أرقام رئيسية", "الاستنتاجات", "الشكل", "حتى", "كانون الأول", "ما لا يقل عن", "أكثر من", "حوالي", "المصدر"):
        assert label in flat, label
    # the page numbers: "1 من 2" (pdftotext may give the two numbers of a right-to-left line in either order)
    assert len(re.findall(r"\d\s*من\s*\d", flat)) == 2


def test_the_period_has_the_arabic_month_name(site: Path) -> None:
    html = (site / "ar" / "reports" / f"{SLUG}.html").read_text(encoding="utf-8")
    assert "2–8 كانون الأول 2016" in html  # Levantine month names: the project's locale is ar-SY
    assert "<title>ملخص النزاع الأسبوعي – 2–8 كانون الأول 2016 · ملخص النزاع الأسبوعي في سوريا</title>" in html
    assert '<span class="published">نُشر في <time datetime="2016-12-08"><bdi>8 كانون الأول 2016</bdi></time></span>' in html
    assert "كانون الأول" in pdf_text(site / "ar" / "reports" / f"{SLUG}.pdf")
    english = (site / "reports" / f"{SLUG}.html").read_text(encoding="utf-8")
    assert "December 2–8, 2016" in english and "كانون" not in english


def test_key_figures_and_labels_in_arabic(site: Path) -> None:
    html = (site / "ar" / "reports" / f"{SLUG}.html").read_text(encoding="utf-8")
    assert '<h2 id="key-figures-2016-12-08">أرقام رئيسية</h2>' in html
    assert '<span class="key-qualifier">أكثر من</span> <strong><bdi>70%</bdi></strong>' in html
    assert '<span class="figure-label">الشكل 1</span>' in html
    assert '<h2 id="conclusions-heading">الاستنتاجات:</h2>' in html
    assert "## أرقام رئيسية" in (site / "ar" / "reports" / f"{SLUG}.md").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- fonts and text layer


def package_fonts() -> set[tuple[str, str]]:
    """(family, version) of every font file sitrepgen ships."""
    from fontTools.ttLib import TTFont

    from sitrepgen.outputs.assets import font_files

    found = set()
    for path in font_files().values():
        names = TTFont(path)["name"]
        found.add((str(names.getDebugName(1)), str(names.getDebugName(5))))
    return found


def embedded_fonts(path: Path) -> list[tuple[str, str, str]]:
    """(name, family, version) of every font embedded in a PDF, read from the font programs."""
    import io

    from fontTools.ttLib import TTFont

    found = []
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                assert "/FontFile2" in obj, f"{obj.FontName} is not embedded as TrueType"
                names = TTFont(io.BytesIO(obj.FontFile2.read_bytes()))["name"]
                found.append((str(obj.FontName), str(names.getDebugName(1)), str(names.getDebugName(5))))
    return found


@pytest.mark.parametrize("page", [f"reports/{SLUG}.pdf", f"ar/reports/{SLUG}.pdf"])
def test_every_font_of_every_pdf_is_embedded_and_from_the_package(site: Path, page: str) -> None:
    listing = subprocess.run([need("pdffonts", "poppler-utils"), str(site / page)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:]]
    assert rows
    for row in rows:
        name, embedded = row[0], row[-5]
        assert embedded == "yes", row
        assert re.fullmatch(r"[A-Z]{6}\+(Source-Sans-Pro|Amiri)(-\w+)?", name), name  # a subset of a bundled family
    shipped = package_fonts()
    for name, family, version in embedded_fonts(site / page):
        assert (family, version) in shipped, (name, family, version)  # the package's file, not a machine's
    families = {family for _, family, _ in embedded_fonts(site / page)}
    assert families == ({"Source Sans Pro", "Amiri"} if page.startswith("ar/") else {"Source Sans Pro"})


def arabic_words(text: str) -> list[str]:
    """Arabic words, with diacritics and tatweel taken off and the presentation forms folded."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub("[\u064b-\u065f\u0670\u0640]", "", text)
    return re.findall("[\u0621-\u064a\u0671-\u06d3]+", text)


def yaml_arabic_words(path: Path) -> list[str]:
    from sitrepgen.lint import all_strings
    from sitrepgen.model import Report
    from sitrepgen.load import read_document

    report = Report.model_validate(read_document(path).data)
    # alt text and region names are not printed (the sections have no headings)
    texts = [text for loc, text in all_strings(report) if loc[-1] != "alt" and "region" not in loc]
    return arabic_words(" ".join(texts))


def test_pdftotext_gives_back_the_arabic_words(site: Path) -> None:
    """The text layer is readable: at least 90 % of the Arabic words of the YAML come back from
    pdftotext (a word split by a line break comes back as two pieces, which count as lost)."""
    expected = collections.Counter(yaml_arabic_words(REPO / "sitreps" / f"{SLUG}.ar.yaml"))
    found = collections.Counter(arabic_words(pdf_text(site / "ar" / "reports" / f"{SLUG}.pdf")))
    share = sum((expected & found).values()) / sum(expected.values())
    assert share >= 0.9, share
    # lam-alef ligatures come back as the two letters they are made of
    for word in ("ولا", "الاستنتاجات", "الأراضي", "الانتقامية", "إلى"):
        assert found[word] >= 1, word


# --------------------------------------------------------------------------- versions link to each other


def test_hreflang_both_ways_and_a_visible_switch(site: Path) -> None:
    english = (site / "reports" / f"{SLUG}.html").read_text(encoding="utf-8")
    arabic = (site / "ar" / "reports" / f"{SLUG}.html").read_text(encoding="utf-8")
    links = (
        '<link rel="alternate" hreflang="en" href="https://sitreps.example.org/reports/2016-12-08.html">\n'
        '<link rel="alternate" hreflang="ar" href="https://sitreps.example.org/ar/reports/2016-12-08.html">\n'
        '<link rel="alternate" hreflang="x-default" href="https://sitreps.example.org/reports/2016-12-08.html">\n'
    )
    assert links in english and links in arabic
    assert '<a href="../ar/reports/2016-12-08.html" hreflang="ar" lang="ar" dir="rtl">العربية</a>' in english
    assert '<a href="../../reports/2016-12-08.html" hreflang="en" lang="en">English</a>' in arabic
    assert '<a href="ar/index.html" hreflang="ar" lang="ar" dir="rtl">العربية</a>' in (site / "index.html").read_text(encoding="utf-8")
    # a region has another name in Arabic: its page links to the Arabic list of regions
    assert '<a href="../ar/index.html" hreflang="ar"' in (site / "regions" / "aleppo.html").read_text(encoding="utf-8")


def test_a_translation_is_not_another_week(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<h2><a href="([^"]+)">', index) == ["reports/2016-12-08.html"]
    assert "1 weekly report, newest first" in index
    english = (site / "reports" / f"{SLUG}.html").read_text(encoding="utf-8")
    assert "pager-previous" not in english and "pager-next" not in english
    feed = ET.parse(site / "feed.xml").getroot()
    assert len(list(feed.iter(f"{ATOM}entry"))) == 1
    arabic_feed = ET.parse(site / "ar" / "feed.xml").getroot()
    (entry,) = arabic_feed.iter(f"{ATOM}entry")
    assert entry.find(f"{ATOM}link").get("href") == "https://sitreps.example.org/ar/reports/2016-12-08.html"  # type: ignore[union-attr]
    assert 'عدد التقارير الأسبوعية: 1' in (site / "ar" / "index.html").read_text(encoding="utf-8")
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://sitreps.example.org/ar/regions/%D8%AD%D9%84%D8%A8.html</loc>" in sitemap


def test_a_french_translation_of_one_paragraph(tmp_path: Path) -> None:
    root = tmp_path / "translations"
    shutil.copytree(DATA / "translations", root)
    result = run(root, "build", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("built 2 report(s) and 1 translation(s) into site/ (50 files, 3 PDF(s) rendered)\n")  # (with the .sitrepgen-site mark and the search index)
    html = (root / "site" / "fr" / "reports" / f"{SLUG}.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in html
    for text in ("Chiffres clés", "<p class=\"period\">2–8 décembre 2016", "au moins", "90\u202f000", "HCR, au 8 décembre 2016", "Conclusions\u00a0:", "Publié le", "Télécharger le PDF", "<span class=\"figure-label\">Figure 1</span> Zones de contrôle."):
        assert text in html, text
    assert "<title>Note hebdomadaire – 2–8 décembre 2016 · Notes hebdomadaires</title>" in html
    # the week before has no French version: not in the French archive, no pager to it
    assert "pager-previous" not in html and not (root / "site" / "fr" / "reports" / "2016-12-01.html").exists()
    assert "Previous week" in (root / "site" / "reports" / f"{SLUG}.html").read_text(encoding="utf-8")
    text = " ".join(pdf_text(root / "site" / "fr" / "reports" / f"{SLUG}.pdf").split())
    assert "CHIFFRES CLÉS" in text and "1 sur 1" in text and "Conclusions :" in text


# --------------------------------------------------------------------------- names and stale translations


def validate_edited(project: Path, old: str, new: str) -> tuple[str, str]:
    """The Arabic translation as shipped, and what validate says of it with ``old`` made ``new``."""
    arabic = project / "sitreps" / f"{SLUG}.ar.yaml"
    text = arabic.read_text(encoding="utf-8")
    arabic.write_text(text.replace(old, new), encoding="utf-8")
    return text, run(project, "validate", str(arabic)).stdout.replace(arabic.as_posix(), "AR")


def test_the_language_must_be_the_one_of_the_file_name(project: Path) -> None:
    text, found = validate_edited(project, "language: ar\n", "language: fr\n")
    assert found == (
        f"AR:{line_of(text, 'language: ar')}:11: error[language-mismatch]: this file's name makes it the 'ar' translation of "
        "2016-12-08.yaml, but its language is 'fr'; write 'language: ar', or rename the file\n"
    )
    text, found = validate_edited(project, "language: fr\n", "")
    assert found == f"AR:{line_of(text, 'title:')}:1: error[language-mismatch]: this file's name makes it the 'ar' translation of 2016-12-08.yaml: add 'language: ar'\n"


def test_a_name_that_is_no_language_is_a_report_of_its_own(project: Path) -> None:
    from sitrepgen.translations import language_of_name, source_name

    assert [language_of_name(n) for n in ("2016-12-08.ar.yaml", "2016-12-08.ar-SY.yaml", "2016-12-08.yaml", "x.old.yaml", "x.v2.yml")] == ["ar", "ar-SY", None, None, None]
    assert source_name("2016-12-08.fr.yml") == "2016-12-08.yml"


def test_stale_translation_is_a_warning_at_its_hash(project: Path) -> None:
    english = project / "sitreps" / f"{SLUG}.yaml"
    arabic = project / "sitreps" / f"{SLUG}.ar.yaml"
    assert run(project, "validate", str(arabic)).stdout == ""  # up to date as shipped
    english.write_text(english.read_text(encoding="utf-8").replace("killing and injuring dozens", "killing and wounding dozens"), encoding="utf-8")
    result = run(project, "validate", str(arabic))
    assert result.exit_code == 0
    text = arabic.read_text(encoding="utf-8")
    assert result.stdout == (
        f"{arabic.as_posix()}:{line_of(text, 'sha256:')}:11: warning[stale-translation]: 2016-12-08.yaml has changed since this "
        f"translation was brought up to date; update the translation, then run 'sitrepgen translate --mark {arabic.as_posix()}'\n"
    )
    assert run(project, "validate", "--strict", str(arabic)).exit_code == 1
    # a comment or a re-folded line is not a change of content
    english.write_text("# a new comment\n" + english.read_text(encoding="utf-8"), encoding="utf-8")
    marked = run(project, "translate", "--mark", str(arabic))
    assert marked.exit_code == 0 and marked.stdout.startswith(f"{arabic.as_posix()}: translation of 2016-12-08.yaml as it is now")
    after = arabic.read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(text.splitlines(), after.splitlines()) if a != b]
    assert len(changed) == 1 and changed[0][0].startswith("  sha256: ") and len(after) == len(text)  # nothing else moved
    assert run(project, "validate", str(arabic)).stdout == ""
    english.write_text(english.read_text(encoding="utf-8").replace("# a new comment\n", ""), encoding="utf-8")
    assert run(project, "validate", str(arabic)).stdout == ""


def test_translation_of_must_name_another_version(project: Path) -> None:
    text, found = validate_edited(project, "  file: 2016-12-08.yaml", "  file: 2016-12-01.yaml")
    line = line_of(text, "  file: 2016-12-08.yaml")
    assert found == (
        f"AR:{line}:9: error[translation-source]: '2016-12-01.yaml' is not another language version of this "
        "report: write 2016-12-08.yaml (or another NAME.LANG.yaml of the same NAME)\n"
    )
    _, found = validate_edited(project, "  file: 2016-12-01.yaml", "  file: 2016-12-08.fr.yaml")
    assert found == f"AR:{line}:9: error[translation-source]: '2016-12-08.fr.yaml' does not exist; this translation cannot be checked against it\n"


def test_marking_adds_translation_of_when_there_is_none(project: Path) -> None:
    arabic = project / "sitreps" / f"{SLUG}.ar.yaml"
    text = re.sub(r"translation_of:.*\n  file: .*\n  sha256: .*\n", "", arabic.read_text(encoding="utf-8"))
    arabic.write_text(text, encoding="utf-8")
    assert run(project, "translate", "--mark", str(arabic)).exit_code == 0
    assert "language: ar\ntranslation_of:  # what this translation was made from (sitrepgen translate --mark)\n  file: 2016-12-08.yaml\n  sha256: " in arabic.read_text(encoding="utf-8")
    assert run(project, "validate", str(arabic)).stdout == ""
    result = run(project, "translate", "--mark", str(project / "sitreps" / f"{SLUG}.yaml"))
    assert result.exit_code == 1 and result.stderr == "Error: 2016-12-08.yaml is not a translation: a translation is named NAME.LANG.yaml (e.g. 2016-12-08.ar.yaml)\n"
    assert run(project, "translate", str(arabic)).stderr.endswith("Error: give exactly one of --mark and --to LANG\n")


def test_translate_to_starts_a_translation(project: Path) -> None:
    result = run(project, "translate", "--to", "fr", str(project / "sitreps" / f"{SLUG}.yaml"))
    assert result.exit_code == 0, result.output
    french = project / "sitreps" / f"{SLUG}.fr.yaml"
    assert result.stdout.strip().endswith(f"sitreps/{SLUG}.fr.yaml")
    text = french.read_text(encoding="utf-8")
    assert re.search(r"\ntranslation_of:\n  file: 2016-12-08.yaml\n  sha256: [0-9a-f]{64}\nlanguage: fr\n", text)
    assert "      - >-\n        TODO: The battle for Aleppo" in text and "# Headline numbers" in text  # text marked, comments kept
    found = {line.split(": ")[1] for line in run(project, "validate", str(french)).stdout.splitlines()}
    assert found == {"warning[placeholder]", "warning[number-format]"}
    again = run(project, "translate", "--to", "fr", str(project / "sitreps" / f"{SLUG}.yaml"))
    assert again.exit_code == 1 and "2016-12-08.fr.yaml already exists" in again.stderr
    assert run(project, "translate", "--to", "xx", str(french)).stderr == "Error: 'xx' is not a language CLDR knows; write a language tag such as 'ar' or 'fr'\n"


def test_new_carries_the_translation_forward(project: Path) -> None:
    result = run(project, "new")
    assert result.exit_code == 0, result.output
    assert [line.rsplit("/", 1)[1] for line in result.stdout.splitlines()] == ["2016-12-15.yaml", "2016-12-15.ar.yaml"]
    arabic = (project / "sitreps" / "2016-12-15.ar.yaml").read_text(encoding="utf-8")
    assert "language: ar\ntranslation_of:  # what this translation was made from (sitrepgen translate --mark)\n  file: 2016-12-15.yaml\n  sha256: " in arabic
    assert "TODO: استمرت معركة حلب" in arabic and "start: 2016-12-09" in arabic
    codes = {line.split(": ")[1] for line in run(project, "validate", str(project / "sitreps" / "2016-12-15.ar.yaml")).stdout.splitlines()}
    assert codes == {"warning[placeholder]", "warning[date-outside-period]"}  # and not stale: it follows the new week
    built = run(project, "build", "--jobs", "1")
    assert built.exit_code == 0 and "built 2 report(s) and 2 translation(s)" in built.stdout
    assert "الأسبوع السابق" in (project / "site" / "ar" / "reports" / "2016-12-15.html").read_text(encoding="utf-8")


def test_the_english_pages_change_only_by_their_links_to_the_arabic_ones(site: Path) -> None:
    """With the Arabic translation beside it, the English report page is its golden copy (the
    page as it was before languages existed) plus the hreflang links and the language switch;
    its Markdown is unchanged, and its region page gains only the switch."""
    golden = REPO / "tests" / "data" / "golden"
    links = (
        '<link rel="alternate" hreflang="en" href="https://sitreps.example.org/reports/2016-12-08.html">\n'
        '<link rel="alternate" hreflang="ar" href="https://sitreps.example.org/ar/reports/2016-12-08.html">\n'
        '<link rel="alternate" hreflang="x-default" href="https://sitreps.example.org/reports/2016-12-08.html">\n'
    )

    def switch(href: str) -> str:
        return f'  <nav class="language-switch" aria-label="Other languages">\n    <a href="{href}" hreflang="ar" lang="ar" dir="rtl">العربية</a>\n  </nav>\n'

    def figureless(html: str) -> str:
        """The golden pages hold the hand-drawn Figure 1; the project as shipped draws it from
        GeoJSON (tests/test_map_figures.py): the figure is compared there, the rest here."""
        return re.sub(r'<figure class="figure".*?</figure>', "<figure/>", html, flags=re.S)

    page = (golden / f"{SLUG}.html").read_text(encoding="utf-8")
    page = page.replace('<link rel="stylesheet"', links + '<link rel="stylesheet"', 1).replace("  </nav>\n</header>", "  </nav>\n" + switch("../ar/reports/2016-12-08.html") + "</header>", 1)
    assert figureless((site / "reports" / f"{SLUG}.html").read_text(encoding="utf-8")) == figureless(page)
    assert (site / "reports" / f"{SLUG}.md").read_text(encoding="utf-8") == (golden / f"{SLUG}-map.md").read_text(encoding="utf-8")
    region = (golden / "region-aleppo.html").read_text(encoding="utf-8").replace("  </nav>\n</header>", "  </nav>\n" + switch("../ar/index.html") + "</header>", 1)
    assert figureless((site / "regions" / "aleppo.html").read_text(encoding="utf-8")) == figureless(region)


def test_a_report_in_arabic_without_a_translation_name_still_builds(tmp_path: Path) -> None:
    """A report written in Arabic in a project whose language is English, named like any other
    week (as before translations existed): its pages stay where they were, in Arabic, right to left."""
    root = tmp_path / "p"
    (root / "sitreps" / "figures").mkdir(parents=True)
    source = (REPO / "sitreps" / f"{SLUG}.ar.yaml").read_text(encoding="utf-8")
    text = re.sub(r"translation_of:.*\n  file: .*\n  sha256: .*\n", "", source)
    (root / "sitreps" / "2016-12-08.yaml").write_text(text, encoding="utf-8")
    shutil.copy(REPO / "sitreps" / "figures" / "2016-12-08-aleppo-control.svg", root / "sitreps" / "figures")
    result = run(root, "build", "--jobs", "1")
    assert result.exit_code == 0, result.output
    html = (root / "site" / "reports" / f"{SLUG}.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in html and "أرقام رئيسية" in html and "2–8 ديسمبر 2016" in html
    assert not (root / "site" / "ar").exists()


def test_the_arabic_pages_are_valid_html(site: Path) -> None:
    """The Nu HTML checker (as tests/test_site_quality.py runs it) on every page of both
    languages and the stylesheet (with the Arabic font faces): no errors."""
    from tests.test_site_quality import format_nu, nu_check

    checked = sorted(site.rglob("*.html")) + [site / "assets" / "style.css"]
    assert len([p for p in checked if p.is_relative_to(site / "ar")]) == 7  # index, key figures, regions index, two regions, the report, search
    errors = [m for m in nu_check(checked) if m.get("type") in ("error", "non-document-error", "fatal")]
    assert not errors, format_nu(errors, site)


def test_the_content_hash_ignores_layout_comments_and_defaults() -> None:
    """What a translation is checked against: the content, not how the YAML is written, and not
    a field left at its default (so a field a new version of sitrepgen adds stales nothing)."""
    from sitrepgen.model import Report
    from sitrepgen.translations import content_hash

    data = {"title": "T", "period": {"start": "2016-12-02", "end": "2016-12-08"}, "published": "2016-12-08", "sections": [{"region": "A", "blocks": ["One."]}]}
    plain = Report.model_validate_json(__import__("json").dumps(data))
    spelled_out = Report.model_validate_json(__import__("json").dumps({**data, "excerpt": False, "language": "en", "key_figures": []}))
    changed = Report.model_validate_json(__import__("json").dumps({**data, "sections": [{"region": "A", "blocks": ["Two."]}]}))
    assert content_hash(plain) == content_hash(spelled_out) != content_hash(changed)


def test_no_template_holds_arabic_script() -> None:
    """Whether a print page holds Arabic script decides whether Amiri is loaded into its PDF:
    a letter in a built-in template (a comment in the CSS) would load it into every PDF."""
    from sitrepgen.outputs.assets import ARABIC_SCRIPT

    for path in sorted((REPO / "sitrepgen" / "templates").glob("*.j2")) + sorted((REPO / "templates").glob("*.j2")):
        assert not ARABIC_SCRIPT.search(path.read_text(encoding="utf-8")), path.name
