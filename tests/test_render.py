"""Rendering: figure placement and numbering, formatting, template lookup, escaping."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from sitrepgen import render
from sitrepgen.model import Report

D = dt.date


def report(**changes: object) -> Report:
    data: dict[str, object] = {
        "title": "Weekly Conflict Summary",
        "period": {"start": D(2016, 12, 2), "end": D(2016, 12, 8)},
        "published": D(2016, 12, 8),
        "regions": [
            {
                "name": "Aleppo",
                "paragraphs": ["First.", "Second, see {fig:b} and {fig:a}.", "Third {fig:a}."],
                "figures": [
                    {"id": "a", "image": "a.svg", "caption": "A.", "alt": "a"},
                    {"id": "b", "image": "b.png", "caption": "B, after {fig:a}.", "alt": "b"},
                    {"id": "c", "image": "c.svg", "caption": "C.", "alt": "c"},
                ],
            },
            {"name": "Rural Damascus", "paragraphs": ["Refers back to {fig:b}."]},
        ],
        "conclusions": ["Done."],
    }
    data.update(changes)
    return Report.model_validate(data)


def kinds(blocks: list[render.Block]) -> list[str]:
    return [b.figure.id if b.figure else "p" for b in blocks]


def test_figures_follow_their_first_reference_and_are_numbered_in_order() -> None:
    view = render.build_view(report(), "2016-12-08")
    aleppo = view.regions[0]
    # b and a are first cited in the second paragraph; c is never cited: end of its region.
    assert kinds(aleppo.blocks) == ["p", "p", "b", "a", "p", "c"]
    assert {f.id: f.number for f in view.figures} == {"b": 1, "a": 2, "c": 3}
    assert "Figure 1" in aleppo.blocks[1].html and "Figure 2" in aleppo.blocks[1].html
    assert aleppo.blocks[1].markdown == "Second, see Figure 1 and Figure 2."
    assert view.figures[0].caption_md == "B, after Figure 2."
    assert view.figures[0].src == "2016-12-08/b.png"
    assert kinds(view.regions[1].blocks) == ["p"]


def test_figure_first_cited_in_another_region_goes_there() -> None:
    data = report().model_dump()
    data["regions"][0]["paragraphs"] = ["No figures here."]
    data["regions"][1]["paragraphs"] = ["See {fig:c}."]
    view = render.build_view(Report.model_validate(data), "x")
    assert kinds(view.regions[1].blocks) == ["p", "c"]
    assert kinds(view.regions[0].blocks) == ["p", "a", "b"]
    assert [f.id for f in view.figures] == ["a", "b", "c"]


def test_summary_and_conclusions_can_cite() -> None:
    view = render.build_view(report(summary="Overview {fig:c}.", conclusions=["Also {fig:c}."]), "x")
    assert kinds(view.summary) == ["p", "c"]
    assert view.figures[0].id == "c"
    assert "Figure 1" in view.conclusions[0].html


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        (D(2016, 12, 2), D(2016, 12, 8), "December 2–8, 2016"),
        (D(2016, 11, 28), D(2016, 12, 4), "November 28 – December 4, 2016"),
        (D(2016, 12, 29), D(2017, 1, 4), "December 29, 2016 – January 4, 2017"),
        (D(2016, 12, 8), D(2016, 12, 8), "December 8, 2016"),
    ],
)
def test_period_text(start: dt.date, end: dt.date, text: str) -> None:
    assert render.format_period(start, end) == text


def test_key_figures() -> None:
    view = render.build_view(
        report(key_figures=[
            {"label": "of East Aleppo", "value": 70, "unit": "%", "qualifier": "more than"},
            {"label": "people", "value": 150000, "qualifier": "exactly"},
            {"label": "km", "value": 2.5, "unit": "km"},
        ]),
        "x",
    )
    assert [k.text for k in view.key_figures] == ["more than 70%", "150,000", "2.5 km"]


def env(tmp_path: Path) -> object:
    return render.make_environment(tmp_path / "templates")


def context() -> dict[str, object]:
    r = report(title="Weekly <Conflict> & Summary")
    site = {"title": "S", "organisation": None, "language": "en", "base_url": None}
    return {"report": r, "view": render.build_view(r, "x"), "site": site, "root": "../", "previous": None, "next": None}


def test_html_is_autoescaped_and_markdown_is_escaped(tmp_path: Path) -> None:
    e = render.make_environment(None)
    html = render.render_template(e, "report.html.j2", **context())
    assert "Weekly &lt;Conflict&gt; &amp; Summary" in html
    assert '<html lang="en">' in html
    md = render.render_template(e, "report.md.j2", **context())
    assert md.startswith("# Weekly \\<Conflict\\> & Summary\n")


def test_project_template_overrides_builtin_and_can_extend_it(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "masthead.html.j2").write_text('<header class="mine">{{ report.title }}</header>\n', encoding="utf-8")
    (templates / "report.html.j2").write_text(
        '{% extends "builtin/report.html.j2" %}{% block footer %}<p>Our footer</p>{% endblock %}', encoding="utf-8"
    )
    html = render.render_template(render.make_environment(templates), "report.html.j2", **context())
    assert '<header class="mine">Weekly &lt;Conflict&gt; &amp; Summary</header>' in html
    assert "<p>Our footer</p>" in html and 'class="masthead"' not in html


def test_missing_template_names_every_place_searched(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.html.j2").write_text('{% include "nope.html.j2" %}', encoding="utf-8")
    with pytest.raises(render.TemplateError) as info:
        render.render_template(render.make_environment(templates), "report.html.j2", **context())
    assert "'nope.html.j2' not found" in str(info.value)
    assert str(templates) in str(info.value) and str(render.BUILTIN_TEMPLATES) in str(info.value)


def test_template_typo_is_an_error_not_blank(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "masthead.html.j2").write_text("<h1>{{ report.titel }}</h1>", encoding="utf-8")
    with pytest.raises(render.TemplateError, match=r"masthead.html.j2:1: .*titel"):
        render.render_template(render.make_environment(templates), "report.html.j2", **context())


def test_template_syntax_error_says_where(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "masthead.html.j2").write_text("<h1>\n{% if %}</h1>", encoding="utf-8")
    with pytest.raises(render.TemplateError, match=r"masthead.html.j2:2: template syntax error"):
        render.render_template(render.make_environment(templates), "report.html.j2", **context())


def test_relative_links_are_rebased_for_each_page() -> None:
    """A link written for the report page leads to the same place from the index, a region page
    and the PDF; a bare fragment points into the report page."""
    r = report(regions=[{"name": "Aleppo", "paragraphs": ["See [last week](2016-12-01.html), [above](#aleppo) and [UNHCR](https://unhcr.org/)."]}])

    def hrefs(view: render.ReportView) -> list[str]:
        return re.findall(r'href="([^"]+)"', view.regions[0].blocks[0].html)

    assert hrefs(render.build_view(r, "x")) == ["2016-12-01.html", "#aleppo", "https://unhcr.org/"]
    assert hrefs(render.build_view(r, "x", page="reports/x.html", assets="reports/")) == [
        "reports/2016-12-01.html", "reports/x.html#aleppo", "https://unhcr.org/"
    ]
    assert hrefs(render.build_view(r, "x", page="../reports/x.html", assets="../reports/"))[:2] == [
        "../reports/2016-12-01.html", "../reports/x.html#aleppo"
    ]
    assert hrefs(render.build_view(r, "x", link_base="https://example.org/reports/"))[:2] == [
        "https://example.org/reports/2016-12-01.html", "#aleppo"
    ]
    # The text is parsed once and its tokens shared: no page's links leak into another's.
    assert hrefs(render.build_view(r, "x")) == ["2016-12-01.html", "#aleppo", "https://unhcr.org/"]
