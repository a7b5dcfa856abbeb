"""Checks against last week's report: unchanged text, overlapping periods, figures copied forward; 'new' twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sitrepgen.cli import cli
from tests.helpers import line_of, shifted

LAST = "sitreps/2016-12-01.yaml"
THIS = "sitreps/2016-12-08.yaml"


def run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def weeks(project: Path, seed_yaml: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Last week: the seed a week earlier, its three texts changed so they differ from this week;
    both with '3,000' (no warning of their own). Working directory: the project."""
    monkeypatch.chdir(project)
    seed_yaml = seed_yaml.replace("around 3.000.", "around 3,000.")
    last = shifted(seed_yaml, -1).replace("figures/2016-12-01-aleppo-control.svg", "figures/2016-12-08-aleppo-control.svg")
    (project / LAST).write_text(last, encoding="utf-8")
    (project / THIS).write_text(seed_yaml, encoding="utf-8")
    return project


def findings(code: str) -> list[str]:
    """The lines of 'validate' (the whole project) with ``code``."""
    return [line for line in run("validate").stdout.splitlines() if f"[{code}]" in line]


def rewrite(project: Path, name: str, old: str, new: str) -> str:
    path = project / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text


def test_every_paragraph_the_same_as_last_week(weeks: Path) -> None:
    """Last week's report is the seed a week earlier: every paragraph is copied (and every key
    figure's value is the same under a new date)."""
    result = run("validate", THIS)  # only this file: no previous report, no cross-week check
    assert (result.exit_code, result.stdout) == (0, "")
    result = run("validate")
    lines = result.stdout.splitlines()
    assert {line.split(": ", 2)[1] for line in lines} == {"warning[unchanged-text]", "warning[unchanged-figure]"}
    assert sum("unchanged-text" in line for line in lines) == 9  # 8 paragraphs and a conclusion
    assert all(line.startswith(THIS) for line in lines if "unchanged" in line)


def test_unchanged_text_exact(weeks: Path) -> None:
    """One paragraph left as last week's (white space changed: still the same), the others rewritten;
    the warning is at the paragraph (its ">-")."""
    text = (weeks / THIS).read_text(encoding="utf-8")
    # Make every paragraph of last week different but one: prefix each with 'Earlier: '.
    last = (weeks / LAST).read_text(encoding="utf-8")
    last = last.replace("      - >-\n        ", "      - >-\n        Earlier: ").replace("conclusions:\n  - >-\n    ", "conclusions:\n  - >-\n    Earlier: ")
    needle = "      - >-\n        Earlier: In Rural Damascus, another opposition surrender deal was enacted.\n        On December 2,"
    assert needle in last
    last = last.replace(needle, "      - >-\n        In Rural Damascus, another   opposition surrender deal was enacted.\n        On\n        December 2,")
    (weeks / LAST).write_text(last, encoding="utf-8")
    assert findings("unchanged-text") == [
        f"{THIS}:{line_of(text, 'In Rural Damascus, another') - 1}:9: warning[unchanged-text]: this paragraph is word for word the one in the previous report ({LAST}); write this week's, or remove it"
    ]


def test_overlapping_period(weeks: Path) -> None:
    text = rewrite(weeks, THIS, "  start: 2016-12-02", "  start: 2016-11-30")
    result = run("validate")
    assert f"{THIS}:{line_of(text, 'period:')}:1: warning[overlapping-period]: the period 2016-11-30 to 2016-12-08 overlaps the previous report's ({LAST}: 2016-11-25 to 2016-12-01) by 2 days; start the day after 2016-12-01" in result.stdout.splitlines()
    assert result.exit_code == 0
    assert run("validate", "--strict").exit_code == 1


def test_periods_that_touch_do_not_overlap(weeks: Path) -> None:
    assert "overlapping-period" not in run("validate").stdout


def test_a_figure_copied_forward_under_a_new_date(weeks: Path) -> None:
    """Three of the four figures get new values; the fourth keeps last week's under a new date."""
    for old, new in (("value: 70\n", "value: 60\n"), ("value: 90000\n", "value: 80000\n"), ("value: 150000\n", "value: 140000\n")):
        rewrite(weeks, LAST, old, new)
    text = (weeks / THIS).read_text(encoding="utf-8")
    assert findings("unchanged-figure") == [
        f"{THIS}:{line_of(text, 'value: 8000')}:12: warning[unchanged-figure]: key figure 'civilians-to-be-evacuated' is 8,000 as in the previous report ({LAST}), though its as_of date moved from 2016-12-01 to 2016-12-08; give this week's number, or keep last week's date if there is no new one"
    ]


def test_a_figure_with_its_date_kept_is_not_flagged(weeks: Path) -> None:
    """The same value with last week's as_of is honest (an old number, said to be old)."""
    text = rewrite(weeks, THIS, "    value: 8000\n    as_of: 2016-12-08", "    value: 8000\n    as_of: 2016-12-01")
    assert "as_of: 2016-12-01" in text
    result = run("validate")
    assert "'civilians-to-be-evacuated' is 8,000" not in result.stdout


def test_last_week_findings_can_be_suppressed(weeks: Path) -> None:
    """Cross-week warnings are suppressed like the others: here a period overlap two desks share."""
    text = rewrite(weeks, THIS, "  start: 2016-12-02", "  start: 2016-11-30")
    text = rewrite(weeks, THIS, "period:\n", "# sitrepgen: ignore[overlapping-period] the desks' weeks overlap this once\nperiod:\n")
    result = run("validate")
    assert "overlapping-period" not in result.stdout
    assert "unused-ignore" not in result.stdout
    assert result.stderr.endswith(", 1 suppressed\n")


# --------------------------------------------------------------------------- 'new' twice


def test_new_twice_is_refused(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    first = run("new")
    assert (first.exit_code, first.stdout) == (0, "sitreps/2016-12-15.yaml\n")
    again = CliRunner().invoke(cli, ["new"], catch_exceptions=False)
    assert again.exit_code == 1
    assert again.stderr == (
        "Error: sitreps/2016-12-15.yaml still holds the TODO markers 'sitrepgen new' put in: that week is "
        "started and not written yet; write it first, or pass --force to start the week after it anyway\n"
    )
    assert sorted(p.name for p in (project / "sitreps").glob("*.yaml")) == ["2016-12-08.yaml", "2016-12-15.yaml"]
    forced = run("new", "--force")
    assert (forced.exit_code, forced.stdout) == (0, "sitreps/2016-12-22.yaml\n")


def test_new_never_replaces_a_week_that_exists(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Asking for a period whose file is there is refused, --force or not."""
    monkeypatch.chdir(project)
    (project / "sitreps" / "2016-12-15.yaml").write_text("title: mine\n", encoding="utf-8")
    for extra in ([], ["--force"]):
        result = CliRunner().invoke(cli, ["new", "--start", "2016-12-09", "--end", "2016-12-15", *extra], catch_exceptions=False)
        assert (result.exit_code, result.stderr) == (1, "Error: 2016-12-15.yaml already exists in sitreps/; edit it, or choose another period with --start/--end\n")
    assert (project / "sitreps" / "2016-12-15.yaml").read_text(encoding="utf-8") == "title: mine\n"


def test_a_week_made_by_new_then_untouched_except_the_markers_still_warns(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's false safety: remove the TODO markers and the stale dates from a copy of last
    week and --strict used to pass; now every paragraph and figure copied is a warning."""
    monkeypatch.chdir(project)
    assert run("new").exit_code == 0
    path = project / "sitreps" / "2016-12-15.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("TODO: ", "").replace("as_of: 2016-12-08", "as_of: 2016-12-15"), encoding="utf-8")
    result = run("validate", "--strict")
    assert result.exit_code == 1
    codes = sorted({line.split("[", 1)[1].split("]", 1)[0] for line in result.stdout.splitlines() if line.startswith("sitreps/2016-12-15.yaml")})
    assert codes == ["number-format", "unchanged-figure", "unchanged-text"]


# --------------------------------------------------------------------------- the cost of an archive


def test_a_warm_validate_of_an_archive_parses_no_report_the_slow_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """validate over an archive with the report cache warm: no report goes through ruamel's
    round-trip parser (about 18 ms each; only positions need it, and the cached findings carry
    theirs), the series checks find nothing to place, and only the one file holding a
    suppression is composed (libyaml, about 4 ms). Counts, not time (docs/performance.md)."""
    import sitrepgen.load
    import sitrepgen.suppress
    from sitrepgen.cache import CACHE_DIR, ReportCache
    from sitrepgen.config import load_project
    from sitrepgen.diagnostics import CODES
    from sitrepgen.site import gather
    from tests.helpers import copy_project, write_series

    root = copy_project(tmp_path / "archive", as_shipped=True)
    write_series(root / "sitreps", 24, distinct=True)
    cache = ReportCache(root / CACHE_DIR, lambda message: None, CODES)
    gather(load_project(root), cache=cache)
    cache.save()
    counts = {"parse": 0, "compose": 0}
    parse, compose = sitrepgen.load._parse, sitrepgen.suppress._compose

    def counted_parse(doc: object) -> object:
        counts["parse"] += 1
        return parse(doc)  # type: ignore[arg-type]

    def counted_compose(text: str) -> object:
        counts["compose"] += 1
        return compose(text)

    monkeypatch.setattr(sitrepgen.load, "_parse", counted_parse)
    monkeypatch.setattr(sitrepgen.suppress, "_compose", counted_compose)
    monkeypatch.chdir(root)
    result = run("validate")
    assert result.exit_code == 0
    # 24 weeks, the bundled report and its Arabic edition; a warning for each copy's 3.000
    assert result.stderr == "26 file(s) checked: 0 error(s), 24 warning(s), 1 suppressed\n"
    assert set(line.split(": ", 2)[1] for line in result.stdout.splitlines()) == {"warning[number-format]"}
    assert counts == {"parse": 0, "compose": 1}
