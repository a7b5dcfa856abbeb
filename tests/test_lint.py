"""Lint rules: each fires where it should, at the right place, and stays quiet otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitrepgen.config import load_project
from sitrepgen.diagnostics import CODES, Diagnostic
from sitrepgen.reports import load_report
from tests.helpers import REPO, line_of


def lint(project: Path, text: str) -> list[Diagnostic]:
    path = project / "sitreps" / "2016-12-08.yaml"
    path.write_text(text, encoding="utf-8")
    return load_report(path, load_project(project))[0].diagnostics


def codes(diagnostics: list[Diagnostic]) -> list[str]:
    return sorted(d.code for d in diagnostics)


def test_seed_has_exactly_one_warning(project: Path, seed_yaml: str) -> None:
    (d,) = lint(project, seed_yaml)
    assert (d.code, d.line) == ("number-format", line_of(seed_yaml, "around 3.000."))
    assert d.severity.value == "warning"


def test_number_format_quiet_when_the_report_is_consistent(project: Path, seed_yaml: str) -> None:
    assert lint(project, seed_yaml.replace("around 3.000.", "around 3,000.")) == []
    # Only dots: no convention to compare with, so nothing is flagged.
    only_dots = seed_yaml.replace("90,000", "90.000").replace("150,000", "150.000").replace("8,000", "8.000")
    assert lint(project, only_dots) == []
    # Decimals and years are not grouped numbers.
    assert lint(project, seed_yaml.replace("around 3.000.", "around 3.5 thousand in 2016.")) == []


def test_unreferenced_figure(project: Path, seed_yaml: str) -> None:
    (d,) = lint(project, seed_yaml.replace("3.000", "3,000").replace("({fig:aleppo-control})", "(see the map)"))
    assert d.code == "unreferenced-figure" and d.severity.value == "warning"
    assert d.line == line_of(seed_yaml, "- id: aleppo-control")


def test_blank_alt_text_is_an_error(project: Path, seed_yaml: str) -> None:
    text = seed_yaml.replace("3.000", "3,000")
    start = text.index("        alt: >-")
    end = text.index("        source: Schematic")
    (d,) = lint(project, text[:start] + '        alt: "   "\n' + text[end:])
    assert d.code == "empty-alt" and d.severity.value == "error"


def test_an_svg_figure_that_cannot_be_read(project: Path, seed_yaml: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An SVG found but unreadable (its permissions, as root can read anything here: simulated)
    is an error at its image: line, not a traceback."""
    from sitrepgen import figures

    def unreadable(path: Path, max_bytes: int) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(figures, "prepare", unreadable)
    (d,) = lint(project, seed_yaml.replace("3.000", "3,000"))
    assert (d.code, d.line) == ("figure-missing", line_of(seed_yaml, "image: figures/"))
    assert d.message == "figure file 'figures/2016-12-08-aleppo-control.svg' cannot be read: Permission denied"


def test_empty_region(project: Path, seed_yaml: str) -> None:
    text = seed_yaml.replace("3.000", "3,000") + "  # trailing\n"
    text = text.replace("\n  - name: Homs\n", "\n  - name: Hama\n    paragraphs: []\n\n  - name: Homs\n")
    (d,) = lint(project, text)
    assert (d.code, d.line) == ("empty-region", line_of(text, "paragraphs: []"))


def test_dates_outside_the_period(project: Path, seed_yaml: str) -> None:
    text = seed_yaml.replace("3.000", "3,000").replace("as_of: 2016-12-08\n    source: Local", "as_of: 2016-11-20\n    source: Local")
    text = text.replace("published: 2016-12-08", "published: 2016-12-05")
    found = lint(project, text)
    assert codes(found) == ["date-outside-period", "date-outside-period"]
    assert sorted(d.line for d in found) == [line_of(text, "published:"), line_of(text, "as_of: 2016-11-20")]


def test_place_names_from_the_gazetteer(project: Path, seed_yaml: str) -> None:
    text = seed_yaml.replace("3.000", "3,000").replace("transported\n        with other residents to Idleb.", "transported\n        with other residents to Idlib.")
    text = text.replace("around Tadmor (Palmyra),", "around Palmyra,")
    found = sorted(lint(project, text))
    assert codes(found) == ["place-name", "place-name"]
    assert [d.line for d in found] == [line_of(text, "to Idlib."), line_of(text, "around Palmyra,")]
    assert "'Idlib' is spelled 'Idleb'" in found[0].message
    assert "write 'Tadmor' or 'Tadmor (Palmyra)'" in found[1].message


def test_alias_in_brackets_and_curly_apostrophes_are_fine(project: Path, seed_yaml: str) -> None:
    # The seed writes "Tadmor (Palmyra)" and "Maarat al-Nu’man" with a curly apostrophe.
    assert lint(project, seed_yaml.replace("3.000", "3,000")) == []


def test_placeholders(project: Path, seed_yaml: str) -> None:
    text = seed_yaml.replace("3.000", "3,000").replace("title: Weekly Conflict Summary", "title: TODO Weekly Conflict Summary")
    (d,) = lint(project, text)
    assert (d.code, d.line, d.col) == ("placeholder", line_of(text, "title: TODO"), 8)


@pytest.mark.parametrize(
    ("markdown", "code"),
    [("[x](javascript:alert(1))", "unsafe-link"), ("[x](file:///etc/passwd)", "unsafe-link"), ("![map](map.png)", "inline-image")],
)
def test_links_and_images_in_text(project: Path, seed_yaml: str, markdown: str, code: str) -> None:
    text = seed_yaml.replace("3.000", "3,000").replace("killing and injuring dozens.", f"killing and injuring dozens {markdown}.")
    (d,) = lint(project, text)
    assert (d.code, d.line) == (code, line_of(text, markdown))


def test_every_code_is_documented() -> None:
    docs = (REPO / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    for code, meaning in CODES.items():
        assert f"`{code}`" in docs, code


def test_the_grouped_number_pattern_finds_what_a_look_behind_first_pattern_finds() -> None:
    """The pattern starts with a digit before its look-behind, so the scan tries the rest only at
    digits; it finds exactly what the plain form '(?<![\\d.,])\\d{1,3}...' finds, on every string
    of up to seven characters over digits, separators, a letter and a space."""
    import itertools
    import re

    from sitrepgen.lint import _GROUPED_NUMBER

    plain = re.compile(r"(?<![\d.,])\d{1,3}(?:([.,])\d{3})+(?![\d]|[.,]\d)")
    for length in range(1, 8):
        for letters in itertools.product("1,.a ", repeat=length):
            text = "".join(letters)
            assert [(m.span(), m.group(1)) for m in _GROUPED_NUMBER.finditer(text)] == [(m.span(), m.group(1)) for m in plain.finditer(text)], text
