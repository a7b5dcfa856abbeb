"""Desks in separate files: a section's ``include:`` puts a file of the report's desk folder in place.

tests/data/projects/desks is the bundled report split into one file per region. The split form
must read, check and build exactly as the same report written in one file, with every
diagnostic at the line of the file it is in.
"""

from __future__ import annotations

import re

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from sitrepgen import audience
from sitrepgen.cli import cli
from sitrepgen.config import load_project
from sitrepgen.reports import load_report
from tests.helpers import REPO, position_of

DESKS = REPO / "tests" / "data" / "projects" / "desks"
REPORT = "sitreps/2016-12-08.yaml"
FOLDER = "sitreps/2016-12-08"
PARTS = ["aleppo.yaml", "rural-damascus.yaml", "idleb.yaml", "homs.yaml"]
NUMBER_WARNING = "warning[number-format]: '3.000' groups digits with '.' where the report writes ',' (as in '90,000'); if it means 3000, write 3,000"


@pytest.fixture
def desks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "desks"
    shutil.copytree(DESKS, root)
    monkeypatch.chdir(root)
    return root


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def part_text(root: Path, name: str) -> str:
    return (root / FOLDER / name).read_text(encoding="utf-8")


def write_part(root: Path, name: str, text: str) -> None:
    (root / FOLDER / name).write_text(text, encoding="utf-8")


def unsplit(root: Path, target: Path) -> None:
    """The same report in one file, put together independently of sitrepgen (plain YAML
    values merged in Python and written out afresh)."""
    yaml = YAML(typ="safe", pure=True)
    data = yaml.load((root / REPORT).read_text(encoding="utf-8"))
    for region in data["regions"]:
        region.update(yaml.load((root / FOLDER / region.pop("include")).read_text(encoding="utf-8")))
    shutil.copytree(root / "sitreps" / "figures", target / "sitreps" / "figures")
    shutil.copy(root / "sitrepgen.yaml", target / "sitrepgen.yaml")
    with (target / REPORT).open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)


def test_validate_reports_a_warning_at_its_line_in_the_part(desks: Path) -> None:
    where = position_of(part_text(desks, "rural-damascus.yaml"), "3.000")
    assert run("validate") == (0, f"{FOLDER}/rural-damascus.yaml:{where}: {NUMBER_WARNING}\n1 file(s) checked: 0 error(s), 1 warning(s)\n")


def test_errors_in_parts_and_in_the_report_each_at_their_own_file_and_line(desks: Path) -> None:
    idleb = part_text(desks, "idleb.yaml").replace("paragraphs:", "paragrafs:", 1)
    write_part(desks, "idleb.yaml", idleb)
    report = (desks / REPORT).read_text(encoding="utf-8") + "colour: blue\n"  # after the includes: its line is kept
    (desks / REPORT).write_text(report, encoding="utf-8")
    code, output = run("validate")
    assert code == 1
    assert output.splitlines() == [
        f"{REPORT}:{position_of(report, 'colour')}: error[unknown-key]: unknown key 'colour'; allowed keys: title, series, number, period, published, organisation, prepared_by, language, translation_of, excerpt, summary, key_figures, blocks, sections, regions, conclusions",
        f"{FOLDER}/idleb.yaml:{position_of(idleb, 'paragrafs')}: error[unknown-key]: unknown key 'paragrafs'; did you mean 'paragraphs'?",
        # the text rules still run on what parsed (issue 14), each finding in its own file
        f"{FOLDER}/rural-damascus.yaml:7:60: warning[number-format]: '3.000' groups digits with '.' where the report writes ',' (as in '90,000'); if it means 3000, write 3,000",
        "Error: 1 file(s) checked: 2 error(s), 1 warning(s)",
    ]


def test_a_figure_check_in_a_part_is_at_its_line(desks: Path) -> None:
    homs = part_text(desks, "homs.yaml") + "figures:\n  - {id: x, image: figures/nowhere.svg, caption: A map., alt: A map}\n"
    write_part(desks, "homs.yaml", homs)
    code, output = run("validate")
    assert code == 1
    assert output.splitlines() == [
        f"{FOLDER}/homs.yaml:{position_of(homs, 'x, image')}: warning[unreferenced-figure]: no text refers to figure 'x'; cite it with {{fig:x}} where it belongs (it is placed at the end of its region), or move the region to sections and list the figure where it goes",
        f"{FOLDER}/homs.yaml:{position_of(homs, 'figures/nowhere.svg')}: error[figure-missing]: figure file 'figures/nowhere.svg' not found (looked for sitreps/figures/nowhere.svg)",
        f"{FOLDER}/rural-damascus.yaml:{position_of(part_text(desks, 'rural-damascus.yaml'), '3.000')}: {NUMBER_WARNING}",
        "Error: 1 file(s) checked: 1 error(s), 2 warning(s)",
    ]


def test_a_key_twice_across_the_report_and_a_part(desks: Path) -> None:
    homs = part_text(desks, "homs.yaml") + "name: Hims\n"
    write_part(desks, "homs.yaml", homs)
    report = (desks / REPORT).read_text(encoding="utf-8")
    code, output = run("validate")
    assert (code, output.splitlines()) == (1, [
        f"{FOLDER}/homs.yaml:{position_of(homs, 'name: Hims')}: error[duplicate-key]: duplicate key 'name' (first defined on line {report[: report.index('name: Homs')].count(chr(10)) + 1} of {REPORT}); each key may appear once",
        "Error: 1 file(s) checked: 1 error(s), 0 warning(s)",
    ])


def test_a_syntax_error_in_a_part_is_at_its_line(desks: Path) -> None:
    homs = part_text(desks, "homs.yaml").replace("paragraphs:\n", "paragraphs:\n  - Note: the front moved: again\n", 1)
    write_part(desks, "homs.yaml", homs)
    assert run("validate") == (1, (
        f"{FOLDER}/homs.yaml:{position_of(homs, ': again')}: error[yaml-syntax]: the value holds ': ', which YAML reads as another key; put the value in quotes, or write it as a block that starts with `>-`\n"
        "Error: 1 file(s) checked: 1 error(s), 0 warning(s)\n"
    ))


def test_the_build_is_the_same_text_as_the_unsplit_report(desks: Path, tmp_path: Path) -> None:
    whole = tmp_path / "whole"
    unsplit(desks, whole)
    assert run("build", "-j", "1")[0] == 0
    os.chdir(whole)
    code, output = run("build", "-j", "1")
    assert code == 0, output
    for name in ("reports/2016-12-08.md", "reports/2016-12-08.html", "index.html", "feed.xml"):
        assert (desks / "site" / name).read_text(encoding="utf-8") == (whole / "site" / name).read_text(encoding="utf-8"), name
    # The source embedded in the PDF is the merged report, written out afresh: the same YAML.
    split_doc, split_report = load_report(desks / REPORT, load_project(desks))
    whole_doc, whole_report = load_report(whole / REPORT, load_project(whole))
    assert split_report is not None and whole_report is not None
    assert audience.source_yaml(split_report) == audience.source_yaml(whole_report)
    assert [p.name for p in split_doc.parts] == PARTS and whole_doc.parts == []


def test_editing_a_part_rebuilds_and_is_seen_by_validate(desks: Path) -> None:
    assert run("build", "-j", "1")[0] == 0
    code, output = run("build", "-j", "1")
    assert code == 0 and output.endswith("site/ is up to date: nothing changed since the last build\n")
    homs = part_text(desks, "homs.yaml").replace("In eastern Homs", "In eastern Halab", 1)
    write_part(desks, "homs.yaml", homs)
    code, output = run("build", "-j", "1")
    assert code == 0 and re.search(r"\(\d+ files, 1 PDF\(s\) rendered\)\n$", output), output  # the edited report's PDF alone
    warning = f"{FOLDER}/homs.yaml:{position_of(homs, 'Halab')}: warning[place-name]: 'Halab' is spelled 'Aleppo' in this series (gazetteer); write 'Aleppo'"
    assert warning in output.splitlines()
    assert "Halab" in (desks / "site" / "reports" / "2016-12-08.md").read_text(encoding="utf-8")
    code, output = run("validate")  # validate reads the build's record: the part's new text is checked
    assert code == 0 and warning in output.splitlines()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("../2016-12-08.yaml", "'include' names a file in 2016-12-08/ (the folder beside the report), by a plain name of lower-case letters, digits, '-', '_' and '.', ending in .yaml, not '../2016-12-08.yaml'"),
        ("/etc/passwd.yaml", "'include' names a file in 2016-12-08/ (the folder beside the report), by a plain name of lower-case letters, digits, '-', '_' and '.', ending in .yaml, not '/etc/passwd.yaml'"),
        ("figures/x.yaml", "'include' names a file in 2016-12-08/ (the folder beside the report), by a plain name of lower-case letters, digits, '-', '_' and '.', ending in .yaml, not 'figures/x.yaml'"),
        ("missing.yaml", "there is no file 2016-12-08/missing.yaml beside the report"),
        ("outside.yaml", "2016-12-08/outside.yaml leads outside 2016-12-08/ (a symbolic link); a part must be a file in the report's own folder"),
        ("aleppo.yaml", "2016-12-08/aleppo.yaml is already included above; each part is included once"),
        ("empty.yaml", "2016-12-08/empty.yaml is empty; it holds the section's keys, e.g. 'blocks:'"),
    ],
)
def test_an_include_that_may_not_be_read_is_an_error_at_its_value(desks: Path, value: str, message: str) -> None:
    outside = desks.parent / "outside.yaml"
    outside.write_text("paragraphs:\n  - Secret text from outside the report.\n", encoding="utf-8")
    (desks / FOLDER / "outside.yaml").symlink_to(outside)
    (desks / FOLDER / "empty.yaml").write_text("# nothing yet\n", encoding="utf-8")
    report = (desks / REPORT).read_text(encoding="utf-8").replace("include: homs.yaml", f"include: {value}")
    (desks / REPORT).write_text(report, encoding="utf-8")
    code, output = run("validate", REPORT)
    assert code == 1
    assert output.splitlines() == [
        f"{REPORT}:{report[: report.index('name: Homs')].count(chr(10)) + 2}:{len('    include: ') + 1}: error[include]: {message}",
        "Error: 1 file(s) checked: 1 error(s), 0 warning(s)",
    ]
    assert "Secret" not in output


def test_an_include_on_the_items_first_line_and_one_inside_a_part(desks: Path) -> None:
    report = (desks / REPORT).read_text(encoding="utf-8").replace("  - name: Homs\n    include: homs.yaml", "  - include: homs.yaml\n    name: Homs")
    (desks / REPORT).write_text(report, encoding="utf-8")
    idleb = part_text(desks, "idleb.yaml") + "include: homs.yaml\n"
    write_part(desks, "idleb.yaml", idleb)
    code, output = run("validate", REPORT)
    assert code == 1
    assert output.splitlines() == [
        f"{REPORT}:{position_of(report, 'homs.yaml')}: error[include]: write 'include:' on a line of its own, below the section's first key (e.g. under 'region:')",
        "Error: 1 file(s) checked: 1 error(s), 0 warning(s)",
    ]
    report = report.replace("  - include: homs.yaml\n    name: Homs", "  - name: Homs\n    include: homs.yaml")
    (desks / REPORT).write_text(report, encoding="utf-8")
    code, output = run("validate", REPORT)
    assert code == 1
    assert output.splitlines()[0].startswith(f"{FOLDER}/idleb.yaml:{position_of(idleb, 'include: homs.yaml')}: error[unknown-key]: unknown key 'include'")


def test_the_desk_folder_is_not_a_series(desks: Path) -> None:
    paths = load_project(desks).report_paths()
    assert [p.relative_to(desks).as_posix() for p in paths] == [REPORT]


def test_new_copies_the_desks_with_the_next_dates(desks: Path) -> None:
    assert run("new") == (0, "sitreps/2016-12-15.yaml\n")
    new_folder = desks / "sitreps" / "2016-12-15"
    assert sorted(p.name for p in new_folder.iterdir()) == sorted(PARTS)
    new_report = (desks / "sitreps" / "2016-12-15.yaml").read_text(encoding="utf-8")
    assert "  end: 2016-12-15\n" in new_report and "    include: aleppo.yaml\n" in new_report
    aleppo = (new_folder / "aleppo.yaml").read_text(encoding="utf-8")
    assert "    TODO: The battle for Aleppo continued" in aleppo
    assert "  - figure:" not in aleppo or "caption: 'TODO: " in aleppo or "caption: TODO: " in aleppo
    code, output = run("validate", "sitreps/2016-12-15.yaml")
    assert code == 0
    assert f"sitreps/2016-12-15/aleppo.yaml:{position_of(aleppo, 'TODO')}: warning[placeholder]" in output
    # Run again: that week is not written yet, so no week after it; and, forced, nothing is overwritten.
    before = aleppo
    assert run("new", "--end", "2016-12-15") == (
        1,
        "Error: sitreps/2016-12-15.yaml still holds the TODO markers 'sitrepgen new' put in: that week is started and not "
        "written yet; write it first, or pass --force to start the week after it anyway\n",
    )
    assert run("new", "--force", "--end", "2016-12-15") == (1, "Error: 2016-12-15.yaml already exists in sitreps/; edit it, or choose another period with --start/--end\n")
    assert (new_folder / "aleppo.yaml").read_text(encoding="utf-8") == before


def test_new_refuses_when_only_the_desk_folder_exists(desks: Path) -> None:
    (desks / "sitreps" / "2016-12-15").mkdir()
    assert run("new") == (1, "Error: 2016-12-15/ already exists in sitreps/; move it away, or choose another period with --start/--end\n")
    assert not (desks / "sitreps" / "2016-12-15.yaml").exists()
