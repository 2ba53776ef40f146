"""Fresh virtualenvs and a copy of the source tree, for the tests of what a user installs.

Builds and installs run on a copy of the tracked sources, never in the repository itself: a build writes
`build/` and `*.egg-info` next to its sources, which tests running in parallel must not see change under
them. Packages come from the package index, as for a user (pip's cache keeps repeated runs quick).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", ".tools", "__pycache__", ".*_cache", "build", "dist", "*.egg-info", "emu-data",
    ".netlify-reconciler",
)  # fmt: skip
INSTALL_TIMEOUT = 600


def copy_sources(destination: Path) -> Path:
    """The repository without its local state (virtualenv, tools, caches, builds); symlinks stay links."""
    shutil.copytree(REPO, destination, symlinks=True, ignore=NOT_SOURCES)
    return destination


def run(
    command: list[str | Path], *, check: bool = True, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command; with `check`, fail the test with its whole output when it fails."""
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=INSTALL_TIMEOUT, check=False,
    )  # fmt: skip
    if check:
        assert result.returncode == 0, (
            f"{' '.join(map(str, command))} exited {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return result


class Venv:
    """A new virtualenv made by this interpreter, with nothing but pip in it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        run([sys.executable, "-m", "venv", root])

    def bin(self, name: str) -> Path:
        return self.root / "bin" / name

    def pip(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return run([self.bin("python"), "-m", "pip", "--disable-pip-version-check", "--no-input", *args])

    def distributions(self) -> set[str]:
        """Names of the installed distributions, normalised (lower case, `-` for `_`)."""
        listed = json.loads(self.pip("list", "--format=json").stdout)
        return {entry["name"].lower().replace("_", "-") for entry in listed}
