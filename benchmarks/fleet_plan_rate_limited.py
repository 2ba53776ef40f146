"""Plan a fleet of N sites with Netlify's 500 requests/minute limit on: one token for the whole fleet, then
the same fleet split with `--shard K/S` over S jobs running at once, each with its own token.

The fleet is created first with the limit off (that is not what is measured); the emulator is then restarted
on the same data with its default limits (500 requests/minute per token) and every plan is the console script
as a user runs it. Requests are counted from the emulator's request log.

Usage: python benchmarks/fleet_plan_rate_limited.py N [--shards S] [--skip-single]
Prints one JSON line per measurement; benchmarks/RESULTS.md and docs/scale.md record them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.fleet import LIMITS_OFF, fleet_manifest, read_log
from reconciler.emulator.process import console_script, spawn_emulator

SEED_TOKEN = "bench-seed"


def _env(url: str, token: str) -> dict[str, str]:
    return {**os.environ, "NETLIFY_API_URL": url, "NETLIFY_AUTH_TOKEN": token}


def _seed(root: Path, manifest: Path) -> float:
    """Create the fleet with the limits off; returns the apply's seconds."""
    with spawn_emulator(root / "data", [SEED_TOKEN], *LIMITS_OFF) as emu:
        started = time.perf_counter()
        done = subprocess.run(
            [console_script(), "apply", str(manifest), "--auto-approve"],
            env=_env(emu.url, SEED_TOKEN),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"seeding apply failed: {done.stderr[-2000:]}")
        return time.perf_counter() - started


def _plans(url: str, manifest: Path, jobs: Sequence[tuple[str, Sequence[str]]]) -> list[dict[str, object]]:
    """Run the plans at once (one per token); each result has its exit code and seconds."""
    started = time.perf_counter()
    running = [
        (
            token,
            subprocess.Popen(
                [console_script(), "plan", str(manifest), "--detailed-exitcode", *extra],
                env=_env(url, token),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for token, extra in jobs
    ]
    ended: dict[str, float] = {}  # each plan's own end (their stderr is small: no pipe fills up meanwhile)
    while len(ended) < len(running):
        for token, process in running:
            if token not in ended and process.poll() is not None:
                ended[token] = time.perf_counter() - started
        time.sleep(0.1)
    results: list[dict[str, object]] = []
    for token, process in running:
        _, stderr = process.communicate()
        results.append(
            {
                "token": token,
                "exit": process.returncode,
                "seconds": round(ended[token], 1),
                **({"stderr": stderr[-1000:]} if process.returncode != 0 else {}),
            }
        )
    return results


def measure(count: int, shards: int, single: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        manifest = root / "fleet.yaml"
        manifest.write_text(fleet_manifest(count))
        seeded = _seed(root, manifest)
        print(json.dumps({"sites": count, "seeded_without_limits_s": round(seeded, 1)}), flush=True)
        log = root / "requests.jsonl"
        tokens = [f"bench-shard-{k}" for k in range(shards)]
        with spawn_emulator(root / "data", [SEED_TOKEN, *tokens], "--request-log", str(log)) as emu:
            if single:
                mark = len(read_log(log))
                [result] = _plans(emu.url, manifest, [(SEED_TOKEN, ())])
                lines = read_log(log, mark)
                requests = len(lines)
                print(
                    json.dumps(
                        {
                            "sites": count,
                            "plan": "one token",
                            "requests": requests,
                            "limit_per_minute": 500,
                            "floor_minutes": round(requests / 500, 1),
                            "measured_minutes": round(float(str(result["seconds"])) / 60, 1),
                            "measured_over_floor": round(
                                float(str(result["seconds"])) / 60 / (requests / 500), 2
                            ),
                            "answered_429": sum(1 for line in lines if line["status"] == 429),
                            **result,
                        }
                    ),
                    flush=True,
                )
            if shards > 1:
                mark = len(read_log(log))
                jobs = [(tokens[k], ("--shard", f"{k + 1}/{shards}")) for k in range(shards)]
                results = _plans(emu.url, manifest, jobs)
                slowest = max(float(str(r["seconds"])) for r in results)
                lines = read_log(log, mark)
                print(
                    json.dumps(
                        {
                            "sites": count,
                            "plan": f"{shards} shards, one token each, at once",
                            "requests": len(lines),
                            "slowest_shard_minutes": round(slowest / 60, 1),
                            "one_token_floor_over_slowest_shard": round(len(lines) / 500 / (slowest / 60), 1),
                            "shards": results,
                            "answered_429": sum(1 for line in lines if line["status"] == 429),
                        }
                    ),
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sites", type=int)
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument("--skip-single", action="store_true", help="Only the sharded plan.")
    args = parser.parse_args()
    print(
        json.dumps(
            {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"}
        ),
        flush=True,
    )
    measure(args.sites, args.shards, not args.skip_single)


if __name__ == "__main__":
    main()
