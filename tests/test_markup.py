"""Markdown in report fields: raw HTML off, links allowlisted, cross-references numbered."""

from __future__ import annotations

import pytest

from sitrepgen import markup

NUMBERS = {"map": "Figure 1", "chart": "Figure 2"}


def test_reference_renders_as_figure_number() -> None:
    html = markup.render_block("Sukkari ({fig:map}).", NUMBERS)
    assert html == '<p>Sukkari (<a class="figref" href="#fig-map">Figure 1</a>).</p>\n'
    assert markup.markdown_source("Sukkari ({fig:map}).", NUMBERS) == "Sukkari (Figure 1)."


def test_references_in_code_or_escaped_are_literal() -> None:
    text = r"`{fig:map}` and \{fig:chart} then {fig:chart}"
    assert markup.figure_refs(text) == ["chart"]
    html = markup.render_block(text, NUMBERS)
    assert "<code>{fig:map}</code>" in html and "{fig:chart} then" in html
    assert html.count("Figure 2") == 1
    assert markup.markdown_source(text, NUMBERS) == r"`{fig:map}` and \{fig:chart} then Figure 2"


def test_unknown_reference_is_never_given_a_number() -> None:
    assert markup.render_block("{fig:nope}", NUMBERS) == "<p>{fig:nope}</p>\n"


def test_raw_html_is_text() -> None:
    html = markup.render_block("<script>alert(1)</script> <b>bold</b>", NUMBERS)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert markup.markdown_source("<script>x</script> <https://ok.org>", NUMBERS) == (
        r"\<script>x\</script> <https://ok.org>"
    )


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html;base64,PHNjcmlwdD4=",
     "file:///etc/passwd", "vbscript:x", "/etc/passwd", "//evil.example/x", "ftp://x.org/"],
)
def test_disallowed_links_stay_text(url: str) -> None:
    html = markup.render_block(f"[click]({url})", NUMBERS)
    assert "<a " not in html and "href" not in html


@pytest.mark.parametrize("url", ["https://reliefweb.int/", "http://x.org/a?b=c", "mailto:desk@example.org", "2016-12-01.html", "../index.html#x"])
def test_allowed_links(url: str) -> None:
    assert '<a href="' in markup.render_block(f"[ok]({url})", NUMBERS)


def test_inline_images_are_not_parsed() -> None:
    html = markup.render_block("![x](file:///etc/passwd) ![y](http://127.0.0.1:9/x.png)", NUMBERS)
    assert "<img" not in html


def test_template_syntax_is_plain_text() -> None:
    assert markup.render_block("{{ 7*7 }} {% if x %}", NUMBERS) == "<p>{{ 7*7 }} {% if x %}</p>\n"


def test_escape_markdown_makes_plain_text_literal() -> None:
    assert markup.escape_markdown("*Aleppo* [1] <b>") == r"\*Aleppo\* \[1\] \<b\>"
    assert markup.escape_markdown("# not a heading") == r"\# not a heading"
