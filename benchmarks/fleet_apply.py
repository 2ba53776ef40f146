"""Apply a fleet of N sites (every configuration kind each) from empty, as a user would: the console script
against an emulator process on loopback, rate limits off. Then plan again (steady state) and apply again
(nothing to do). Requests are counted from the emulator's request log.

Usage: python benchmarks/fleet_apply.py [N] [--rounds R]   (default: 1000 sites, 1 round)
Prints one JSON line per round; benchmarks/RESULTS.md records them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.fleet import fleet_on_emulator
from reconciler.emulator.process import console_script

TOKEN = "bench-token"


def _run(env: dict[str, str], *args: str) -> tuple[float, int, str]:
    started = time.perf_counter()
    done = subprocess.run([console_script(), *args], env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done.returncode, done.stderr[-2000:]


def one_round(count: int) -> dict[str, object]:
    results: dict[str, object] = {"sites": count}
    with fleet_on_emulator(count, TOKEN) as fleet:
        manifest = str(fleet.manifest)
        for step, args in (
            ("apply_from_empty", ("apply", manifest, "--auto-approve")),
            ("steady_plan", ("plan", manifest, "--detailed-exitcode")),
            ("apply_again", ("apply", manifest, "--auto-approve")),
        ):
            start = len(fleet.logged())
            seconds, code, stderr = _run(fleet.env, *args)
            lines = fleet.logged(start)
            writes = [line for line in lines if line["method"] not in ("GET", "HEAD")]
            results[step] = {
                "exit": code,
                "seconds": round(seconds, 1),
                "requests": len(lines),
                "writes": len(writes),
                "writes_by_method": dict(sorted(Counter(str(w["method"]) for w in writes).items())),
            }
            if code not in (0,):
                results[step]["stderr"] = stderr  # type: ignore[index]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sites", nargs="?", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    print(
        json.dumps(
            {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"}
        )
    )
    for _ in range(args.rounds):
        print(json.dumps(one_round(args.sites)), flush=True)


if __name__ == "__main__":
    main()
