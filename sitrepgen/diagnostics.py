"""The one diagnostic type shared by syntax, schema and semantic checks, and its formatters."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A problem at a place in a file. ``line`` and ``col`` are 1-based, as editors show them."""

    path: str
    line: int
    col: int
    severity: Severity
    code: str
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format_text(self) -> str:
        return (
            f"{self.path}:{self.line}:{self.col}: "
            f"{self.severity.value}[{self.code}]: {self.message}"
        )

    def format_github(self) -> str:
        """A GitHub Actions workflow command, which shows as an annotation on the diff."""
        message = _github_escape(f"[{self.code}] {self.message}", data=True)
        path = _github_escape(self.path, data=False)
        return f"::{self.severity.value} file={path},line={self.line},col={self.col}::{message}"

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


def _github_escape(text: str, *, data: bool) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if not data:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def display_path(path: Path, root: Path | None = None) -> str:
    """The path as the user would type it: relative to ``root`` (the cwd) when inside it."""
    root = (root or Path.cwd()).resolve()
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: (d.path, d.line, d.col, d.code, d.message))


def format_diagnostics(diagnostics: Iterable[Diagnostic], fmt: str = "text") -> str:
    items = sort_diagnostics(diagnostics)
    if fmt == "json":
        return json.dumps([d.as_json() for d in items], indent=2, ensure_ascii=False)
    formatter = Diagnostic.format_github if fmt == "github" else Diagnostic.format_text
    return "\n".join(formatter(d) for d in items)
