"""The JSON Schema: complete, in sync with the models, and agreeing with `validate` on structure."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitrepgen.cli import cli
from sitrepgen.config import Config
from sitrepgen.model import Report, json_schema
from tests.helpers import REPO, line_of

SCHEMAS = {"report": REPO / "docs" / "report.schema.json", "config": REPO / "docs" / "config.schema.json"}


@pytest.mark.parametrize("kind", ["report", "config"])
def test_committed_schema_is_what_the_command_prints(kind: str, update_golden: bool) -> None:
    printed = CliRunner().invoke(cli, ["schema", "--for", kind], catch_exceptions=False).stdout
    if update_golden:
        SCHEMAS[kind].write_text(printed, encoding="utf-8")
    assert printed == SCHEMAS[kind].read_text(encoding="utf-8"), "run pytest --update-golden"
    assert json.loads(printed)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("model", [Report, Config])
def test_every_field_has_title_description_and_examples(model: type) -> None:
    schema = json_schema(model)
    for name, obj in [("root", schema), *schema.get("$defs", {}).items()]:
        for field, spec in obj.get("properties", {}).items():
            missing = [k for k in ("title", "description", "examples") if k not in spec]
            assert not missing, f"{name}.{field} lacks {missing}"


def test_bundled_files_carry_the_modeline() -> None:
    for path in REPO.glob("sitreps/**/*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        target = first.removeprefix("# yaml-language-server: $schema=")
        assert target != first and (path.parent / target).resolve() == SCHEMAS["report"]


def check_jsonschema(schema: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.fail("check-jsonschema not found: pip install -e '.[test]'")
    return subprocess.run([exe, "--schemafile", str(schema), *map(str, files)], capture_output=True, text=True)


def test_outside_validator_accepts_every_bundled_file() -> None:
    result = check_jsonschema(SCHEMAS["report"], *REPO.glob("sitreps/**/*.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert check_jsonschema(SCHEMAS["config"], REPO / "sitrepgen.yaml").returncode == 0


@pytest.mark.parametrize(
    ("old", "new", "code", "at"),
    [
        # (a mapping with 'text:' is a paragraph with an audience; one without it is a mistake)
        ("      - >-\n        In Binnish,", "      - {note: x}\n      - >-\n        In Binnish,", "wrong-type", "{note: x}"),
        ("title: Weekly Conflict Summary\n", "title: Weekly Conflict Summary\nsummry: x\n", "unknown-key", "summry:"),
        ("    value: 90000\n", '    value: "90000"\n', "wrong-type", '"90000"'),
        ("published: 2016-12-08", "published: [2016-12-08]", "wrong-type", "published:"),
    ],
)
def test_outside_validator_rejects_what_validate_rejects(
    project: Path, seed_yaml: str, old: str, new: str, code: str, at: str
) -> None:
    broken = seed_yaml.replace(old, new, 1)
    assert broken != seed_yaml
    path = project / "sitreps" / "2016-12-08.yaml"
    path.write_text(broken, encoding="utf-8")
    assert check_jsonschema(SCHEMAS["report"], path).returncode == 1
    result = CliRunner().invoke(cli, ["-C", str(project), "validate", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 1
    errors = [d for d in json.loads(result.stdout) if d["severity"] == "error"]
    assert [d["code"] for d in errors] == [code]
    assert errors[0]["line"] == line_of(broken, at)
