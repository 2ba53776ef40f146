"""Netlify's own npm packages for the fidelity tests, installed by the project's scripts into `.tools/`.

`installed(...)` runs the install script when the package is missing (parallel test workers take turns
through a lock file). When it cannot be installed (no npm, no registry) the test fails with the script's
reason, on a laptop as in CI: the project can install these itself, so a run without them proves less and
must not look green.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".tools"


def installed(script: str, needed: list[Path], *, always: bool = False) -> None:
    """Make sure every path in `needed` exists, running `scripts/<script>` if one does not (or `always`: a
    script that also copies sources, which must be fresh every time)."""
    TOOLS.mkdir(parents=True, exist_ok=True)
    ignore = TOOLS / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")  # the lock files and the installs stay out of Git
    with open(TOOLS / f".{script}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not always and all(path.exists() for path in needed):
            return
        result = subprocess.run(
            ["bash", str(REPO / "scripts" / script)], capture_output=True, text=True, timeout=900, check=False
        )
    missing = [str(path) for path in needed if not path.exists()]
    if result.returncode == 0 and not missing:
        return
    reason = " | ".join((result.stderr.strip() or result.stdout.strip()).splitlines()[-3:])
    pytest.fail(
        f"scripts/{script} could not install {', '.join(missing) or 'the tool'}: {reason} "
        "(it needs npm and the npm registry; run the script by hand to see why)"
    )


def tool_env(home: Path, bin_dir: Path, **extra: str) -> dict[str, str]:
    """A clean environment for a Node tool: its own HOME (no user config), no update checks, CI mode."""
    home.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "CI": "1",
        "NO_UPDATE_NOTIFIER": "1",
        **extra,
    }
