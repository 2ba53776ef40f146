"""Serverless functions: find them in the functions directory, zip each one deterministically, and tell
JavaScript from Go.

Rules (each top-level entry of the functions directory; hidden and `__MACOSX` names are skipped):
- `NAME.js`, `.mjs`, `.cjs`, `.ts`, `.mts` or `.cts` → JavaScript function NAME; the zip holds that file;
- `NAME` without an extension whose first bytes are an ELF header → Go function NAME (Netlify runs Go
  functions as prebuilt Linux binaries); the zip holds the binary;
- a directory `NAME/` holding `index.<js ext>` or `NAME.<js ext>` → JavaScript function NAME; one holding
  an ELF binary named `NAME` or `main` → Go function NAME; the zip holds the directory's whole tree (with
  the publish directory's rules: hidden names skipped, symlinks kept inside it);
- any other file at the top level (`package.json`, `README.md`, ...) is not a function and is ignored;
- a dangling symlink at the top level is a `DeployInputError`, as in the publish directory;
- a directory that matches neither rule, two entries giving the same name (`a.js` and `a.ts`), or a name
  Netlify refuses (it allows letters, digits, `-`, `_`, `.`) is a `DeployInputError`.

Zips are written to `<workdir>/functions/<name>.zip` by `zipper.write_zip` (sorted entries, fixed dates and
permissions, stored), so the same sources always give the same SHA-256 and an unchanged function is never
uploaded again.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from reconciler.deploy.hashing import file_digest
from reconciler.deploy.tree import DeployInputError, TreeFile, is_skipped, walk_tree
from reconciler.deploy.zipper import ZipEntry, write_zip

JS_EXTENSIONS = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
ELF_MAGIC = b"\x7fELF"
_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,255}$")


@dataclass(frozen=True)
class LocalFunction:
    """A zipped function, ready for the manifest (`name` → `sha256`) and its upload (`zip_path`)."""

    name: str
    zip_path: Path
    sha256: str
    runtime: str  # "js" | "go": the `runtime` query parameter of the upload
    size: int


@dataclass(frozen=True)
class FunctionSource:
    """A function found in the functions directory, before zipping."""

    name: str
    runtime: str  # "js" | "go"
    files: tuple[ZipEntry, ...]


def is_elf(path: str | Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == ELF_MAGIC
    except OSError:
        return False


def _entries(files: list[TreeFile]) -> tuple[ZipEntry, ...]:
    return tuple(ZipEntry(f.path, f.source, f.size) for f in files)


def _single_file(functions_dir: Path, entry: os.DirEntry[str]) -> FunctionSource | None:
    path = Path(entry.path)
    stem, suffix = os.path.splitext(entry.name)
    if suffix in JS_EXTENSIONS and stem:
        runtime, name = "js", stem
    elif not suffix and is_elf(path):
        runtime, name = "go", entry.name
    else:
        return None
    real = os.path.realpath(path)
    if not real.startswith(os.path.realpath(functions_dir) + os.sep):
        raise DeployInputError(f"{path}: symlink points outside the functions directory (to {real})")
    return FunctionSource(name, runtime, (ZipEntry(entry.name, str(path), os.stat(real).st_size),))


def _directory(path: Path) -> FunctionSource:
    name = path.name
    files = walk_tree(path, what="function directory")
    top = {f.path for f in files if "/" not in f.path}
    if any(f"{base}{ext}" in top for base in ("index", name) for ext in JS_EXTENSIONS):
        return FunctionSource(name, "js", _entries(files))
    binaries = [f for f in files if f.path in (name, "main") and is_elf(f.source)]
    if binaries:
        return FunctionSource(name, "go", _entries(files))
    raise DeployInputError(
        f"{path}: not a function: a function directory needs index.js (or {name}.js, .mjs, .cjs, .ts, ...) "
        f"for JavaScript, or an ELF binary named {name} or main for Go"
    )


def find_functions(functions_dir: Path) -> list[FunctionSource]:
    """The functions of `functions_dir`, sorted by name (see the module docstring for the rules)."""
    if not functions_dir.is_dir():
        raise DeployInputError(f"functions directory {functions_dir} does not exist or is not a directory")
    found: dict[str, FunctionSource] = {}
    origin: dict[str, str] = {}
    for entry in sorted(os.scandir(functions_dir), key=lambda e: e.name):
        if is_skipped(entry.name):
            continue
        if entry.is_dir():  # follows a symlink; walk_tree then checks the containment of what is inside
            real = os.path.realpath(entry.path)
            if not real.startswith(os.path.realpath(functions_dir) + os.sep):
                raise DeployInputError(f"{entry.path}: symlink points outside the functions directory")
            source: FunctionSource | None = _directory(Path(entry.path))
        elif entry.is_file():
            source = _single_file(functions_dir, entry)
        elif entry.is_symlink():  # dangling: skipping it would take the function away from production
            target = os.path.realpath(entry.path)
            raise DeployInputError(f"{entry.path}: symlink target {target} does not exist")
        else:
            continue
        if source is None:
            continue
        if not _NAME_RE.match(source.name) or source.name in (".", ".."):
            raise DeployInputError(
                f"{entry.path}: function name {source.name!r} is not allowed: use 1-255 letters, digits, "
                "'-', '_' or '.'"
            )
        if source.name in found:
            raise DeployInputError(
                f"{functions_dir}: {origin[source.name]} and {entry.name} both define function {source.name}"
            )
        found[source.name] = source
        origin[source.name] = entry.name
    return [found[name] for name in sorted(found)]


def zip_function(source: FunctionSource, workdir: Path) -> LocalFunction:
    """Zip one function into `workdir/functions/NAME.zip` and digest the archive."""
    destination = workdir / "functions" / f"{source.name}.zip"
    size = write_zip(source.files, destination, deflate=False)
    return LocalFunction(source.name, destination, file_digest(destination, "sha256"), source.runtime, size)
