"""What the last build read and wrote, so that an unchanged project is not built again.

The cache lives in ``.sitrepgen-cache/`` at the project root and is safe to delete: without it
(or with a damaged one) the next build is simply a full build. Nothing here imports more than
the standard library, so the no-op check in ``sitrepgen build`` costs a few milliseconds.

- ``state.json``: the hash of every input file of the last successful build (reports, figures,
  templates, assets, config, built-in templates), the hash of every file it wrote, and the
  messages it printed. When all inputs and all outputs are unchanged, there is nothing to do.
- ``reports.json``: per report, its validated data and diagnostics, reused while the report's
  YAML, its figures, the config and sitrepgen are unchanged (it skips YAML parsing and linting).
- ``pdf/<key>.pdf``: PDFs by a key over everything they are made from (the print HTML, every
  file WeasyPrint may read, the YAML source, the versions), checked against a stored hash.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

CACHE_DIR = ".sitrepgen-cache"
FORMAT = 1
BUILTIN_TEMPLATES = Path(__file__).parent / "templates"


def digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest_file(path: Path) -> str:
    return digest_bytes(path.read_bytes())


@lru_cache(maxsize=1)
def code_digest() -> str:
    """sha256 over sitrepgen's own code and built-in templates: a changed rule or template
    invalidates the cache even when the version number did not move."""
    package = Path(__file__).parent
    hasher = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in (".py", ".j2", ".css", ".svg")):
        hasher.update(path.relative_to(package).as_posix().encode("utf-8") + b"\0" + path.read_bytes())
    return hasher.hexdigest()


def versions() -> dict[str, str]:
    """Versions that change what a build produces (read from metadata: no heavy imports)."""
    found = {"sitrepgen-code": code_digest()}
    for name in ("sitrepgen", "weasyprint", "font-source-sans-pro", "markdown-it-py", "jinja2"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "?"
    return found


def write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder and os.replace: never a torn file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _files_under(folder: Path) -> Iterable[Path]:
    if folder.is_dir():
        yield from (p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


@dataclass
class State:
    """The record of one successful build."""

    key: str  #: format, versions and build options
    scanned: list[str]  #: folders whose every file is an input (added or removed files count)
    inputs: dict[str, str]  #: input file -> sha256 (paths relative to the root, or absolute)
    output_dir: str
    outputs: dict[str, str]  #: output file (relative to output_dir) -> sha256
    messages: list[str] = field(default_factory=list)


def build_options(page_size: str | None, strict: bool, edition: str = "public") -> dict[str, Any]:
    """The options that change a build's output (the cwd changes how paths are printed)."""
    return {"page_size": page_size, "strict": strict, "cwd": os.getcwd(), "edition": edition}


def build_key(options: dict[str, Any]) -> str:
    return json.dumps({"format": FORMAT, "versions": versions(), "options": options}, sort_keys=True)


def _name(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def hash_inputs(root: Path, scanned: Iterable[str], files: Iterable[str]) -> dict[str, str]:
    """sha256 of every file under the scanned folders, and of the named files (missing: '')."""
    hashes: dict[str, str] = {}
    for folder in scanned:
        base = Path(folder) if Path(folder).is_absolute() else root / folder
        for path in _files_under(base):
            hashes[_name(path, root)] = digest_file(path)
    for name in files:
        path = Path(name) if Path(name).is_absolute() else root / name
        hashes[name] = digest_file(path) if path.is_file() else ""
    return hashes


def hash_tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): digest_file(p) for p in _files_under(folder)}


def _edition_suffix(edition: str) -> str:
    """Each edition keeps its own record and PDFs, so no cache ever crosses editions."""
    return "" if edition == "public" else f"-{edition}"


def state_path(root: Path, edition: str = "public") -> Path:
    return root / CACHE_DIR / f"state{_edition_suffix(edition)}.json"


def load_state(root: Path, edition: str = "public") -> State | None:
    try:
        return State(**json.loads(state_path(root, edition).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None  # no cache, or a damaged one: build from scratch


def save_state(root: Path, state: State, edition: str = "public") -> None:
    write_atomic(state_path(root, edition), json.dumps(asdict(state), sort_keys=True).encode("utf-8"))


def up_to_date(root: Path, options: dict[str, Any]) -> State | None:
    """The last build's state (of the edition in ``options``) if nothing it read or wrote has
    changed since, else None."""
    state = load_state(root, str(options.get("edition", "public")))
    if state is None or state.key != build_key(options):
        return None
    explicit = [name for name in state.inputs if not any(_inside(name, folder) for folder in state.scanned)]
    try:
        if hash_inputs(root, state.scanned, explicit) != state.inputs:
            return None
        return state if hash_tree(root / state.output_dir) == state.outputs else None
    except OSError:
        return None


def _inside(name: str, folder: str) -> bool:
    return name == folder or name.startswith(folder.rstrip("/") + "/")


class ReportCache:
    """Validated reports and their diagnostics, by the hash of everything validation read."""

    def __init__(self, root: Path) -> None:
        self.path = root / CACHE_DIR / "reports.json"
        try:
            self.entries: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(self.entries, dict):
                self.entries = {}
        except (OSError, ValueError):
            self.entries = {}
        self.used: dict[str, Any] = {}

    def get(self, name: str, key: str) -> Any | None:
        entry = self.entries.get(name)
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        figures = entry.get("figures", {})
        try:
            if any(digest_file(Path(path)) != sha for path, sha in figures.items()):
                return None
        except OSError:
            return None
        self.used[name] = entry
        return entry

    def put(self, name: str, key: str, figures: dict[str, str], data: dict[str, Any]) -> None:
        self.used[name] = {"key": key, "figures": figures, **data}

    def save(self) -> None:
        write_atomic(self.path, json.dumps(self.used, sort_keys=True).encode("utf-8"))


class PdfCache:
    """PDFs by content key; a file whose bytes do not match its recorded hash is ignored."""

    def __init__(self, root: Path, edition: str = "public") -> None:
        self.folder = root / CACHE_DIR / f"pdf{_edition_suffix(edition)}"
        self.used: set[str] = set()

    def get(self, key: str) -> bytes | None:
        try:
            data = (self.folder / f"{key}.pdf").read_bytes()
            expected = (self.folder / f"{key}.sha256").read_text(encoding="utf-8").strip()
        except OSError:
            return None
        if digest_bytes(data) != expected:
            return None
        self.used.add(key)
        return data

    def put(self, key: str, data: bytes) -> None:
        write_atomic(self.folder / f"{key}.pdf", data)
        write_atomic(self.folder / f"{key}.sha256", digest_bytes(data).encode("ascii"))
        self.used.add(key)

    def prune(self) -> None:
        """Drop the PDFs this build did not use, so the cache does not grow week after week."""
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.stem not in self.used:
                path.unlink(missing_ok=True)
