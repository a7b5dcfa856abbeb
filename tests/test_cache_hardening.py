"""The build cache is data, not code: whatever `.sitrepgen-cache/` holds, a build reads nothing
outside the project, deletes nothing outside the cache, and publishes nothing that is not in the
project's files (CI may restore this folder from a cache another branch wrote).

Each case writes into the cache of a project whose last build succeeded, then builds again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from sitrepgen.cache import CACHE_DIR
from sitrepgen.cli import cli
from sitrepgen.config import load_project
from sitrepgen.reports import load_report
from tests.helpers import REPO, copy_project
from tests.test_properties import PROPERTY, YAML_FRAGMENTS, documents, dump, mutated_seed

REPORT = "sitreps/2016-12-08.yaml"
FORGED = "FORGED-TEXT-THAT-IS-IN-NO-YAML"
BUILT = "built 1 report(s) into site/ (39 files, {} PDF(s) rendered)"  # 16 of them the search index


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


def notes(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("note: ")]


def site_bytes(project: Path) -> dict[str, bytes]:
    site = project / "site"
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seed project, built in place (so its cache knows this very folder), as the cwd."""
    root = copy_project(tmp_path / "project")
    monkeypatch.chdir(root)
    result = run(root, "build")
    assert result.exit_code == 0, result.output
    return root


def touch(project: Path) -> None:
    """A change the build notices that no report or PDF depends on: the build runs again and
    takes every report and PDF it can from the cache."""
    (project / "templates" / "notes.txt").write_text("not a template\n", encoding="utf-8")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every file opened through pathlib or os.open during the test."""
    opened: list[str] = []
    read_bytes, path_open, os_open = Path.read_bytes, Path.open, os.open

    def spy_read_bytes(self: Path) -> bytes:
        opened.append(str(self))
        return read_bytes(self)

    def spy_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        opened.append(str(self))
        return path_open(self, *args, **kwargs)

    def spy_os_open(path: Any, *args: Any, **kwargs: Any) -> int:
        opened.append(str(path))
        return os_open(path, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", spy_read_bytes)
    monkeypatch.setattr(Path, "open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)
    yield opened


def edit_json(path: Path, change: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


# --------------------------------------------------------------------------- state.json


def test_state_naming_a_folder_outside_the_project_is_discarded(built: Path, reads: list[str]) -> None:
    edit_json(built / CACHE_DIR / "state.json", lambda state: state["scanned"].append("/etc"))
    result = run(built, "build")
    assert not [name for name in reads if name.startswith("/etc/")]
    assert result.exit_code == 0, result.output
    assert notes(result) == [
        "note: .sitrepgen-cache/state.json names the folder '/etc', which is not a path inside the project (discarded)"
    ]
    assert result.stdout.splitlines()[-1] == BUILT.format(0)


@pytest.mark.parametrize(
    ("field", "value", "note"),
    [
        ("output_dir", "../elsewhere", "names the output folder '../elsewhere', which is not a path inside the project"),
        ("messages", ["\x1b]0;owned\x07\x1b[2J"], "holds a message that is not one printable line"),
        ("messages", ["::add-mask::secret"], "holds a message that is not one printable line"),
    ],
)
def test_state_that_fails_a_check_is_discarded(built: Path, field: str, value: Any, note: str) -> None:
    """A message from the cache is printed only if it is one printable line: never an escape
    sequence for the terminal, nor a command for the CI runner's log."""
    edit_json(built / CACHE_DIR / "state.json", lambda state: state.__setitem__(field, value))
    result = run(built, "build")
    assert result.exit_code == 0, result.output
    assert notes(result) == [f"note: .sitrepgen-cache/state.json {note} (discarded)"]
    assert "\x1b" not in result.output and "::add-mask::" not in result.output
    assert result.stdout.splitlines()[-1] == BUILT.format(0)


def test_state_cannot_declare_a_missing_site_up_to_date(built: Path) -> None:
    """A fresh CI checkout has no site/: a state claiming it is up to date (no outputs, another
    folder) still means a full build."""
    (built / "empty").mkdir()

    def forge(state: dict[str, Any]) -> None:
        state["output_dir"], state["outputs"] = "empty", {}

    edit_json(built / CACHE_DIR / "state.json", forge)
    result = run(built, "build")
    assert (result.exit_code, notes(result)) == (0, [])
    assert result.stdout.splitlines()[-1] == BUILT.format(0)


# --------------------------------------------------------------------------- reports.json


def forged_entry(project: Path) -> tuple[str, dict[str, Any]]:
    """An entry of reports.json as sitrepgen 0.1 wrote it, for the seed's exact bytes, whose
    cached model has a paragraph no YAML holds (and whose figure record names /dev/zero)."""
    path = project / REPORT
    loaded = load_project(project)
    _, report = load_report(path, loaded)
    assert report is not None
    model = json.loads(report.model_dump_json())
    model["regions"][0]["paragraphs"][0] = FORGED
    key = hashlib.sha256(path.read_bytes() + loaded.fingerprint().encode("utf-8")).hexdigest()
    return path.as_posix(), {"key": key, "figures": {"/dev/zero": "0" * 64}, "model": json.dumps(model), "diagnostics": []}


def test_forged_report_entry_publishes_nothing(built: Path) -> None:
    """The report is read from its YAML on every build: a cached model can no longer stand in
    for it, and a figure record of /dev/zero is never read."""
    name, entry = forged_entry(built)
    (built / CACHE_DIR / "reports.json").write_text(json.dumps({name: entry}), encoding="utf-8")
    touch(built)
    result = run(built, "build")
    assert result.exit_code == 0, result.output
    assert notes(result) == ["note: .sitrepgen-cache/reports.json is not a record of this version of sitrepgen (discarded)"]
    assert not [name for name, data in site_bytes(built).items() if FORGED.encode() in data]
    assert "warning[number-format]" in result.stdout  # checked again, not taken from the entry


@pytest.mark.parametrize(
    ("diagnostic", "why"),
    [
        ([89, 64, "warning", "not-a-code", "x"], "that fails a check"),
        ([89, 64, "warning", "number-format", "\x1b[31mred"], "that fails a check"),
        ([9999, 1, "warning", "number-format", "x"], "that fails a check"),
        ([89, 64, "fatal", "number-format", "x"], "that fails a check"),
        ("not a list", "invalid diagnostic"),
    ],
)
def test_cached_diagnostic_that_fails_a_check_is_discarded(built: Path, diagnostic: Any, why: str) -> None:
    path = built / CACHE_DIR / "reports.json"
    edit_json(path, lambda data: data["reports"][REPORT]["diagnostics"].append(diagnostic))
    touch(built)
    result = run(built, "build")
    assert result.exit_code == 0, result.output
    kind = "an invalid diagnostic" if why == "invalid diagnostic" else f"a diagnostic for '{REPORT}' {why}"
    expected = f"note: .sitrepgen-cache/reports.json has {kind}" + (f" for '{REPORT}'" if why == "invalid diagnostic" else "")
    assert notes(result) == [f"{expected} (discarded)"]
    assert "\x1b" not in result.output and "not-a-code" not in result.output
    assert result.stdout.count("warning[number-format]") == 1


def test_validate_stands_the_recorded_values_in_for_parsing(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build records each report's plain values; validate takes them for a report whose bytes
    are unchanged (no file is parsed at all) and says exactly what it says without a cache."""
    import shutil

    import sitrepgen.fastload

    calls: list[str] = []
    load = sitrepgen.fastload.load
    config = (built / "sitrepgen.yaml").read_text(encoding="utf-8")  # (read each run, as it must be)
    monkeypatch.setattr(sitrepgen.fastload, "load", lambda text, **kw: (text == config or calls.append(text), load(text, **kw))[1])
    warm = run(built, "validate")
    assert calls == []
    entry = json.loads((built / CACHE_DIR / "reports.json").read_text(encoding="utf-8"))["reports"][REPORT]
    assert entry["values"]["published"] == "\x00date:2016-12-08" and isinstance(entry["values"]["regions"], list)
    shutil.rmtree(built / CACHE_DIR)
    cold = run(built, "validate")
    assert len(calls) == 1
    assert (warm.exit_code, warm.stdout, warm.stderr) == (cold.exit_code, cold.stdout, cold.stderr)
    assert "warning[number-format]" in warm.stdout


def test_forged_values_never_reach_a_build(built: Path) -> None:
    """The values are for validate alone: a build reads every report from its YAML, so values
    a writer of the cache changed publish nothing."""
    edit_json(built / CACHE_DIR / "reports.json", lambda data: data["reports"][REPORT]["values"]["regions"][0]["paragraphs"].__setitem__(0, FORGED))
    touch(built)
    result = run(built, "build")
    assert result.exit_code == 0, result.output
    assert not [name for name, data in site_bytes(built).items() if FORGED.encode() in data]
    assert FORGED.encode() not in (built / CACHE_DIR / "reports.json").read_bytes()  # recorded afresh from the YAML


@pytest.mark.parametrize(
    ("change", "note"),
    [
        (lambda values: values.__setitem__("published", "\x00date:next week"), "has invalid values for 'sitreps/2016-12-08.yaml' (ignored)"),
        (lambda values: values.__setitem__("title", "bell \x07"), None),  # not what the loader gives: parsed instead
        (lambda values: values.__setitem__("published", 10**400), None),
        (lambda values: values.__setitem__("regions", [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]), None),
    ],
)
def test_recorded_values_that_fail_a_check_are_not_used(built: Path, monkeypatch: pytest.MonkeyPatch, change: Any, note: str | None) -> None:
    """Values of a kind or size the fast loader never gives, or a malformed date, are not used:
    the file is parsed as without a cache, and validate says the same."""
    import sitrepgen.fastload

    plain = run(built, "validate")
    edit_json(built / CACHE_DIR / "reports.json", lambda data: change(data["reports"][REPORT]["values"]))
    calls: list[str] = []
    load, config = sitrepgen.fastload.load, (built / "sitrepgen.yaml").read_text(encoding="utf-8")
    monkeypatch.setattr(sitrepgen.fastload, "load", lambda text, **kw: (text == config or calls.append(text), load(text, **kw))[1])
    result = run(built, "validate")
    assert (result.exit_code, result.stdout) == (plain.exit_code, plain.stdout)
    assert notes(result) == ([f"note: .sitrepgen-cache/reports.json {note}"] if note else [])
    assert len(calls) == 1


# --------------------------------------------------------------------------- pdf/


def pdf_entry(project: Path) -> Path:
    (pdf,) = (project / CACHE_DIR / "pdf").glob("*.pdf")
    return pdf


def test_cached_pdf_that_is_a_link_out_of_the_project_is_not_read(built: Path, tmp_path: Path) -> None:
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"%PDF-1.7 a file outside the project\n")
    pdf = pdf_entry(built)
    pdf.unlink()
    pdf.symlink_to(fake)
    pdf.with_suffix(".sha256").write_text(hashlib.sha256(fake.read_bytes()).hexdigest(), encoding="ascii")
    touch(built)
    result = run(built, "build")
    assert (built / "site" / "reports" / "2016-12-08.pdf").read_bytes() != fake.read_bytes()
    assert result.exit_code == 0, result.output
    assert notes(result) == [
        f"note: .sitrepgen-cache/pdf/{pdf.name} cannot be opened (Too many levels of symbolic links; a symbolic link is never followed) (discarded)"
    ]
    assert result.stdout.splitlines()[-1] == BUILT.format(1)
    assert fake.exists()  # the link was removed, not what it pointed at


@pytest.mark.parametrize("link", [f"{CACHE_DIR}/pdf", CACHE_DIR])
def test_cache_folder_that_is_a_link_is_never_written_through(built: Path, tmp_path: Path, link: str) -> None:
    """prune() deletes the PDFs a build did not use: through a link, that would be another
    folder's files. The link is replaced by a folder of the cache's own."""
    other = tmp_path / "other"
    other.mkdir()
    kept = {"keep.txt": b"someone's file\n", f"{'a' * 64}.pdf": b"%PDF not the cache's\n", "pdf": None}
    for name, data in kept.items():
        if data is None:
            (other / name).mkdir()
        else:
            (other / name).write_bytes(data)
    target = built / link
    os.rename(target, tmp_path / "moved-aside")
    target.symlink_to(other)
    touch(built)
    result = run(built, "build")
    assert sorted(os.listdir(other)) == sorted(kept)
    assert result.exit_code == 0, result.output
    assert notes(result) == [f"note: {link} is not a folder (a symbolic link or a file); it was discarded"]
    assert (other / f"{'a' * 64}.pdf").read_bytes() == b"%PDF not the cache's\n"
    assert target.is_dir() and not target.is_symlink()


# --------------------------------------------------------------------------- the fast loader


def same(a: Any, b: Any) -> bool:
    """Equal values of equal types, all the way down (True is not 1, 1.0 is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def agrees(text: str) -> bool:
    """Where the fast loader gives values, the round-trip loader gives the same ones without a
    single diagnostic. Returns whether the fast loader answered."""
    from unittest import mock

    from sitrepgen import fastload, load

    fast = fastload.load(text, max_int=load.MAX_INT, max_depth=load.MAX_DEPTH, max_nodes=load.MAX_NODES, unpublishable=load._UNPUBLISHABLE_RE)
    if fast is None:
        return False
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        with mock.patch.object(fastload, "load", return_value=None):
            slow = load.read_document(path)
    assert slow.diagnostics == [], (text, slow.diagnostics)
    assert same(slow.data, fast), (text, slow.data, fast)
    return True


@settings(PROPERTY, max_examples=400)
@given(text=st.lists(YAML_FRAGMENTS, max_size=40).map("".join))
def test_fast_loader_agrees_on_fragments(text: str) -> None:
    agrees(text)


@settings(PROPERTY, max_examples=300)
@given(value=documents, flow=st.booleans())
def test_fast_loader_agrees_on_random_documents(value: Any, flow: bool) -> None:
    agrees(dump(value, flow))


@settings(PROPERTY, max_examples=300)
@given(text=mutated_seed())
def test_fast_loader_agrees_on_mutations_of_the_seed(text: str) -> None:
    agrees(text)


def test_fast_loader_answers_for_the_bundled_reports() -> None:
    """It is used for real reports (else every build would pay the round-trip parse)."""
    for path in sorted((REPO / "sitreps").glob("*.yaml")):
        assert agrees(path.read_text(encoding="utf-8")), path


# --------------------------------------------------------------------------- what is left, and what CI does about it


def test_substituted_pdf_is_what_force_is_for(built: Path) -> None:
    """docs/security.md: a writer of the cache can substitute a cached PDF (a regular file under
    its key, with a matching hash). --force reads nothing from the cache, so the PDF published
    is the one rendered from the project's files, and the cache is written afresh."""
    forged = b"%PDF-1.7 substituted by a writer of the cache\n"
    pdf = pdf_entry(built)
    pdf.write_bytes(forged)
    pdf.with_suffix(".sha256").write_text(hashlib.sha256(forged).hexdigest(), encoding="ascii")
    touch(built)
    assert run(built, "build").exit_code == 0
    assert (built / "site" / "reports" / "2016-12-08.pdf").read_bytes() == forged  # the known limit
    forced = run(built, "build", "--force")
    assert forced.exit_code == 0, forced.output
    assert forced.stdout.splitlines()[-1] == BUILT.format(1)
    assert (built / "site" / "reports" / "2016-12-08.pdf").read_bytes().startswith(b"%PDF-1.7\n")
    assert pdf_entry(built).read_bytes() != forged  # the fresh cache holds the rendered PDF


def test_publishing_workflow_keeps_caches_per_branch_and_forces_the_published_build() -> None:
    from ruamel.yaml import YAML

    workflow = YAML(typ="safe", pure=True).load((REPO / "docs" / "examples" / "publish.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["build"]["steps"]
    (cache,) = [step["with"] for step in steps if step.get("uses", "").startswith("actions/cache@")]
    assert cache["key"] == "sitrepgen-${{ runner.os }}-${{ github.ref }}-${{ github.sha }}"
    assert cache["restore-keys"] == "sitrepgen-${{ runner.os }}-${{ github.ref }}-"  # never another branch's
    (build,) = [step["run"] for step in steps if step.get("run", "").startswith("sitrepgen build")]
    assert "github.ref == 'refs/heads/main' && github.event_name == 'push'" in build and "'--force'" in build


def test_validate_reads_the_cache_and_never_writes_it(built: Path) -> None:
    """validate takes the build's lint diagnostics where they are checked to fit (the output is
    the same), and a record that fails a check is ignored, not removed (validate never writes)."""
    plain = run(built, "validate")
    path = built / CACHE_DIR / "reports.json"
    edit_json(path, lambda data: data["reports"][REPORT]["diagnostics"].append([1, 1, "warning", "placeholder", "\x1b[2J"]))
    damaged = path.read_bytes()
    result = run(built, "validate")
    assert (result.exit_code, result.stdout) == (plain.exit_code, plain.stdout)
    assert notes(result) == [f"note: .sitrepgen-cache/reports.json has a diagnostic for '{REPORT}' that fails a check (ignored)"]
    assert path.read_bytes() == damaged
