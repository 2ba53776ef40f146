"""Hashing a publish directory (walk + SHA-1 of every file) against the floor: coreutils' sha1sum on both
cores, `find DIR -type f -print0 | xargs -0 -P2 -n 500 sha1sum`.

Two trees, generated once under a temporary directory: 20,000 files of 1-4 KB, and 2,000 files of 1-20 KB
plus 4 of 5 MB. The page cache is warm (every variant reads each tree once before timing). Per round, in
turn: the floor; ours in this process (`local_digest`, what `plan` runs); ours as a whole process (a fresh
interpreter that imports the scanner and hashes the tree, startup included). The whole process runs in a
plain virtual environment made for the run, as an installed package starts: the development environment's
editable-install hook alone costs about 15 ms at every start (`python -X importtime`), which no user pays;
and with bytecode caching on (`PYTHONDONTWRITEBYTECODE` removed from its environment: pip compiles an
installed package's modules, a machine that sets the variable would otherwise compile ours at every start).
Rounds alternate so that background noise falls on every variant alike; medians and ranges are printed,
with ratios to the floor.

Usage: python benchmarks/hashing.py [--rounds 9]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from reconciler.deploy.scan import local_digest  # noqa: E402  (after the path set-up above)

WHOLE_PROCESS = (
    "import sys; sys.path.insert(0, sys.argv[3]); from pathlib import Path; "
    "from reconciler.deploy.scan import local_digest; "
    "local_digest(Path(sys.argv[1]), None, Path(sys.argv[2]))"
)


def make_tree(root: Path, small: int, low: int, high: int, big: int) -> Path:
    rng = random.Random(small)
    for i in range(small):
        folder = root / f"d{i % 50:02d}" / f"s{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{i:05d}.txt").write_bytes(rng.randbytes(rng.randint(low, high)))
    for j in range(big):
        (root / f"big{j}.bin").write_bytes(rng.randbytes(5 << 20))
    return root


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


CACHING = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def plain_python(where: Path) -> str:
    """The interpreter of a new virtual environment without packages (nothing in its site-packages)."""
    venv.create(where, with_pip=False)
    return str(where / "bin" / "python")


def measure(tree: Path, work: Path, rounds: int, python: str) -> dict[str, object]:
    floor = f"find {tree} -type f -print0 | xargs -0 -P2 -n 500 sha1sum > /dev/null"
    variants: dict[str, Callable[[], object]] = {
        "floor": lambda: subprocess.run(["sh", "-c", floor], check=True),
        "in_process": lambda: local_digest(tree, None, work),
        "whole_process": lambda: subprocess.run(
            [python, "-c", WHOLE_PROCESS, str(tree), str(work), str(REPO)],
            check=True,
            cwd=work.parent,
            env=CACHING,
        ),
    }
    for run in variants.values():
        run()  # warm the page cache and the interpreter's own caches
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, run in variants.items():
            times[name].append(timed(run))
    result: dict[str, object] = {"tree": tree.name, "files": sum(1 for p in tree.rglob("*") if p.is_file())}
    for name, values in times.items():
        result[name] = {
            "median_s": round(statistics.median(values), 3),
            "range_s": [round(min(values), 3), round(max(values), 3)],
        }
    floor_median = statistics.median(times["floor"])
    result["ratio_in_process"] = round(statistics.median(times["in_process"]) / floor_median, 2)
    result["ratio_whole_process"] = round(statistics.median(times["whole_process"]) / floor_median, 2)
    result["ratio_in_process_per_round"] = [
        round(ours / theirs, 2) for ours, theirs in zip(times["in_process"], times["floor"], strict=True)
    ]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(json.dumps({"machine": machine}))
    with tempfile.TemporaryDirectory(prefix="hash-bench-") as scratch:
        root = Path(scratch)
        trees = [
            make_tree(root / "small-20000", 20_000, 1024, 4096, 0),
            make_tree(root / "tree-2004", 2_000, 1024, 20_480, 4),
        ]
        python = plain_python(root / "venv")
        for tree in trees:
            print(json.dumps(measure(tree, root / "work", args.rounds, python)), flush=True)


if __name__ == "__main__":
    main()
