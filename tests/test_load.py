"""Loading and validation: every problem is a diagnostic at the right line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitrepgen.config import load_project
from sitrepgen.diagnostics import Diagnostic
from sitrepgen.reports import load_report
from tests.helpers import line_of

MINIMAL = """\
title: Weekly Conflict Summary
period:
  start: 2016-12-02
  end: 2016-12-08
published: 2016-12-08
regions:
  - name: Aleppo
    paragraphs:
      - The battle for Aleppo continued.
"""


def check(project: Path, text: str | bytes, name: str = "report.yaml") -> list[Diagnostic]:
    path = project / "sitreps" / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    doc, report = load_report(path, load_project(project))
    assert (report is None) == doc.has_errors
    return doc.diagnostics


def only(diagnostics: list[Diagnostic]) -> Diagnostic:
    """The one error (lint warnings, such as the seed's "3.000", are tested in test_lint)."""
    errors = [d for d in diagnostics if d.is_error]
    assert len(errors) == 1, diagnostics
    return errors[0]


def test_seed_report_is_valid(project: Path, seed_yaml: str) -> None:
    assert [(d.severity.value, d.code) for d in check(project, seed_yaml, "2016-12-08.yaml")] == [
        ("warning", "number-format")
    ]


def test_minimal_report_is_valid(project: Path) -> None:
    assert check(project, MINIMAL) == []


def test_paragraph_as_mapping_is_an_error_at_its_line(project: Path, seed_yaml: str) -> None:
    lines = seed_yaml.splitlines(keepends=True)
    start = line_of(seed_yaml, "More than 70% of once") - 2  # the "- >-" line, 0-based
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("        "))
    lines[start] = "      - note: >-\n"  # ('text:' would be a paragraph with an audience)
    lines[start + 1 : end] = ["  " + line for line in lines[start + 1 : end]]
    broken = "".join(lines)
    d = only(check(project, broken, "2016-12-08.yaml"))
    assert d.path.endswith("2016-12-08.yaml")
    assert (d.line, d.col) == (line_of(broken, "- note: >-"), 9)
    assert d.code == "wrong-type"
    assert "'regions[0].paragraphs[1]' must be text, not a mapping" in d.message


def test_unknown_key_is_reported_at_the_key_with_a_suggestion(project: Path) -> None:
    text = MINIMAL.replace("published:", "publised:")
    d = only(check(project, text))  # not also "missing required key 'published'"
    assert (d.line, d.col, d.code) == (5, 1, "unknown-key")
    assert d.message == "unknown key 'publised'; did you mean 'published'?"


def test_missing_key_is_reported_at_the_mapping(project: Path) -> None:
    d = only(check(project, MINIMAL.replace("published: 2016-12-08\n", "")))
    assert (d.line, d.col, d.code) == (1, 1, "missing-key")
    assert d.message == "missing required key 'published', e.g. published: 2016-12-08"


def test_unknown_key_far_from_any_lists_the_allowed_keys(project: Path) -> None:
    d = only(check(project, MINIMAL.replace("period:\n  start:", "period:\n  zzz: 1\n  start:")))
    assert d.message == "unknown key 'zzz'; allowed keys: start, end"


def test_nested_unknown_key(project: Path) -> None:
    text = MINIMAL.replace("  - name: Aleppo\n", "  - name: Aleppo\n    heding: Aleppo\n")
    d = only(check(project, text))
    assert (d.line, d.col, d.code) == (8, 5, "unknown-key")
    assert "did you mean 'heading'?" in d.message


def test_number_in_quotes_is_a_type_error(project: Path) -> None:
    text = MINIMAL + 'key_figures:\n  - label: people displaced\n    value: "90,000"\n'
    d = only(check(project, text))
    assert (d.line, d.col, d.code) == (12, 12, "wrong-type")
    assert "'key_figures[0].value' must be a number" in d.message
    assert "'90,000'" in d.message


def test_all_errors_of_a_file_at_once_sorted(project: Path) -> None:
    text = MINIMAL.replace("title: Weekly Conflict Summary", "title: [a, b]").replace(
        "  end: 2016-12-08", "  end: yesterday"
    )
    diagnostics = check(project, text)
    assert [(d.line, d.code) for d in sorted(diagnostics)] == [(1, "wrong-type"), (4, "wrong-type")]
    assert "write a date as YYYY-MM-DD, e.g. 2016-12-08" in sorted(diagnostics)[1].message


def test_period_ending_before_it_starts(project: Path) -> None:
    text = MINIMAL.replace("end: 2016-12-08", "end: 2016-11-30")
    d = only(check(project, text))
    assert d.code == "invalid-value" and d.line == 4  # at 'end', the value to fix
    assert "ends (2016-11-30) before it starts (2016-12-02)" in d.message


def test_quoted_date_is_the_date(project: Path) -> None:
    """The JSON Schema cannot tell "2016-12-08" from 2016-12-08, so validate accepts both
    (tests/test_schema_truth.py); only the exact form YYYY-MM-DD."""
    assert check(project, MINIMAL.replace("published: 2016-12-08", 'published: "2016-12-08"')) == []
    d = only(check(project, MINIMAL.replace("published: 2016-12-08", 'published: "2016-12-8"')))
    assert (d.line, d.code) == (5, "wrong-type")


def test_empty_regions_list(project: Path) -> None:
    d = only(check(project, MINIMAL.split("regions:")[0] + "regions: []\n"))
    assert (d.line, d.code) == (6, "invalid-value")


def test_yaml_syntax_error(project: Path) -> None:
    d = only(check(project, MINIMAL.replace("title: Weekly Conflict Summary", "title: [Weekly")))
    assert d.code == "yaml-syntax"
    assert (d.line, d.col) == (1, 8) and "'[' is not closed with ']'" in d.message


def test_tab_indentation(project: Path) -> None:
    d = only(check(project, MINIMAL.replace("  start: 2016-12-02", "\tstart: 2016-12-02")))
    assert (d.line, d.code) == (3, "yaml-syntax")
    assert "tabs" in d.message


def test_duplicate_key_names_both_lines(project: Path) -> None:
    d = only(check(project, MINIMAL + "title: Again\n"))
    assert (d.line, d.code) == (10, "duplicate-key")
    assert "first defined on line 1" in d.message


def test_not_utf8(project: Path) -> None:
    d = only(check(project, MINIMAL.encode("utf-8").replace(b"Aleppo continued", b"Alep\xe9 continued")))
    assert (d.line, d.code) == (9, "encoding")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file(project: Path, text: str) -> None:
    assert only(check(project, text)).code == "empty-file"


def test_top_level_list(project: Path) -> None:
    assert only(check(project, "- a\n- b\n")).code == "not-a-mapping"


@pytest.mark.parametrize("tag", ["!!python/object:os.system", "!custom", "!!binary"])
def test_tags_are_refused(project: Path, tag: str) -> None:
    text = MINIMAL.replace("title: Weekly Conflict Summary", f"title: {tag} aGVsbG8=")
    d = only(check(project, text))
    assert (d.line, d.code) == (1, "yaml-tag" if tag != "!!binary" else "yaml-type")


def test_yaml_11_directive_is_refused(project: Path) -> None:
    assert only(check(project, "%YAML 1.1\n---\n" + MINIMAL)).code == "yaml-version"


def test_alias_bomb_fails_fast(project: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    d = only(check(project, "\n".join(lines) + "\n"))
    assert d.code == "too-many-nodes"


def test_deep_nesting(project: Path) -> None:
    d = only(check(project, "title: " + "[" * 10_000 + "]" * 10_000 + "\n"))
    assert d.code == "too-deep"


def test_too_large_is_refused_before_parsing(project: Path) -> None:
    (project / "sitrepgen.yaml").write_text("max_file_bytes: 2048\n", encoding="utf-8")
    d = only(check(project, MINIMAL + "# " + "x" * 4000 + "\n"))
    assert (d.line, d.code) == (1, "too-large")


def test_unknown_figure_reference_is_reported_at_the_reference(project: Path, seed_yaml: str) -> None:
    broken = seed_yaml.replace("({fig:aleppo-control})", "({fig:aleppo-contrl})")
    d = only(check(project, broken, "2016-12-08.yaml"))
    assert d.code == "unknown-figure"
    line = line_of(broken, "{fig:aleppo-contrl}")
    assert (d.line, d.col) == (line, broken.splitlines()[line - 1].index("{fig:") + 1)
    assert "figures are: aleppo-control" in d.message


def test_missing_figure_file(project: Path, seed_yaml: str) -> None:
    broken = seed_yaml.replace("figures/2016-12-08-aleppo-control.svg", "figures/nope.svg")
    d = only(check(project, broken, "2016-12-08.yaml"))
    assert (d.line, d.code) == (line_of(broken, "image: figures/nope.svg"), "figure-missing")


@pytest.mark.parametrize(
    ("image", "code"),
    [
        ("../../outside.svg", "figure-path"),
        ("/etc/passwd.svg", "figure-path"),
        ("https://example.org/map.svg", "figure-path"),
        ("figures/map.gif", "figure-format"),
    ],
)
def test_unusable_figure_paths(project: Path, seed_yaml: str, image: str, code: str) -> None:
    (project.parent / "outside.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    broken = seed_yaml.replace("figures/2016-12-08-aleppo-control.svg", image)
    d = only(check(project, broken, "2016-12-08.yaml"))
    assert (d.line, d.code) == (line_of(broken, f"image: {image}"), code)


def test_symlink_leading_out_of_the_project(project: Path, seed_yaml: str) -> None:
    outside = project.parent / "secret.svg"
    outside.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    (project / "sitreps" / "figures" / "link.svg").symlink_to(outside)
    broken = seed_yaml.replace("figures/2016-12-08-aleppo-control.svg", "figures/link.svg")
    assert only(check(project, broken, "2016-12-08.yaml")).code == "figure-path"


def test_duplicate_figure_id(project: Path, seed_yaml: str) -> None:
    extra = (
        "    figures:\n      - id: aleppo-control\n"
        "        image: figures/2016-12-08-aleppo-control.svg\n"
        "        caption: Again.\n        alt: Again.\n"
    )
    broken = seed_yaml.replace("\n  - name: Idleb\n", "\n" + extra + "\n  - name: Idleb\n", 1)
    diagnostics = check(project, broken, "2016-12-08.yaml")
    d = only([d for d in diagnostics if d.code == "duplicate-figure-id"])
    assert d.line == line_of(broken, "- id: aleppo-control", 1)
    assert f"line {line_of(broken, '- id: aleppo-control')}" in d.message


def test_broken_config_is_reported_like_a_report(project: Path) -> None:
    (project / "sitrepgen.yaml").write_text("page_size: legal\ntitel: x\n", encoding="utf-8")
    doc = load_project(project).config_document
    assert doc is not None
    assert [(d.line, d.code) for d in sorted(doc.diagnostics)] == [(1, "invalid-value"), (2, "unknown-key")]
