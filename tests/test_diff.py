"""``sitrepgen diff``: the rendered text compared word by word, against a git revision or last week.

Every CLI test runs on a real git repository in a temporary folder and checks the whole output.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitrepgen.cli import cli
from sitrepgen.diff import Piece, as_html, compare, paragraphs
from tests.helpers import need_tool

WEEK_1 = """\
title: Weekly Conflict Summary
series: Syria
period:
  start: 2016-11-25
  end: 2016-12-01
published: 2016-12-02
sections:
  - region: Aleppo
    blocks:
      - Fighting continued in the east of the city.
      - The first buses left the besieged districts.
"""

WEEK_2 = """\
title: Weekly Conflict Summary
series: Syria
period:
  start: 2016-12-02
  end: 2016-12-08
published: 2016-12-09
sections:
  - region: Aleppo
    blocks:
      - Fighting continued in the east of the city.
      - The first buses left the besieged districts on Tuesday.
"""

REPORT = "sitreps/2016-12-08.yaml"


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        [need_tool("git"), "-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false", *args],
        cwd=root, capture_output=True, text=True, check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project in a git repository: last week and this week committed; the cwd is its root."""
    root = tmp_path / "repo"
    (root / "sitreps").mkdir(parents=True)
    (root / "sitrepgen.yaml").write_text("title: Test\n", encoding="utf-8")
    (root / "sitreps" / "2016-12-01.yaml").write_text(WEEK_1, encoding="utf-8")
    (root / REPORT).write_text(WEEK_2, encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "two weeks")
    monkeypatch.chdir(root)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return root


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["diff", *args], catch_exceptions=False)
    return result.exit_code, result.output


def edit(root: Path, old: str, new: str) -> None:
    path = root / REPORT
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_an_edited_sentence_against_head(repo: Path) -> None:
    edit(repo, "Fighting continued in the east", "Heavy fighting went on in the east")
    assert run(REPORT) == (0, (
        f"--- HEAD:{REPORT}\n"
        f"+++ {REPORT}\n"
        "[-Fighting continued-]{+Heavy fighting went on+} in the east of the city.\n"
        "1 paragraph(s) changed: 2 word(s) deleted, 4 inserted\n"
    ))


def test_a_yaml_only_change_is_no_change_in_the_text(repo: Path) -> None:
    # Folded over two lines, quoted, a comment added: the same rendered text.
    edit(repo, "      - Fighting continued in the east of the city.\n", "      # checked\n      - >-\n        Fighting continued\n        in the east of the city.\n")
    assert run(REPORT) == (0, f"--- HEAD:{REPORT}\n+++ {REPORT}\n0 paragraph(s) changed: 0 word(s) deleted, 0 inserted\n")


def test_against_an_older_revision_with_a_deleted_and_an_inserted_paragraph(repo: Path) -> None:
    first = git(repo, "rev-parse", "--short", "HEAD")
    edit(repo, "      - Fighting continued in the east of the city.\n", "")
    edit(repo, "on Tuesday.\n", "on Tuesday.\n      - Talks resumed in Geneva.\n")
    git(repo, "commit", "-q", "-am", "edit")
    assert run(REPORT, "--rev", first) == (0, (
        f"--- {first}:{REPORT}\n"
        f"+++ {REPORT}\n"
        "[-Fighting continued in the east of the city.-]\n\n"
        "{+Talks resumed in Geneva.+}\n"
        "2 paragraph(s) changed: 8 word(s) deleted, 4 inserted\n"
    ))
    assert run(REPORT, "--rev", "HEAD") == (0, f"--- HEAD:{REPORT}\n+++ {REPORT}\n0 paragraph(s) changed: 0 word(s) deleted, 0 inserted\n")


def test_against_the_previous_week(repo: Path) -> None:
    code, output = run(REPORT, "--previous")
    assert code == 0
    assert output == (
        "--- sitreps/2016-12-01.yaml\n"
        f"+++ {REPORT}\n"
        "[-**November 25 – December 1,-]{+**December 2–8,+} 2016**\n\n"
        "The first buses left the besieged [-districts.-]{+districts on Tuesday.+}\n\n"
        "Published December [-2,-]{+9,+} 2016.\n"
        "3 paragraph(s) changed: 7 word(s) deleted, 6 inserted\n"
    )


def test_colour_on_request_and_never_when_not_a_terminal(repo: Path) -> None:
    edit(repo, "Fighting continued", "Fighting went on")
    code, output = run(REPORT, "--color", "always")
    assert code == 0
    assert output.splitlines()[2] == "Fighting \x1b[31m\x1b[9mcontinued\x1b[0m\x1b[32m\x1b[4mwent on\x1b[0m in the east of the city."
    assert "\x1b" not in run(REPORT)[1]  # auto: CliRunner's output is not a terminal
    assert "\x1b" not in run(REPORT, "--color", "never")[1]


def test_html_page_with_del_and_ins(repo: Path) -> None:
    edit(repo, "Fighting continued", "Fighting went on")
    out = repo / "changes.html"
    code, _ = run(REPORT, "--html", str(out))
    assert code == 0
    page = out.read_text(encoding="utf-8")
    assert "<pre>Fighting <del>continued</del><ins>went on</ins> in the east of the city.</pre>" in page
    assert f"<p>{REPORT} against HEAD:{REPORT}: 1 paragraph(s) changed: 1 word(s) deleted, 2 inserted</p>" in page
    assert "<script" not in page and "http" not in page.replace('lang="en"', "")  # self-contained


def test_html_escapes_the_text() -> None:
    pieces = [Piece("equal", "", "a<b>"), Piece("delete", " ", "&old"), Piece("insert", "", "<script>alert(1)</script>")]
    page = as_html(pieces, old="HEAD:<x>", new="<y>")
    assert "<pre>a&lt;b&gt; <del>&amp;old</del><ins>&lt;script&gt;alert(1)&lt;/script&gt;</ins></pre>" in page
    assert "<script>" not in page and "&lt;y&gt; against HEAD:&lt;x&gt;" in page


def test_compare_keeps_unchanged_paragraphs_out() -> None:
    pieces = compare("One two.\n\nThree four.\n\nFive.", "One two.\n\nThree  4.\n\nFive.")
    assert [[(p.kind, p.text) for p in group] for group in paragraphs(pieces)] == [[("equal", "Three"), ("delete", "four."), ("insert", "4.")]]


def test_without_git_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--rev needs git; --previous does not."""
    root = tmp_path / "plain"
    (root / "sitreps").mkdir(parents=True)
    (root / REPORT).write_text(WEEK_2, encoding="utf-8")
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(root)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert run(REPORT) == (1, "Error: git is not installed; --rev needs it (or compare with --previous)\n")


def test_outside_a_git_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    need_tool("git")
    root = tmp_path / "plain"
    (root / "sitreps").mkdir(parents=True)
    (root / REPORT).write_text(WEEK_2, encoding="utf-8")
    monkeypatch.chdir(root)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # the test's own folder may be inside a repository
    assert run(REPORT) == (1, f"Error: {REPORT} is not in a git repository; --rev needs one (or compare with --previous)\n")


def test_unknown_revision_and_file_missing_at_a_revision(repo: Path) -> None:
    assert run(REPORT, "--rev", "no-such-branch") == (1, "Error: unknown git revision 'no-such-branch'\n")
    assert run(REPORT, "--rev", "--output=x") == (1, "Error: '--output=x' is not a git revision\n")
    (repo / "sitreps" / "2016-12-15.yaml").write_text(WEEK_2, encoding="utf-8")
    assert run("sitreps/2016-12-15.yaml") == (1, "Error: sitreps/2016-12-15.yaml does not exist at revision 'HEAD'\n")


def test_a_version_with_errors_is_reported_not_compared(repo: Path) -> None:
    edit(repo, "title: Weekly Conflict Summary", "titel: Weekly Conflict Summary")
    git(repo, "commit", "-q", "-am", "typo")
    edit(repo, "titel:", "title:")
    assert run(REPORT) == (1, (
        f"HEAD:{REPORT}:1:1: error[unknown-key]: unknown key 'titel'; did you mean 'title'?\n"
        f"Error: HEAD:{REPORT} has 1 error(s); fix them to compare it\n"
    ))


def test_the_first_week_has_no_previous_and_both_options_are_refused(repo: Path) -> None:
    assert run("sitreps/2016-12-01.yaml", "--previous") == (1, "Error: sitreps/2016-12-01.yaml is the first report of its series; there is no previous week to compare with\n")
    code, output = run(REPORT, "--previous", "--rev", "HEAD")
    assert code == 2 and output.endswith("Error: give --rev or --previous, not both\n")


def test_a_split_report_compares_its_parts_at_the_revision_too(repo: Path) -> None:
    """The desk files are read at the revision as well (git ls-tree + git show), not from disk."""
    report = repo / REPORT
    report.write_text(WEEK_2.replace("    blocks:\n", "    include: aleppo.yaml\n").split("      - Fighting")[0], encoding="utf-8")
    (repo / "sitreps" / "2016-12-08").mkdir()
    part = repo / "sitreps" / "2016-12-08" / "aleppo.yaml"
    part.write_text("blocks:\n  - Fighting continued in the east of the city.\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "split")
    assert run(REPORT) == (0, f"--- HEAD:{REPORT}\n+++ {REPORT}\n0 paragraph(s) changed: 0 word(s) deleted, 0 inserted\n")
    part.write_text("blocks:\n  - Fighting went on in the east of the city.\n", encoding="utf-8")
    assert run(REPORT) == (0, (
        f"--- HEAD:{REPORT}\n+++ {REPORT}\n"
        "Fighting [-continued-]{+went on+} in the east of the city.\n"
        "1 paragraph(s) changed: 1 word(s) deleted, 2 inserted\n"
    ))
    part.write_text("blocs:\n  - Fighting went on.\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "typo in the desk file")
    part.write_text("blocks:\n  - Fighting went on.\n", encoding="utf-8")
    assert run(REPORT) == (1, (
        "HEAD:sitreps/2016-12-08/aleppo.yaml:1:1: error[unknown-key]: unknown key 'blocs'; did you mean 'blocks'?\n"
        f"Error: HEAD:{REPORT} has 1 error(s); fix them to compare it\n"
    ))
