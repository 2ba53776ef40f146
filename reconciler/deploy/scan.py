"""The local side of a deploy: which files and functions a directory holds, and their digests.

`local_digest` is what `plan` calls: it walks the publish directory (`tree.walk_batches`: netlify-cli's
skip rules, symlink containment, refused names and oversized directories, all before any request), hashes
every file (`hashing.HashPipeline`, starting while the walk goes on) and zips every function
(`functions`). The result is everything the plan compares with the published deploy and everything the
engine needs to upload.
"""

from __future__ import annotations

import gc
import os
import stat
import threading
from collections import namedtuple
from collections.abc import Mapping
from functools import partial
from pathlib import Path

from reconciler.deploy.hashing import HashPipeline
from reconciler.deploy.progress import Progress
from reconciler.deploy.tree import MAX_DIR_ENTRIES, DeployInputError, TreeFile, walk_batches

TYPE_CHECKING = False  # type checkers read it as true; `typing` is not imported at run time (see LocalFile)
if TYPE_CHECKING:
    from typing import NamedTuple

    from reconciler.deploy.functions import LocalFunction

# Hashing shows progress (on stderr: a bar on a terminal, lines in CI) only once it has taken this long,
# so a small site's plan prints nothing extra and a large tree never looks stuck.
HASH_PROGRESS_DELAY = 1.0
EMPTY_SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"

__all__ = ["MAX_DIR_ENTRIES", "DeployInputError", "LocalDigest", "LocalFile", "local_digest"]


# A file of the publish directory: manifest path (relative, forward slashes, no leading slash), where to read
# it, its size and SHA-1. A named tuple: tens of thousands are made per plan, and a frozen dataclass is slower
# to build. Type checkers see a `typing.NamedTuple`, run time a `collections.namedtuple`, like `TreeFile`.
if TYPE_CHECKING:

    class LocalFile(NamedTuple):
        path: str
        source: str
        size: int
        sha1: str

else:
    LocalFile = namedtuple("LocalFile", ("path", "source", "size", "sha1"))


_local_file = partial(tuple.__new__, LocalFile)  # LocalFile from one 4-tuple, without a Python-level call


class LocalDigest:
    """Files by path and functions by name, both in sorted order. A plain class, like the rest of this
    module's import chain: a process that only scans a tree does not load `dataclasses` (and `inspect`
    with it), a tenth of its start-up."""

    def __init__(
        self, files: dict[str, LocalFile] | None = None, functions: dict[str, LocalFunction] | None = None
    ) -> None:
        self.files = files if files is not None else {}
        self.functions = functions if functions is not None else {}

    def file_shas(self) -> dict[str, str]:
        return {path: f.sha1 for path, f in self.files.items()}

    def function_shas(self) -> dict[str, str]:
        return {name: f.sha256 for name, f in self.functions.items()}

    def blobs(self) -> dict[str, LocalFile]:
        """One file per distinct SHA-1 (the first path in sorted order): what an upload needs to send."""
        unique: dict[str, LocalFile] = {}
        for local in self.files.values():
            unique.setdefault(local.sha1, local)
        return unique

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files.values())


def local_digest(
    publish_dir: Path,
    functions_dir: Path | None,
    workdir: Path,
    workers: int = 2,
    progress: Progress | None = None,
) -> LocalDigest:
    """Scan, hash and zip; `workdir` receives the function zips. DeployInputError before any request.
    Hashing reports to `progress`, by default stderr after HASH_PROGRESS_DELAY seconds."""
    exclude: frozenset[str] = frozenset()
    if functions_dir is not None and functions_dir.is_dir():
        # Function sources inside the publish directory must not be served as static files.
        exclude = frozenset({os.path.realpath(functions_dir)})
    progress = progress or Progress.for_stream(delay=HASH_PROGRESS_DELAY)
    found: list[TreeFile] = []  # in the order found, which is the order hashed
    with _CollectorPaused():
        with HashPipeline(workers) as pipeline:  # hashing starts while the walk goes on
            for batch in walk_batches(publish_dir, exclude=exclude, sizes=False):
                found.extend(batch)
                pipeline.add([f.source for f in batch])
            progress.start(f"hashing {_shown(publish_dir)}", len(found), pipeline.total_bytes)
            sha1s, sizes = pipeline.results(progress)
        progress.finish()
        files = _by_path(found, sizes, sha1s)
    return LocalDigest(files, _zipped(functions_dir, workdir))


class _CollectorPaused:
    """The cyclic garbage collector paused while a tree is scanned: the scan makes a few objects per file
    (tuples of strings, none in a cycle), and the collections they set off, each going over all of them
    again, were a fifth of the walk and of building the result. Nested and concurrent scans share one
    pause; the collector is resumed by the last, and only if it was running before the first."""

    _lock = threading.Lock()
    _depth = 0
    _resume = False

    def __enter__(self) -> None:
        with self._lock:
            if _CollectorPaused._depth == 0:
                _CollectorPaused._resume = gc.isenabled()
                gc.disable()
            _CollectorPaused._depth += 1

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            _CollectorPaused._depth -= 1
            if _CollectorPaused._depth == 0 and _CollectorPaused._resume:
                gc.enable()


def _by_path(found: list[TreeFile], sizes: list[int], sha1s: list[str]) -> dict[str, LocalFile]:
    """The hashed files by path, in path order. Built with C-level calls only (`zip`, `map`, one sort of
    strings), not a named-tuple constructor and a tuple comparison per file: for 20,000 files that was a
    tenth of the whole scan."""
    if not found:
        return {}
    paths, sources, _ = zip(*found, strict=True)
    made = dict(zip(paths, map(_local_file, zip(paths, sources, sizes, sha1s, strict=True)), strict=True))
    return {path: made[path] for path in sorted(made)}


def _zipped(functions_dir: Path | None, workdir: Path) -> dict[str, LocalFunction]:
    if functions_dir is None:
        return {}
    from reconciler.deploy.functions import find_functions, zip_function  # only a site with functions

    return {source.name: zip_function(source, workdir) for source in find_functions(functions_dir)}


def _shown(directory: Path) -> str:
    """A directory as the user would name it: relative to the working directory when below it."""
    try:
        return str(directory.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(directory)


def planned_digest(
    publish_dir: Path,
    files: Mapping[str, str],
    functions_dir: Path | None,
    functions: Mapping[str, str],
    workdir: Path,
) -> LocalDigest:
    """The digest a plan recorded, bound to the files on disk again (in any process): sizes are read
    now, contents are re-hashed while they upload, and functions are zipped again and must come out
    identical. Anything that moved since the plan is a DeployInputError before any request."""
    local: dict[str, LocalFile] = {}
    for path, sha1 in files.items():
        source = os.path.join(publish_dir, path)
        try:
            info = os.stat(source)
        except OSError as exc:
            raise DeployInputError(
                f"{source}: {exc.strerror or exc} since the plan was made; plan again"
            ) from None
        if not stat.S_ISREG(info.st_mode):  # a FIFO would block the upload, a device never end
            raise DeployInputError(f"{source}: no longer a regular file since the plan was made; plan again")
        if info.st_size == 0 and sha1 != EMPTY_SHA1:  # cheap to tell now, before anything is sent
            # Imported here: the scanner's import chain stays free of `typing` (whole-process hashing time).
            from reconciler.deploy.verifying_reader import FileChangedError

            raise FileChangedError(
                f"{source} changed since it was hashed (it is now empty); nothing was sent, plan again"
            )
        local[path] = LocalFile(path, source, info.st_size, sha1)
    zipped: dict[str, LocalFunction] = {}
    if functions:
        if functions_dir is None:
            raise DeployInputError("the plan deploys functions but names no functions directory; plan again")
        zipped = _zipped(functions_dir, workdir)
        now = {name: fn.sha256 for name, fn in zipped.items()}
        if now != dict(functions):
            moved = sorted(set(now.items()) ^ set(functions.items()))
            names = ", ".join(dict.fromkeys(name for name, _ in moved))
            raise DeployInputError(
                f"functions in {functions_dir} changed since the plan was made ({names}): "
                "nothing was deployed; plan again"
            )
    return LocalDigest(local, zipped)
