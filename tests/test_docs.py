"""The docs stay true: the field reference matches the models, the examples are valid YAML."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from sitrepgen.cache import CACHE_DIR
from sitrepgen.config import Config
from sitrepgen.model import Report
from sitrepgen.reference import END, START, field_reference, splice
from tests.helpers import REPO

GUIDE = REPO / "docs" / "writers-guide.md"


def test_field_reference_matches_the_models(update_golden: bool) -> None:
    text = GUIDE.read_text(encoding="utf-8")
    expected = splice(text, field_reference(Report, Config))
    if update_golden:
        GUIDE.write_text(expected, encoding="utf-8")
        text = expected
    assert text == expected, "run pytest --update-golden to regenerate the field reference"


def test_every_field_of_every_model_is_in_the_guide() -> None:
    reference = GUIDE.read_text(encoding="utf-8").split(START)[1].split(END)[0]
    for model in (Report, Config):
        schema = model.model_json_schema()
        for obj in [schema, *schema.get("$defs", {}).values()]:
            for key in obj.get("properties", {}):
                assert f"| `{key}` |" in reference, key


def test_integration_files_are_valid_yaml() -> None:
    yaml = YAML(typ="safe", pure=True)
    hooks = yaml.load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {hook["id"] for hook in hooks} == {"sitrepgen-validate", "sitrepgen-validate-strict"}
    assert all(hook["entry"].startswith("sitrepgen validate") for hook in hooks)
    workflow = yaml.load((REPO / "docs" / "examples" / "publish.yml").read_text(encoding="utf-8"))
    steps = [step.get("run", "") for step in workflow["jobs"]["build"]["steps"]]
    assert "sitrepgen validate --format github --strict" in steps
    # CI keeps the build cache, so a push renders only the reports it changed (see
    # test_cache.test_deleted_site_comes_back_from_the_cache: a fresh checkout with the cache)
    cached = [step["with"]["path"] for step in workflow["jobs"]["build"]["steps"] if step.get("uses", "").startswith("actions/cache@")]
    assert cached == [CACHE_DIR]


def test_readme_quick_start_is_exactly_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "pip install . && sitrepgen build\n" in readme
    assert 'pip install -e ".[test]" && pytest\n' in readme


def test_validate_never_imports_weasyprint(tmp_path: Path) -> None:
    """validate, schema and new stay fast (and usable without Pango) by not importing WeasyPrint."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from sitrepgen.cli import cli\n"
        f"for args in (['validate'], ['schema'], ['new', '--end', '2017-01-05']):\n"
        f"    r = CliRunner().invoke(cli, ['-C', {str(tmp_path)!r}, *args])\n"
        "    assert r.exit_code == 0, r.output\n"
        "print('weasyprint' in sys.modules)\n"
    )
    import shutil

    shutil.copytree(REPO / "sitreps", tmp_path / "sitreps")
    shutil.copy(REPO / "sitrepgen.yaml", tmp_path / "sitrepgen.yaml")  # the map's actors: validate reads the GeoJSON too
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
