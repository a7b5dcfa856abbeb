"""Paths are resolved once, inside the project: a link that leaves its folder is an error at the
line that names it, and the file it points at is never read or published.

Each case starts from a project whose last build succeeded (site/ and the cache in place), so a
stale cache entry would show: the build must refuse, and site/ stays byte for byte as it was.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sitrepgen.cli import cli
from tests.helpers import copy_project, line_of, write_series, seed_report_text

SEED = seed_report_text()
REPORT = "sitreps/2016-12-08.yaml"
FIGURE = "figures/2016-12-08-aleppo-control.svg"
IMAGE_LINE = line_of(SEED, f"image: {FIGURE}")
WARNING = (
    f"{REPORT}:{line_of(SEED, 'around 3.000.')}:64: warning[number-format]: '3.000' groups digits with '.' where the report "
    "writes ',' (as in '90,000'); if it means 3000, write 3,000\n"
)
SCRIPT_SVG = "<svg xmlns='http://www.w3.org/2000/svg'>\n<script>alert(document.cookie)</script></svg>\n"


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def make_linked(root: Path) -> Path:
    """The seed project with its map reached through a link, figures/map.svg -> safe.svg, built."""
    copy_project(root)
    figures = root / "sitreps" / "figures"
    (figures / "2016-12-08-aleppo-control.svg").rename(figures / "safe.svg")
    (figures / "map.svg").symlink_to("safe.svg")
    (root / REPORT).write_text(SEED.replace(FIGURE, "figures/map.svg"), encoding="utf-8")
    result = run(root, "build")
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_linked(tmp_path_factory.mktemp("linked") / "project")


@pytest.fixture
def built(linked: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of ``linked`` (its site and cache are those of another folder: fine where the
    case does not depend on what the cache knows)."""
    copy = tmp_path / "project"
    shutil.copytree(linked, copy, symlinks=True)
    monkeypatch.chdir(copy)
    return copy


@pytest.fixture
def built_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``linked`` built in place, so that its cache knows this very folder and link."""
    root = make_linked(tmp_path / "project")
    monkeypatch.chdir(root)
    return root


def retarget(project: Path, target: str) -> None:
    link = project / "sitreps" / "figures" / "map.svg"
    link.unlink()
    link.symlink_to(target)


def assert_refused(project: Path, before: dict[str, bytes], result: Result, line: str, errors: int = 1) -> None:
    assert (result.exit_code, result.stderr) == (1, f"Error: {errors} error(s); nothing was written\n")
    assert result.stdout == line + WARNING
    assert snapshot(project / "site") == before


# --------------------------------------------------------------------------- figures


def test_retargeted_figure_link_is_checked_again(built_here: Path) -> None:
    """The cache once knew figures/map.svg as safe.svg: pointed at a file with a <script>, the
    figure is checked again, by `build` as by `validate`, and nothing is published."""
    built = built_here
    (built / "sitreps" / "figures" / "evil.svg").write_text(SCRIPT_SVG, encoding="utf-8")
    retarget(built, "evil.svg")
    before = snapshot(built / "site")
    line = (
        f"{REPORT}:{IMAGE_LINE}:16: error[unsafe-svg]: figure 'figures/map.svg' (sitreps/figures/evil.svg:2:1): a <script> element; "
        "scripts and embedded documents are not allowed in figures (remove it, or export the figure as PNG)\n"
    )
    assert_refused(built, before, run(built, "build"), line)
    validated = run(built, "validate")
    assert (validated.exit_code, validated.stdout) == (1, line + WARNING)


def test_retargeted_figure_link_is_not_served_either(built_here: Path) -> None:
    """`sitrepgen serve` rebuilds through the same build: the retargeted figure is refused, and
    the preview keeps the last good site."""
    from sitrepgen.config import load_project
    from sitrepgen.serve import PreviewServer

    built = built_here
    (built / "sitreps" / "figures" / "evil.svg").write_text(SCRIPT_SVG, encoding="utf-8")
    retarget(built, "evil.svg")
    before = snapshot(built / "site")
    logs: list[str] = []
    preview = PreviewServer(load_project(built), "127.0.0.1", 0, log=logs.append)
    assert preview.rebuild() is False
    assert logs[0] == "build failed: 1 error(s)"
    assert logs[1].startswith(f"{REPORT}:{IMAGE_LINE}:16: error[unsafe-svg]: figure 'figures/map.svg' (sitreps/figures/evil.svg:2:1)")
    assert snapshot(built / "site") == before


def test_figure_link_retargeted_out_of_the_project(built_here: Path) -> None:
    built = built_here
    outside = built.parent / "outside.svg"
    outside.write_text("<svg xmlns='http://www.w3.org/2000/svg'><text>OUTSIDE</text></svg>", encoding="utf-8")
    retarget(built, str(outside))
    before = snapshot(built / "site")
    line = f"{REPORT}:{IMAGE_LINE}:16: error[figure-path]: figure path 'figures/map.svg' leads outside the project; keep figures inside it\n"
    assert_refused(built, before, run(built, "build"), line)


def test_figure_link_loop(built: Path) -> None:
    retarget(built, "map.svg")
    before = snapshot(built / "site")
    line = f"{REPORT}:{IMAGE_LINE}:16: error[figure-path]: figure path 'figures/map.svg' is a symbolic link loop; point it at the figure file itself\n"
    assert_refused(built, before, run(built, "build"), line)


def test_figure_outside_the_reports_folder_needs_figure_dirs(built: Path) -> None:
    """Inside the project but outside sitreps/ (here: a template asset) is refused until the
    config names the folder in figure_dirs."""
    shutil.copy(built / "sitreps" / "figures" / "safe.svg", built / "templates" / "map.svg")
    retarget(built, "../../templates/map.svg")
    before = snapshot(built / "site")
    line = (
        f"{REPORT}:{IMAGE_LINE}:16: error[figure-path]: figure path 'figures/map.svg' leads outside sitreps/; "
        "keep figures there, or name their folder in figure_dirs in sitrepgen.yaml\n"
    )
    assert_refused(built, before, run(built, "build"), line)
    config = built / "sitrepgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "figure_dirs: [templates]\n", encoding="utf-8")
    allowed = run(built, "build")
    assert allowed.exit_code == 0, allowed.output
    # the figure was checked again where it now is; its bytes are those of the PDF already
    # made (a copy of safe.svg), and the PDF's key holds the bytes, so the PDF is reused
    assert allowed.stdout == WARNING + "built 1 report(s) into site/ (39 files, 0 PDF(s) rendered)\n"


# --------------------------------------------------------------------------- report files


def test_report_linked_to_a_file_outside_the_project_is_never_read(built: Path) -> None:
    """`ln -s /etc/passwd sitreps/passwd.yaml`: an error at the link, the target never quoted."""
    (built / "sitreps" / "passwd.yaml").symlink_to("/etc/passwd")
    before = snapshot(built / "site")
    result = run(built, "build")
    line = (
        "sitreps/passwd.yaml:1:1: error[report-path]: the report file is a symbolic link that leads outside sitreps/; "
        "reports must be files inside sitreps/ (the link was not followed)\n"
    )
    assert (result.exit_code, result.stdout) == (1, WARNING + line)
    assert "root:" not in result.output
    assert snapshot(built / "site") == before
    validated = run(built, "validate")
    assert (validated.exit_code, validated.stdout) == (1, WARNING + line)


def test_report_linked_to_a_report_outside_the_project_is_not_published(built: Path) -> None:
    """A valid report outside the project, linked in: neither its page nor its PDF (which would
    carry the outside file as its attachment) is made."""
    outside = built.parent / "2016-12-15.yaml"
    outside.write_text(SEED.replace("2016-12-08", "2016-12-15").replace("December 2", "OUTSIDE-MARKER"), encoding="utf-8")
    (built / "sitreps" / "2016-12-15.yaml").symlink_to(outside)
    before = snapshot(built / "site")
    result = run(built, "build")
    assert result.exit_code == 1
    assert result.stdout == WARNING + (
        "sitreps/2016-12-15.yaml:1:1: error[report-path]: the report file is a symbolic link that leads outside sitreps/; "
        "reports must be files inside sitreps/ (the link was not followed)\n"
    )
    assert snapshot(built / "site") == before
    assert not (built / "site" / "reports" / "2016-12-15.pdf").exists()


def test_report_named_outside_the_reports_folder_is_not_read(built: Path) -> None:
    elsewhere = built / "drafts"
    elsewhere.mkdir()
    shutil.copy(built / REPORT, elsewhere / "next.yaml")
    result = run(built, "validate", "drafts/next.yaml")
    assert (result.exit_code, result.stdout) == (1, (
        "drafts/next.yaml:1:1: error[report-path]: the report file is not inside sitreps/; "
        "reports must be files inside sitreps/ (it was not read)\n"
    ))


def test_report_link_loop(built: Path) -> None:
    (built / "sitreps" / "loop.yaml").symlink_to("loop.yaml")
    result = run(built, "build")
    assert (result.exit_code, result.stdout) == (1, WARNING + (
        "sitreps/loop.yaml:1:1: error[report-path]: the report file is a symbolic link loop; replace the link by the file itself\n"
    ))


def test_report_linked_inside_the_reports_folder_is_a_report(built: Path) -> None:
    """A link that stays inside sitreps/ is fine, and is named by its own path (the target is in
    a hidden folder, which is not searched for reports itself)."""
    (built / "sitreps" / ".drafts").mkdir()
    (built / REPORT).rename(built / "sitreps" / ".drafts" / "2016-12-08.yaml")
    os.symlink(".drafts/2016-12-08.yaml", built / REPORT)
    result = run(built, "validate")
    assert (result.exit_code, result.stdout) == (0, WARNING)


# --------------------------------------------------------------------------- the total read


def set_limit(project: Path, limit: int) -> None:
    config = project / "sitrepgen.yaml"
    kept = [line for line in config.read_text(encoding="utf-8").splitlines(keepends=True) if not line.startswith("max_build_bytes:")]
    config.write_text("".join(kept) + f"max_build_bytes: {limit}\n", encoding="utf-8")


def test_build_stops_at_max_build_bytes(built: Path) -> None:
    """Every file the build reads counts (reports, figures, templates): the error names the
    file that crossed the limit, the limit and the setting that raises it."""
    for unused in (built / "sitreps" / "figures").glob("*.geojson"):  # data no report draws from yet
        unused.unlink()
    set_limit(built, 10_000)
    before = snapshot(built / "site")
    result = run(built, "build")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: reading sitreps/figures/safe.svg would take the build past 10,000 bytes read in all; "
        "raise max_build_bytes in sitrepgen.yaml; nothing was written\n"
    )
    assert snapshot(built / "site") == before


def test_validate_counts_each_file_once(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three reports share one 11 KB map: it counts once. Past the limit, the diagnostic is at
    the image: line of the report whose figure would cross it."""
    monkeypatch.chdir(project)
    for unused in (project / "sitreps" / "figures").glob("*.geojson"):  # data no report draws from yet
        unused.unlink()
    write_series(project / "sitreps", 2)
    sizes = sum(p.stat().st_size for p in (project / "sitreps").rglob("*") if p.is_file())
    set_limit(project, sizes)
    ok = run(project, "validate")
    assert ok.exit_code == 0, ok.output
    set_limit(project, sizes - 1)
    result = run(project, "validate")
    assert result.exit_code == 1
    first = "sitreps/2016-11-24.yaml"  # read first (sorted), so its figure is the one that crosses
    assert result.stdout.splitlines()[0] == (
        f"{first}:{IMAGE_LINE}:16: error[too-much-input]: reading figure '{FIGURE}' would take the build past "
        f"{sizes - 1:,} bytes read in all; raise max_build_bytes in sitrepgen.yaml"
    )
