"""Client CPU per request: a steady plan of a fleet (default 1000 sites, every kind) as the console script,
against an emulator process on loopback with rate limits off.

The plan's CPU (user + system, from the child's rusage) includes loading and checking the manifests, so
`validate` (the same loading and checks, no request) is timed too: (plan CPU - validate CPU) / requests is
the CPU the client spends per request. With `--compare OTHER_SCRIPT` a second installation (another
checkout's `netlify-reconciler`) is measured in alternating rounds against the same emulator, so the two
can be compared within one run.

Usage: python benchmarks/plan_cpu.py [--sites 1000] [--rounds 5] [--compare PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.fleet import fleet_on_emulator
from reconciler.emulator.process import console_script

TOKEN = "bench-token"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(script: str, env: dict[str, str], *args: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run; it must exit 0."""
    cpu, started = _children_cpu(), time.perf_counter()
    done = subprocess.run([script, *args], env=env, capture_output=True, text=True, check=False)
    wall, used = time.perf_counter() - started, _children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{script} {' '.join(args)} exited {done.returncode}: {done.stderr[-1500:]}")
    return wall, used


def _summary(values: list[float]) -> dict[str, object]:
    return {
        "median": round(statistics.median(values), 3),
        "range": [round(min(values), 3), round(max(values), 3)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--compare", help="another installation's console script, measured alternately")
    args = parser.parse_args()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(json.dumps({"machine": machine}), flush=True)
    scripts = {"this": console_script(), **({"other": args.compare} if args.compare else {})}
    figures: dict[str, dict[str, list[float]]] = {
        name: {"plan_wall": [], "plan_cpu": [], "validate_cpu": [], "requests": []} for name in scripts
    }
    with fleet_on_emulator(args.sites, TOKEN) as fleet:
        manifest = str(fleet.manifest)
        _run(scripts["this"], fleet.env, "apply", manifest, "--auto-approve")
        for _ in range(args.rounds):
            for name, script in scripts.items():
                _, validate_cpu = _run(script, fleet.env, "validate", manifest)
                mark = len(fleet.logged())
                wall, cpu = _run(script, fleet.env, "plan", manifest)
                figures[name]["plan_wall"].append(wall)
                figures[name]["plan_cpu"].append(cpu)
                figures[name]["validate_cpu"].append(validate_cpu)
                figures[name]["requests"].append(len(fleet.logged()) - mark)
    medians: dict[str, float] = {}
    for name, values in figures.items():
        per_request = [
            (cpu - validate) / requests * 1000
            for cpu, validate, requests in zip(
                values["plan_cpu"], values["validate_cpu"], values["requests"], strict=True
            )
        ]
        medians[name] = statistics.median(per_request)
        result = {
            "installation": name,
            "script": scripts[name],
            "sites": args.sites,
            "requests": statistics.median(values["requests"]),
            "plan_wall_s": _summary(values["plan_wall"]),
            "plan_cpu_s": _summary(values["plan_cpu"]),
            "validate_cpu_s": _summary(values["validate_cpu"]),
            "client_cpu_ms_per_request": _summary(per_request),
        }
        print(json.dumps(result), flush=True)
    if "other" in medians:
        ratio = medians["this"] / medians["other"]
        print(json.dumps({"client_cpu_per_request_this_over_other": round(ratio, 2)}), flush=True)


if __name__ == "__main__":
    main()
