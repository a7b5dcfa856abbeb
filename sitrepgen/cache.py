"""What the last build read and wrote, so that an unchanged project is not built again.

The cache lives in ``.sitrepgen-cache/`` at the project root and is safe to delete: without it
(or with a damaged one) the next build is simply a full build. Nothing here imports more than
the standard library, so the no-op check in ``sitrepgen build`` costs a few milliseconds.

The cache is data, never code, and never trusted: CI may restore it from a cache another branch
wrote, so whoever can write this folder is treated as an attacker. It holds only hashes, PDF
bytes, and diagnostics (their positions included) that are checked when they are read:

- ``state.json``: the hash of every input file of the last successful build (reports, figures,
  templates, assets, config), the hash of every file it wrote, and the messages it printed.
  When all inputs and all outputs are unchanged, there is nothing to do. Every path in it must
  be a plain relative path inside the project, and a link that leads out of the project is
  never followed; a message must be one printable line.
- ``reports.json``: per report, the diagnostics of the lint rules that do not read figures, by a
  key over the YAML bytes, each figure's resolved path and bytes, the config and sitrepgen, and
  the plain values its YAML parsed to. A build reads every report again from its YAML (nothing
  in the cache can publish text); ``validate``, which publishes nothing, stands the recorded
  values in for parsing a file whose key is unchanged (``ReportCache(values=True)``: the values
  are checked as the fast loader checks its own). The figure checks always run.
- ``pdf/<key>.pdf``: PDFs by a key over everything they are made from (the print HTML, every
  file WeasyPrint may read, the YAML source, the versions), with a hash against accidental
  damage (not against a writer of the cache: see docs/security.md).
- ``build.lock``: held while a build runs (see ``lock.py``).

A file that fails a check is discarded with a one-line note, and the build goes on without it.
Files are opened without following symbolic links, and only regular files of bounded size are
read; ``prune`` deletes only regular files with the names the cache itself writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

from .paths import CACHE_DIR, PathProblem, is_inside, resolve, site_state

FORMAT = 2
BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
#: Largest cache files read: the JSON records, and one cached PDF.
MAX_RECORD_BYTES = 64 * 1024 * 1024
MAX_PDF_BYTES = 256 * 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")

Note = Callable[[str], None]


class CacheProblem(ValueError):
    """A cache file that fails a check; the message says which and why."""


class TooMuchInput(Exception):
    """Reading ``path`` would take the build past max_build_bytes."""

    def __init__(self, path: Path, limit: int) -> None:
        super().__init__(f"{path}: more than {limit:,} bytes in all")
        self.path = path
        self.limit = limit


class Budget:
    """The bytes one build may read in all (max_build_bytes): each file counted once, by its
    resolved path, with its size taken before it is read."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._seen: set[Path] = set()

    def take(self, path: Path, size: int) -> None:
        """Count ``size`` bytes of ``path``; TooMuchInput (before it is read) past the limit."""
        if path in self._seen:
            return
        self._seen.add(path)
        self.used += size
        if self.used > self.limit:
            raise TooMuchInput(path, self.limit)


def read_cache_file(path: Path, limit: int) -> bytes | None:
    """A cache file's bytes, or None when it does not exist.

    Opened without following a symbolic link and without blocking (a FIFO in its place cannot
    hang the build), and read only when it is a regular file of at most ``limit`` bytes.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CacheProblem(f"{path.name} cannot be opened ({exc.strerror or exc}; a symbolic link is never followed)") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise CacheProblem(f"{path.name} is not a regular file")
        if info.st_size > limit:
            raise CacheProblem(f"{path.name} is larger than {limit:,} bytes")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise CacheProblem(f"{path.name} is larger than {limit:,} bytes")
    return data


def discard(path: Path) -> None:
    """Remove a cache entry that failed a check: the entry itself (a link, never its target)."""
    try:
        if not stat.S_ISDIR(path.lstat().st_mode):
            path.unlink()
    except OSError:
        pass


def real_folder(folder: Path, note: Note) -> Path:
    """``folder``, made a real directory: a symbolic link or a file in its place is removed."""
    try:
        info = folder.lstat()
    except FileNotFoundError:
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    if not stat.S_ISDIR(info.st_mode):
        note(f"{_cache_name(folder)} is not a folder (a symbolic link or a file); it was discarded")
        folder.unlink()
        folder.mkdir()
    return folder


def cache_folder(root: Path, note: Note) -> Path:
    """The project's cache folder, a real directory (created when missing)."""
    return real_folder(root / CACHE_DIR, note)


def _cache_name(path: Path) -> str:
    parts = path.parts
    return "/".join(parts[parts.index(CACHE_DIR) :]) if CACHE_DIR in parts else path.name


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
    for path in sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in (".py", ".j2", ".css", ".svg", ".po")):
        hasher.update(path.relative_to(package).as_posix().encode("utf-8") + b"\0" + path.read_bytes())
    return hasher.hexdigest()


def versions() -> dict[str, str]:
    """Versions that change what a build produces (read from metadata: no heavy imports)."""
    found = {"sitrepgen-code": code_digest()}
    for name in ("sitrepgen", "weasyprint", "font-source-sans-pro", "fontpkg-amiri", "babel", "markdown-it-py", "jinja2"):
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
    """Every file under ``folder`` (links to files included; rglob never enters a linked folder)."""
    if folder.is_dir() and not folder.is_symlink():
        yield from sorted(p for p in folder.rglob("*") if (p.is_symlink() or p.is_file()) and "__pycache__" not in p.parts)


@dataclass
class State:
    """The record of one successful build."""

    key: str  #: format, versions and build options
    scanned: list[str]  #: folders whose every file is an input (added or removed files count)
    inputs: dict[str, str]  #: input file (relative to the root) -> sha256
    output_dir: str
    outputs: dict[str, str]  #: output file (relative to output_dir) -> sha256
    messages: list[str] = field(default_factory=list)
    limit: int = 1024**3  #: max_build_bytes of that build: the no-op check reads no more


def build_options(page_size: str | None, strict: bool, edition: str = "public") -> dict[str, Any]:
    """The options that change a build's output (the cwd changes how paths are printed)."""
    return {"page_size": page_size, "strict": strict, "cwd": os.getcwd(), "edition": edition}


def build_key(options: dict[str, Any]) -> str:
    return json.dumps({"format": FORMAT, "versions": versions(), "options": options}, sort_keys=True)


def hash_file(path: Path, root: Path, budget: Budget | None = None) -> str:
    """The hash of an input file: its resolved place in the project and its bytes.

    A link that leads out of the project (or loops) is never read: its hash says so, and the
    build then reports the file that uses it. ``budget`` counts the bytes before they are read.
    """
    try:
        resolved = resolve(path)
    except PathProblem:
        return "link-loop"
    root = root.resolve()
    if not is_inside(resolved, root):
        return "outside-the-project"
    if not resolved.is_file():
        return ""
    if budget is not None:
        budget.take(resolved, resolved.stat().st_size)
    where = os.fsencode(resolved.relative_to(root).as_posix())  # any name, even one not UTF-8
    return digest_bytes(where + b"\0" + resolved.read_bytes())


def hash_inputs(root: Path, scanned: Iterable[str], files: Iterable[str], budget: Budget | None = None) -> dict[str, str]:
    """Hashes of every file under the scanned folders and of the named files (missing: '')."""
    hashes: dict[str, str] = {}
    for folder in scanned:
        for path in _files_under(root / folder):
            hashes[path.relative_to(root).as_posix()] = hash_file(path, root, budget)
    for name in files:
        hashes[name] = hash_file(root / name, root, budget)
    return hashes


def hash_tree(folder: Path) -> dict[str, str]:
    """Hashes of the files of a folder the build wrote (links are not followed: none is ours)."""
    found: dict[str, str] = {}
    for path in _files_under(folder):
        if path.is_symlink():
            found[path.relative_to(folder).as_posix()] = "link"
        else:
            found[path.relative_to(folder).as_posix()] = digest_file(path)
    return found


def _edition_suffix(edition: str) -> str:
    """Each edition keeps its own record and PDFs, so no cache ever crosses editions."""
    return "" if edition == "public" else f"-{edition}"


def state_path(root: Path, edition: str = "public") -> Path:
    return root / CACHE_DIR / f"state{_edition_suffix(edition)}.json"


def safe_name(value: object) -> bool:
    """A plain relative path: no absolute path, no '..', no backslash, nothing unprintable."""
    if not isinstance(value, str) or not value or "\\" in value or _UNPRINTABLE.search(value):
        return False
    pure = PurePosixPath(value)
    return not pure.is_absolute() and ".." not in pure.parts and pure.as_posix() == value and value != "."


def printable(value: object) -> bool:
    """One line of text that can be printed as it is (no escape sequence, no CI log command)."""
    return isinstance(value, str) and len(value) <= 4000 and not _UNPRINTABLE.search(value) and not value.startswith("::")


def _check_state(data: Any) -> State:
    """The state, once every value in it has been checked; CacheProblem names the first bad one."""
    if not isinstance(data, dict) or set(data) != {f.name for f in State.__dataclass_fields__.values()}:
        raise CacheProblem("state.json does not hold the fields of a build record")
    if not isinstance(data["key"], str):
        raise CacheProblem("state.json has no valid key")
    for name in data["scanned"] if isinstance(data["scanned"], list) else [None]:
        if not safe_name(name):
            raise CacheProblem(f"state.json names the folder {name!r}, which is not a path inside the project")
    if not safe_name(data["output_dir"]):
        raise CacheProblem(f"state.json names the output folder {data['output_dir']!r}, which is not a path inside the project")
    for table in ("inputs", "outputs"):
        entries = data[table]
        if not isinstance(entries, dict):
            raise CacheProblem(f"state.json has no valid {table}")
        for name, value in entries.items():
            if not safe_name(name):
                raise CacheProblem(f"state.json names the file {name!r}, which is not a path inside the project")
            if not isinstance(value, str) or len(value) > 64:
                raise CacheProblem(f"state.json has an invalid hash for {name!r}")
    if not isinstance(data["messages"], list) or not all(printable(m) for m in data["messages"]):
        raise CacheProblem("state.json holds a message that is not one printable line")
    if not isinstance(data["limit"], int) or isinstance(data["limit"], bool) or not 0 < data["limit"] <= 1024**4:
        raise CacheProblem("state.json has an invalid byte limit")
    return State(**data)


def load_state(root: Path, note: Note, edition: str = "public") -> State | None:
    """The last build's record (of ``edition``), checked; None (and a note, when it was damaged
    or forged) if unusable."""
    path = state_path(root, edition)
    try:
        raw = read_cache_file(path, MAX_RECORD_BYTES)
        if raw is None:
            return None
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise CacheProblem("state.json is not valid JSON") from None
        return _check_state(data)
    except CacheProblem as problem:
        note(f"{CACHE_DIR}/{problem} (discarded)")
        discard(path)
        return None


def save_state(root: Path, state: State, edition: str = "public") -> None:
    write_atomic(state_path(root, edition), json.dumps(asdict(state), sort_keys=True).encode("utf-8"))


def up_to_date(root: Path, options: dict[str, Any], note: Note) -> State | None:
    """The last build's state (of the edition in ``options``) if nothing it read or wrote has
    changed since, else None.

    The output folder must be one the build made (it holds the mark file): a state that names
    any other folder, or a missing one, is never up to date.
    """
    state = load_state(root, note, str(options.get("edition", "public")))
    if state is None or state.key != build_key(options):
        return None
    if site_state(root / state.output_dir) != "ours":
        return None
    explicit = [name for name in state.inputs if not any(_inside(name, folder) for folder in state.scanned)]
    try:
        if hash_inputs(root, state.scanned, explicit, Budget(state.limit)) != state.inputs:
            return None
        return state if hash_tree(root / state.output_dir) == state.outputs else None
    except (OSError, TooMuchInput):
        return None


def _inside(name: str, folder: str) -> bool:
    return name == folder or name.startswith(folder.rstrip("/") + "/")


#: One diagnostic in reports.json: [line, col, severity, code, message].
CachedDiagnostic = tuple[int, int, str, str, str]


#: How a date is written among a report's values in reports.json: JSON has no dates, and no
#: text a report may hold starts with NUL (the loader refuses control characters).
_DATE_MARK = "\x00date:"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def encode_values(value: Any) -> Any:
    """A report's plain values as JSON can hold them (dates marked); ValueError for anything
    that is not one of the plain kinds the loaders give."""
    kind = type(value)
    if kind is dict:
        return {key: encode_values(item) for key, item in value.items()}
    if kind is list:
        return [encode_values(item) for item in value]
    if kind is dt.date:
        return _DATE_MARK + value.isoformat()
    if kind is str and value.startswith(_DATE_MARK):
        raise ValueError("text that reads as a marked date")
    if kind in (str, int, float, bool, type(None)):
        return value
    raise ValueError(f"not a plain value: {kind.__name__}")


def decode_values(value: Any) -> Any:
    """The values ``encode_values`` wrote; ValueError for a malformed date mark."""
    kind = type(value)
    if kind is dict:
        return {key: decode_values(item) for key, item in value.items()}
    if kind is list:
        return [decode_values(item) for item in value]
    if kind is str and value.startswith(_DATE_MARK):
        text = value[len(_DATE_MARK) :]
        if not _ISO_DATE.fullmatch(text):
            raise ValueError("a malformed date")
        return dt.date.fromisoformat(text)
    return value


class ReportCache:
    """Diagnostics of the lint rules that do not read figures, and the plain values of the
    report's YAML, by a key over all they depend on.

    A build reads the report again from its YAML every time; with ``values`` (validate, which
    publishes nothing) ``values()`` gives the recorded ones instead. A diagnostic is used only if
    its code is one of ``codes`` (what those rules can report), its severity is error or
    warning, its position lies inside the file and its message is one printable line; a file
    that fails any check is discarded whole, with a note.
    """

    def __init__(self, folder: Path, note: Note, codes: Iterable[str], *, read: bool = True, discard_bad: bool = True, values: bool = False) -> None:
        self.path = folder / "reports.json"
        self.note = note
        self.discard_bad = discard_bad  #: remove a file that fails a check (validate only reads)
        self.use_values = values
        self.codes = frozenset(codes)
        self.entries: dict[str, dict[str, Any]] = {}
        self.used: dict[str, dict[str, Any]] = {}
        if not read:  # --force: start afresh; save() writes what this build found
            return
        try:
            raw = read_cache_file(self.path, MAX_RECORD_BYTES)
            if raw is not None:
                self.entries = self._checked(raw)
        except CacheProblem as problem:
            self._discard(str(problem))

    def _discard(self, problem: str) -> None:
        self.note(f"{CACHE_DIR}/{problem} ({'discarded' if self.discard_bad else 'ignored'})")
        self.entries = {}
        if self.discard_bad:
            discard(self.path)

    def _checked(self, raw: bytes) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise CacheProblem("reports.json is not valid JSON") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("reports"), dict):
            raise CacheProblem("reports.json is not a record of this version of sitrepgen")
        for name, entry in data["reports"].items():
            if not (
                safe_name(name)
                and isinstance(entry, dict)
                and set(entry) in ({"key", "diagnostics"}, {"key", "diagnostics", "values"})
                and isinstance(entry["key"], str)
                and _SHA256.fullmatch(entry["key"])
                and isinstance(entry["diagnostics"], list)
            ):
                raise CacheProblem(f"reports.json has an invalid entry for {name!r}")
        return data["reports"]

    def knows(self, name: str, key: str) -> bool:
        entry = self.entries.get(name)
        return entry is not None and entry["key"] == key

    def get(self, name: str, key: str, text: str) -> list[CachedDiagnostic] | None:
        """The diagnostics recorded for ``key``, each checked against ``text`` (the YAML)."""
        entry = self.entries.get(name)
        if entry is None or entry["key"] != key:
            return None
        lines = text.splitlines() or [""]
        found: list[CachedDiagnostic] = []
        for item in entry["diagnostics"]:
            if not (isinstance(item, list) and len(item) == 5):
                self._discard(f"reports.json has an invalid diagnostic for {name!r}")
                return None
            line, col, severity, code, message = item
            if not (
                isinstance(line, int) and isinstance(col, int) and 1 <= line <= len(lines) + 1
                and 1 <= col <= (len(lines[line - 1]) if line <= len(lines) else 0) + 1
                and severity in ("error", "warning") and code in self.codes and printable(message)
            ):
                self._discard(f"reports.json has a diagnostic for {name!r} that fails a check")
                return None
            found.append((line, col, severity, code, message))
        self.used[name] = entry
        return found

    def values(self, name: str, key: str) -> Any | None:
        """The plain values recorded for ``key``, when this cache may stand them in for parsing
        (the caller still checks them as the fast loader checks its own)."""
        entry = self.entries.get(name)
        if not self.use_values or entry is None or entry["key"] != key or not isinstance(entry.get("values"), dict):
            return None
        try:
            return decode_values(entry["values"])
        except (ValueError, RecursionError):
            self._discard(f"reports.json has invalid values for {name!r}")
            return None

    def put(self, name: str, key: str, diagnostics: list[CachedDiagnostic], values: Any = None) -> None:
        self.used[name] = {"key": key, "diagnostics": [list(d) for d in diagnostics]}
        self.record_values(name, values)

    def record_values(self, name: str, values: Any) -> None:
        """Record the plain values of the entry ``name`` (put or used by this run) that its YAML
        parsed to; values that are not plain are not recorded (validate parses that file)."""
        entry = {key: item for key, item in self.used[name].items() if key != "values"}
        if values is not None:
            try:
                entry["values"] = encode_values(values)
            except ValueError:
                pass
        self.used[name] = entry

    def save(self) -> None:
        write_atomic(self.path, json.dumps({"format": FORMAT, "reports": self.used}, sort_keys=True).encode("utf-8"))


_PDF_ENTRY = re.compile(r"[0-9a-f]{64}\.(pdf|sha256)")


class PdfCache:
    """PDFs by content key. The stored hash catches a damaged file, not a forged one (a writer
    of the cache can substitute a PDF: docs/security.md says what CI should do about it)."""

    def __init__(self, folder: Path, note: Note, *, read: bool = True, edition: str = "public") -> None:
        self.note = note
        self.folder = real_folder(folder / f"pdf{_edition_suffix(edition)}", note)
        self.used: set[str] = set()
        self.read = read  #: False (--force): every PDF is rendered, and the old ones pruned

    def get(self, key: str) -> bytes | None:
        assert _SHA256.fullmatch(key), key
        if not self.read:
            return None
        pdf, sha = self.folder / f"{key}.pdf", self.folder / f"{key}.sha256"
        try:
            data = read_cache_file(pdf, MAX_PDF_BYTES)
            expected = read_cache_file(sha, 64)
        except CacheProblem as problem:
            self.note(f"{CACHE_DIR}/pdf/{problem} (discarded)")
            discard(pdf)
            discard(sha)
            return None
        if data is None or expected is None or digest_bytes(data) != expected.decode("ascii", "replace").strip():
            return None
        self.used.add(key)
        return data

    def put(self, key: str, data: bytes) -> None:
        write_atomic(self.folder / f"{key}.pdf", data)
        write_atomic(self.folder / f"{key}.sha256", digest_bytes(data).encode("ascii"))
        self.used.add(key)

    def prune(self) -> None:
        """Drop the PDFs this build did not use, so the cache does not grow week after week.

        Only regular files named as the cache names them are deleted; anything else in the
        folder (a link, a folder, another name) is left alone, and nothing is followed.
        """
        with os.scandir(self.folder) as entries:
            for entry in entries:
                if _PDF_ENTRY.fullmatch(entry.name) and entry.is_file(follow_symlinks=False) and entry.name.split(".")[0] not in self.used:
                    Path(entry.path).unlink(missing_ok=True)
