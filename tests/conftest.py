"""Shared fixtures: a throwaway copy of this repository's project, and golden-file handling."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import copy_project, seed_report_text


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite the golden files under tests/data/golden from the current output.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of this repository's project (reports, figures, templates) in a temporary folder."""
    return copy_project(tmp_path / "project")


@pytest.fixture
def seed_yaml() -> str:
    return seed_report_text()


@pytest.fixture
def write_report(project: Path) -> Callable[[str, str], Path]:
    """Write a report into the project's sitreps/ and return its path."""

    def write(text: str, name: str = "2016-12-08.yaml") -> Path:
        path = project / "sitreps" / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
