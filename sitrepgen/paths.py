"""Where a build may read and write: every path is resolved once and must stay in its folder.

Standard library only (the no-op check of ``sitrepgen build`` uses it before any heavy import).

- Inputs (report files, figures) are resolved with their symlinks followed, and must lie inside
  the folder they belong to; a link that leaves it, or a link loop, is an error at the line that
  names the path, and the target is never read.
- The output folder is replaced whole by every build, so it must be a folder of its own: never the
  project, a folder holding the project's sources, the build cache or ``.git``. A folder the build
  made carries a mark file (``SITE_MARK``); a non-empty folder without it is never replaced.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from pathlib import Path, PurePosixPath

#: The file that marks a folder as written by ``sitrepgen build`` (and so safe to replace).
SITE_MARK = ".sitrepgen-site"
SITE_MARK_TEXT = b"This folder is written by 'sitrepgen build' and replaced whole on every build.\n"
CACHE_DIR = ".sitrepgen-cache"


class PathProblem(ValueError):
    """A path that cannot be used; the message says why and what to do."""


def resolve(path: Path) -> Path:
    """``path`` with every symlink followed (it need not exist); PathProblem for a link loop.

    Python 3.11 raises RuntimeError for a loop and 3.13 OSError (ELOOP): both are the user's
    files, never an internal error.
    """
    try:
        return path.resolve()
    except RuntimeError:
        raise PathProblem("is a symbolic link loop") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise PathProblem("is a symbolic link loop") from None
        raise


def is_inside(path: Path, folder: Path) -> bool:
    """Whether resolved ``path`` is ``folder`` or lies under it (both already resolved)."""
    return path == folder or path.is_relative_to(folder)


def shown(folder: str) -> str:
    """A project folder as messages write it: 'sitreps/'."""
    return folder.rstrip("/") + "/"


def output_dir_problem(root: Path, output_dir: str, reports_dir: str, templates_dir: str) -> str | None:
    """Why ``output_dir`` cannot be the build's output folder, or None.

    The build replaces that folder whole, so it may not be (or contain) the project, its reports
    or templates, the build cache or the git repository, nor lie inside the cache or ``.git``,
    nor lead outside the project; its last part may not be a symbolic link (the swap would
    replace the link, not the folder it names).
    """
    root = root.resolve()
    pure = PurePosixPath(output_dir)
    advice = "the build replaces its output folder whole; name a folder of its own, such as 'site'"
    if pure.name in ("", ".", ".."):
        return f"output_dir '{output_dir}' is the project folder itself; {advice}"
    target = root / pure
    if target.is_symlink():
        return f"output_dir '{output_dir}' is a symbolic link; {advice}, not a link"
    try:
        resolved = resolve(target.parent) / target.name
    except PathProblem:
        return f"output_dir '{output_dir}' leads through a symbolic link loop; {advice}"
    if not resolved.is_relative_to(root) or resolved == root:
        return f"output_dir '{output_dir}' leads outside the project (through a symbolic link); {advice} inside the project"
    protected = {
        f"reports_dir ('{reports_dir}')": root / reports_dir,
        f"templates_dir ('{templates_dir}')": root / templates_dir,
        f"the build cache ({CACHE_DIR})": root / CACHE_DIR,
        "the git repository (.git)": root / ".git",
    }
    for name, folder in protected.items():
        try:
            folder = resolve(folder)
        except PathProblem:
            continue  # reported by the check of that folder
        if resolved == folder:
            return f"output_dir '{output_dir}' is {name}; {advice}"
        if folder.is_relative_to(resolved):
            return f"output_dir '{output_dir}' contains {name}; {advice}"
        if resolved.is_relative_to(folder) and name.startswith(("the build cache", "the git")):
            return f"output_dir '{output_dir}' is inside {name}; {advice}"
    return None


def folder_problem(root: Path, name: str, value: str) -> str | None:
    """Why the source folder ``value`` (reports_dir, templates_dir, figure_dirs) cannot be used:
    it must stay inside the project once its symlinks are followed."""
    root = root.resolve()
    try:
        resolved = resolve(root / value)
    except PathProblem:
        return f"{name} '{value}' is a symbolic link loop"
    if not is_inside(resolved, root):
        return f"{name} '{value}' leads outside the project (through a symbolic link); keep it inside the project"
    return None


def site_state(folder: Path) -> str:
    """'missing', 'empty', 'ours' (it has the mark), 'not-a-folder' or 'foreign'."""
    try:
        info = folder.lstat()
    except FileNotFoundError:
        return "missing"
    if not stat.S_ISDIR(info.st_mode):
        return "not-a-folder"
    try:
        mark = (folder / SITE_MARK).lstat()
        if stat.S_ISREG(mark.st_mode):
            return "ours"
    except FileNotFoundError:
        pass
    with os.scandir(folder) as entries:
        return "foreign" if any(True for _ in entries) else "empty"


def make_writable(folder: Path) -> None:
    """Give the owner write access to every real folder under ``folder`` (never through a link),
    so that a site someone made read-only can be removed."""
    for current, dirs, _ in os.walk(folder, followlinks=False):
        info = os.lstat(current)
        if stat.S_ISDIR(info.st_mode):
            os.chmod(current, stat.S_IMODE(info.st_mode) | stat.S_IRWXU)
        dirs[:] = [d for d in dirs if stat.S_ISDIR(os.lstat(os.path.join(current, d)).st_mode)]


def remove_tree(folder: Path) -> None:
    """Remove a folder the build made; a read-only one is made writable first.

    Raises OSError when it still cannot be removed (the caller says so plainly).
    """
    if not folder.exists() and not folder.is_symlink():
        return
    if folder.is_symlink() or not folder.is_dir():
        folder.unlink()
        return
    try:
        shutil.rmtree(folder)
    except PermissionError:
        make_writable(folder)
        shutil.rmtree(folder)
