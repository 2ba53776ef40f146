"""Exported files reach the target directory only once they pass their check: an export that would not
load (this tool's bug) leaves an earlier export where it was, and no staging directory behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.export import Export
from reconciler.export.writer import write
from reconciler.model.errors import ReconcilerError


def _export(name: str) -> Export:
    return Export(documents={f"sites/{name}.yaml": {"version": 1, "sites": {name: {"team": "demo"}}}})


def _failing_check(staged: Path) -> None:
    assert (staged / "sites" / "new.yaml").is_file(), "the check sees the files to be written"
    raise ReconcilerError("internal error: the exported manifests do not validate")


def test_a_failed_check_leaves_the_earlier_export_and_no_staging(tmp_path):
    out = tmp_path / "netlify"
    written = write(_export("old"), out, force=False)
    assert out / "sites" / "old.yaml" in written and all(path.is_file() for path in written)
    (out / "notes.txt").write_text("kept")
    before = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}

    with pytest.raises(ReconcilerError, match="do not validate"):
        write(_export("new"), out, force=True, check=_failing_check)
    assert {path: path.read_bytes() for path in out.rglob("*") if path.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["netlify"], "no staging directory is left"

    write(_export("new"), out, force=True)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.yaml")) == ["sites/new.yaml"]
    assert (out / "notes.txt").read_text() == "kept", "--force replaces only what an export writes"
