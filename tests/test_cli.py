"""The command line: exit codes, exact output, help for every command, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sitrepgen.cli import cli
from tests.helpers import line_of


def run(project: Path, *args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


def test_validate_bundled_reports(project: Path, seed_yaml: str) -> None:
    """The seed's one quirk, "3.000" beside "90,000", is its only warning, at its own line."""
    result = run(project, "validate")
    assert result.exit_code == 0, result.output
    path = (project / "sitreps" / "2016-12-08.yaml").as_posix()
    line = line_of(seed_yaml, "around 3.000.")
    col = seed_yaml.splitlines()[line - 1].index("3.000") + 1
    assert result.stdout == (
        f"{path}:{line}:{col}: warning[number-format]: '3.000' groups digits with '.' where the "
        "report writes ',' (as in '90,000'); if it means 3000, write 3,000\n"
    )
    assert result.stderr == "1 file(s) checked: 0 error(s), 1 warning(s)\n"


def test_strict_turns_warnings_into_errors(project: Path) -> None:
    result = run(project, "validate", "--strict")
    assert result.exit_code == 1
    assert "error[number-format]" in result.stdout
    assert result.stderr == "Error: 1 file(s) checked: 1 error(s), 0 warning(s)\n"


def paragraph_as_mapping(seed: str) -> str:
    return seed.replace(
        "      - >-\n        In Binnish, also in Idleb,",
        "      - In Binnish: also in Idleb\n      - >-\n        In Binnish, also in Idleb,",
    )


def test_validate_reports_file_and_line(project: Path, write_report, seed_yaml: str) -> None:
    broken = paragraph_as_mapping(seed_yaml)
    path = write_report(broken)
    result = run(project, "validate", str(path))
    assert result.exit_code == 1
    line = line_of(broken, "- In Binnish: also")
    warning = line_of(broken, "around 3.000.")  # the text rules ran on the rest (issue 14)
    col = broken.splitlines()[warning - 1].index("3.000") + 1
    assert result.stdout == (
        f"{path.as_posix()}:{warning}:{col}: warning[number-format]: '3.000' groups digits with '.' where the "
        "report writes ',' (as in '90,000'); if it means 3000, write 3,000\n"
        f"{path.as_posix()}:{line}:9: error[wrong-type]: "
        "'regions[2].paragraphs[1]' must be text, not a mapping: the ': ' after 'In Binnish' makes it one; "
        "quote the text or start the item with `>-`\n"
    )
    assert result.stderr == "Error: 1 file(s) checked: 1 error(s), 1 warning(s)\n"
    assert "Traceback" not in result.output


def test_validate_github_and_json_formats(project: Path, write_report, seed_yaml: str) -> None:
    path = write_report(seed_yaml.replace("title: Weekly", "titel: Weekly"))
    github = run(project, "validate", "--format", "github", str(path))
    assert github.exit_code == 1
    line = line_of(seed_yaml, "title: Weekly")
    assert f"::error file={path.as_posix()},line={line},col=1::[unknown-key] unknown key 'titel'; did you mean 'title'?" in github.stdout.splitlines()
    data = json.loads(run(project, "validate", "--format", "json", str(path)).stdout)
    assert [(d["code"], d["severity"]) for d in data] == [("unknown-key", "error"), ("number-format", "warning")]


def test_validate_usage_errors_exit_2(project: Path) -> None:
    assert run(project, "validate", str(project / "missing.yaml")).exit_code == 2
    assert run(project, "validate", "--format", "xml").exit_code == 2
    assert CliRunner().invoke(cli, ["frobnicate"]).exit_code == 2


def test_validate_with_no_reports(tmp_path: Path) -> None:
    result = run(tmp_path, "validate")
    assert result.exit_code == 1
    assert result.stderr == "Error: no reports found in sitreps/ (files ending in .yaml)\n"


def test_every_command_has_help() -> None:
    for name, command in cli.commands.items():
        assert command.help and len(command.help) > 20, name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{name} {param.name}"
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output


def test_build_with_errors_writes_nothing(project: Path, write_report, seed_yaml: str) -> None:
    site = project / "site"
    site.mkdir()
    (site / "keep.txt").write_text("previous build", encoding="utf-8")
    write_report(paragraph_as_mapping(seed_yaml))
    result = run(project, "build")
    assert result.exit_code == 1
    assert "error[wrong-type]" in result.stdout
    assert result.stderr == "Error: 1 error(s); nothing was written\n"
    assert [p.name for p in site.iterdir()] == ["keep.txt"]
    assert not [p for p in project.iterdir() if p.name.startswith(".site")]


def test_two_reports_for_one_page_are_an_error(project: Path, write_report, seed_yaml: str) -> None:
    """2016-12-08.yaml and 2016-12-08.yml would both write reports/2016-12-08.*: the second in
    order is refused, by validate and by a build that has the first in its cache."""
    assert run(project, "build").exit_code == 0
    second = write_report(seed_yaml, "2016-12-08.yml")
    for command in ("validate", "build"):
        result = run(project, command)
        assert result.exit_code == 1, command
        collisions = [line for line in result.stdout.splitlines() if "error[output-collision]" in line]
        assert len(collisions) == 1 and collisions[0].startswith(second.as_posix()), command


def test_an_invalid_report_claims_no_page(project: Path, write_report, seed_yaml: str) -> None:
    """When the first of two files with one name is broken, the second is the week's report:
    its error is the only one."""
    write_report(seed_yaml, "2016-12-08.yml")
    first = write_report(paragraph_as_mapping(seed_yaml))
    result = run(project, "validate")
    assert result.exit_code == 1
    errors = [line for line in result.stdout.splitlines() if "error[" in line]
    assert len(errors) == 1 and errors[0].startswith(first.as_posix()) and "error[wrong-type]" in errors[0]


def test_broken_template_is_a_clean_error(project: Path) -> None:
    (project / "templates" / "masthead.html.j2").write_text("{{ report.nope }}", encoding="utf-8")
    result = run(project, "build")
    assert result.exit_code == 1
    masthead = (project / "templates" / "masthead.html.j2").as_posix()
    assert result.stderr.startswith(f"Error: {masthead}:1: ")
    assert "has no attribute 'nope'" in result.stderr and "nothing was written" in result.stderr
    assert not (project / "site").exists()


def test_console_script_internal_error_is_short(project: Path, tmp_path: Path) -> None:
    """An unexpected exception is a one-line message; --debug shows the traceback."""
    code = (
        "import sys, sitrepgen.reports as s\n"
        "def boom(*a, **k): raise RuntimeError('boom')\n"
        "s.gather = boom\n"
        "from sitrepgen.cli import main\n"
        f"sys.argv = ['sitrepgen', '-C', {str(project)!r}, *sys.argv[1:]]\n"
        "main()\n"
    )
    result = subprocess.run([sys.executable, "-c", code, "validate"], capture_output=True, text=True)
    assert result.returncode == 70
    assert result.stderr.startswith("Error: internal error: RuntimeError: boom")
    assert "Traceback" not in result.stderr
    debug = subprocess.run([sys.executable, "-c", code, "--debug", "validate"], capture_output=True, text=True)
    assert "Traceback" in debug.stderr


@pytest.mark.parametrize("args", [["--version"], ["--help"]])
def test_top_level_options(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0 and result.output


def test_unwritable_output_is_a_clean_error(project: Path) -> None:
    (project / "blocker").write_text("a file where a folder should be", encoding="utf-8")
    (project / "sitrepgen.yaml").write_text("output_dir: blocker/site\n", encoding="utf-8")
    result = run(project, "build")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith("Error: cannot write the site: ")
    assert "blocker" in result.stderr and "Traceback" not in result.output
