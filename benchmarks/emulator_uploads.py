"""Upload throughput of the emulator: how fast can clients push a deploy's files into it?

Starts `netlify-reconciler emulator --port 0` in its own process (so client and server do not share a GIL),
switches its rate limits (and the concurrent-upload limit) off through the loopback-only admin endpoint, and
for each concurrency level creates a deploy of N distinct small files (1-4 KB) and uploads them all with C
client threads, each with its own `requests.Session`. The threads are spread over a few client processes: a
single Python client process tops out near 1,000 requests/s on its own GIL, which would measure the client,
not the emulator.
The floor, in alternating rounds with the emulator at every level: uvicorn with httptools (the
emulator's own server) running a trivial ASGI app that reads the body and answers a small JSON object, in its
own process, under the same client load: what any upload costs in this server stack before the emulator
does anything with it.
Prints uploads/s, MB/s and the server's CPU per upload per level and records them in
`benchmarks/RESULTS.md` under "Emulator upload throughput". Loopback only, bounded by --files.

    python benchmarks/emulator_uploads.py [--files 5000] [--concurrency 8,16,32] [--processes P] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: `benchmarks` is importable from the repository root
    sys.path.insert(0, str(REPO))

from benchmarks.proc import cpu_seconds  # noqa: E402  (after the path set-up above)
from reconciler.emulator.process import spawn_emulator  # noqa: E402

TOKEN = "bench-token"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADING = "## Emulator upload throughput"


def start_emulator(data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    """The emulator as a subprocess; returns it and its base URL once it says it is listening."""
    emu = spawn_emulator(data_dir, [TOKEN])
    return emu.process, emu.url


def make_files(count: int, label: str, rng: random.Random) -> dict[str, bytes]:
    """Distinct contents (the label makes every run's blobs new, so every file is required)."""
    return {
        f"assets/{i // 500:02d}/file-{i:05d}.txt": f"{label}:{i}:".encode()
        + rng.randbytes(rng.randint(1024, 4096))
        for i in range(count)
    }


async def _floor_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The floor: read the body, answer 200 with a small JSON object, nothing else."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    body = json.dumps({"id": "floor", "path": scope["path"], "sha": "0" * 40, "size": 0}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _serve_floor(port: int) -> None:
    import uvicorn

    uvicorn.run(
        _floor_app,
        host="127.0.0.1",
        port=port,
        http="httptools",
        loop="asyncio",
        log_level="warning",
        access_log=False,
    )


def start_floor(spawn: Any) -> tuple[Any, str]:
    """The floor server in a process of its own; returns it and its base URL once it accepts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = spawn.Process(target=_serve_floor, args=(port,), daemon=True)
    process.start()
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            if time.time() > deadline or not process.is_alive():
                raise SystemExit("the floor server did not start") from None
            time.sleep(0.05)


def _upload_share(
    job: tuple[str, str, list[tuple[str, bytes]], int, float],
) -> tuple[float, float, list[int]]:
    """One client process: `threads` threads, each with its own Session, upload `items` from `go_at` on."""
    api, deploy_id, items, threads, go_at = job
    local = threading.local()

    def put(item: tuple[str, bytes]) -> int:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.headers["Authorization"] = f"Bearer {TOKEN}"
            session.headers["Content-Type"] = "application/octet-stream"
        path, body = item
        response = session.put(f"{api}/deploys/{deploy_id}/files/{quote(path)}", data=body, timeout=60)
        return response.status_code

    time.sleep(max(0.0, go_at - time.time()))
    started = time.time()
    with ThreadPoolExecutor(threads) as pool:
        statuses = list(pool.map(put, items))
    return started, time.time(), statuses


@dataclass(frozen=True)
class Load:
    """How uploads are sent: `concurrency` threads spread over the client processes of `pool`."""

    pool: ProcessPoolExecutor
    processes: int
    concurrency: int


def run_level(api: str, site_id: str, files: dict[str, bytes], load: Load, server_pid: int) -> dict[str, Any]:
    """Upload one deploy's files (a new deploy of the site) under `load`."""
    manifest = {path: hashlib.sha1(body).hexdigest() for path, body in files.items()}
    control = requests.Session()
    control.headers["Authorization"] = f"Bearer {TOKEN}"
    deploy = control.post(f"{api}/sites/{site_id}/deploys", json={"files": manifest}, timeout=60)
    deploy.raise_for_status()
    deploy_id = deploy.json()["id"]
    assert len(deploy.json()["required"]) == len(files), "every file must be required"
    result = upload_all(api, deploy_id, files, load, server_pid)
    result["state_after"] = control.get(f"{api}/deploys/{deploy_id}", timeout=60).json()["state"]
    return result


def upload_all(
    api: str, deploy_id: str, files: dict[str, bytes], load: Load, server_pid: int
) -> dict[str, Any]:
    """PUT every file to `deploy_id` under `load`; the figures."""
    items = list(files.items())
    go_at = time.time() + 0.5  # every process starts at the same moment, after receiving its share
    threads = max(1, -(-load.concurrency // load.processes))
    jobs = [(api, deploy_id, items[i :: load.processes], threads, go_at) for i in range(load.processes)]
    cpu_before = cpu_seconds(server_pid)
    results = list(load.pool.map(_upload_share, jobs))
    cpu_after = cpu_seconds(server_pid)
    elapsed = max(end for _, end, _ in results) - min(start for start, _, _ in results)
    statuses = [status for _, _, share in results for status in share]
    failures = len(statuses) - statuses.count(200)
    total_bytes = sum(len(body) for body in files.values())
    return {
        "concurrency": load.concurrency,
        "uploads": len(files),
        "failures": failures,
        "seconds": elapsed,
        "uploads_per_s": len(files) / elapsed,
        "mb_per_s": total_bytes / elapsed / 1e6,
        "server_ms_per_upload": (cpu_after - cpu_before) * 1000 / len(files),
    }


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs (nproc), {model}, Python {platform.python_version()}, {platform.system()}"


def write_results(section: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    section = section.rstrip("\n") + "\n\n"  # a blank line before the next section's heading
    text = pattern.sub(section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=5000, help="files per deploy (default 5000)")
    parser.add_argument("--concurrency", default="8,16,32", help="client thread counts (default 8,16,32)")
    parser.add_argument(
        "--processes",
        type=int,
        default=min(os.cpu_count() or 1, 4),
        help="client processes sharing the threads (default: CPUs, at most 4): one GIL must not cap the rate",
    )
    parser.add_argument("--repeat", type=int, default=3, help="deploys per level; the median is reported")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help=f"do not update {RESULTS.name}")
    parser.add_argument(
        "--no-warmup", dest="warmup", action="store_false", help="skip the unrecorded warm-up deploy"
    )
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    rng = random.Random(args.seed)
    processes = max(1, args.processes)
    spawn = multiprocessing.get_context("spawn")
    with (
        tempfile.TemporaryDirectory(prefix="emu-bench-") as tmp,
        ProcessPoolExecutor(processes, spawn) as pool,
    ):
        list(pool.map(time.sleep, [0.2] * processes))  # start the client processes before any timing
        floor, floor_url = start_floor(spawn)  # first: a daemon process, ended at exit if what follows fails
        proc, base = start_emulator(Path(tmp) / "data")
        try:
            limits = requests.patch(
                f"{base}/_emulator/limits",
                # Raw throughput: the rate limits and Netlify's concurrent-upload limit (10) are off, or
                # most of 32 threads' uploads would be refused.
                json={
                    "rate_limit_per_minute": 0,
                    "deploy_rate_limit_per_minute": 0,
                    "upload_concurrency_limit": 0,
                },
                timeout=10,
            )
            if limits.status_code >= 400:
                print(f"warning: could not switch rate limits off ({limits.status_code})", file=sys.stderr)
            api = f"{base}/api/v1"
            auth = {"Authorization": f"Bearer {TOKEN}"}
            site = requests.post(f"{api}/demo/sites", json={"name": "bench"}, headers=auth, timeout=10).json()
            if args.warmup:
                # A fresh server process (on a fresh VM: first-touch memory, a growing SQLite WAL) runs its
                # first few thousand requests much slower; that is start-up, not throughput.
                warm_files = make_files(args.files, "warmup", rng)
                warm_load = Load(pool, processes, levels[0])
                warm = run_level(api, site["id"], warm_files, warm_load, proc.pid)
                print(f"warm-up ({levels[0]} threads): {warm['uploads_per_s']:.0f} uploads/s (not recorded)")
                upload_all(f"{floor_url}/api/v1", "floor", warm_files, warm_load, floor.pid)
            rows = []
            for level in levels:
                runs = []
                floors = []
                load = Load(pool, processes, level)
                for attempt in range(args.repeat):  # the emulator and the floor in turn
                    files = make_files(args.files, f"c{level}r{attempt}", rng)
                    runs.append(run_level(api, site["id"], files, load, proc.pid))
                    floors.append(upload_all(f"{floor_url}/api/v1", "floor", files, load, floor.pid))
                runs.sort(key=lambda run: run["uploads_per_s"])
                # The median run is reported (this machine may be shared); the range shows the spread.
                result = {
                    **runs[len(runs) // 2],
                    "low": runs[0]["uploads_per_s"],
                    "high": runs[-1]["uploads_per_s"],
                }
                result["failures"] = sum(run["failures"] for run in runs + floors)
                floor_ms = sorted(run["server_ms_per_upload"] for run in floors)
                result["floor_ms"] = statistics.median(floor_ms)
                result["floor_range"] = f"{floor_ms[0]:.2f}-{floor_ms[-1]:.2f}"
                result["floor_uploads_per_s"] = statistics.median(run["uploads_per_s"] for run in floors)
                rows.append(result)
                print(
                    f"concurrency {level:3d}: {result['uploads']} uploads in {result['seconds']:.2f} s = "
                    f"{result['uploads_per_s']:.0f} uploads/s (median of {len(runs)}, "
                    f"{result['low']:.0f}-{result['high']:.0f}), {result['mb_per_s']:.2f} MB/s "
                    f"({result['failures']} failed; deploy then {result['state_after']}; "
                    f"server CPU {result['server_ms_per_upload']:.2f} ms/upload; the floor "
                    f"{result['floor_ms']:.2f} ms/upload ({result['floor_range']}), "
                    f"{result['floor_uploads_per_s']:.0f} uploads/s)"
                )
        finally:
            floor.terminate()
            proc.terminate()
            proc.wait(timeout=15)
    warmup_note = "One unrecorded warm-up deploy of N files runs first." if args.warmup else "No warm-up."
    command = (
        f"python benchmarks/emulator_uploads.py --files {args.files} --concurrency {args.concurrency} "
        f"--processes {processes} --repeat {args.repeat}"
    )
    table = "\n".join(
        f"| {r['concurrency']} | {r['uploads']} | {r['seconds']:.2f} | {r['uploads_per_s']:.0f} | "
        f"{r['low']:.0f}-{r['high']:.0f} | {r['mb_per_s']:.2f} | {r['server_ms_per_upload']:.2f} | "
        f"{r['floor_ms']:.2f} ({r['floor_range']}) | {r['floor_uploads_per_s']:.0f} | {r['failures']} |"
        for r in rows
    )
    section = (
        f"{HEADING}\n\n"
        f"- Machine: {machine()}\n"
        f"- Command: `{command}`\n"
        "- Setup: emulator in its own process (`netlify-reconciler emulator --port 0`), rate limits and the "
        "concurrent-upload limit off, "
        "loopback; one deploy per row with N distinct 1-4 KB files, all required; the client threads (one "
        f"`requests.Session` each) are spread over {processes} client process(es); sized bodies. Client and "
        "server share the machine's CPUs. "
        f"{warmup_note}\n\n"
        f"Each row is the median of {args.repeat} deploys (by uploads/s); the range is the slowest and "
        "the fastest. The floor (uvicorn with httptools and a trivial ASGI app that reads the body and "
        "answers a small JSON object, in its own process) took the same uploads under the same load, in "
        "turn with the emulator; its figures are medians of as many rounds.\n\n"
        "| client threads | uploads | seconds | uploads/s | range | MB/s | server CPU ms/upload "
        "| the floor's server CPU ms/upload (range) | the floor's uploads/s | failed |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        f"{table}\n\n"
        "Server CPU is the server process's user+system time during the uploads (from /proc), divided by "
        "the uploads; what the emulator spends above the floor is its own work per upload (routing and "
        "middleware, authentication, the limits, the database, the blob, the answer). A single client "
        "process caps near 1,000 uploads/s by its own GIL (requests costs about "
        "1 ms of client CPU per upload), which is why the threads are spread over processes. The upload hot "
        "path is kept lean: upload routes are matched first, one query finds the deploy, its team and the "
        "expected digest, bodies up to 1 MiB stay in memory, blobs are renamed into place without fsync, "
        "and one short transaction records the upload.\n"
    )
    if not args.no_write:
        write_results(section)
        print(f"recorded in {RESULTS}")
    return 0 if all(r["failures"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
