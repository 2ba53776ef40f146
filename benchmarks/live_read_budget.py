"""Requests and time to plan N declared sites (every configuration kind) against the emulator.

Usage: python benchmarks/live_read_budget.py [N ...]   (default: 20 200)
Counts come from the emulator's request log; the emulator runs in-process on loopback.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.fleet import fleet_manifest, read_log
from reconciler.apply import apply_plan
from reconciler.emulator.app import EmulatorOptions
from reconciler.emulator.server import EmulatorServer
from reconciler.session import ApiTarget, make_plan

TOKEN = "bench-token"


def measure(count: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        log = root / "requests.jsonl"
        options = EmulatorOptions(rate_limit_per_minute=0)
        with EmulatorServer(root / "data", tokens=[TOKEN], request_log=log, options=options) as server:
            client = ApiTarget(server.api_url, TOKEN, server.url + options.integration_prefix).client()
            manifest = root / "fleet.yaml"
            manifest.write_text(fleet_manifest(count))
            started = time.perf_counter()
            first = make_plan(client, manifest)
            first_plan_s = time.perf_counter() - started
            started = time.perf_counter()
            apply_plan(client, first.plan, first.procedures)
            apply_s = time.perf_counter() - started
            mark = len(read_log(log))
            started = time.perf_counter()
            steady = make_plan(client, manifest)
            steady_s = time.perf_counter() - started
            lines = read_log(log, mark)
            client.close()
    assert not steady.plan.changes
    kinds = Counter(
        line["path"].rsplit("/", 1)[-1] if "integrations" not in line["path"] else "integration"
        for line in lines
    )
    return {
        "sites": count,
        "changes_applied": len(first.plan.changes),
        "first_plan_s": round(first_plan_s, 2),
        "apply_s": round(apply_s, 2),
        "steady_plan_requests": len(lines),
        "budget_1_plus_7n": 1 + 7 * count,
        "steady_plan_s": round(steady_s, 2),
        "by_endpoint": dict(sorted(kinds.items())),
    }


def main(argv: list[str]) -> None:
    for count in [int(a) for a in argv] or [20, 200]:
        print(json.dumps(measure(count)))


if __name__ == "__main__":
    main(sys.argv[1:])
