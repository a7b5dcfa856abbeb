"""ReliefWeb's Post API payload (reports/SLUG.reliefweb.json): it passes ReliefWeb's v2 report
schema (tests/data/reliefweb/report.json, checked with check-jsonschema, no network), and its
uuids and the PDF's checksum are what ReliefWeb computes from the URLs and the published bytes."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitrepgen.cli import cli
from sitrepgen.config import load_project
from sitrepgen.outputs.reliefweb import one_line, text_block
from sitrepgen.site import build
from tests.helpers import REPO, copy_project, position_of
from tests.test_pagination import add_config, render_site

SCHEMA = REPO / "tests" / "data" / "reliefweb" / "report.json"
SLUG = "2016-12-08"
BASE = "https://sitreps.example.org/"  # this repository's base_url
SETTINGS = "reliefweb:\n  source: [1503]\n  country: [226, 13]\n  format: [10]\n  theme: [4597]\n  disaster: [50924]\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("reliefweb") / "project")
    add_config(root, SETTINGS)
    build(load_project(root), jobs=1)
    return root / "site"


def payload(site: Path) -> dict[str, object]:
    return json.loads((site / "reports" / f"{SLUG}.reliefweb.json").read_text(encoding="utf-8"))


def check_jsonschema(instance: Path) -> subprocess.CompletedProcess[str]:
    """ReliefWeb's schema, from this repository's copy (the schema is local: nothing is fetched)."""
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(SCHEMA), str(instance)],
        capture_output=True, text=True, timeout=120,
    )


def test_the_payload_passes_reliefwebs_schema(site: Path, tmp_path: Path) -> None:
    checked = check_jsonschema(site / "reports" / f"{SLUG}.reliefweb.json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # The same check refuses what ReliefWeb refuses (so passing it means something).
    broken = {**payload(site), "title": "Too short", "body": "two  spaces inside"}
    (tmp_path / "broken.json").write_text(json.dumps(broken), encoding="utf-8")
    refused = check_jsonschema(tmp_path / "broken.json")
    assert refused.returncode == 1 and "$.title" in refused.stdout and "$.body" in refused.stdout


def test_uuids_and_checksum_are_reliefwebs(site: Path) -> None:
    found = payload(site)
    url = f"{BASE}reports/{SLUG}.html"
    document = uuid.uuid5(uuid.UUID("8e27a998-c362-5d1f-b152-d474e1d36af2"), url)
    assert (found["url"], found["uuid"]) == (url, str(document))
    pdf_url = f"{BASE}reports/{SLUG}.pdf"
    pdf = (site / "reports" / f"{SLUG}.pdf").read_bytes()
    assert found["file"] == [
        {
            "url": pdf_url,
            "uuid": str(uuid.uuid5(document, pdf_url)),
            "filename": f"{SLUG}.pdf",
            "checksum": hashlib.sha256(pdf).hexdigest(),
            "description": "Weekly Conflict Summary \u2013 December 2\u20138, 2016 (PDF)",
            "language": "en",
        }
    ]


def test_the_rest_of_the_payload(site: Path) -> None:
    found = payload(site)
    assert {key: found[key] for key in ("title", "source", "country", "format", "theme", "disaster", "language", "published", "origin")} == {
        "title": "Weekly Conflict Summary \u2013 December 2\u20138, 2016",
        "source": [1503],
        "country": [226, 13],
        "format": [10],
        "theme": [4597],
        "disaster": [50924],
        "language": [267],
        "published": "2016-12-08T00:00:00+00:00",
        "origin": f"{BASE}reports/{SLUG}.html",
    }
    # The body is the report's Markdown, its figure by absolute URL.
    body = str(found["body"])
    markdown = (site / "reports" / f"{SLUG}.md").read_text(encoding="utf-8")
    assert body.startswith("# Weekly Conflict Summary\n\n**December 2\u20138, 2016**\n") and body == body.strip()
    assert f"]({BASE}reports/{SLUG}/aleppo-control.svg)" in body and f"]({SLUG}/aleppo-control.svg)" in markdown
    assert body.replace(f"{BASE}reports/", "") == markdown.strip()  # otherwise the same text


def test_no_payload_unless_the_config_asks(tmp_path: Path) -> None:
    assert not [name for name in render_site(copy_project(tmp_path / "project")) if "reliefweb" in name]


def value_position(text: str, line: str) -> str:
    """'LINE:COL' of the value on a 'key: value' line."""
    row, col = position_of(text, line).split(":")
    return f"{row}:{int(col) + line.index(': ') + 2}"


def test_what_reliefweb_refuses_is_an_error_at_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(tmp_path / "project")
    add_config(root, SETTINGS)
    report = root / "sitreps" / f"{SLUG}.yaml"
    title = "Weekly Conflict Summary " * 10
    text = report.read_text(encoding="utf-8").replace("title: Weekly Conflict Summary\n", f"title: {title.strip()}\n")
    text = text.replace("language: en\n", "language: de\n")
    long_paragraph = " ".join(["Aleppo"] * 15_000)
    text = text.replace("conclusions:\n", f"conclusions:\n  - {long_paragraph}\n", 1)
    report.write_text(text, encoding="utf-8")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["build", "--jobs", "1"], catch_exceptions=False)
    warning = next(line for line in result.output.splitlines() if "warning[number-format]" in line)  # the seed's own
    name = f"sitreps/{SLUG}.yaml"
    heading = f"{title.strip()} \u2013 December 2\u20138, 2016"
    assert result.exit_code == 1
    assert result.output == (
        f"{name}:1:1: error[reliefweb]: the report as Markdown has 110,892 characters; ReliefWeb takes at most 100,000 in a report's body\n"
        f"{name}:{value_position(text, 'title: Weekly')}: error[reliefweb]: ReliefWeb takes titles of 10 to 255 characters; this report's, "
        f"with its period ('{heading[:60]}...'), has {len(heading)}\n"
        f"{name}:{value_position(text, 'language: de')}: error[reliefweb]: ReliefWeb takes reports in en, fr, ar, ru; this report is in 'de' "
        "(remove reliefweb: from sitrepgen.yaml to build without the ReliefWeb payload)\n"
        f"{name}:{value_position(text, 'language: de')}: warning[unsupported-language]: sitrepgen has no labels in 'de' (it has ar, en, fr): "
        "its labels are printed in English unless sitrepgen.yaml gives them (languages: {de: {labels: ...}})\n"
        f"{warning}\n"
        "Error: 3 error(s); nothing was written\n"
    )
    assert not (root / "site").exists()


def test_text_is_written_as_reliefweb_takes_it() -> None:
    assert one_line(" Weekly\u00a0Summary \u200b\u2013  week\n2 ") == "Weekly Summary \u2013 week 2"
    assert text_block("\n# Title\n\nA\u202fB  C\u00ad.  \nnext line\n\n") == "# Title\n\nA B C.  \nnext line"
