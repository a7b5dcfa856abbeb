"""One schema truth: for every case of this table, `validate` and the shipped JSON Schema
(docs/report.schema.json, checked by check-jsonschema as an editor or CI would) agree: both
accept the file or both reject it.

Decisions the table records: a date may be written quoted ("2016-12-15") as well as unquoted,
since JSON has no dates and the schema cannot tell the two apart; only the exact form
YYYY-MM-DD of a real day. Numbers may not be quoted (the schema can tell). Blank alt text is
refused by both. Rules over several keys that JSON Schema expresses (a section needs a heading
or a region) are in the schema too; the one it cannot express (a period's end before its start:
JSON Schema cannot compare two values), and what depends on sitrepgen.yaml (the audiences a
project declares), are listed apart, in ONLY_VALIDATE.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitrepgen.cli import cli
from tests.helpers import REPO
from tests.test_messages import REPORT

SCHEMA = REPO / "docs" / "report.schema.json"

#: tests/test_messages.py's valid report, with a value for more of the keys the table varies.
BASE = (
    REPORT.replace("title: Weekly Conflict Summary\n", "title: Weekly Conflict Summary\nnumber: 42\n")
    .replace("language: en\n", "language: en\nexcerpt: false\n")
    .replace("    label: people displaced\n", '    hxl: "#affected+idps"\n    label: people displaced\n')
    .replace("    region: Idleb\n", "    audience: public\n")
)

#: name: (text replaced, replacement, accepted by both?)
CASES: dict[str, tuple[str, str, bool]] = {
    "as-written": ("", "", True),
    # dates
    "quoted-date": ("published: 2016-12-08", 'published: "2016-12-08"', True),
    "single-quoted-date": ("  start: 2016-12-02", "  start: '2016-12-02'", True),
    "quoted-date-short-form": ("published: 2016-12-08", 'published: "2016-12-8"', False),
    "quoted-day-that-does-not-exist": ("published: 2016-12-08", 'published: "2016-02-30"', False),
    "date-as-words": ("published: 2016-12-08", "published: December 8", False),
    "date-as-number": ("published: 2016-12-08", "published: 20161208", False),
    "date-and-time": ("published: 2016-12-08", "published: 2016-12-08T10:00:00", False),
    "date-in-a-list": ("published: 2016-12-08", "published: [2016-12-08]", False),
    # numbers
    "quoted-number": ("    value: 90000", '    value: "90000"', False),
    "number-with-separator": ("    value: 90000", '    value: "90,000"', False),
    "fraction": ("    value: 90000", "    value: 2.5", True),
    "map-measure-unknown": ("    value: 90000", "    value: {map: front, measure: sideways}", False),
    "map-measure-without-map": ("    value: 90000", "    value: {measure: changed_km2}", False),
    "issue-number-zero": ("number: 42", "number: 0", False),
    "quoted-issue-number": ("number: 42", 'number: "42"', False),
    "issue-number-fraction": ("number: 42", "number: 4.5", False),
    # text
    "empty-title": ("title: Weekly Conflict Summary", 'title: ""', False),
    "blank-title": ("title: Weekly Conflict Summary", 'title: " "', True),
    "number-as-title": ("title: Weekly Conflict Summary", "title: 42", False),
    "empty-paragraph": ("      - In Idleb, airstrikes continued.", '      - ""', False),
    "empty-alt": ("alt: Map of Aleppo city.", 'alt: ""', False),
    "blank-alt": ("alt: Map of Aleppo city.", 'alt: "  "', False),
    "empty-image": ("image: figures/2016-12-08-aleppo-control.svg", 'image: ""', False),
    # ids and patterns
    "figure-id-capitals": ("id: aleppo-control", "id: Aleppo-Control", False),
    "figure-id-too-long": ("id: aleppo-control", "id: " + "a" * 65, False),
    "key-figure-id-spaces": ("id: people-displaced", "id: people displaced", False),
    "key-figure-id-double-hyphen": ("id: people-displaced", "id: people--displaced", False),
    "hxl-without-hash": ('hxl: "#affected+idps"', "hxl: affected+idps", False),
    "language-word": ("language: en", "language: English", False),
    "language-with-region": ("language: en", "language: pt-BR", True),
    "audience-capitals": ("audience: public", "audience: Public", False),
    # enums and booleans
    "qualifier-unknown": ("qualifier: at least", "qualifier: roughly", False),
    "qualifier-known": ("qualifier: at least", "qualifier: approximately", True),
    "boolean-as-word": ("excerpt: false", "excerpt: no", False),
    "boolean": ("excerpt: false", "excerpt: true", True),
    # structure
    "unknown-key": ("language: en", "language: en\nsummry: x", False),
    "unknown-key-in-figure": ("          alt: Map", "          capiton: x\n          alt: Map", False),
    "missing-published": ("published: 2016-12-08\n", "", False),
    "missing-caption": ("          caption: Areas of control.\n", "", False),
    "paragraph-as-mapping": ("      - In Idleb, airstrikes continued.", "      - Note: airstrikes continued.", False),
    "paragraph-with-audience": ("      - In Idleb, airstrikes continued.", "      - {text: In Idleb, audience: internal}", True),
    "section-without-heading-or-region": ("  - heading: Idleb\n    audience: public\n", "  - audience: public\n", False),
    "section-with-region-only": ("  - heading: Idleb\n", "  - region: Idleb\n", True),
    "no-body": (BASE[BASE.index("sections:") :], "", False),
    "empty-sections": (BASE[BASE.index("sections:") :], "sections: []\n", False),
    "only-report-blocks": (BASE[BASE.index("sections:") :], "blocks: [In Idleb, airstrikes continued.]\n", True),
    "sections-and-empty-regions": ("sections:\n", "regions: []\nsections:\n", True),
    "sections-and-regions": ("sections:\n", "regions:\n  - name: Aleppo\n    paragraphs: [x]\nsections:\n", False),
}

#: Rules JSON Schema cannot express: validate alone refuses these (the editor does not).
ONLY_VALIDATE: dict[str, tuple[str, str]] = {
    # JSON Schema cannot compare two values
    "period-ending-before-it-starts": ("  end: 2016-12-08", "  end: 2016-11-08"),
    # the audiences a project declares are in its sitrepgen.yaml, not in the report's schema
    "audience-not-declared": ("audience: public", "audience: partners"),
}


def _write(folder: Path, cases: dict[str, tuple[str, str]]) -> dict[str, Path]:
    paths = {}
    for name, (old, new) in cases.items():
        assert old in BASE, name
        path = folder / f"{name}.yaml"
        path.write_text(BASE.replace(old, new, 1), encoding="utf-8")
        paths[name] = path
    return paths


def _schema_rejects(paths: dict[str, Path]) -> set[str]:
    exe = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.fail("check-jsonschema not found: pip install -e '.[test]'")
    result = subprocess.run([exe, "--schemafile", str(SCHEMA), *map(str, paths.values())], capture_output=True, text=True)
    failed = {Path(match) for match in re.findall(r"^\s*(.+?\.yaml)::", result.stdout, re.MULTILINE)}
    return {name for name, path in paths.items() if path in failed or str(path) in map(str, failed)}


def _validate_rejects(project: Path, paths: dict[str, Path]) -> set[str]:
    result = CliRunner().invoke(cli, ["-C", str(project), "validate", "--format", "json", *map(str, paths.values())], catch_exceptions=False)
    failed = {Path(d["path"]).name for d in json.loads(result.stdout) if d["severity"] == "error"}
    return {name for name, path in paths.items() if path.name in failed}


@pytest.fixture
def checked(project: Path) -> tuple[set[str], set[str]]:
    """(rejected by validate, rejected by the schema) of every case, in one run of each."""
    folder = project / "sitreps"
    paths = _write(folder, {name: (old, new) for name, (old, new, _) in CASES.items()} | ONLY_VALIDATE)
    return _validate_rejects(project, paths), _schema_rejects(paths)


def test_validate_and_the_schema_agree(checked: tuple[set[str], set[str]]) -> None:
    by_validate, by_schema = checked
    expected = {name for name, (_, _, accepted) in CASES.items() if not accepted}
    assert {name: (name in by_validate, name in by_schema) for name in CASES} == {name: (name in expected,) * 2 for name in CASES}


def test_what_only_validate_can_refuse(checked: tuple[set[str], set[str]]) -> None:
    by_validate, by_schema = checked
    assert set(ONLY_VALIDATE) <= by_validate
    assert not set(ONLY_VALIDATE) & by_schema
