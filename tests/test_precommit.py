"""The pre-commit hooks of .pre-commit-hooks.yaml, run by the real pre-commit on a scratch repository.

pre-commit would install a ``language: python`` hook into a fresh virtual environment with pip,
which needs the package index (sitrepgen's dependencies): not available offline. So the scratch
repository declares the hooks as ``repo: local`` with ``language: system`` (the sitrepgen of this
test's environment), every other setting (entry, files, always_run, pass_filenames, verbose)
taken from this repository's .pre-commit-hooks.yaml as it is: what pre-commit decides (run or
skip, show output or not, pass or fail) is what a user's repository gets.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.helpers import REPO, copy_project, need_tool


def hooks() -> list[dict[str, object]]:
    return YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def git(repo: Path, *args: str) -> None:
    subprocess.run([need_tool("git"), "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The seed project (its warning not suppressed) committed in a fresh repository, with the
    hooks configured as described above."""
    root = copy_project(tmp_path / "reports")
    hook = next(h for h in hooks() if h["id"] == "sitrepgen-validate")
    local = {**hook, "language": "system"}
    config = {"repos": [{"repo": "local", "hooks": [local]}]}
    with (root / ".pre-commit-config.yaml").open("w", encoding="utf-8") as handle:
        YAML(typ="safe", pure=True).dump(config, handle)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "reports")
    return root


def pre_commit(repo: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``pre-commit run`` on what is staged, offline: its cache in tmp_path, this environment's
    sitrepgen first on PATH."""
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), str(Path(need_tool("git")).parent), "/usr/bin", "/bin"]),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
    }
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--color", "never"], cwd=repo, env=env, capture_output=True, text=True, timeout=300)


def test_the_hooks_check_the_whole_project_on_every_change() -> None:
    for hook in hooks():
        assert hook["pass_filenames"] is False and hook["always_run"] is True and hook["verbose"] is True
        assert str(hook["entry"]).split()[:2] == ["sitrepgen", "validate"]
        assert not any(part.endswith((".yaml", "sitreps")) for part in str(hook["entry"]).split()[2:])  # no path: the whole project
        pattern = re.compile(str(hook["files"]))
        for name in ("sitreps/2016-12-08.yaml", "sitreps/figures/map.svg", "templates/report.html.j2", "sitrepgen.yaml"):
            assert pattern.search(name), name
        assert not pattern.search("README.md") and not pattern.search("docs/sitrepgen.yaml")


def test_editing_the_config_runs_the_hook_and_shows_the_warning(repo: Path, tmp_path: Path) -> None:
    """A passing hook still prints the warnings (verbose), so strict CI fails on nothing unseen."""
    with (repo / "sitrepgen.yaml").open("a", encoding="utf-8") as handle:
        handle.write("# edited\n")
    git(repo, "add", "sitrepgen.yaml")
    result = pre_commit(repo, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sitrepgen validate" in result.stdout and "Passed" in result.stdout
    assert "sitreps/2016-12-08.yaml:100:64: warning[number-format]: '3.000' groups digits" in result.stdout
    assert "1 file(s) checked: 0 error(s), 1 warning(s)" in result.stdout


def test_deleting_a_figure_runs_the_hook_and_fails(repo: Path, tmp_path: Path) -> None:
    """Only a deletion is staged: pre-commit passes no file for it, the hook runs all the same."""
    git(repo, "rm", "-q", "sitreps/figures/2016-12-08-aleppo-control.svg")
    result = pre_commit(repo, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Failed" in result.stdout
    assert "error[figure-missing]" in result.stdout
    assert "Error: 1 file(s) checked: 1 error(s)" in result.stdout
