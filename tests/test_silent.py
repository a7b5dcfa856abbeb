"""Silent mistakes become warnings: a value YAML reads as a decimal, a line Markdown makes a list
or a heading, HTML printed as written; and footnotes, which are supported in every output."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sitrepgen.cli import cli
from tests.helpers import need_tool, position_of, shifted

REPORT = "sitreps/2016-12-08.yaml"
#: The seed's kept quirk, and the warning it gets (the seed text is not changed).
SEED_QUIRK = "around 3.000."
HOMS = """      - >-
        In eastern Homs, ISIS forces advanced against government forces around Tadmor (Palmyra),
"""


@pytest.fixture(autouse=True)
def in_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in the project, so that paths print as a writer sees them ('sitreps/...')."""
    monkeypatch.chdir(project)


def run(project: Path, *args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


_IGNORE_RE = re.compile(r"^[ \t]*# sitrepgen: ignore\[.*\n", re.MULTILINE)


def unsuppressed(seed: str) -> str:
    """The seed without any '# sitrepgen: ignore[...]' comment (the bundled report may accept its
    '3.000' that way), so that these tests see every warning the rules give."""
    return _IGNORE_RE.sub("", seed)


def clean(seed: str) -> str:
    """The seed without its one warning, so that each test sees only what it adds."""
    return unsuppressed(seed).replace(SEED_QUIRK, "around 3,000.")


def write(project: Path, text: str, name: str = "2016-12-08.yaml") -> str:
    (project / "sitreps" / name).write_text(text, encoding="utf-8")
    return text


def validate(project: Path, *args: str) -> click.testing.Result:
    return run(project, "validate", *args)


def with_homs_paragraph(seed: str, paragraph: str) -> str:
    """The seed with ``paragraph`` (YAML lines, indented as an item of a paragraphs list) before
    the Homs paragraph."""
    assert HOMS in seed
    return seed.replace(HOMS, paragraph + HOMS)


# --------------------------------------------------------------------------- 1. numbers


def test_a_key_figure_value_typed_with_a_thousands_point(project: Path, seed_yaml: str) -> None:
    """'value: 3.000' is 3 to YAML and prints "approximately 3": warned at the value, whatever
    the text writes, with both readings."""
    text = write(project, clean(seed_yaml).replace("value: 8000", "value: 8.000"))
    result = validate(project)
    assert result.exit_code == 0
    assert result.stdout == (
        f"{REPORT}:{position_of(text, '8.000')}: warning[number-format]: value 8.000 is the number 8 to YAML "
        "(printed '8'); YAML numbers have no thousands separator: if it means 8,000, write 8000; if it means 8, write 8\n"
    )
    assert result.stderr == "1 file(s) checked: 0 error(s), 1 warning(s)\n"


def test_key_figure_values_that_are_not_grouped_are_quiet(project: Path, seed_yaml: str) -> None:
    """A real decimal ('8.5', '1.25', '12.0000') and an integer are what they look like."""
    for value in ("8.5", "1.25", "12.0000", "1000.000", "8000"):
        write(project, clean(seed_yaml).replace("value: 8000", f"value: {value}"))
        result = validate(project)
        assert (result.exit_code, result.stdout) == (0, ""), value


def test_a_decimal_value_with_a_unit(project: Path, seed_yaml: str) -> None:
    """'1.500' with a unit: the message shows what the strip prints."""
    text = write(project, clean(seed_yaml).replace("value: 8000", 'value: 1.500\n    unit: "million"'))
    result = validate(project)
    assert result.stdout == (
        f"{REPORT}:{position_of(text, '1.500')}: warning[number-format]: value 1.500 is the number 1.5 to YAML "
        "(printed '1.5 million'); YAML numbers have no thousands separator: if it means 1,500, write 1500; "
        "if it means 1.5, write 1.5\n"
    )


def only_dots(seed: str) -> str:
    """The seed grouping every number with '.' (one convention, nothing to compare with)."""
    return unsuppressed(seed).replace("90,000", "90.000").replace("150,000", "150.000").replace("8,000", "8.000")


def last_week(text: str) -> str:
    """The report as the week before (dates a week earlier, the same figure file)."""
    figure = "figures/2016-12-08-aleppo-control.svg"
    return shifted(text.replace(figure, "@FIGURE@"), -1).replace("@FIGURE@", figure)


def test_number_format_decided_by_the_previous_report(project: Path, seed_yaml: str) -> None:
    """A week that writes '3.000' and nothing else grouped, after a week that writes '90,000':
    the series decides, and the message names last week's example and file."""
    write(project, last_week(clean(seed_yaml)), "2016-12-01.yaml")
    text = write(project, only_dots(seed_yaml))
    result = validate(project)
    assert result.exit_code == 0
    expected = []
    for number in ("90.000", "150.000", "8.000", "3.000"):
        index = text.index(number, text.index("regions:"))
        while text[text.rfind("\n", 0, index) + 1 : index].lstrip().startswith("#"):  # in a comment: not text
            index = text.index(number, index + 1)
        line = text.count("\n", 0, index) + 1
        col = index - text.rfind("\n", 0, index)
        digits = number.replace(".", "")
        expected.append(
            f"{REPORT}:{line}:{col}: warning[number-format]: '{number}' groups digits with '.' where this series "
            f"writes ',' (as in '90,000' in sitreps/2016-12-01.yaml); if it means {digits}, write {number.replace('.', ',')}"
        )
    # (the week before is a copy: the last-week checks, tests/test_last_week.py, warn about that too)
    assert [line for line in result.stdout.splitlines() if "[number-format]" in line] == expected
    assert result.stderr.startswith("2 file(s) checked: 0 error(s), ")


def test_number_format_alone_in_its_series_stays_quiet(project: Path, seed_yaml: str) -> None:
    """With no previous report (or one that groups digits the same way) nothing is flagged."""
    write(project, only_dots(seed_yaml))
    assert (validate(project).stdout, validate(project).exit_code) == ("", 0)
    write(project, last_week(only_dots(seed_yaml)), "2016-12-01.yaml")
    result = validate(project)  # (a copy of last week: the last-week checks warn about that, not this rule)
    assert ([line for line in result.stdout.splitlines() if "[number-format]" in line], result.exit_code) == ([], 0)


def test_the_seed_keeps_its_one_warning(project: Path, seed_yaml: str) -> None:
    """The kept '3.000' beside '90,000' is warned once (not again by the new rules)."""
    text = write(project, unsuppressed(seed_yaml))
    result = validate(project)
    assert result.stdout == (
        f"{REPORT}:{position_of(text, '3.000.')}: warning[number-format]: '3.000' groups digits with '.' where the "
        "report writes ',' (as in '90,000'); if it means 3000, write 3,000\n"
    )


# --------------------------------------------------------------------------- 2. accidental lists and headings


def test_a_dash_aside_on_its_own_line_in_a_literal_block(project: Path, seed_yaml: str) -> None:
    text = write(project, with_homs_paragraph(clean(seed_yaml), "      - |\n        Fighting resumed in Talbiseh\n        - according to local sources -\n        on December 6.\n"))
    result = validate(project)
    assert result.exit_code == 0
    assert result.stdout == (
        f"{REPORT}:{position_of(text, '- according')}: warning[accidental-markdown]: '-' at the start of a line makes a list "
        "of one item; write '\\-' if it is a dash in the sentence, or join the line to the one before\n"
    )


def test_a_paragraph_starting_with_a_year(project: Path, seed_yaml: str) -> None:
    text = write(project, with_homs_paragraph(clean(seed_yaml), "      - >-\n        2016. The year the siege of East Aleppo ended.\n"))
    result = validate(project)
    assert result.stdout == (
        f"{REPORT}:{position_of(text, '2016. The')}: warning[accidental-markdown]: '2016.' at the start of a line makes "
        "a numbered list starting at 2016; write '2016\\.' if the number belongs to the sentence\n"
    )
    # The escape the message gives makes it text ('\\' is a plain character in a folded block).
    write(project, text.replace("2016. The", "2016\\. The"))
    assert validate(project).stdout == ""


def test_headings_and_rules_by_accident(project: Path, seed_yaml: str) -> None:
    text = write(
        project,
        with_homs_paragraph(clean(seed_yaml), "      - |\n        # 5 killed in Talbiseh\n      - |\n        Casualties\n        ---\n        rose this week.\n      - |\n        Before.\n\n        ***\n"),
    )
    result = validate(project)
    assert result.stdout == (
        f"{REPORT}:{position_of(text, '# 5 killed')}: warning[accidental-markdown]: '#' at the start of a line makes a heading; "
        "write '\\#' if the '#' belongs to the text\n"
        f"{REPORT}:{position_of(text, '---')}: warning[accidental-markdown]: a line of '-' under a line of text makes that text "
        "a heading; write '\\---' to keep the line as text\n"
        f"{REPORT}:{position_of(text, '***')}: warning[accidental-markdown]: a line of '*' alone makes a horizontal rule; "
        "write '\\***' to keep the characters\n"
    )


def test_meant_lists_and_hashtags_are_quiet(project: Path, seed_yaml: str) -> None:
    """A list of two items, one item after a blank line, a list starting at 1, '#hashtag'."""
    write(
        project,
        with_homs_paragraph(
            clean(seed_yaml),
            "      - |\n        Needs:\n\n        - water\n        - shelter\n"
            "      - |\n        Needs:\n\n        - water for the shelters\n"
            "      - |\n        1. first\n        2. second\n"
            "      - |\n        #Aleppo was trending\n        on December 6.\n",
        ),
    )
    result = validate(project)
    assert (result.exit_code, result.stdout) == (0, "")


# --------------------------------------------------------------------------- 3. raw HTML


def test_raw_html_is_warned_at_the_tag_with_the_markdown_to_write(project: Path, seed_yaml: str) -> None:
    text = write(project, clean(seed_yaml).replace("around 3,000.", "around <b>3,000</b>.<br> <!-- check -->"))
    result = validate(project)
    assert result.exit_code == 0
    assert result.stdout == (
        f"{REPORT}:{position_of(text, '<b>')}: warning[raw-html]: HTML is not allowed in report text: '<b>' is printed as "
        "written; write **3,000** instead\n"
        f"{REPORT}:{position_of(text, '<br>')}: warning[raw-html]: HTML is not allowed in report text: '<br>' is printed as "
        "written; write a blank line (a new paragraph) instead\n"
        f"{REPORT}:{position_of(text, '<!--')}: warning[raw-html]: an HTML comment is printed as written in report text; "
        "remove it, or make it a YAML comment (a line starting with '#') outside the text\n"
    )
    assert result.stderr == "1 file(s) checked: 0 error(s), 3 warning(s)\n"


def test_raw_html_other_tags_and_what_is_not_html(project: Path, seed_yaml: str) -> None:
    """An unknown tag and a stray closing tag: remove them. Autolinks, e-mail autolinks, code
    spans and a '<' in a comparison are not HTML."""
    text = write(
        project,
        clean(seed_yaml).replace(
            "around 3,000.",
            "around <span class='n'>3,000</span>, </i> <https://example.org/x> <press@example.org> `<b>` and 3 < 4.",
        ),
    )
    result = validate(project)
    assert result.stdout == (
        f"{REPORT}:{position_of(text, '<span')}: warning[raw-html]: HTML is not allowed in report text: '<span class='n'>' "
        "is printed as written; remove the tag\n"
        f"{REPORT}:{position_of(text, '</i>')}: warning[raw-html]: HTML is not allowed in report text: '</i>' is printed as "
        "written; remove the tag\n"
    )


# --------------------------------------------------------------------------- 4. footnotes

LEADERS_NOTE = "Estimate given by local council leaders on December 7; not independently verified."
UNHCR_NOTE = "UNHCR Syria flash update, 2 December 2016."


def with_footnotes(seed: str) -> str:
    """The seed with two notes in its second Aleppo paragraph (a '>-' block: a blank line before
    each definition) and one in the conclusions (a '|' block), cited twice."""
    text = clean(seed)
    text = text.replace("given the pace of changes.", "given the pace of changes.[^leaders]")
    text = text.replace(
        "had already reached maximum capacity.\n",
        f"had already reached maximum capacity.[^1]\n\n        [^leaders]: {LEADERS_NOTE}\n\n        [^1]: {UNHCR_NOTE}\n",
    )
    start = text.index("conclusions:\n  - >-")
    conclusions = text[start:].replace("conclusions:\n  - >-", "conclusions:\n  - |", 1)
    conclusions = conclusions.replace("must be kept in mind.", "must be kept in mind.[^1]", 1)
    conclusions = conclusions.replace("by advancing pro-government forces.", "by advancing pro-government forces.[^1]\n    [^1]: Reports from local sources.")
    return text[:start] + conclusions


def built_site(project: Path, seed_yaml: str) -> Path:
    write(project, with_footnotes(seed_yaml))
    result = run(project, "build")
    assert result.exit_code == 0, result.output
    return project / "site" / "reports"


def test_footnotes_validate_clean(project: Path, seed_yaml: str) -> None:
    write(project, with_footnotes(seed_yaml))
    result = validate(project)
    assert (result.exit_code, result.stdout) == (0, "")


def test_footnotes_in_html_with_back_links(project: Path, seed_yaml: str) -> None:
    html = (built_site(project, seed_yaml) / "2016-12-08.html").read_text(encoding="utf-8")
    # Numbered through the report: the paragraph's two notes are 1 and 2, the conclusions' is 3.
    assert (
        'changes.<sup class="footnote-ref"><a href="#fn-2016-12-08-1" id="fnref-2016-12-08-1" role="doc-noteref" '
        'aria-label="Note 1">1</a></sup>'
    ) in html
    assert 'capacity.<sup class="footnote-ref"><a href="#fn-2016-12-08-2" id="fnref-2016-12-08-2"' in html
    assert 'kept in mind.<sup class="footnote-ref"><a href="#fn-2016-12-08-3" id="fnref-2016-12-08-3"' in html
    assert 'forces.<sup class="footnote-ref"><a href="#fn-2016-12-08-3" id="fnref-2016-12-08-3-2"' in html
    section = html[html.index('<section class="footnotes"') :]
    assert section.startswith('<section class="footnotes" role="doc-endnotes" aria-labelledby="notes-2016-12-08">\n  <h2 id="notes-2016-12-08">Notes</h2>')
    assert (
        f'<li id="fn-2016-12-08-1" value="1"><p>{LEADERS_NOTE} <a href="#fnref-2016-12-08-1" class="footnote-backref" '
        'role="doc-backlink" aria-label="Back to the text of note 1">\u21a9\ufe0e</a></p>'
    ) in section
    assert f'<li id="fn-2016-12-08-2" value="2"><p>{UNHCR_NOTE} <a href="#fnref-2016-12-08-2"' in section
    assert (
        '<li id="fn-2016-12-08-3" value="3"><p>Reports from local sources. <a href="#fnref-2016-12-08-3" class="footnote-backref" '
        'role="doc-backlink" aria-label="Back to the text of note 3">\u21a9\ufe0e</a> <a href="#fnref-2016-12-08-3-2" '
        'class="footnote-backref" role="doc-backlink" aria-label="Back to the text of note 3 (2)">\u21a9\ufe0e</a></p>'
    ) in section
    # The definitions are not left in the paragraph, and no '[^' is printed anywhere.
    assert "[^" not in html and html.count(LEADERS_NOTE) == 1
    # Every link to a note has its target on the page, and every back link too.
    for target in re.findall(r'href="#(fn(?:ref)?-[^"]+)"', html):
        assert f'id="{target}"' in html, target


def test_footnotes_on_other_pages_lead_to_the_report(project: Path, seed_yaml: str) -> None:
    region = (built_site(project, seed_yaml).parent / "regions" / "aleppo.html").read_text(encoding="utf-8")
    assert '<a href="../reports/2016-12-08.html#fn-2016-12-08-1"' in region


def test_footnotes_at_the_foot_of_the_pdf_page(project: Path, seed_yaml: str) -> None:
    pdf = built_site(project, seed_yaml) / "2016-12-08.pdf"
    pdftotext = need_tool("pdftotext")
    pages = []
    for page in (1, 2, 3):
        pages.append(subprocess.run([pdftotext, "-f", str(page), "-l", str(page), str(pdf), "-"], check=True, capture_output=True, text=True).stdout)
    # Each note at the foot of the page that cites it, numbered by the PDF in reading order.
    (page_of_notes,) = [text for text in pages if LEADERS_NOTE in text]
    assert f"1. {LEADERS_NOTE}\n2. {UNHCR_NOTE}" in page_of_notes
    assert "changes.1" in page_of_notes and "capacity.2" in page_of_notes
    assert "3. Reports from local sources." in "".join(pages)
    assert "[^" not in "".join(pages)
    # At the foot: below every line of the body, in the bottom quarter of the page.
    import pdfplumber

    with pdfplumber.open(pdf) as document:
        page = next(page for page in document.pages if "Estimate given" in (page.extract_text() or ""))
        words = page.extract_words()
        note = next(word for word in words if word["text"] == "Estimate")
        body = [word for word in words if word["text"] == "capacity.2" or word["text"].startswith("capacity.")]
        assert body and note["top"] > max(word["bottom"] for word in body)
        assert note["top"] > page.height * 0.75


def test_footnotes_kept_as_markdown_footnotes(project: Path, seed_yaml: str) -> None:
    md = (built_site(project, seed_yaml) / "2016-12-08.md").read_text(encoding="utf-8")
    assert "given the pace of changes.[^1]" in md and "maximum capacity.[^2]\n" in md
    assert f"\n\n[^1]: {LEADERS_NOTE}\n\n[^2]: {UNHCR_NOTE}\n" in md
    # The conclusions' own [^1] is note 3 of the report, so that the two do not meet.
    assert "must be kept in mind.[^3]" in md and "pro-government forces.[^3]\n\n[^3]: Reports from local sources." in md


def test_footnote_mistakes(project: Path, seed_yaml: str) -> None:
    """A marker with no definition (here: defined in another paragraph, or folded into the
    sentence), a definition nothing cites, a note in a caption."""
    text = clean(seed_yaml)
    text = text.replace("given the pace of changes.", "given the pace of changes.[^a]")
    text = text.replace("in neighboring Iraq.", "in neighboring Iraq.[^b] [^b]: folded into the sentence.\n\n        [^c]: never cited.")
    text = text.replace("Areas of control", "Areas[^d] of control")
    write(project, text)
    result = validate(project)
    assert result.exit_code == 1
    assert result.stdout == (
        f"{REPORT}:{position_of(text, '[^a]')}: error[undefined-footnote]: footnote [^a] has no definition in this paragraph, "
        "and is printed as written; add a line '[^a]: ...' to the same paragraph (in a '>-' block, after a blank line)\n"
        f"{REPORT}:{position_of(text, '[^d]')}: error[undefined-footnote]: captions cannot have footnotes, and [^d] is printed "
        "as written; put the note in the text that cites the figure\n"
        f"{REPORT}:{position_of(text, '[^b]')}: error[undefined-footnote]: footnote [^b] has no definition in this paragraph, "
        "and is printed as written; add a line '[^b]: ...' to the same paragraph (in a '>-' block, after a blank line)\n"
        f"{REPORT}:{position_of(text, '[^b]', 1)}: error[undefined-footnote]: footnote [^b] has no definition in this paragraph, "
        "and is printed as written; add a line '[^b]: ...' to the same paragraph (in a '>-' block, after a blank line)\n"
        f"{REPORT}:{position_of(text, '[^c]')}: warning[unused-footnote]: footnote [^c] is defined but no marker in this "
        "paragraph cites it, so it is not printed; cite it with [^c] or remove the definition\n"
    )
    assert result.stderr == "Error: 1 file(s) checked: 4 error(s), 1 warning(s)\n"


def test_footnote_in_a_code_span_or_escaped_is_text(project: Path, seed_yaml: str) -> None:
    write(project, clean(seed_yaml).replace("given the pace of changes.", "given the pace of changes `[^a]` \\[^b]."))
    result = validate(project)
    assert (result.exit_code, result.stdout) == (0, "")
