"""Report file names: held to a rule that needs no escaping anywhere, and printed escaped.

A report's file name becomes its slug, pasted into URLs, HTML, the Markdown output, the feed and
the sitemap; it is also quoted by every message about the file. On main a name such as
``<img src=x onerror=alert(1)>.yaml`` put live HTML into the .md output, ESC or BEL made feed.xml
ill-formed and reached the terminal raw, a newline could start a workflow command in a CI log,
and a name that is not UTF-8 was an internal error.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sitrepgen.cli import InputError, cli
from tests.helpers import seed_report_text

SEED = seed_report_text().replace("around 3.000.", "around 3,000.")
RULE = "may only hold lower-case letters, digits, '-', '_' and '.' (it becomes part of the site's addresses)"


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


def add_report(project: Path, name: bytes | str, text: str = SEED) -> Path:
    """A copy of the seed report under sitreps/ with the given file name (bytes: any name at all);
    the seed itself is rewritten without its one warning, so that only the name is reported."""
    (project / "sitreps" / "2016-12-08.yaml").write_text(SEED, encoding="utf-8")
    path = Path(os.fsdecode(os.fsencode(project / "sitreps") + b"/" + (name if isinstance(name, bytes) else name.encode("utf-8"))))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


NAMES = {
    "html": ("<img src=x onerror=alert(1)>.yaml", "<img src=x onerror=alert(1)>.yaml", "img-src-x-onerror-alert-1.yaml"),
    "markdown-link": ("a) [x](javascript:alert(1)) (.yaml", "a) [x](javascript:alert(1)) (.yaml", "a-x-javascript-alert-1.yaml"),
    "terminal-escape": ("bell\x07\x1b[31m.yaml", "bell\\x07\\x1b[31m.yaml", "bell-31m.yaml"),
    "newline": ("nl\n::error file=x::pwned.yaml", "nl\\x0a::error file=x::pwned.yaml", "nl-error-file-x-pwned.yaml"),
    "bidi-override": ("2016-12-08\u202eevil.yaml", "2016-12-08\\u202eevil.yaml", "2016-12-08evil.yaml"),
    "space-and-capitals": ("Week 50.yaml", "Week 50.yaml", "week-50.yaml"),
    "accents": ("Übersicht.yaml", "Übersicht.yaml", "ubersicht.yaml"),
    "leading-dash": ("-2016-12-15.yaml", "-2016-12-15.yaml", "2016-12-15.yaml"),
    "not-utf-8": (b"bad\xff.yaml", "bad\\xff.yaml", "bad.yaml"),
}


def expected_line(shown: str, suggestion: str, kind: str = "file") -> str:
    return f"sitreps/{shown}:1:1: error[file-name]: the {kind} name '{shown}' {RULE}; rename it, e.g. to '{suggestion}'"


@pytest.mark.parametrize("case", list(NAMES))
def test_a_bad_report_name_is_an_error_and_nothing_is_built(project: Path, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    name, shown, suggestion = NAMES[case]
    add_report(project, name)
    monkeypatch.chdir(project)

    validated = run(project, "validate")
    built = run(project, "build")

    assert (validated.exit_code, validated.stdout) == (1, expected_line(shown, suggestion) + "\n")
    assert validated.stderr == "Error: 2 file(s) checked: 1 error(s), 0 warning(s)\n"
    assert (built.exit_code, built.stdout) == (1, expected_line(shown, suggestion) + "\n")
    assert built.stderr == "Error: 1 error(s); nothing was written\n"
    assert not (project / "site").exists()


def test_github_annotations_cannot_be_split_by_a_file_name(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A newline in a name would end the annotation and start a new workflow command."""
    add_report(project, "nl\n::error file=x::pwned.yaml")
    monkeypatch.chdir(project)
    result = run(project, "validate", "--format", "github")
    shown = "nl\\x0a::error file=x::pwned.yaml"
    assert result.stdout == (
        f"::error file=sitreps/nl\\x0a%3A%3Aerror file=x%3A%3Apwned.yaml,line=1,col=1::[file-name] the file name '{shown}' {RULE}; "
        "rename it, e.g. to 'nl-error-file-x-pwned.yaml'\n"
    )


def test_json_output_stays_json_and_utf_8(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add_report(project, b"bad\xff\x1b.yaml")
    monkeypatch.chdir(project)
    result = run(project, "validate", "--format", "json")
    result.stdout.encode("utf-8")  # no lone surrogate left
    (entry,) = json.loads(result.stdout)
    assert entry == {
        "path": "sitreps/bad\\xff\\x1b.yaml", "line": 1, "col": 1, "severity": "error", "code": "file-name",
        "message": f"the file name 'bad\\xff\\x1b.yaml' {RULE}; rename it, e.g. to 'bad.yaml'",
    }


def test_every_folder_below_the_reports_folder_follows_the_rule(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Series folders (sitreps/isw/) and language editions (2016-12-08.ar.yaml) are fine names."""
    for folder in ("isw", "ISW Reports"):
        shutil.copytree(project / "sitreps" / "figures", project / "sitreps" / folder / "figures")
    add_report(project, "isw/2016-12-08.ar.yaml")
    arabic = project / "sitreps" / "isw" / "2016-12-08.ar.yaml"  # an edition speaks its name's language
    arabic.write_text(arabic.read_text(encoding="utf-8").replace("language: en", "language: ar"), encoding="utf-8")
    add_report(project, "ISW Reports/2016-11-24.yaml")
    monkeypatch.chdir(project)
    result = run(project, "validate")
    assert result.stdout == (
        "sitreps/ISW Reports/2016-11-24.yaml:1:1: error[file-name]: the folder name 'ISW Reports' "
        f"{RULE}; rename it, e.g. to 'isw-reports'\n"
    )
    assert result.stderr == "Error: 3 file(s) checked: 1 error(s), 0 warning(s)\n"


def test_a_file_named_on_the_command_line_is_checked_by_its_own_name(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "drafts" / "Draft\x1b]0;pwned\x07.yaml"
    outside.parent.mkdir()
    outside.write_text(SEED, encoding="utf-8")
    monkeypatch.chdir(project)
    result = run(project, "validate", str(outside))
    shown = "Draft\\x1b]0;pwned\\x07.yaml"
    assert result.stdout == (
        f"{outside.parent.as_posix()}/{shown}:1:1: error[file-name]: the file name '{shown}' {RULE}; "
        "rename it, e.g. to 'draft-0-pwned.yaml'\n"
    )


def test_one_line_errors_are_printed_escaped() -> None:
    """'Error: ...' messages may quote a file name or a library's message about one."""
    assert InputError("cannot write site/\x1b[2J\n::error::x").format_message() == "cannot write site/\\x1b[2J\\x0a::error::x"


def test_good_names_are_left_alone(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a series of its own: a second report of the same week in the seed's series would rightly
    # be warned about (overlapping-period, unchanged-text); only the name is under test here
    add_report(project, "2016-12-01_special.v2.yaml", SEED.replace("series: Syria\n", "series: Syria special\n", 1))
    monkeypatch.chdir(project)
    result = run(project, "validate")
    assert (result.exit_code, result.stdout) == (0, "")
