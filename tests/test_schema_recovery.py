"""Validation goes on past a schema error: every text rule runs on every text field that parsed,
so one run reports a misspelt key, an unknown {fig:ID} and a gazetteer variant together."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from sitrepgen.cli import cli
from tests.helpers import line_of, position_of


def run(project: Path, *args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


NUMBER = "warning[number-format]: '3.000' groups digits with '.' where the report writes ',' (as in '90,000'); if it means 3000, write 3,000"
IDLIB = "warning[place-name]: 'Idlib' is spelled 'Idleb' in this series (gazetteer); write 'Idleb'"


def _number_at(text: str) -> str:
    """LINE:COL of the seed's '3.000' in its text (the header comment names it too)."""
    line = line_of(text, "around 3.000.")
    return f"{line}:{text.splitlines()[line - 1].index('3.000') + 1}"


def _broken(seed: str) -> str:
    return (
        seed.replace("        caption: >-", "        capiton: >-", 1)
        .replace("by Syrian and", "by Syrian ({fig:nope}) and", 1)
        .replace("schools across Idleb", "schools across Idlib", 1)
    )


def test_a_misspelt_key_hides_no_other_finding(project: Path, write_report, seed_yaml: str) -> None:
    text = _broken(seed_yaml)
    path = write_report(text)
    result = run(project, "validate", str(path))
    assert result.exit_code == 1
    at = path.as_posix()
    assert result.stdout == (
        f"{at}:{line_of(text, 'capiton:')}:9: error[unknown-key]: unknown key 'capiton'; did you mean 'caption'?\n"
        f"{at}:{_number_at(text)}: {NUMBER}\n"
        f"{at}:{position_of(text, '{fig:nope}')}: error[unknown-figure]: reference to a figure that does not exist: {{fig:nope}}; figures are: aleppo-control\n"
        f"{at}:{position_of(text, 'Idlib')}: {IDLIB}\n"
    )
    assert result.stderr == "Error: 1 file(s) checked: 2 error(s), 2 warning(s)\n"


def test_a_failing_value_is_not_checked_again(project: Path, write_report, seed_yaml: str) -> None:
    """A value that failed the schema stands replaced while the text rules run: nothing is said
    about the stand-in (no 'unknown-figure' for the references to a figure whose id failed)."""
    text = seed_yaml.replace("id: aleppo-control", "id: Aleppo_Control", 1).replace("schools across Idleb", "schools across Idlib", 1)
    path = write_report(text)
    result = run(project, "validate", str(path))
    at = path.as_posix()
    assert result.stdout == (
        f"{at}:{position_of(text, 'Aleppo_Control')}: error[invalid-value]: 'regions[0].figures[0].id' is the text 'Aleppo_Control', "
        "which is not a figure id: write lower-case letters, digits and hyphens, e.g. 'aleppo-control'\n"
        f"{at}:{_number_at(text)}: {NUMBER}\n"
        f"{at}:{position_of(text, 'Idlib')}: {IDLIB}\n"
    )


def test_a_paragraph_made_a_mapping_and_the_rest_checked(project: Path, write_report, seed_yaml: str) -> None:
    text = seed_yaml.replace("      - >-\n        In Binnish,", "      - Note: in Binnish\n      - >-\n        In Binnish,", 1).replace(
        "schools across Idleb", "schools across Idlib", 1
    )
    path = write_report(text)
    result = run(project, "validate", str(path))
    at = path.as_posix()
    assert result.stdout == (
        f"{at}:{_number_at(text)}: {NUMBER}\n"
        f"{at}:{position_of(text, 'Note: in')}: error[wrong-type]: 'regions[2].paragraphs[1]' must be text, not a mapping: "
        "the ': ' after 'Note' makes it one; quote the text or start the item with `>-`\n"
        f"{at}:{position_of(text, 'Idlib')}: {IDLIB}\n"
    )


def test_a_missing_required_period_and_the_text_still_checked(project: Path, write_report, seed_yaml: str) -> None:
    text = seed_yaml.replace("period:\n  start: 2016-12-02\n  end: 2016-12-08\n", "", 1).replace("schools across Idleb", "schools across Idlib", 1)
    path = write_report(text)
    result = run(project, "validate", str(path))
    at = path.as_posix()
    assert result.stdout == (
        f"{at}:{position_of(text, 'title:')}: error[missing-key]: missing required key 'period'\n"
        f"{at}:{_number_at(text)}: {NUMBER}\n"
        f"{at}:{position_of(text, 'Idlib')}: {IDLIB}\n"
    )


def test_a_syntax_error_is_the_only_finding(project: Path, write_report, seed_yaml: str) -> None:
    """Nothing parsed, nothing to check: the syntax error alone."""
    text = _broken(seed_yaml).replace("title: Weekly Conflict Summary", 'title: "Weekly Conflict Summary', 1)
    path = write_report(text)
    result = run(project, "validate", str(path))
    assert result.stdout == (
        f"{path.as_posix()}:{position_of(text, chr(34) + 'Weekly')}: error[yaml-syntax]: this text opens a quote (\") that is "
        f"closed only by the next quote (\"), on line {line_of(text, 'unit: ' + chr(34))}; close the quote where the text ends, or remove it\n"
    )


def test_an_empty_alt_and_the_rest_checked(project: Path, write_report, seed_yaml: str) -> None:
    """alt: "" is empty-alt, as alt: " " is, and the text rules still run."""
    alt = seed_yaml[seed_yaml.index("        alt: >-") : seed_yaml.index("        source: Schematic")]
    text = seed_yaml.replace(alt, '        alt: ""\n', 1).replace("schools across Idleb", "schools across Idlib", 1)
    path = write_report(text)
    result = run(project, "validate", str(path))
    at = path.as_posix()
    assert result.stdout == (
        f"{at}:{line_of(text, 'alt: ' + chr(34))}:14: error[empty-alt]: "  # at the value, after '        alt: '
        "figure 'aleppo-control' has blank alt text; describe what it shows for readers who cannot see it\n"
        f"{at}:{_number_at(text)}: {NUMBER}\n"
        f"{at}:{position_of(text, 'Idlib')}: {IDLIB}\n"
    )
