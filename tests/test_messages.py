"""Every schema message a writer can meet, in a writer's words: what is wrong, at the value that
is wrong, with the allowed form and an example; never a regex, never pydantic's own wording."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sitrepgen.cli import cli

REPORT = """\
title: Weekly Conflict Summary
period:
  start: 2016-12-02
  end: 2016-12-08
published: 2016-12-08
language: en
key_figures:
  - id: people-displaced
    label: people displaced
    value: 90000
    qualifier: at least
    as_of: 2016-12-08
sections:
  - heading: Idleb
    region: Idleb
    blocks:
      - In Idleb, airstrikes continued.
      - figure:
          id: aleppo-control
          image: figures/2016-12-08-aleppo-control.svg
          caption: Areas of control.
          alt: Map of Aleppo city.
"""

#: name: (text replaced, its replacement, "LINE:COL: severity[code]: message" validate prints)
CASES = {
    "empty-title": ("title: Weekly Conflict Summary", 'title: ""', "1:8: error[invalid-value]: 'title' is empty; write the text, e.g. 'Weekly Conflict Summary'"),
    "empty-paragraph": ("      - In Idleb, airstrikes continued.", '      - ""', "17:9: error[invalid-value]: 'sections[0].blocks[0]' is empty; write the text, e.g. 'In Idleb, airstrikes continued.', or remove the item"),
    "empty-optional-heading": ("  - heading: Idleb", '  - heading: ""', "14:14: error[invalid-value]: 'sections[0].heading' is empty; write the text, e.g. 'Opposition developments', or leave the key out"),
    "empty-list-item": ("language: en", "language: en\nprepared_by: ['']", "7:15: error[invalid-value]: 'prepared_by[0]' is empty; write the text, e.g. 'Regional analysis desk', or remove the item"),
    "empty-alt": ("alt: Map of Aleppo city.", 'alt: ""', "22:16: error[empty-alt]: figure 'aleppo-control' has blank alt text; describe what it shows for readers who cannot see it"),
    "blank-alt": ("alt: Map of Aleppo city.", 'alt: " "', "22:16: error[empty-alt]: figure 'aleppo-control' has blank alt text; describe what it shows for readers who cannot see it"),
    "figure-id-pattern": ("id: aleppo-control", "id: Aleppo_Control", "19:15: error[invalid-value]: 'sections[0].blocks[1].figure.id' is the text 'Aleppo_Control', which is not a figure id: write lower-case letters, digits and hyphens, e.g. 'aleppo-control'"),
    "figure-id-too-long": ("id: aleppo-control", "id: " + "a" * 65, f"19:15: error[invalid-value]: 'sections[0].blocks[1].figure.id' is 65 characters long; at most 64 are allowed"),
    "language-pattern": ("language: en", "language: English", "6:11: error[invalid-value]: 'language' is the text 'English', which is not a language tag: write two or three lower-case letters, then any subtags after '-', e.g. 'en'"),
    "audience-pattern": ("  - heading: Idleb", "  - heading: Idleb\n    audience: Internal", "15:15: error[invalid-value]: 'sections[0].audience' is the text 'Internal', which is not a name: write lower-case letters, digits and hyphens, starting with a letter, at most 32 characters, e.g. 'internal'"),
    "key-figure-id": ("id: people-displaced", "id: People displaced", "8:9: error[invalid-value]: 'key_figures[0].id': 'People displaced' is not an id: write it in lower case, with letters, digits and single hyphens between words, e.g. 'people-displaced'"),
    "hxl": ("    label: people displaced", "    hxl: affected idps\n    label: people displaced", "9:10: error[invalid-value]: 'key_figures[0].hxl': 'affected idps' is not an HXL hashtag: write '#', the tag, then each attribute after '+', in lower case without spaces: '#affected+idps'"),
    "enum": ("qualifier: at least", "qualifier: roughly", "11:16: error[invalid-value]: 'key_figures[0].qualifier' must be one of 'exactly', 'at least', 'at most', 'more than', 'fewer than', 'less than', 'approximately', 'around', 'nearly', 'up to' or 'over'; not the text 'roughly'"),
    "date-as-text": ("published: 2016-12-08", "published: December 8", "5:12: error[wrong-type]: 'published' must be a date: write a date as YYYY-MM-DD, e.g. 2016-12-08, not the text 'December 8'"),
    "quoted-day-that-does-not-exist": ("published: 2016-12-08", 'published: "2016-02-30"', "5:12: error[wrong-type]: 'published' must be a date: write a date as YYYY-MM-DD, e.g. 2016-12-08, not the text '2016-02-30'"),
    "date-as-number": ("    as_of: 2016-12-08", "    as_of: 20161208", "12:12: error[wrong-type]: 'key_figures[0].as_of' must be a date: write a date as YYYY-MM-DD, e.g. 2016-12-08, not the number 20161208"),
    "end-before-start": ("  end: 2016-12-08", "  end: 2016-11-08", "4:8: error[invalid-value]: 'period.end': the period ends (2016-11-08) before it starts (2016-12-02); the end is the last day covered"),
    "quoted-number": ("    value: 90000", '    value: "90,000"', "10:12: error[wrong-type]: 'key_figures[0].value' must be a number, written without quotes or thousands separators, e.g. 90000, not the text '90,000'"),
    "whole-number": ("language: en", "language: en\nnumber: '4'", "7:9: error[wrong-type]: 'number' must be a number, written without quotes or thousands separators, e.g. 42, not the text '4'"),
    "number-too-small": ("language: en", "language: en\nnumber: 0", "7:9: error[invalid-value]: 'number' must be 1 or more, not the number 0"),
    "boolean": ("language: en", "language: en\nexcerpt: yes", "7:10: error[wrong-type]: 'excerpt' must be true or false, not the text 'yes'"),
    "list": ("language: en", "language: en\nprepared_by: Idleb desk", "7:14: error[wrong-type]: 'prepared_by' must be a list, one item per line starting with '- ', not the text 'Idleb desk'"),
    "text": ("  - heading: Idleb", "  - heading: 42", "14:14: error[wrong-type]: 'sections[0].heading' must be text, not the number 42"),
    "colon-made-a-mapping": ("      - In Idleb, airstrikes continued.", "      - Note: airstrikes continued.", "17:9: error[wrong-type]: 'sections[0].blocks[0]' must be text, not a mapping: the ': ' after 'Note' makes it one; quote the text or start the item with `>-`"),
    "missing-key": ("          caption: Areas of control.\n", "", "19:11: error[missing-key]: missing required key 'caption', e.g. caption: Areas of control in Aleppo city as of December 8."),
    "unknown-key": ("    label: people", "    lable: people", "9:5: error[unknown-key]: unknown key 'lable'; did you mean 'label'?"),
    "section-without-heading-or-region": ("  - heading: Idleb\n    region: Idleb\n", "  - audience: public\n", "14:5: error[invalid-value]: 'sections[0]': a section needs a heading, a region, or both"),
}


def run(project: Path, *args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_message(project: Path, name: str) -> None:
    old, new, expected = CASES[name]
    assert old in REPORT
    path = project / "sitreps" / "2016-12-08.yaml"
    path.write_text(REPORT.replace(old, new, 1), encoding="utf-8")
    result = run(project, "validate", str(path))
    assert result.exit_code == 1
    assert result.stdout == f"{path.as_posix()}:{expected}\n"


def test_the_report_itself_is_valid(project: Path) -> None:
    path = project / "sitreps" / "2016-12-08.yaml"
    path.write_text(REPORT, encoding="utf-8")
    result = run(project, "validate", str(path))
    assert (result.exit_code, result.stdout) == (0, "")


def test_a_quoted_date_is_the_date(project: Path) -> None:
    """Quoted or not, YYYY-MM-DD is the same day (the JSON Schema cannot tell them apart)."""
    path = project / "sitreps" / "2016-12-08.yaml"
    path.write_text(REPORT.replace("published: 2016-12-08", 'published: "2016-12-08"').replace("start: 2016-12-02", "start: '2016-12-02'"), encoding="utf-8")
    result = run(project, "validate", str(path))
    assert (result.exit_code, result.stdout) == (0, "")


CONFIG_CASES = {
    "enum": ("page_size: letter", "page_size: A4", "5:12: error[invalid-value]: 'page_size' must be one of 'letter' or 'a4'; not the text 'A4'"),
    "pattern": ("base_url: https://sitreps.example.org/", "base_url: sitreps.example.org", "8:11: error[invalid-value]: 'base_url' is the text 'sitreps.example.org', which is not a web address: write http:// or https://, no spaces, ending with '/', e.g. 'https://sitreps.example.org/'"),
    "empty": ("title: Syria Weekly Conflict Summary", "title: ''", "3:8: error[invalid-value]: 'title' is empty; write the text, e.g. 'Syria Weekly Conflict Summary', or leave the key out"),
    "too-short": ("language: en", "language: en\nfigure_label: Fig", "5:15: error[invalid-value]: 'figure_label' is 3 characters long; write at least 4, e.g. 'Figure {n} -'"),
    "bound": ("language: en", "language: en\nkey_figure_jump: 0", "5:18: error[invalid-value]: 'key_figure_jump' must be more than 0, not the number 0"),
    "range": ("language: en", "language: en\nmax_figures: 0", "5:14: error[invalid-value]: 'max_figures' must be 1 or more, not the number 0"),
}


@pytest.mark.parametrize("name", list(CONFIG_CASES), ids=list(CONFIG_CASES))
def test_config_message(project: Path, name: str) -> None:
    old, new, expected = CONFIG_CASES[name]
    config = project / "sitrepgen.yaml"
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = run(project, "validate", str(project / "sitreps" / "2016-12-08.yaml"))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == f"{config.as_posix()}:{expected}"


def test_no_message_has_pydantic_words_or_a_regex(project: Path) -> None:
    """Across every case above, no message speaks pydantic ('Input should', 'String should')
    or prints a pattern."""
    path = project / "sitreps" / "2016-12-08.yaml"
    for old, new, _ in CASES.values():
        path.write_text(REPORT.replace(old, new, 1), encoding="utf-8")
        out = run(project, "validate", str(path)).stdout
        for words in ("should", "Input", "pattern", "^", "$", "[a-z"):
            assert words not in out, (new, out)
