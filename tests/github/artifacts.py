"""Workflow-run artifacts for the local workflow runs: what `actions/upload-artifact` stores (local_runner.py)
and what `gh api .../actions/artifacts` and `gh run download` give back (fake_gh.py), in one directory:

    <root>/index.json           [{id, name, workflow_run: {id, head_sha}, expired, created_at}, ...]
    <root>/<id>/<file>          the uploaded files, by base name
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any


class ArtifactStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.index = root / "index.json"

    def artifacts(self) -> list[dict[str, Any]]:
        """Every artifact, newest first (as the REST API lists them)."""
        if not self.index.exists():
            return []
        stored: list[dict[str, Any]] = json.loads(self.index.read_text(encoding="utf-8"))
        return sorted(stored, key=lambda artifact: -int(artifact["id"]))

    def upload(self, name: str, files: list[Path], run_id: str, head_sha: str) -> dict[str, Any]:
        """Store `files` as artifact `name` of the run; a run cannot upload one name twice (as on GitHub)."""
        stored = self.artifacts()
        if any(a["name"] == name and str(a["workflow_run"]["id"]) == run_id for a in stored):
            raise ValueError(f"an artifact named {name!r} already exists in run {run_id}")
        artifact = {
            "id": max((int(a["id"]) for a in stored), default=9000) + 1,
            "name": name,
            "workflow_run": {"id": int(run_id), "head_sha": head_sha},
            "expired": False,
            "created_at": f"2026-01-01T00:00:{len(stored):02d}Z",
        }
        folder = self.root / str(artifact["id"])
        folder.mkdir(parents=True)
        for file in files:
            shutil.copy(file, folder / file.name)
        self.index.write_text(json.dumps([*stored, artifact], indent=2), encoding="utf-8")
        return artifact

    def files(self, artifact: dict[str, Any]) -> list[Path]:
        return sorted((self.root / str(artifact["id"])).iterdir())

    def expire(self, name: str) -> None:
        """Let every artifact of that name pass its retention period: listed as expired, no longer downloadable."""
        stored = self.artifacts()
        for artifact in stored:
            if artifact["name"] == name:
                artifact["expired"] = True
                shutil.rmtree(self.root / str(artifact["id"]), ignore_errors=True)
        self.index.write_text(json.dumps(stored, indent=2), encoding="utf-8")
