"""The email edition: reports/SLUG.email.html (styles inlined, links and images absolute, no
script) and its plain-text alternative reports/SLUG.email.txt, both carrying the whole report."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitrepgen.cli import cli
from sitrepgen.outputs.email import TEXT_WIDTH, direction, inline, plain_text
from tests.helpers import copy_project
from tests.test_build import HAND_DRAWN_CAPTION, _Text, assert_carries_the_seed
from tests.test_pagination import add_config, render_site

SLUG = "2016-12-08"
BASE = "https://sitreps.example.org/"  # this repository's base_url


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    root = copy_project(tmp_path_factory.mktemp("email") / "project")
    add_config(root, "email: true\n")
    return render_site(root)


def email(site: dict[str, bytes]) -> str:
    return site[f"reports/{SLUG}.email.html"].decode("utf-8")


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text of each <style> element."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def elements(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


def test_the_email_carries_every_word_of_the_seed_in_order(site: dict[str, bytes]) -> None:
    parser = _Text()
    parser.feed(email(site))
    assert_carries_the_seed(" ".join(parser.parts), HAND_DRAWN_CAPTION)


def test_the_plain_text_carries_every_word_of_the_seed_in_order(site: dict[str, bytes]) -> None:
    assert_carries_the_seed(site[f"reports/{SLUG}.email.txt"].decode("utf-8"), HAND_DRAWN_CAPTION)


def test_styles_are_inlined_and_only_the_media_rules_stay_in_a_style_element(site: dict[str, bytes]) -> None:
    found = elements(email(site))
    names = [tag for tag, _ in found.tags]
    assert "link" not in names and "script" not in names
    styled = {tag for tag, attrs in found.tags if attrs.get("style")}
    assert {"body", "h1", "h2", "p", "img", "a", "table"} <= styled
    assert 'style="' in email(site) and 'class="figure-label" style="font-weight: 700;"' in email(site)
    # One <style> element is left, holding the @media rules that cannot be inlined, and nothing else.
    assert len(found.styles) == 1
    rules = found.styles[0]
    assert "@media (prefers-color-scheme: dark)" in rules and "@media (max-width: 620px)" in rules
    assert re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*\s*\}", "", rules).strip() == ""
    # Inlined styles hold no custom properties: nothing would resolve them in a mail program.
    assert "var(" not in email(site)


def test_every_link_and_image_is_absolute_under_base_url(site: dict[str, bytes]) -> None:
    found = elements(email(site))
    addresses = [attrs[name] for _, attrs in found.tags for name in ("href", "src") if name in attrs]
    assert addresses and all(str(address).startswith(BASE) for address in addresses), addresses
    images = [attrs["src"] for tag, attrs in found.tags if tag == "img"]
    assert images == [f"{BASE}reports/{SLUG}/aleppo-control.svg"]
    assert f'href="{BASE}reports/{SLUG}.html#fig-{SLUG}-aleppo-control"' in email(site)  # "(Figure 1)" leads to the web page


def test_the_plain_text_gives_each_link_and_image_its_address_and_wraps(site: dict[str, bytes]) -> None:
    text = site[f"reports/{SLUG}.email.txt"].decode("utf-8")
    assert f"Read on the web <{BASE}reports/{SLUG}.html>" in " ".join(text.split())
    assert f"<{BASE}reports/{SLUG}/aleppo-control.svg>" in text
    assert "Weekly Conflict Summary\n=======================\n" in text
    assert "<" not in text.replace(f"<{BASE}", "")  # no markup left
    long_lines = [line for line in text.splitlines() if len(line) > TEXT_WIDTH]
    assert all(" " not in line.rsplit(" ", 1)[-1] and BASE in line.rsplit(" ", 1)[-1] for line in long_lines)  # only an address overflows


def test_no_email_unless_the_config_asks(tmp_path: Path) -> None:
    files = render_site(copy_project(tmp_path / "project"))
    assert not [name for name in files if ".email." in name]


def test_email_without_base_url_is_an_error_at_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(tmp_path / "project")
    (root / "sitrepgen.yaml").write_text("title: Test\nemail: true\n", encoding="utf-8")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["build"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.output == (
        "sitrepgen.yaml:2:8: error[invalid-value]: 'email': email: true needs base_url (the site's public address, "
        "ending in '/'), since its links and images are read outside the site; set base_url in sitrepgen.yaml\n"
        "Error: 1 error(s) in sitrepgen.yaml; nothing was written\n"
    )
    assert not (root / "site").exists()


def test_a_stylesheet_link_in_a_template_is_dropped_not_read(tmp_path: Path) -> None:
    """css-inline would read a linked stylesheet; sitrepgen's inliner reads nothing."""
    (tmp_path / "red.css").write_text("p { color: red }", encoding="utf-8")
    html = f'<html><head><link rel="stylesheet" href="{tmp_path / "red.css"}"><link rel="stylesheet" href="red.css"></head><body><p>x</p></body></html>'
    out = inline(html)
    assert "<link" not in out and "red" not in out


def test_right_to_left_languages() -> None:
    assert [direction(tag) for tag in ("ar", "ar-SY", "fa", "he", "ckb", "en", "fr")] == ["rtl", "rtl", "rtl", "rtl", "rtl", "ltr", "ltr"]


def test_plain_text_of_markup() -> None:
    html = '<h2>Aleppo</h2><p>See <a href="https://x.org/a">the map</a> and <a href="https://x.org/b">https://x.org/b</a>.<span aria-hidden="true">\u2191</span></p><ul><li>one</li></ul>'
    assert plain_text(html) == "Aleppo\n------\n\nSee the map <https://x.org/a> and https://x.org/b.\n\n- one\n"
