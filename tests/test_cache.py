"""Incremental builds: only what changed is rendered again, and the cache can never make a wrong site."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sitrepgen.cache import CACHE_DIR
from sitrepgen.cli import cli
from sitrepgen.config import load_project
from sitrepgen.site import build
from tests.helpers import copy_project, write_series


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(project), "build", *args], catch_exceptions=False)


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three weeks, built once; each test works on its own copy."""
    root = tmp_path_factory.mktemp("series") / "project"
    root.mkdir()
    copy_project(root)
    write_series(root / "sitreps", 2)
    assert run(root).exit_code == 0
    return root


@pytest.fixture
def built(series: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(series, copy, symlinks=True)
    return copy


def full_build(project: Path, tmp_path: Path) -> dict[str, bytes]:
    """What a build from scratch gives for the same sources (the reference for every test)."""
    fresh = tmp_path / "fresh"
    shutil.copytree(project, fresh, ignore=shutil.ignore_patterns(CACHE_DIR, "site"))
    build(load_project(fresh), use_cache=False)
    return snapshot(fresh / "site")


def test_nothing_changed_is_a_no_op(built: Path) -> None:
    before = snapshot(built / "site")
    result = run(built)
    assert result.exit_code == 0
    assert result.stdout.endswith("site/ is up to date: nothing changed since the last build\n")
    assert "warning[number-format]" in result.stdout  # the last build's warnings are repeated
    assert snapshot(built / "site") == before


def test_no_op_imports_neither_weasyprint_nor_pydantic(built: Path) -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from sitrepgen.cli import cli\n"
        f"r = CliRunner().invoke(cli, ['-C', {str(built)!r}, 'build'])\n"
        "assert r.exit_code == 0 and 'up to date' in r.output, r.output\n"
        "print(sorted(m for m in ('weasyprint', 'pydantic', 'ruamel.yaml', 'jinja2') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_one_edited_report_renders_one_pdf(built: Path, tmp_path: Path) -> None:
    report = built / "sitreps" / "2016-12-01.yaml"
    report.write_text(report.read_text(encoding="utf-8").replace("killing and injuring", "killing and wounding"), encoding="utf-8")
    result = run(built)
    assert result.exit_code == 0
    assert "3 report(s)" in result.stdout and "1 PDF(s) rendered" in result.stdout
    site = snapshot(built / "site")
    assert b"killing and wounding" in site["reports/2016-12-01.html"]
    assert site == full_build(built, tmp_path)


def test_template_change_renders_every_pdf(built: Path, tmp_path: Path) -> None:
    extra = built / "templates" / "extra.css.j2"
    extra.write_text(extra.read_text(encoding="utf-8") + "\n.masthead-band .period { color: #000; }\n", encoding="utf-8")
    result = run(built)
    assert "3 PDF(s) rendered" in result.stdout
    assert snapshot(built / "site") == full_build(built, tmp_path)


def test_figure_change_renders_the_reports_that_use_it(built: Path, tmp_path: Path) -> None:
    figure = built / "sitreps" / "figures" / "2016-12-08-aleppo-control.svg"
    figure.write_text(figure.read_text(encoding="utf-8").replace("not the original map", "not the original map (v2)"), encoding="utf-8")
    result = run(built)
    assert "3 PDF(s) rendered" in result.stdout  # all three weeks show the same map
    assert snapshot(built / "site") == full_build(built, tmp_path)


def test_config_change_revalidates(built: Path) -> None:
    config = built / "sitrepgen.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("  - name: Aleppo\n    variants: [Halab]\n", "  - name: Halab\n    variants: [Aleppo]\n"), encoding="utf-8")
    result = run(built)
    assert result.exit_code == 0
    assert "warning[place-name]: 'Aleppo' is spelled 'Halab'" in result.stdout


def test_damaged_cache_means_a_full_and_correct_build(built: Path, tmp_path: Path) -> None:
    cache = built / CACHE_DIR
    (cache / "state.json").write_text("{not json", encoding="utf-8")
    (cache / "reports.json").write_text('{"x": 1}', encoding="utf-8")
    for pdf in (cache / "pdf").glob("*.pdf"):
        pdf.write_bytes(pdf.read_bytes()[:100])  # truncated: its hash no longer matches
    result = run(built)
    assert result.exit_code == 0 and "3 PDF(s) rendered" in result.stdout
    assert snapshot(built / "site") == full_build(built, tmp_path)


def test_deleted_cache_and_edited_output_are_rebuilt(built: Path, tmp_path: Path) -> None:
    (built / "site" / "index.html").write_text("edited by hand", encoding="utf-8")
    assert "up to date" not in run(built).stdout  # the output no longer matches what was built
    shutil.rmtree(built / CACHE_DIR)
    result = run(built)
    assert result.exit_code == 0 and "3 PDF(s) rendered" in result.stdout
    assert snapshot(built / "site") == full_build(built, tmp_path)


def test_deleted_site_comes_back_from_the_cache(built: Path) -> None:
    before = snapshot(built / "site")
    shutil.rmtree(built / "site")
    result = run(built)
    assert "0 PDF(s) rendered" in result.stdout
    assert snapshot(built / "site") == before


def test_added_and_removed_reports_are_noticed(built: Path) -> None:
    (built / "sitreps" / "2016-11-24.yaml").unlink()
    result = run(built)
    # The next week's PDF is made again: its key figures have no previous week to change from now.
    assert "2 report(s)" in result.stdout and "1 PDF(s) rendered" in result.stdout
    assert "since November 24" not in (built / "site" / "reports" / "2016-12-01.md").read_text(encoding="utf-8")
    assert not (built / "site" / "reports" / "2016-11-24.pdf").exists()


def test_process_pool_gives_the_same_bytes(built: Path, tmp_path: Path) -> None:
    one = tmp_path / "one"
    shutil.copytree(built, one, ignore=shutil.ignore_patterns(CACHE_DIR, "site"))
    build(load_project(one), use_cache=False, jobs=1)
    two = tmp_path / "two"
    shutil.copytree(built, two, ignore=shutil.ignore_patterns(CACHE_DIR, "site"))
    result = build(load_project(two), use_cache=False, jobs=2)
    assert result.rendered == 3
    assert snapshot(one / "site") == snapshot(two / "site")
