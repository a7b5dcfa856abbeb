"""Audiences and editions: nothing of an internal item, and no comment, in any public output.

tests/data/projects/audiences/ plants a marker in every place an internal item can be: a
paragraph, a figure's caption, its alt text and its file, a key figure, a whole section (with
its own region), a summary paragraph, a conclusion, a partners-only paragraph, and a YAML
comment. The leak test reads every byte of each edition's site (tests/leaks.py: raw files, PDF
text, every decompressed PDF stream and string, every PDF attachment, ZIP members), so every
output that writes into the site folder is covered, including outputs added later.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner, Result

from sitrepgen.cli import cli
from tests.helpers import REPO, line_of
from tests.leaks import found

DATA = REPO / "tests" / "data" / "projects" / "audiences"
INTERNAL = ["ZQSUMMARYMARK", "ZQKEYFIGUREMARK", "ZQPARAGRAPHMARK", "ZQCAPTIONMARK", "ZQALTMARK", "ZQFILEMARK", "ZQSECTIONMARK", "ZQSECTIONTEXTMARK", "ZQCONCLUSIONMARK", "Zqregionmark"]
PARTNERS = ["ZQPARTNERSMARK"]
COMMENT = "ZQCOMMENTMARK"


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


def copy(tmp_path: Path) -> Path:
    root = tmp_path / "audiences"
    shutil.copytree(DATA, root, ignore=shutil.ignore_patterns("site*", ".sitrepgen-cache"))
    return root


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project with its three editions built."""
    root = copy(tmp_path_factory.mktemp("editions"))
    with (root / "sitrepgen.yaml").open("a", encoding="utf-8") as config:  # the outputs read outside the site too
        config.write("email: true\ndocx: true\nreliefweb:\n  source: [1503]\n  country: [226]\n  format: [10]\n")
    for edition in ("public", "internal", "partners"):
        result = run(root, "build", "--jobs", "1", "--edition", edition)
        assert result.exit_code == 0, result.output
    return root


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_public_edition_holds_no_byte_of_an_internal_item(editions: Path) -> None:
    made = {p.name for p in (editions / "site" / "reports").iterdir()}
    for suffix in (".email.html", ".email.txt", ".docx", ".reliefweb.json"):  # read by the leak test too
        assert any(name.endswith(suffix) for name in made), suffix
    places = found(editions / "site", [*INTERNAL, *PARTNERS, COMMENT])
    assert {marker: where for marker, where in places.items() if where} == {}


def test_the_internal_edition_holds_all_but_the_comment(editions: Path) -> None:
    places = found(editions / "site-internal", [*INTERNAL, *PARTNERS, COMMENT])
    assert [marker for marker in INTERNAL if not places[marker]] == []
    assert places[COMMENT] == [] and places["ZQPARTNERSMARK"] == []
    # the figure file is published there, the paragraph in the page, the PDF and the Markdown
    assert "reports/2016-12-08/positions.svg" in places["ZQFILEMARK"]
    assert {"reports/2016-12-08.html", "reports/2016-12-08.md", "reports/2016-12-08.pdf (pdftotext)"} <= set(places["ZQPARAGRAPHMARK"])


def test_a_declared_audience_has_its_own_edition(editions: Path) -> None:
    places = found(editions / "site-partners", [*INTERNAL, *PARTNERS, COMMENT])
    assert places["ZQPARTNERSMARK"] and not any(places[marker] for marker in [*INTERNAL, COMMENT])
    assert "Partners only — not for publication" in (editions / "site-partners" / "index.html").read_text(encoding="utf-8")


def test_figure_numbers_are_contiguous_in_each_edition(editions: Path) -> None:
    public = (editions / "site" / "reports" / "2016-12-08.html").read_text(encoding="utf-8")
    internal = (editions / "site-internal" / "reports" / "2016-12-08.html").read_text(encoding="utf-8")
    assert public.count('class="figure-label"') == 1 and '<span class="figure-label">Figure 1</span> Areas of control' in public
    assert '<span class="figure-label">Figure 2</span> ZQCAPTIONMARK' in internal
    assert not (editions / "site" / "reports" / "2016-12-08" / "positions.svg").exists()
    assert not (editions / "site" / "regions" / "zqregionmark.html").exists()


def _attachments(pdf: Path) -> dict[str, bytes]:
    with pikepdf.open(pdf) as document:
        return {name: spec.get_file().read_bytes() for name, spec in document.attachments.items()}


def test_the_embedded_yaml_is_the_editions_report(editions: Path, tmp_path: Path) -> None:
    """It validates as a report file, holds no comment and nothing of the internal items."""
    (name, data), = _attachments(editions / "site" / "reports" / "2016-12-08.pdf").items()
    assert name == "2016-12-08.yaml"
    text = data.decode("utf-8")
    assert "#" not in text  # no comment (and this report's text has no '#' of its own)
    assert all(marker not in text for marker in [*INTERNAL, *PARTNERS])
    check = tmp_path / "check"
    shutil.copytree(DATA / "sitreps" / "figures", check / "sitreps" / "figures")
    (check / "sitreps" / "2016-12-08.yaml").write_bytes(data)
    result = run(check, "validate")
    assert (result.exit_code, result.stdout) == (0, ""), result.output
    internal = _attachments(editions / "site-internal" / "reports" / "2016-12-08.pdf")["2016-12-08.yaml"].decode("utf-8")
    assert "ZQPARAGRAPHMARK" in internal and COMMENT not in internal


def test_the_same_report_gives_the_same_embedded_bytes(editions: Path, tmp_path: Path) -> None:
    again = copy(tmp_path)
    assert run(again, "build", "--jobs", "1", "--force").exit_code == 0
    assert _attachments(again / "site" / "reports" / "2016-12-08.pdf") == _attachments(editions / "site" / "reports" / "2016-12-08.pdf")


def test_embedding_can_be_turned_off(tmp_path: Path) -> None:
    root = copy(tmp_path)
    config = root / "sitrepgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "embed_source: false\n", encoding="utf-8")
    assert run(root, "build", "--jobs", "1").exit_code == 0
    assert _attachments(root / "site" / "reports" / "2016-12-08.pdf") == {}


def test_the_internal_edition_is_marked(editions: Path) -> None:
    site = editions / "site-internal"
    for page in sorted(site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        assert '<meta name="robots" content="noindex, nofollow">' in html, page
        # (the email's paragraph also carries its inlined style)
        assert re.search(r'<p class="edition-banner" role="note"( style="[^"]*")?>Internal — not for publication</p>', html), page
    feed = (site / "feed.xml").read_text(encoding="utf-8")
    assert "<title>Audience test (Internal — not for publication)</title>" in feed
    from tests.leaks import pdftotext

    text = pdftotext((site / "reports" / "2016-12-08.pdf").read_bytes())
    pages = text.split("\f")
    assert all("Internal — not for publication" in page for page in pages if page.strip())
    public = (editions / "site" / "index.html").read_text(encoding="utf-8")
    assert "noindex" not in public and "edition-banner" not in public


def test_the_internal_editions_copies_read_outside_the_site_are_marked_and_never_posted(editions: Path) -> None:
    """The email (HTML and text), the Markdown and the Word document of the internal edition say
    what they are at the top; ReliefWeb publishes to everyone, so only the public edition has a
    payload."""
    import docx

    internal, public = editions / "site-internal" / "reports", editions / "site" / "reports"
    banner = "Internal — not for publication"
    assert (internal / "2016-12-08.md").read_text(encoding="utf-8").startswith(f"**{banner}**\n\n# ")
    assert banner in (internal / "2016-12-08.email.txt").read_text(encoding="utf-8").split("\n\n")[1]
    paragraphs = docx.Document(str(internal / "2016-12-08.docx")).paragraphs
    assert [p.text for p in paragraphs[:2]] == ["Weekly Conflict Summary – December 2–8, 2016", banner]  # its title, then the banner
    assert not (internal / "2016-12-08.reliefweb.json").exists()
    assert (public / "2016-12-08.reliefweb.json").is_file()
    assert banner not in (public / "2016-12-08.md").read_text(encoding="utf-8")


def test_caches_never_cross_editions(tmp_path: Path) -> None:
    """A public build right after an internal one gives the bytes of a clean public build."""
    clean = copy(tmp_path / "clean")
    assert run(clean, "build", "--jobs", "1").exit_code == 0
    mixed = copy(tmp_path / "mixed")
    for edition in ("public", "internal", "public"):
        assert run(mixed, "build", "--jobs", "1", "--edition", edition).exit_code == 0
    assert snapshot(mixed / "site") == snapshot(clean / "site")
    # and the other way round: an internal build after a public one is a clean internal build
    assert run(clean, "build", "--jobs", "1", "--edition", "internal").exit_code == 0
    assert snapshot(clean / "site-internal") == snapshot(mixed / "site-internal")
    # with nothing changed, each edition stops at once from its own record
    again = run(mixed, "build", "--edition", "internal")
    assert again.stdout.endswith("site-internal/ is up to date: nothing changed since the last build\n")


def test_new_keeps_internal_items_internal(tmp_path: Path) -> None:
    root = copy(tmp_path)
    assert run(root, "new").exit_code == 0
    text = (root / "sitreps" / "2016-12-15.yaml").read_text(encoding="utf-8")
    assert text.count("audience: internal") == 6 and text.count("audience: partners") == 1
    assert "  - text: 'TODO: ZQPARAGRAPHMARK" in text or "- text: 'TODO: ZQPARAGRAPHMARK" in text
    assert run(root, "build", "--jobs", "1").exit_code == 0
    assert found(root / "site", ["ZQPARAGRAPHMARK", "ZQSECTIONMARK"]) == {"ZQPARAGRAPHMARK": [], "ZQSECTIONMARK": []}


# --------------------------------------------------------------------------- mistakes

REPORT = (DATA / "sitreps" / "2016-12-08.yaml").read_text(encoding="utf-8")


def errors_for(tmp_path: Path, text: str, config: str | None = None) -> Result:
    root = copy(tmp_path)
    (root / "sitreps" / "2016-12-08.yaml").write_text(text, encoding="utf-8")
    if config is not None:
        (root / "sitrepgen.yaml").write_text(config, encoding="utf-8")
    return run(root, "validate")


def tail(result: Result) -> list[str]:
    return [line.split("/audiences/", 1)[1] for line in result.stdout.splitlines()]


def test_unknown_audience(tmp_path: Path) -> None:
    text = REPORT.replace("field office.\n    audience: internal", "field office.\n    audience: intrenal")
    result = errors_for(tmp_path, text)
    assert result.exit_code == 1
    assert tail(result) == [
        f"sitreps/2016-12-08.yaml:{line_of(text, 'audience: intrenal')}:15: error[unknown-audience]: unknown audience 'intrenal'; did you mean 'internal'? "
        "the audiences are: public, internal, partners (sitrepgen.yaml declares more under 'audiences:')",
    ]


def test_public_text_citing_an_internal_figure(tmp_path: Path) -> None:
    text = REPORT.replace("      - More than 70% of once opposition-held territory has fallen.", "      - More than 70% has fallen ({fig:positions}).")
    result = errors_for(tmp_path, text)
    line = line_of(text, "has fallen ({fig:positions})")
    col = text.splitlines()[line - 1].index("{fig:positions}") + 1
    assert tail(result) == [
        f"sitreps/2016-12-08.yaml:{line}:{col}: error[audience-reference]: {{fig:positions}} is in text that the 'partners', 'public' "
        "editions show, but figure 'positions' is left out of them (audience 'internal'): give this text the figure's "
        "audience, or the figure this text's",
    ]


def test_internal_text_may_cite_a_public_figure(tmp_path: Path) -> None:
    text = REPORT.replace("ZQCONCLUSIONMARK recommend", "ZQCONCLUSIONMARK see {fig:overview}; recommend")
    assert errors_for(tmp_path, text).stdout == ""


def test_edition_with_an_undeclared_audience(tmp_path: Path) -> None:
    config = "title: T\neditions:\n  partners:\n    audiences: [public, partners]\n    output_dir: site-partners\n"
    result = errors_for(tmp_path, REPORT, config)
    assert result.exit_code == 1
    assert tail(result)[0] == (
        "sitrepgen.yaml:3:3: error[invalid-value]: 'editions': edition 'partners' includes the audience 'partners', "
        "which is not declared; the audiences are: public, internal (declare more under 'audiences:')"
    )


def test_two_editions_in_one_folder(tmp_path: Path) -> None:
    config = "title: T\neditions:\n  draft:\n    audiences: [public, internal]\n    output_dir: site-internal\n"
    result = errors_for(tmp_path, REPORT, config)
    assert tail(result)[0] == (
        "sitrepgen.yaml:1:1: error[invalid-value]: the report: editions 'internal' and 'draft' would both be built into "
        "site-internal/; give each its own output_dir"
    )


def test_unknown_edition(tmp_path: Path) -> None:
    root = copy(tmp_path)
    result = run(root, "build", "--edition", "intranet")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: there is no edition 'intranet'; the editions are: public, internal, partners "
        "(declare more in sitrepgen.yaml under 'editions:')\n"
    )
    assert not (root / "site").exists()


def test_the_example_workflow_publishes_only_the_public_edition() -> None:
    from ruamel.yaml import YAML

    text = (REPO / "docs" / "examples" / "publish.yml").read_text(encoding="utf-8")
    steps = YAML(typ="safe", pure=True).load(text)["jobs"]["build"]["steps"]
    builds = [step["run"] for step in steps if "sitrepgen build" in step.get("run", "")]
    assert len(builds) == 1 and builds[0].startswith("sitrepgen build --strict") and "--edition" not in builds[0]  # the public edition
    assert [step["with"]["path"] for step in steps if step.get("uses", "").startswith("actions/upload-pages-artifact")] == ["site"]
    assert "never builds or uploads site-internal/" in text  # and it says so


def test_a_report_with_nothing_public_is_left_out(tmp_path: Path) -> None:
    root = copy(tmp_path)
    only_internal = REPORT.split("blocks:\n  - figure:")[0] + (
        "sections:\n  - region: Aleppo\n    audience: internal\n    blocks:\n      - ZQONLYMARK internal text.\n"
    )
    (root / "sitreps" / "2016-12-01.yaml").write_text(only_internal.replace("2016-12-08", "2016-12-01").replace("2016-12-02", "2016-11-25"), encoding="utf-8")
    assert run(root, "build", "--jobs", "1").exit_code == 0
    assert not (root / "site" / "reports" / "2016-12-01.html").exists()
    assert found(root / "site", ["ZQONLYMARK"]) == {"ZQONLYMARK": []}
    assert run(root, "build", "--jobs", "1", "--edition", "internal").exit_code == 0
    assert (root / "site-internal" / "reports" / "2016-12-01.html").is_file()



def test_serve_previews_the_edition_asked_for(tmp_path: Path) -> None:
    import urllib.request

    from sitrepgen.config import load_project
    from sitrepgen.serve import PreviewServer

    root = copy(tmp_path)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # stay on loopback
    with PreviewServer(load_project(root), port=0, log=lambda line: None, edition="internal") as server:
        with opener.open(server.url + "reports/2016-12-08.html", timeout=30) as response:
            page = response.read().decode("utf-8")
    assert "ZQPARAGRAPHMARK" in page and "Internal — not for publication" in page
    assert (root / "site-internal" / "index.html").is_file() and not (root / "site").exists()


def test_an_editions_folder_is_guarded_like_output_dir(tmp_path: Path) -> None:
    """Each edition's folder is replaced whole by its build: it may not be the reports either."""
    config = "title: T\naudiences: [partners]\neditions:\n  draft:\n    audiences: [public, internal]\n    output_dir: sitreps\n"
    result = errors_for(tmp_path, REPORT, config)
    assert result.exit_code == 1
    assert tail(result) == [
        "sitrepgen.yaml:6:17: error[output-dir]: the draft edition's output_dir 'sitreps' is reports_dir ('sitreps'); "
        "the build replaces its output folder whole; name a folder of its own, such as 'site'",
    ]
