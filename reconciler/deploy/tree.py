"""Walking a publish (or function) directory with netlify-cli's rules, refusing what Netlify would refuse.

Everything here happens before the first request, so a tree that cannot be deployed fails fast with the
offending paths named, instead of halfway through an upload. Rules (documented in `docs/deploys.md`):

- names starting with `.` are skipped, except `.well-known`; names starting with `__MACOSX` are skipped;
- symlinks are followed when their target (fully resolved) stays inside the directory, and refused when it
  escapes it, dangles, loops back into one of its own ancestors, or is something the walk leaves out (in
  the functions directory, or under a skipped name): a link must not publish what the rules keep private;
- a path containing `#` or `?` (the CDN treats them as URL syntax), a backslash, a literal `%2F`, `%5C`
  or `%00` (Netlify refuses encoded separators), or a name that is not valid UTF-8 is refused;
- a directory with more than `MAX_DIR_ENTRIES` deployed entries is refused (Netlify fails such deploys);
- anything that is neither a file nor a directory (a socket, a FIFO, a device) is refused.

The result is sorted by path, with forward slashes and no leading slash, so the same tree always gives the
same manifest whatever order the filesystem lists it in.
"""

from __future__ import annotations

import os
from collections import namedtuple
from collections.abc import Iterator
from functools import partial
from pathlib import Path

from reconciler.model.base_error import ReconcilerError

MAX_DIR_ENTRIES = 54_000
MAX_PROBLEMS_SHOWN = 20
UNKNOWN_SIZE = -1  # a file's size when the walk was asked not to `stat` files
_FORBIDDEN_CHARS = ("#", "?", "\\")
_ENCODED_SEPARATORS = ("%2f", "%5c", "%00")  # Netlify refuses them in any case: "encoded slashes"


class DeployInputError(ReconcilerError):
    """The local tree cannot be deployed as it is; the message names the offending path(s)."""


# A file to deploy: its manifest path (relative, forward slashes), where to read it, and its size.
# A tuple of plain strings, not a dataclass holding a `Path`: a tree of 20,000 files is walked in a third of
# the time (`pathlib` parsing was half of the walk). Type checkers see a `typing.NamedTuple`; at run time it
# is the same tuple made by `collections.namedtuple`, because importing `typing` (and compiling the string
# annotations a NamedTuple turns into) was a tenth of a fresh process's scan of a 2,000-file tree.
TYPE_CHECKING = False  # type checkers read it as true
if TYPE_CHECKING:
    from typing import NamedTuple

    class TreeFile(NamedTuple):
        path: str
        source: str
        size: int

else:
    TreeFile = namedtuple("TreeFile", ("path", "source", "size"))


_tree_file = partial(tuple.__new__, TreeFile)  # a TreeFile from one 3-tuple, without a Python-level call


def is_skipped(name: str) -> bool:
    """netlify-cli's filter: hidden names (but `.well-known`, which holds ACME and app-link files) and the
    `__MACOSX` resource-fork folders that macOS zip tools leave behind."""
    if name.startswith(".") and name != ".well-known":
        return True
    return name.startswith("__MACOSX")


def name_problem(name: str) -> str | None:
    """Why a file or directory name cannot be part of a deploy, or None. The walk calls it only for names
    that are not plain ASCII without `_FORBIDDEN_CHARS` and `%` (its inline check decides the usual case)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "the name is not valid UTF-8"
    bad = [c for c in _FORBIDDEN_CHARS if c in name]
    if bad:
        shown = " or ".join(repr(c) for c in bad)
        return f"deployed paths cannot contain {shown} (Netlify refuses them)"
    encoded = [e for e in _ENCODED_SEPARATORS if e in name.lower()]
    if encoded:
        shown = " or ".join(encoded)
        return f"deployed paths cannot contain {shown} in any case (Netlify refuses encoded separators)"
    return None


def check_entry_count(directory: str, count: int, limit: int = MAX_DIR_ENTRIES) -> str | None:
    """The problem with a directory holding `count` deployed entries, or None (Netlify fails deploys
    with more than `limit` files in one directory)."""
    if count > limit:
        return f"{directory}: {count:,} entries in one directory; Netlify allows at most {limit:,}"
    return None


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def _display(relative: str, root: Path) -> str:
    return str(root / relative) if relative else str(root)


def walk_tree(
    root: Path,
    *,
    max_dir_entries: int = MAX_DIR_ENTRIES,
    what: str = "publish directory",
    exclude: frozenset[str] = frozenset(),
) -> list[TreeFile]:
    """Every deployable file under `root` with its size, sorted by path; DeployInputError listing all
    problems found (see `walk_batches`)."""
    files = [
        f
        for batch in walk_batches(root, max_dir_entries=max_dir_entries, what=what, exclude=exclude)
        for f in batch
    ]
    files.sort()  # by path: paths are unique, so the other fields are never compared
    return files


def walk_batches(
    root: Path,
    *,
    max_dir_entries: int = MAX_DIR_ENTRIES,
    what: str = "publish directory",
    exclude: frozenset[str] = frozenset(),
    sizes: bool = True,
) -> Iterator[list[TreeFile]]:
    """Each directory's deployable files as soon as it is listed (unsorted), so that hashing can start
    during the walk; DeployInputError listing all problems found, once the walk is over.

    `exclude` holds real paths of directories to leave out (the functions directory when it lies inside
    the publish directory: function sources must not be served as static files). Without `sizes`, a
    regular file's size is UNKNOWN_SIZE: a caller that reads every file anyway (hashing) learns it there,
    and the walk saves one `lstat` per file, a third of its time on a tree of small files.
    """
    try:
        real_root = os.path.realpath(root, strict=True)
    except OSError:
        raise DeployInputError(f"{what} {root} does not exist") from None
    if not os.path.isdir(real_root):
        raise DeployInputError(f"{what} {root} is not a directory")
    problems: list[str] = []
    # (real path of the directory, manifest prefix, real paths of it and its ancestors)
    stack: list[tuple[str, str, frozenset[str]]] = [(real_root, "", frozenset({real_root}))]
    while stack:
        directory, prefix, ancestors = stack.pop()
        files: list[TreeFile] = []
        kept = 0
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError as exc:
            problems.append(f"{_display(prefix, root)}: cannot list: {exc.strerror or exc}")
            continue
        for entry in entries:
            name = entry.name
            # The checks are called only for names that may fail them: this loop runs once per file.
            if name[0] in "._" and is_skipped(name):
                continue
            relative = prefix + name
            if not name.isascii() or "#" in name or "?" in name or "\\" in name or "%" in name:
                problem = name_problem(name)
                if problem:
                    problems.append(f"{_display(relative, root)!r}: {problem}")
                    continue
            kept += 1
            try:
                if entry.is_file(follow_symlinks=False):  # the usual case first
                    size = entry.stat(follow_symlinks=False).st_size if sizes else UNKNOWN_SIZE
                    files.append(_tree_file((relative, entry.path, size)))
                elif entry.is_dir(follow_symlinks=False):
                    real = os.path.join(directory, name)
                    if real in exclude:
                        kept -= 1
                    else:
                        stack.append((real, relative + "/", ancestors | {real}))
                elif entry.is_symlink():
                    found = _follow(entry.path, _display(relative, root), real_root, what, exclude)
                    if isinstance(found, str):
                        problems.append(found)
                    elif isinstance(found, int):
                        files.append(TreeFile(relative, entry.path, found))
                    elif found.target in ancestors:
                        problems.append(f"{_display(relative, root)}: symlink loops back to {found.target}")
                    else:
                        stack.append((found.target, relative + "/", ancestors | {found.target}))
                else:
                    problems.append(f"{_display(relative, root)}: not a regular file or directory")
            except OSError as exc:
                problems.append(f"{_display(relative, root)}: cannot read: {exc.strerror or exc}")
        if files:
            yield files
        too_many = check_entry_count(_display(prefix.rstrip("/"), root), kept, max_dir_entries)
        if too_many:
            problems.append(too_many)
    if problems:
        raise DeployInputError(_problem_text(what, root, problems))


class _LinkedDirectory:
    """A symlink's target that is a directory inside the tree (to be walked)."""

    __slots__ = ("target",)

    def __init__(self, target: str) -> None:
        self.target = target


def _follow(
    link: str, shown: str, real_root: str, what: str, exclude: frozenset[str]
) -> str | int | _LinkedDirectory:
    """Where a symlink leads: a problem (str), a file's size (int), or a directory to walk."""
    target = os.path.realpath(link)
    if not _inside(target, real_root):
        return f"{shown}: symlink points outside the {what} (to {target})"
    if any(_inside(target, left_out) for left_out in exclude):
        return f"{shown}: symlink points into the functions directory (to {target}), which is not published"
    hidden = [part for part in target[len(real_root) :].split(os.sep) if part and is_skipped(part)]
    if hidden:
        return f"{shown}: symlink points to the skipped name {hidden[0]!r} (to {target}), not published"
    if not os.path.exists(target):
        return f"{shown}: symlink target {target} does not exist"
    if os.path.isdir(target):
        return _LinkedDirectory(target)
    if os.path.isfile(target):
        return os.stat(target).st_size
    return f"{shown}: not a regular file or directory"


def _problem_text(what: str, root: Path, problems: list[str]) -> str:
    problems.sort()
    shown = problems[:MAX_PROBLEMS_SHOWN]
    more = len(problems) - len(shown)
    lines = [f"cannot deploy {what} {root}: {len(problems)} problem(s), nothing was sent:"]
    lines += [f"  {p}" for p in shown]
    if more:
        lines.append(f"  ... and {more} more")
    return "\n".join(lines)
