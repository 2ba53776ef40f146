"""The pre-commit hook `netlify-reconciler-validate` (see .pre-commit-hooks.yaml): validate before committing.

pre-commit passes the changed manifest files; the directory holding each is validated as one manifest set
(a directory inside another one that is validated too is not validated twice). With `--path DIR` in the
hook's `args`, DIR is validated instead, whichever files changed: the whole set, as `plan` reads it.

A commit hook has none of the CI secrets the manifests read, so here a `${VAR}` that is not set stands for
itself; its syntax and every other check are as `validate` does them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from reconciler.manifest.load import display_name
from reconciler.model.errors import ReconcilerError
from reconciler.session import load_and_check


class UnsetVariablesAllowed(Mapping[str, str]):
    """The environment, where a variable that is not set reads as its own reference (`${NAME}`): distinct
    per name, so two secrets never look like one value to a duplicate check."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def __getitem__(self, name: str) -> str:
        return self.environ.get(name, "${" + name + "}")

    def __contains__(self, name: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self.environ)

    def __len__(self) -> int:
        return len(self.environ)


def targets(files: Sequence[Path], paths: Sequence[Path]) -> list[Path]:
    """What to validate: the configured paths, else the changed files' directories, outermost only."""
    if paths:
        return list(dict.fromkeys(paths))
    directories = sorted({Path(os.path.normpath(file.parent)) for file in files}, key=lambda d: d.parts)
    outermost: list[Path] = []
    for directory in directories:
        if not any(directory.is_relative_to(kept) for kept in outermost):
            outermost.append(directory)
    return outermost


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="netlify-reconciler-validate",
        description="Validate Netlify manifests (pre-commit hook): each changed file's directory, or --path.",
    )
    parser.add_argument(
        "--path", action="append", type=Path, default=[], metavar="DIR",
        help="validate this manifest file or directory (repeatable), not the changed files' directories",
    )  # fmt: skip
    parser.add_argument("files", nargs="*", type=Path, help="changed files (pre-commit passes them)")
    args = parser.parse_args(argv)
    failed = False
    for target in targets(args.files, args.path):
        try:
            desired, _ = load_and_check(target, UnsetVariablesAllowed(os.environ))
        except ReconcilerError as error:
            print(f"Error: {error}", file=sys.stderr)
            failed = True
            continue
        teams, sites, files = len(desired.teams), len(desired.sites), len(desired.files)
        print(f"{display_name(target)}: valid, {teams} team(s) and {sites} site(s) in {files} file(s).")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
