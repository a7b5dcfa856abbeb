"""Suppressions: '# sitrepgen: ignore[CODE] reason' above a node accepts its warnings, and only those."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import sitrepgen.reports
from sitrepgen.cache import CACHE_DIR, ReportCache
from sitrepgen.cli import cli
from sitrepgen.config import load_project
from sitrepgen.diagnostics import CODES
from sitrepgen.lint import CACHED_RULES
from tests.helpers import REPO, SEED_REPORT, copy_project, line_of, seed_report_text

REPORT = "sitreps/2016-12-08.yaml"
PARAGRAPH = "      - >-\n        In Rural Damascus, another opposition surrender deal was enacted."
WARNING = "warning[number-format]: '3.000' groups digits with '.' where the report writes ',' (as in '90,000'); if it means 3000, write 3,000"


def run(project: Path, *args: str) -> object:
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


@pytest.fixture
def here(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seed project (its suppression off) as the working directory, so paths print as 'sitreps/...'."""
    monkeypatch.chdir(project)
    return project


def write(project: Path, text: str) -> str:
    (project / REPORT).write_text(text, encoding="utf-8")
    return text


def above(text: str, needle: str, comment: str) -> str:
    """``text`` with ``comment`` on its own line above the line holding ``needle``, indented as it."""
    start = text.index(needle)
    line_start = text.rfind("\n", 0, start) + 1
    indent = len(text[line_start:]) - len(text[line_start:].lstrip(" "))
    return text[:line_start] + " " * indent + comment + "\n" + text[line_start:]


def test_the_bundled_report_as_shipped_accepts_its_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_project(tmp_path / "shipped", as_shipped=True)
    monkeypatch.chdir(project)
    text = (REPO / REPORT).read_text(encoding="utf-8")
    result = run(project, "validate")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "2 file(s) checked: 0 error(s), 0 warning(s), 1 suppressed\n")  # the report and its Arabic edition
    strict = run(project, "validate", "--format", "github", "--strict")
    assert (strict.exit_code, strict.stdout) == (0, "")
    (found,) = json.loads(run(project, "validate", "--format", "json").stdout)
    assert found == {
        "path": REPORT,
        "line": line_of(text, "around 3.000"),
        "col": 64,
        "severity": "warning",
        "code": "number-format",
        "message": WARNING.split(": ", 1)[1],
        "suppressed": {
            "reason": 'the source writes "3.000" for about 3,000 people; kept as published',
            "line": line_of(text, "# sitrepgen: ignore[number-format]"),
        },
    }


def test_without_the_comment_the_warning_is_back(here: Path, seed_yaml: str) -> None:
    """The tests' copy of the report (comment turned off) shows the warning: the comment does the work."""
    result = run(here, "validate")
    assert result.stdout == f"{REPORT}:{line_of(seed_yaml, 'around 3.000')}:64: {WARNING}\n"
    assert result.stderr == "1 file(s) checked: 0 error(s), 1 warning(s)\n"


def test_a_suppression_covers_everything_inside_its_node(here: Path, seed_yaml: str) -> None:
    """Above the region, it covers the region's paragraphs; several codes, comma-separated."""
    text = write(here, above(seed_yaml, "- name: Rural Damascus", "# sitrepgen: ignore[number-format, place-name] kept as the source wrote it"))
    result = run(here, "validate")
    line = line_of(text, "# sitrepgen: ignore[")
    assert result.stdout == f"{REPORT}:{line}:3: warning[unused-ignore]: nothing is silenced by ignore[place-name] here: remove the suppression\n"
    assert result.stderr == "1 file(s) checked: 0 error(s), 1 warning(s), 1 suppressed\n"


def test_a_suppression_covers_only_its_own_node(here: Path, seed_yaml: str) -> None:
    """Above the region before, it silences nothing of Rural Damascus."""
    text = write(here, above(seed_yaml, "- name: Aleppo", "# sitrepgen: ignore[number-format] not here"))
    result = run(here, "validate")
    assert result.stdout == (
        f"{REPORT}:{line_of(text, '# sitrepgen')}:3: warning[unused-ignore]: nothing is silenced by ignore[number-format] here: remove the suppression\n"
        f"{REPORT}:{line_of(text, 'around 3.000')}:64: {WARNING}\n"
    )


def test_errors_cannot_be_suppressed(here: Path, seed_yaml: str) -> None:
    text = seed_yaml.replace("around 3.000.", "around 3,000 {fig:nowhere}.")
    text = write(here, above(text, PARAGRAPH.split("\n")[0] + "\n        In Rural", "# sitrepgen: ignore[unknown-figure] the map comes later"))
    result = run(here, "validate")
    assert result.exit_code == 1
    assert result.stdout == (
        f"{REPORT}:{line_of(text, '# sitrepgen')}:7: warning[invalid-ignore]: 'unknown-figure' is an error here and errors cannot be suppressed: fix it\n"
        f"{REPORT}:{line_of(text, '{fig:nowhere}')}:70: error[unknown-figure]: reference to a figure that does not exist: {{fig:nowhere}}; figures are: aleppo-control\n"
    )
    assert result.stderr == "Error: 1 file(s) checked: 1 error(s), 1 warning(s)\n"


@pytest.mark.parametrize(
    ("comment", "message", "suppressed"),
    [
        ("# sitrepgen: ignore[number-format]", "the suppression of 'number-format' gives no reason; say after the brackets why the warning is accepted", 1),
        ("# sitrepgen: ignore[numbers-format] typo", "'numbers-format' is not a diagnostic code (docs/diagnostics.md lists them); this suppression silences nothing", 0),
        ("# sitrepgen: ignore number-format", "a suppression names the warnings it accepts in brackets: '# sitrepgen: ignore[CODE] reason'", 0),
        ("# sitrepgen: ignore[]", "a suppression names the warnings it accepts in brackets: '# sitrepgen: ignore[CODE] reason'", 0),
        ("# sitrepgen: ignore[unused-ignore] meta", "'unused-ignore' cannot be suppressed: remove or fix the suppression it is about", 0),
    ],
)
def test_malformed_suppressions_are_warnings(here: Path, seed_yaml: str, comment: str, message: str, suppressed: int) -> None:
    text = write(here, above(seed_yaml, PARAGRAPH, comment))
    result = run(here, "validate")
    expected = f"{REPORT}:{line_of(text, '# sitrepgen')}:7: warning[invalid-ignore]: {message}\n"
    if not suppressed:
        expected += f"{REPORT}:{line_of(text, 'around 3.000')}:64: {WARNING}\n"
    assert result.stdout == expected
    tail = f", {suppressed} suppressed" if suppressed else ""
    assert result.stderr == f"1 file(s) checked: 0 error(s), {2 - suppressed} warning(s){tail}\n"
    assert run(here, "validate", "--strict").exit_code == 1  # a broken suppression never passes strict CI


def test_a_comment_like_line_inside_text_is_text(here: Path, seed_yaml: str) -> None:
    """In a block scalar, '# sitrepgen: ignore[...]' is a line of the paragraph, not a comment."""
    text = seed_yaml.replace(
        "      - >-\n        In Rural Damascus,",
        "      - |-\n        # sitrepgen: ignore[number-format] not a comment\n        In Rural Damascus,",
    )
    write(here, text)
    result = run(here, "validate")
    assert WARNING in result.stdout
    assert "ignore" not in result.stdout.replace("# sitrepgen: ignore", "")
    # the line is text, and Markdown makes a heading of it: that is warned about too
    assert "warning[accidental-markdown]" in result.stdout
    assert result.stderr == "1 file(s) checked: 0 error(s), 2 warning(s)\n"


def test_a_suppression_above_nothing_is_unused(here: Path, seed_yaml: str) -> None:
    text = write(here, seed_yaml + "# sitrepgen: ignore[number-format] at the end\n")
    result = run(here, "validate")
    assert result.stdout.splitlines() == [
        f"{REPORT}:{line_of(text, 'around 3.000')}:64: {WARNING}",
        f"{REPORT}:{line_of(text, '# sitrepgen')}:1: warning[unused-ignore]: the suppression of 'number-format' is not directly above a key or a list item, so it silences nothing",
    ]


def test_github_format_leaves_suppressed_findings_out(here: Path, seed_yaml: str) -> None:
    write(here, above(seed_yaml, PARAGRAPH, "# sitrepgen: ignore[number-format] kept"))
    result = run(here, "validate", "--format", "github", "--strict")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_suppressed_with_a_warm_cache(here: Path, seed_yaml: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cached lint findings are suppressed as freshly computed ones are; the second run
    really reads them from the cache (no cached rule runs)."""
    text = write(here, above(seed_yaml, PARAGRAPH, "# sitrepgen: ignore[number-format] kept"))
    cache = ReportCache(here / CACHE_DIR, lambda message: None, CODES)
    sitrepgen.reports.gather(load_project(here), cache=cache)
    cache.save()
    calls: list[tuple[object, ...]] = []
    real = sitrepgen.reports.run_rules

    def counting(doc: object, report: object, context: object, rules: tuple[object, ...] = ()) -> bool:
        calls.append(rules)
        return real(doc, report, context, rules)  # type: ignore[arg-type]

    monkeypatch.setattr(sitrepgen.reports, "run_rules", counting)
    result = run(here, "validate", "--format", "json")
    assert CACHED_RULES not in calls and calls  # the figure rules ran; the others came from the cache
    (found,) = json.loads(result.stdout)
    assert (found["code"], found["suppressed"]) == ("number-format", {"reason": "kept", "line": line_of(text, "# sitrepgen")})
    text_run = run(here, "validate")
    assert (text_run.stdout, text_run.stderr) == ("", "1 file(s) checked: 0 error(s), 0 warning(s), 1 suppressed\n")


def test_the_tests_copy_differs_from_the_shipped_report_only_in_that_comment() -> None:
    shipped = SEED_REPORT.read_text(encoding="utf-8")
    assert shipped.count("# sitrepgen: ignore[") == 1
    assert seed_report_text().splitlines() == [line.replace("# sitrepgen: ignore[", "# (tests, off):ignore[") for line in shipped.splitlines()]


# --------------------------------------------------------------------------- the example CI as shipped

WORKFLOW = REPO / "docs" / "examples" / "publish.yml"


def workflow_commands(expression: str) -> list[list[str]]:
    """Every sitrepgen command of the example workflow's ``run:`` steps, a GitHub expression
    (``${{ ... }}``) replaced by what it gives on that kind of run."""
    import re
    import shlex

    from ruamel.yaml import YAML

    workflow = YAML(typ="safe").load(WORKFLOW.read_text(encoding="utf-8"))
    commands = []
    for job in workflow["jobs"].values():
        for step in job.get("steps", []):
            for line in str(step.get("run", "")).splitlines():
                line = re.sub(r"\$\{\{.*?\}\}", expression, line.split("#", 1)[0]).strip()
                if line.startswith("sitrepgen "):
                    commands.append(shlex.split(line)[1:])
    return commands


def test_the_workflow_has_the_commands_this_test_runs() -> None:
    assert workflow_commands("") == [["validate", "--format", "github", "--strict"], ["build", "--strict"]]
    assert workflow_commands("--force")[-1] == ["build", "--strict", "--force"]


@pytest.mark.parametrize("expression", ["", "--force"], ids=["pull-request", "push-to-main"])
def test_the_example_workflow_passes_on_the_project_as_shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, expression: str) -> None:
    """The workflow's commands, in order, on a copy of this repository's project: each exits 0."""
    project = copy_project(tmp_path / "shipped", as_shipped=True)
    monkeypatch.chdir(project)
    for command in workflow_commands(expression):
        result = CliRunner().invoke(cli, command, catch_exceptions=False)
        assert result.exit_code == 0, (command, result.output)
        if command[0] == "validate":
            assert result.stdout == ""  # nothing annotated: the kept warning is accepted
    assert (project / "site" / "reports" / "2016-12-08.pdf").is_file()
