"""Limits on figures and references per report, each a clear error naming the setting.

On main, 2,000 figures took 111 s and 1.6 GB to build and 90,000 references 93 s and 2.6 GB,
with no limit and no message. Now a report beyond ``max_figures`` (default 50) or
``max_references`` (default 1,000) is an error at the first figure or reference past the limit,
and the other checks are skipped for it: checking 2,000 figures is the cost the limit prevents.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sitrepgen import svg
from sitrepgen.cli import cli
from tests.helpers import seed_report_text
from tests.helpers import position_of as position  # 'LINE:COL' of a needle in the test's YAML

SEED = seed_report_text().replace("around 3.000.", "around 3,000.")
REPORT = "sitreps/2016-12-08.yaml"
FIGURE = "figures/2016-12-08-aleppo-control.svg"


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


def with_figures(count: int) -> str:
    """The seed with ``count`` more figures in its Aleppo region (before its own), each cited by a paragraph."""
    figures = "".join(
        f"      - id: extra-{i}\n        image: {FIGURE}\n        caption: Extra map {i}.\n        alt: The same map again.\n"
        for i in range(count)
    )
    cites = " ".join(f"{{fig:extra-{i}}}" for i in range(count))
    text = SEED.replace("    figures:\n", "    figures:\n" + figures, 1)
    return text.replace("    paragraphs:\n", f"    paragraphs:\n      - |-\n        Maps: {cites}\n", 1)


def with_references(count: int) -> str:
    return SEED.replace("    paragraphs:\n", "    paragraphs:\n      - |-\n        " + "{fig:aleppo-control} " * count + "\n", 1)


def set_config(project: Path, extra: str) -> None:
    config = project / "sitrepgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + extra, encoding="utf-8")


def test_figures_beyond_the_limit_are_an_error_at_the_first_one_past_it(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = with_figures(50)  # 51 with the seed's own
    (project / REPORT).write_text(text, encoding="utf-8")
    monkeypatch.chdir(project)

    validated = run(project, "validate")
    built = run(project, "build")

    line = (
        f"{REPORT}:{position(text, 'id: aleppo-control')}: error[too-many-figures]: the report has 51 figures, more than the "
        "limit of 50; split it into several reports, or raise max_figures in sitrepgen.yaml\n"
    )
    assert (validated.exit_code, validated.stdout) == (1, line)
    assert validated.stderr == "Error: 1 file(s) checked: 1 error(s), 0 warning(s)\n"
    assert (built.exit_code, built.stdout, built.stderr) == (1, line, "Error: 1 error(s); nothing was written\n")
    assert not (project / "site").exists()


def test_the_figure_limit_is_a_setting(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / REPORT).write_text(with_figures(50), encoding="utf-8")
    set_config(project, "max_figures: 51\n")
    monkeypatch.chdir(project)
    result = run(project, "validate")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "1 file(s) checked: 0 error(s), 0 warning(s)\n")


def test_two_thousand_figures_are_refused_without_checking_them(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[bytes] = []
    original = svg.rebuild
    monkeypatch.setattr(svg, "rebuild", lambda data: (checked.append(data), original(data))[1])
    text = with_figures(1999)
    (project / REPORT).write_text(text, encoding="utf-8")
    monkeypatch.chdir(project)

    result = run(project, "validate")

    where = position(text, "id: extra-50\n")
    assert result.stdout == (  # each figure is cited, so the references are too many as well
        f"{REPORT}:{position(text, '{fig:extra-1000}')}: error[too-many-references]: the report makes 2,000 figure "
        "references, more than the limit of 1,000; cite each figure where it matters, or raise max_references in sitrepgen.yaml\n"
        f"{REPORT}:{where}: error[too-many-figures]: the report has 2,000 figures, more than the "
        "limit of 50; split it into several reports, or raise max_figures in sitrepgen.yaml\n"
    )
    assert checked == []  # no figure file was opened


@pytest.mark.parametrize(
    ("extra", "command", "summary"),
    [
        (1000, "validate", "Error: 1 file(s) checked: 1 error(s), 0 warning(s)\n"),  # 1,001 with the seed's own
        (89_999, "build", "Error: 1 error(s); nothing was written\n"),
    ],
)
def test_references_beyond_the_limit_are_an_error_at_the_first_one_past_it(
    project: Path, monkeypatch: pytest.MonkeyPatch, extra: int, command: str, summary: str
) -> None:
    text = with_references(extra)
    (project / REPORT).write_text(text, encoding="utf-8")
    monkeypatch.chdir(project)

    result = run(project, command)

    assert result.stdout == (
        f"{REPORT}:{position(text, '{fig:aleppo-control}', 1000)}: error[too-many-references]: the report makes {extra + 1:,} figure "
        "references, more than the limit of 1,000; cite each figure where it matters, or raise max_references in sitrepgen.yaml\n"
    )
    assert (result.exit_code, result.stderr) == (1, summary)


def test_the_reference_limit_is_a_setting(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / REPORT).write_text(with_references(1000), encoding="utf-8")
    set_config(project, "max_references: 1001\n")
    monkeypatch.chdir(project)
    result = run(project, "validate")
    assert (result.exit_code, result.stdout) == (0, "")


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("max_figures: 0", "error[invalid-value]: 'max_figures' must be 1 or more, not the number 0"),
        ("max_figures: '50'", "error[wrong-type]: 'max_figures' must be a number, written without quotes or thousands separators, e.g. 50, not the text '50'"),
        ("max_references: 2000000", "error[invalid-value]: 'max_references' must be 1000000 or less, not the number 2000000"),
        ("max_figure: 60", "error[unknown-key]: unknown key 'max_figure'; did you mean 'max_figures'?"),
    ],
)
def test_a_wrong_limit_setting_is_an_error_in_the_config(project: Path, monkeypatch: pytest.MonkeyPatch, setting: str, message: str) -> None:
    set_config(project, setting + "\n")
    monkeypatch.chdir(project)
    config = (project / "sitrepgen.yaml").read_text(encoding="utf-8")
    result = run(project, "validate")
    line = config.count("\n", 0, config.index(setting)) + 1
    col = len(setting.split(":")[0]) + 3 if "unknown" not in message else 1
    assert f"sitrepgen.yaml:{line}:{col}: {message}\n" in result.stdout
    assert result.exit_code == 1
