"""The scripts that install Netlify's npm packages recover from an earlier install that was interrupted."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "install-netlify-openapi.sh"


def _install(target: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NETLIFY_OPENAPI_DIR": str(target)}
    return subprocess.run(
        ["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_an_install_left_incomplete_is_made_again_from_an_empty_node_modules(tmp_path: Path) -> None:
    target = tmp_path / "openapi"
    first = _install(target)
    assert first.returncode == 0, first.stderr
    spec = target / "node_modules" / "@netlify" / "open-api" / "dist" / "swagger.json"
    assert spec.is_file()
    # What an interrupted extraction leaves: npm's records still list the package, so a plain
    # `npm install` reports success and puts nothing back.
    shutil.rmtree(spec.parent)
    again = _install(target)
    assert again.returncode == 0, again.stderr
    assert "installing again into an empty node_modules" in again.stdout
    assert json.loads(spec.read_text(encoding="utf-8"))["swagger"] == "2.0"
