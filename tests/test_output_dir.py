"""The output folder can never be the project: a mistake in output_dir deletes nothing.

The build replaces its output folder whole. Every setting that would make it replace the project
or a folder holding its sources is a config error at the output_dir line of sitrepgen.yaml,
reported by `validate` too; a folder that sitrepgen did not make is never replaced.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sitrepgen.cli import cli
from tests.helpers import need_tool

CONFIG = "sitrepgen.yaml"
ADVICE = "the build replaces its output folder whole; name a folder of its own, such as 'site'"


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file's bytes (a folder or a link as None) under ``folder``, .git included (the build
    cache aside: the build may start one)."""
    return {
        path.relative_to(folder).as_posix(): (path.read_bytes() if path.is_file() and not path.is_symlink() else None)
        for path in sorted(folder.rglob("*"))
        if ".sitrepgen-cache" not in path.relative_to(folder).parts
    }


@pytest.fixture
def repo(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seed project as a git repository, as the cwd (diagnostics name sitrepgen.yaml)."""
    subprocess.run([need_tool("git"), "init", "-q", str(project)], check=True)
    monkeypatch.chdir(project)
    return project


def set_output(project: Path, line: str) -> int:
    """Append ``line`` to sitrepgen.yaml; its 1-based line number."""
    config = project / CONFIG
    text = config.read_text(encoding="utf-8")
    config.write_text(text + line + "\n", encoding="utf-8")
    return text.count("\n") + 1


@pytest.mark.parametrize(
    ("value", "col", "message"),
    [
        ('"."', 13, f"output_dir '.' is the project folder itself; {ADVICE}"),
        ('""', 13, f"output_dir '' is the project folder itself; {ADVICE}"),
        ("./", 13, f"output_dir './' is the project folder itself; {ADVICE}"),
        ("sitreps", 13, f"output_dir 'sitreps' is reports_dir ('sitreps'); {ADVICE}"),
        ("templates", 13, f"output_dir 'templates' is templates_dir ('templates'); {ADVICE}"),
        (".git", 13, f"output_dir '.git' is the git repository (.git); {ADVICE}"),
        (".git/site", 13, f"output_dir '.git/site' is inside the git repository (.git); {ADVICE}"),
        (".sitrepgen-cache", 13, f"output_dir '.sitrepgen-cache' is the build cache (.sitrepgen-cache); {ADVICE}"),
    ],
)
def test_output_dir_that_would_replace_the_project_is_a_config_error(repo: Path, value: str, col: int, message: str) -> None:
    line = set_output(repo, f"output_dir: {value}")
    before = snapshot(repo)
    expected = f"{CONFIG}:{line}:{col}: error[output-dir]: {message}\n"

    built = run(repo, "build")
    assert (built.exit_code, built.stdout, built.stderr) == (1, expected, f"Error: 1 error(s) in {CONFIG}; nothing was written\n")
    assert snapshot(repo) == before  # sitreps/, templates/, sitrepgen.yaml and .git are all there

    checked = run(repo, "validate")
    assert checked.exit_code == 1
    assert checked.stdout.startswith(expected)
    assert snapshot(repo) == before


def test_output_dir_that_holds_the_reports_is_a_config_error(repo: Path) -> None:
    (repo / "content").mkdir()
    (repo / "sitreps").rename(repo / "content" / "sitreps")
    set_output(repo, "reports_dir: content/sitreps")
    line = set_output(repo, "output_dir: content")
    before = snapshot(repo)
    result = run(repo, "build")
    assert result.exit_code == 1
    assert result.stdout == f"{CONFIG}:{line}:13: error[output-dir]: output_dir 'content' contains reports_dir ('content/sitreps'); {ADVICE}\n"
    assert snapshot(repo) == before


def test_output_dir_that_is_a_link_to_the_project_is_a_config_error(repo: Path) -> None:
    """`site` itself may be a link to `.`: the path alone looks harmless, the disk does not."""
    (repo / "site").symlink_to(".")
    line = set_output(repo, "output_dir: site")
    before = snapshot(repo)
    result = run(repo, "build")
    assert result.exit_code == 1
    assert result.stdout == f"{CONFIG}:{line}:13: error[output-dir]: output_dir 'site' is a symbolic link; {ADVICE}, not a link\n"
    assert snapshot(repo) == before


def test_output_dir_through_a_link_out_of_the_project_is_a_config_error(repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("not the project's", encoding="utf-8")
    (repo / "out").symlink_to(elsewhere)
    line = set_output(repo, "output_dir: out/site")
    result = run(repo, "build")
    assert result.exit_code == 1
    assert result.stdout == (
        f"{CONFIG}:{line}:13: error[output-dir]: output_dir 'out/site' leads outside the project (through a symbolic link); {ADVICE} inside the project\n"
    )
    assert sorted(os.listdir(elsewhere)) == ["keep.txt"]


def test_default_output_dir_linked_to_the_project_without_a_config(tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without sitrepgen.yaml there is no line to point at: a one-line error, from both commands."""
    (project / CONFIG).unlink()
    (project / "site").symlink_to(".")
    monkeypatch.chdir(project)
    before = snapshot(project)
    for command in ("build", "validate"):
        result = run(project, command)
        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr.startswith(f"Error: output_dir 'site' is a symbolic link; {ADVICE}, not a link")
    assert snapshot(project) == before


def test_folder_without_the_mark_is_never_replaced(repo: Path) -> None:
    """A folder sitrepgen did not make (or an older sitrepgen made, before the mark existed)."""
    (repo / "site").mkdir()
    (repo / "site" / "index.html").write_text("someone's own page", encoding="utf-8")
    before = snapshot(repo)
    result = run(repo, "build")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: site/ exists but was not made by this version of sitrepgen (it has no .sitrepgen-site file), so the build "
        "will not replace it: if it is a site an older sitrepgen built, delete it (rm -r site/) and build again; otherwise "
        "set output_dir in sitrepgen.yaml to a new folder. Nothing was written\n"
    )
    assert snapshot(repo) == before
    assert not any(name.startswith(".site.") for name in os.listdir(repo))


def test_an_empty_folder_and_a_marked_one_are_replaced(repo: Path) -> None:
    (repo / "site").mkdir()
    first = run(repo, "build")
    assert first.exit_code == 0, first.output
    assert (repo / "site" / ".sitrepgen-site").read_text(encoding="utf-8") == (
        "This folder is written by 'sitrepgen build' and replaced whole on every build.\n"
    )
    (repo / "site" / "stale.html").write_text("from an earlier build", encoding="utf-8")
    second = run(repo, "build", "--force")
    assert second.exit_code == 0, second.output
    assert not (repo / "site" / "stale.html").exists()
    assert (repo / "site" / "reports" / "2016-12-08.pdf").is_file()


def test_a_file_where_the_folder_should_be_is_left_alone(repo: Path) -> None:
    (repo / "site").write_text("a file, not a folder", encoding="utf-8")
    result = run(repo, "build")
    assert result.exit_code == 1
    assert result.stderr == "Error: site/ exists and is not a folder; move it away or set output_dir in sitrepgen.yaml to a new folder; nothing was written\n"
    assert (repo / "site").read_text(encoding="utf-8") == "a file, not a folder"
