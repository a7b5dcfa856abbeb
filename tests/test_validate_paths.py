"""`validate` with a folder, the project's folder or nothing checks every report they hold."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from sitrepgen.cli import cli
from tests.helpers import line_of


def run(project: Path, *args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


def _warning(path: Path, text: str) -> str:
    line = line_of(text, "around 3.000.")
    col = text.splitlines()[line - 1].index("3.000") + 1
    return (
        f"{path.as_posix()}:{line}:{col}: warning[number-format]: '3.000' groups digits with '.' where the "
        "report writes ',' (as in '90,000'); if it means 3000, write 3,000\n"
    )


def _second_series(project: Path, seed_yaml: str) -> Path:
    """A report of another series in a folder of its own, with one error of its own."""
    folder = project / "sitreps" / "other"
    folder.mkdir()
    (folder / "figures").symlink_to(project / "sitreps" / "figures")
    path = folder / "2016-12-08.yaml"
    path.write_text(seed_yaml.replace("series: Syria", "series: Other").replace("title: Weekly", "titel: Weekly"), encoding="utf-8")
    return path


def _unknown_title(path: Path, seed_yaml: str) -> str:
    return f"{path.as_posix()}:{line_of(seed_yaml, 'title: Weekly')}:1: error[unknown-key]: unknown key 'titel'; did you mean 'title'?\n"


def test_the_reports_folder_is_every_report(project: Path, seed_yaml: str) -> None:
    result = run(project, "validate", str(project / "sitreps"))
    assert result.exit_code == 0, result.output
    assert result.stdout == _warning(project / "sitreps" / "2016-12-08.yaml", seed_yaml)
    assert result.stderr == "1 file(s) checked: 0 error(s), 1 warning(s)\n"


def test_the_project_folder_and_no_argument_check_the_same_reports(project: Path, seed_yaml: str) -> None:
    other = _second_series(project, seed_yaml)
    first = project / "sitreps" / "2016-12-08.yaml"
    expected = _warning(first, seed_yaml) + _unknown_title(other, seed_yaml) + _warning(other, seed_yaml)
    for args in ((), (str(project),), (str(project / "sitreps"),)):
        result = run(project, "validate", *args)
        assert result.exit_code == 1, args
        assert result.stdout == expected, args
        assert result.stderr == "Error: 2 file(s) checked: 1 error(s), 2 warning(s)\n"


def test_a_series_folder_is_its_reports_only(project: Path, seed_yaml: str) -> None:
    other = _second_series(project, seed_yaml)
    result = run(project, "validate", str(other.parent))
    assert result.exit_code == 1
    assert result.stdout == _unknown_title(other, seed_yaml) + _warning(other, seed_yaml)
    assert result.stderr == "Error: 1 file(s) checked: 1 error(s), 1 warning(s)\n"


def test_a_file_and_its_folder_check_the_file_once(project: Path, seed_yaml: str) -> None:
    first = project / "sitreps" / "2016-12-08.yaml"
    result = run(project, "validate", str(first), str(project / "sitreps"))
    assert result.exit_code == 0
    assert result.stdout == _warning(first, seed_yaml)
    assert result.stderr == "1 file(s) checked: 0 error(s), 1 warning(s)\n"


def test_a_folder_without_reports_is_an_error(project: Path) -> None:
    folder = project / "templates"
    result = run(project, "validate", str(folder))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: no reports found in {folder.as_posix()}/ (files ending in .yaml)\n"
