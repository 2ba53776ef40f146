"""`drift --merge-reports` merges each shard of one split exactly once: every report says its shard, and a
missing or repeated shard, or a file that is not a drift report, is refused (exit 1, one clear line)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import run_cli, start_emulator

MANIFEST = "version: 1\nsites:\n" + "".join(f"  merge-{i}:\n    team: demo\n" for i in range(4))


def _refused(*reports: Path, message: str) -> None:
    result = run_cli("drift", "--merge-reports", *map(str, reports))
    assert result.returncode == 1, (reports, result.stdout, result.stderr)
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "Internal error" not in result.stderr
    assert "No drift" not in result.stdout


def test_merging_refuses_missing_and_repeated_shards_and_what_is_not_a_drift_report(tmp_path: Path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text(MANIFEST)
    shards = [tmp_path / f"drift-{k}.json" for k in (1, 2, 3)]
    plan_report = tmp_path / "plan.json"
    with start_emulator(tmp_path / "emu") as emu:
        env = emu.env()
        for k, report in enumerate(shards, start=1):
            run = run_cli("drift", str(manifest), "--shard", f"{k}/3", "--json-out", str(report), env=env)
            assert run.returncode in (0, 2), run.stderr
            assert json.loads(report.read_text())["drift"] == {"shard": f"{k}/3"}, "each report says its shard"
        whole = tmp_path / "whole.json"
        assert run_cli("drift", str(manifest), "--json-out", str(whole), env=env).returncode in (0, 2)
        assert json.loads(whole.read_text())["drift"] == {"shard": None}
        assert run_cli("plan", str(manifest), "--json-out", str(plan_report), env=env).returncode == 0

    assert run_cli("drift", "--merge-reports", *map(str, shards)).returncode == 2, "all three: merged"
    assert run_cli("drift", "--merge-reports", str(whole)).returncode == 2, "one whole report"
    _refused(shards[0], shards[1], message="missing the report of shard 3/3")
    _refused(*shards, shards[0], message="the same shard (1/3) as")
    _refused(shards[0], whole, shards[1], shards[2], message="a report of every owner (no --shard) merged with")
    for name, text in (("empty-object", "{}"), ("list", "[]"), ("number", "5")):
        (tmp_path / f"{name}.json").write_text(text)
        _refused(tmp_path / f"{name}.json", message="not a JSON report of `drift`")
    _refused(plan_report, message="not a JSON report of `drift`")
    two = json.loads(shards[0].read_text())
    two["drift"]["shard"] = "1/2"
    (tmp_path / "other-split.json").write_text(json.dumps(two))
    _refused(tmp_path / "other-split.json", *shards[1:], message="the reports come from different splits")
