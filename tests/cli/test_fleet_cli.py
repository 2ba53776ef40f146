"""A fleet applied from empty in one run: sites in parallel (the worker threads share the client, the
placeholder values and the report), then nothing left to do. The 1000-site run is a benchmark
(benchmarks/fleet_apply.py); this is the same path at a size a test suite can afford."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from itertools import pairwise

from benchmarks.fleet import fleet_manifest
from tests.cli.conftest import CLI_TOKEN, run_cli, start_emulator
from tests.support.http import ApiSession
from tests.support.live_checks import duplicates

SITES = 40


def _overlapping_sites(log_lines: list[dict[str, object]]) -> int:
    """How many pairs of consecutive writes to different sites overlapped in time (parallel work)."""
    spans = []
    for line in log_lines:
        if line["method"] in ("GET", "HEAD") or "/sites/" not in str(line["path"]):
            continue
        start = datetime.fromisoformat(str(line["ts"]).replace("Z", "+00:00"))
        site = str(line["path"]).split("/sites/")[1].split("/")[0]
        spans.append((start, start + timedelta(milliseconds=float(str(line["duration_ms"]))), site))
    spans.sort()
    return sum(1 for a, b in pairwise(spans) if a[2] != b[2] and b[0] < a[1])


def test_a_fleet_applies_from_empty_in_one_run(tmp_path):
    log = tmp_path / "requests.jsonl"
    limits = ("--rate-limit-per-minute", "0", "--latency-ms", "5", "--request-log", str(log))
    with start_emulator(tmp_path / "emu", *limits) as emu:
        manifest = tmp_path / "fleet.yaml"
        manifest.write_text(fleet_manifest(SITES))
        env = emu.env()
        applied = run_cli("apply", str(manifest), "--auto-approve", env=env, timeout=600)
        assert applied.returncode == 0, applied.stderr[-3000:]
        assert f"Apply complete: {SITES * 8} added" in applied.stdout
        lines = [json.loads(line) for line in log.read_text().splitlines()]
        assert _overlapping_sites(lines) > SITES, "sites were applied in parallel"
        assert run_cli("plan", str(manifest), "--detailed-exitcode", env=env).returncode == 0
        assert duplicates(ApiSession(emu.url, CLI_TOKEN)) == []
