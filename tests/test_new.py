"""`sitrepgen new`: next week's file from the latest, comments kept, last week's text marked."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from sitrepgen.cli import cli


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


def comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#") or " # " in line or "  # " in line]


def test_new_writes_next_week_keeping_comments_and_validates(project: Path, seed_yaml: str) -> None:
    result = run(project, "new")
    assert result.exit_code == 0, result.output
    path = project / "sitreps" / "2016-12-15.yaml"
    assert result.stdout.strip().endswith("sitreps/2016-12-15.yaml")
    text = path.read_text(encoding="utf-8")
    assert "  start: 2016-12-09\n  end: 2016-12-15\n" in text
    assert "published: 2016-12-15  # not given in the source text" in text
    # Every comment of last week's file survives, in order.
    assert [c.split("#", 1)[1] for c in comments(text)] == [c.split("#", 1)[1] for c in comments(seed_yaml)]
    # Last week's text is kept behind a placeholder, folded one sentence per line as before.
    assert "      - >-\n        TODO: The battle for Aleppo continued into this week as pro-government forces advanced even\n" in text
    assert text.count("TODO: ") == 8 + 1 + 4 + 1  # paragraphs, conclusion, key figure labels, caption
    check = run(project, "validate", "--format", "json")
    assert check.exit_code == 0, check.output
    found = {(d["path"].rsplit("/", 1)[1], d["code"]) for d in json.loads(check.stdout)}
    assert found == {
        ("2016-12-08.yaml", "number-format"),
        ("2016-12-15.yaml", "number-format"),
        ("2016-12-15.yaml", "placeholder"),
        ("2016-12-15.yaml", "date-outside-period"),  # last week's key figures are stale
    }
    assert run(project, "validate", "--strict").exit_code == 1


def test_new_with_explicit_period_and_number(project: Path, seed_yaml: str) -> None:
    (project / "sitreps" / "2016-12-08.yaml").write_text(seed_yaml.replace("series: Syria\n", "series: Syria\nnumber: 41\n"), encoding="utf-8")
    assert run(project, "new", "--end", "2016-12-22").exit_code == 0
    text = (project / "sitreps" / "2016-12-22.yaml").read_text(encoding="utf-8")
    assert "number: 42\n" in text and "  start: 2016-12-16\n  end: 2016-12-22\n" in text


def test_new_never_overwrites(project: Path) -> None:
    target = project / "sitreps" / "2016-12-15.yaml"
    target.write_text("mine", encoding="utf-8")
    result = run(project, "new")
    assert result.exit_code == 1
    assert result.stderr == "Error: 2016-12-15.yaml already exists in sitreps/; edit it, or choose another period with --start/--end\n"
    assert target.read_text(encoding="utf-8") == "mine"


def test_new_rejects_a_backwards_period(project: Path) -> None:
    result = run(project, "new", "--start", "2016-12-20", "--end", "2016-12-10")
    assert result.exit_code == 1 and "would end (2016-12-10) before it starts (2016-12-20)" in result.stderr


def test_new_without_a_valid_report(tmp_path: Path) -> None:
    (tmp_path / "sitreps").mkdir()
    (tmp_path / "sitreps" / "bad.yaml").write_text("title: [\n", encoding="utf-8")
    result = run(tmp_path, "new")
    assert result.exit_code == 1 and "no valid report in sitreps/" in result.stderr
