"""A machine with only Python and Pango: tests needing an outside tool skip, naming the package;
with SITREPGEN_REQUIRE_ALL_TOOLS set (as .ci/run sets it) they fail instead."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import helpers
from tests.browser import support
from tests.helpers import REPO, REQUIRE_ALL_TOOLS, TOOLS, need_tool

TESTS = REPO / "tests"


@pytest.fixture
def bare(monkeypatch: pytest.MonkeyPatch) -> None:
    """No outside program on PATH, no Chromium named, and not in CI."""
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    monkeypatch.setenv("SITREPGEN_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv(REQUIRE_ALL_TOOLS, raising=False)


@pytest.mark.parametrize(
    ("tool", "reason"),
    [
        ("pdftotext", "needs poppler-utils (apt-get install poppler-utils): 'pdftotext' is not on PATH"),
        ("pdftoppm", "needs poppler-utils (apt-get install poppler-utils): 'pdftoppm' is not on PATH"),
        ("pdffonts", "needs poppler-utils (apt-get install poppler-utils): 'pdffonts' is not on PATH"),
        ("qpdf", "needs qpdf (apt-get install qpdf): 'qpdf' is not on PATH"),
        ("java", "needs Java 17 or later (apt-get install default-jre-headless): 'java' is not on PATH"),
        ("npm", "needs node and npm (apt-get install nodejs npm): 'npm' is not on PATH"),
        ("git", "needs git (apt-get install git): 'git' is not on PATH"),
    ],
)
def test_a_missing_tool_skips_with_the_package_named(bare: None, monkeypatch: pytest.MonkeyPatch, tool: str, reason: str) -> None:
    with pytest.raises(pytest.skip.Exception) as skipped:
        need_tool(tool)
    assert str(skipped.value) == reason
    monkeypatch.setenv(REQUIRE_ALL_TOOLS, "1")
    with pytest.raises(pytest.fail.Exception) as failed:
        need_tool(tool)
    assert str(failed.value) == f"{reason} [{REQUIRE_ALL_TOOLS} is set: every outside tool is required]"


def test_the_browser_tools_go_through_the_same_place(bare: None, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(pytest.skip.Exception) as skipped:
        support.chromium()
    assert str(skipped.value) == "needs chromium (apt-get install chromium, or set SITREPGEN_CHROMIUM to a Chromium executable): /nonexistent/chromium not found"
    with pytest.raises(pytest.skip.Exception) as skipped:
        support.java()
    assert str(skipped.value).startswith("needs Java 17 or later (apt-get install default-jre-headless)")
    monkeypatch.setattr(support, "NODE_MODULES", Path("/nonexistent/node_modules"))
    with pytest.raises(pytest.skip.Exception) as skipped:
        support.vnu_jar()
    assert str(skipped.value).startswith("needs node and npm (apt-get install nodejs npm): to install the checkers: run `npm ci")
    monkeypatch.setenv(REQUIRE_ALL_TOOLS, "1")
    with pytest.raises(pytest.fail.Exception):
        support.chromium()


def test_a_present_tool_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: f"/opt/bin/{name}")
    assert need_tool("qpdf") == "/opt/bin/qpdf"


#: Where support.chromium() looks for Chromium (SITREPGEN_CHROMIUM, /usr/bin/chromium, PATH):
#: when none is there it calls missing_tool, like need_tool.
CHROMIUM_SEARCH = 'candidates = [named] if named else ["/usr/bin/chromium", shutil.which("chromium")'
_CALLS = re.compile(r"""(?:which\(|\[)\s*["'](pdftotext|pdftoppm|pdffonts|qpdf|java|npm|npx|git|chromium|setpriv)["']""")


def test_every_outside_tool_is_reached_through_need_tool() -> None:
    """No test names one of these programs itself (shutil.which("qpdf"), ["pdftotext", ...]):
    each goes through tests/helpers.py, which decides between skipping and failing."""
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        if path.name == "helpers.py" or "node_modules" in path.parts or path == Path(__file__):
            continue
        allowed = CHROMIUM_SEARCH if path == TESTS / "browser" / "support.py" else ""
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _CALLS.search(line) and not (allowed and allowed in line):
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert offenders == []
    assert set(TOOLS) >= {"pdftotext", "pdftoppm", "pdffonts", "qpdf", "chromium", "java", "npm", "git"}
    assert all(install.startswith("apt-get install ") for _, install in TOOLS.values())


def _pytest_without_tools(tmp_path: Path, *, require: bool) -> subprocess.CompletedProcess[str]:
    """The qpdf test in a pytest of its own, with a PATH holding only this Python's folder."""
    env = {key: value for key, value in os.environ.items() if key not in (REQUIRE_ALL_TOOLS, "PYTEST_ADDOPTS")}
    env["PATH"] = str(Path(sys.executable).parent)
    if require:
        env[REQUIRE_ALL_TOOLS] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", f"--basetemp={tmp_path}",
         "tests/test_pdf.py::test_qpdf_finds_no_error"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900,
    )


def test_a_real_test_skips_then_fails_in_ci_without_the_tool(tmp_path: Path) -> None:
    skipped = _pytest_without_tools(tmp_path / "skip", require=False)
    assert skipped.returncode == 0, skipped.stdout + skipped.stderr
    assert "1 skipped" in skipped.stdout
    assert "SKIPPED [1] " in skipped.stdout
    assert "needs qpdf (apt-get install qpdf): 'qpdf' is not on PATH" in skipped.stdout
    failed = _pytest_without_tools(tmp_path / "fail", require=True)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "1 failed" in failed.stdout
    assert f"needs qpdf (apt-get install qpdf): 'qpdf' is not on PATH [{REQUIRE_ALL_TOOLS} is set" in failed.stdout


def test_helpers_module_is_the_one_place() -> None:
    assert helpers.missing_tool.__module__ == "tests.helpers" and support.missing_tool is helpers.missing_tool
