"""Deploys: netlify-reconciler's engine against `netlify deploy`, on the same emulator and the same tree.

One run, loopback only, bounded (about two minutes with three rounds; five with `--tree small`):
1. generates the tree under /tmp: 5,000 files of 1-20 KB and 20 files of 5 MB (`--tree mixed`, the
   default) or 20,000 files of 1-4 KB (`--tree small`), 10 % of the files duplicating another's content;
2. starts `netlify-reconciler emulator --port 0` as a subprocess with rate limits off, a request log and a
   seed file giving every (round, tool) pair a fresh site in a team of its own: blobs are shared per team,
   so neither tool (nor a later round) finds the other's uploads; one unrecorded deploy warms it up;
3. per round, alternating the tools: a first deploy and an unchanged redeploy of the tree, each as a
   fresh process (node for netlify-cli, python for ours), timed from start to exit. netlify-cli runs
   `netlify deploy --no-build --prod --json`; ours runs `local_digest` + `engine.deploy` in
   `benchmarks/deploy_child.py`, which imports only what a deploy needs. For the unchanged
   redeploy ours does what `apply` does for an unchanged tree: the plan compares the local digest with
   `GET /sites/{id}/files` (and the published deploy's functions) and, finding nothing, makes no deploy
   call at all;
4. counts deploy calls, upload requests, uploaded bytes and the upload phase (first upload's start to the
   last one's end) per run from the emulator's request log;
5. deploys one 1 GB file with our engine in a fresh process and reads its peak RSS (VmHWM);
and writes the figures to `benchmarks/RESULTS.md` under "Deploys: netlify-reconciler vs netlify-cli" (one
section per tree). Hashing alone, against its floor, is `benchmarks/hashing.py`.

With `--upload-concurrency-limit N` (Netlify's limit on uploads in flight per deploy: 10 on paid plans) and
`--latency-ms M` (added to every request, like a server M ms away), the emulator behaves more like Netlify
and the figures go to their own section, "Deploys under Netlify's upload limit ...", which also counts
uploads refused for concurrency (429), the most uploads one run had in flight (from the request log's
start times and durations) and compares our upload phase with its floor: required uploads x (latency +
the emulator's median time per upload) / uploads allowed in flight.

    .venv/bin/python benchmarks/deploy_vs_netlify_cli.py [--rounds 3] [--tree mixed|small] [--no-record]
        [--skip-big] [--upload-concurrency-limit N] [--latency-ms M]

netlify-cli comes from `.tools/netlify-cli` (install it with `scripts/install-netlify-cli.sh`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.deploy_child import TOKEN  # noqa: E402  (after the path set-up above; the child's token)
from benchmarks.fleet import LIMITS_OFF, read_log  # noqa: E402
from benchmarks.proc import cpu_seconds  # noqa: E402
from reconciler.emulator.process import spawn_emulator  # noqa: E402

RESULTS = REPO / "benchmarks" / "RESULTS.md"
CHILD = REPO / "benchmarks" / "deploy_child.py"  # our deploy, in a process of its own
HEADING = "## Deploys: netlify-reconciler vs netlify-cli"
CLI_BIN = Path(os.environ.get("NETLIFY_CLI_DIR") or REPO / ".tools" / "netlify-cli") / "node_modules" / ".bin"
BIG_SIZE = 5 * 1024 * 1024
DUPLICATE_SHARE = 0.10


@dataclass(frozen=True)
class TreeShape:
    """What the generated tree holds: `small` files of 1 KB to `small_max_kb`, `big` files of 5 MB."""

    small: int
    small_max_kb: int
    big: int

    def describe(self) -> str:
        big = f", {self.big} of 5 MB" if self.big else ""
        return f"{self.small:,} of 1-{self.small_max_kb} KB{big}"


TREES = {"mixed": TreeShape(5000, 20, 20), "small": TreeShape(20_000, 4, 0)}


# -- the tree -----------------------------------------------------------------------------------------
def make_tree(root: Path, tree: TreeShape, seed: int = 6) -> dict[str, int]:
    """The tree's small and big files; every tenth file repeats the content of an earlier one."""
    rng = random.Random(seed)
    contents: list[bytes] = []
    duplicates = 0
    total = 0
    for i in range(tree.small):
        path = root / f"section-{i % 40:02d}" / f"page-{i:05d}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        if i % round(1 / DUPLICATE_SHARE) == 9:
            data = contents[rng.randrange(len(contents))]
            duplicates += 1
        else:
            data = rng.randbytes(rng.randint(1024, tree.small_max_kb * 1024))
            contents.append(data)
        path.write_bytes(data)
        total += len(data)
    block = rng.randbytes(1 << 20)
    big_contents: list[int] = []
    for j in range(tree.big):
        path = root / "media" / f"video-{j:02d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        key = big_contents[0] if j % round(1 / DUPLICATE_SHARE) == 9 else j
        if key != j:
            duplicates += 1
        big_contents.append(key)
        with path.open("wb") as handle:
            for k in range(BIG_SIZE >> 20):
                handle.write(key.to_bytes(2, "big") + k.to_bytes(2, "big") + block[4:])
        total += BIG_SIZE
    return {"files": tree.small + tree.big, "duplicates": duplicates, "bytes": total}


# -- the emulator -------------------------------------------------------------------------------------
def start_emulator(
    data_dir: Path, seed: Path, log: Path, upload_limit: int, latency_ms: int
) -> tuple[subprocess.Popen[str], str]:
    """The emulator as a subprocess (its own CPUs' worth of work), rate limits off, logging every request;
    `upload_limit` uploads in flight per deploy (0: no limit), `latency_ms` added to every request."""
    limits = [*LIMITS_OFF, "--upload-concurrency-limit", str(upload_limit), "--latency-ms", str(latency_ms)]
    emu = spawn_emulator(data_dir, [TOKEN], "--seed", str(seed), "--request-log", str(log), *limits)
    return emu.process, emu.url


def write_seed(path: Path, names: list[str]) -> None:
    """One team per site, so no two runs share blobs."""
    teams = [f"t-{name}" for name in names]
    seed = {
        "tokens": [{"token": TOKEN, "teams": ["demo", *teams]}],
        "sites": [{"name": name, "team": f"t-{name}"} for name in names],
    }
    path.write_text(json.dumps(seed), encoding="utf-8")


def calls(entries: list[dict[str, Any]]) -> dict[str, float]:
    """Deploy calls (create, manifest PUT), upload requests and uploaded bytes among log entries."""
    uploads = [
        e
        for e in entries
        if e["method"] == "PUT" and re.search(r"/deploys/[^/]+/(files|functions)/", e["path"])
    ]
    creates = [
        e
        for e in entries
        if (e["method"] == "POST" and re.search(r"/sites/[^/]+/deploys$", e["path"]))
        or (e["method"] == "PUT" and re.search(r"/sites/[^/]+/deploys/[^/]+$", e["path"]))
    ]
    return {
        "requests": len(entries),
        "deploy_calls": len(creates),
        "uploads": len(uploads),
        "upload_bytes": sum(e["bytes_in"] for e in uploads if e["status"] == 200),
        "refused": sum(1 for e in uploads if e.get("fault") == "upload_concurrency"),
        "peak_in_flight": peak_in_flight(uploads),
        "upload_phase_s": upload_phase(uploads),
        "upload_ms": statistics.median([e["duration_ms"] for e in uploads]) if uploads else 0.0,
    }


def _start(entry: dict[str, Any]) -> float:
    return datetime.strptime(entry["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()


def upload_phase(uploads: list[dict[str, Any]]) -> float:
    """Seconds from the first upload's start to the last one's end, as the emulator saw them."""
    if not uploads:
        return 0.0
    ends = [_start(e) + float(e["duration_ms"]) / 1000 for e in uploads]
    return max(ends) - min(_start(e) for e in uploads)


def peak_in_flight(entries: list[dict[str, Any]]) -> int:
    """The most requests in flight at once, from each one's start (`ts`) and `duration_ms`."""
    events: list[tuple[float, int]] = []
    for entry in entries:
        start = _start(entry)
        events += [(start, 1), (start + entry["duration_ms"] / 1000, -1)]
    peak = current = 0
    for _, step in sorted(events):  # an end sorts before a start at the same moment
        current += step
        peak = max(peak, current)
    return peak


# -- the two tools ------------------------------------------------------------------------------------
def run_cli(api: str, tree: Path, site: str, home: Path) -> float:
    env = {
        "PATH": f"{CLI_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "CI": "1",
        "NO_UPDATE_NOTIFIER": "1",
        "NETLIFY_API_URL": api,
    }
    command = ["netlify", "deploy", "--no-build", "--prod", "--dir", str(tree), "--site", site]
    command += ["--auth", TOKEN, "--json"]
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=home, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"netlify deploy failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return elapsed


def run_ours(api: str, tree: Path, site: str, workdir: Path, mode: str) -> tuple[float, dict[str, Any]]:
    command = [sys.executable, str(CHILD), mode, api, str(tree), site, str(workdir)]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"our deploy failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return elapsed, json.loads(result.stdout.strip().splitlines()[-1])


# -- the 1 GiB file -------------------------------------------------------------------------------
def big_file_tree(root: Path, size: int = 1 << 30) -> Path:
    """One 1 GiB file of non-repeating-per-MiB data, written quickly from one random block."""
    root.mkdir(parents=True, exist_ok=True)
    block = bytearray(random.Random(1).randbytes(1 << 20))
    with (root / "big.bin").open("wb") as handle:
        for index in range(size >> 20):
            block[:8] = index.to_bytes(8, "big")
            handle.write(block)
    return root


# -- the run ------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tree", choices=sorted(TREES), default="mixed", help="the tree to deploy")
    parser.add_argument("--no-record", action="store_true", help="print only, do not touch RESULTS.md")
    parser.add_argument("--skip-big", action="store_true", help="skip the 1 GB peak-memory deploy")
    parser.add_argument(
        "--upload-concurrency-limit", type=int, default=0, help="emulator: uploads in flight per deploy"
    )
    parser.add_argument("--latency-ms", type=int, default=0, help="emulator: delay added to every request")
    args = parser.parse_args()
    limited = bool(args.upload_concurrency_limit or args.latency_ms)
    if not (CLI_BIN / "netlify").exists():
        raise SystemExit("netlify-cli is not installed: run scripts/install-netlify-cli.sh first")
    scratch = Path(tempfile.mkdtemp(prefix="deploy-bench-"))
    proc: subprocess.Popen[str] | None = None
    try:
        tree = scratch / "tree"
        shape = make_tree(tree, TREES[args.tree])
        from reconciler.deploy.scan import local_digest

        unique_blobs = len(local_digest(tree, None, scratch / "work").blobs())
        names = [f"{tool}-r{r}" for r in range(args.rounds) for tool in ("cli", "ours")] + [
            "ours-big",
            "warm-up",
        ]
        seed = scratch / "seed.json"
        write_seed(seed, names)
        log = scratch / "requests.jsonl"
        limit, latency = args.upload_concurrency_limit, args.latency_ms
        proc, base = start_emulator(scratch / "emu", seed, log, limit, latency)
        home = scratch / "home"
        home.mkdir()
        # A fresh emulator's first deploy costs it about three times the CPU of later ones (SQLite and
        # blob-store warm-up): one unrecorded deploy keeps that off whichever tool would go first.
        run_ours(base, tree, "warm-up", scratch / "work", "apply")
        rows: list[dict[str, Any]] = []
        for r in range(args.rounds):
            order = ("cli", "ours") if r % 2 == 0 else ("ours", "cli")
            for phase in ("first", "unchanged"):
                for tool in order:
                    site = f"{tool}-r{r}"
                    before, emulator_cpu = len(read_log(log)), cpu_seconds(proc.pid)
                    if tool == "cli":
                        seconds, extra = run_cli(base, tree, site, home), dict[str, Any]()
                    else:
                        seconds, extra = run_ours(base, tree, site, scratch / "work", "apply")
                    counted = calls(read_log(log, before))
                    counted["emulator_cpu_s"] = cpu_seconds(proc.pid) - emulator_cpu
                    rows.append(
                        {"round": r, "tool": tool, "phase": phase, "seconds": seconds, **counted, **extra}
                    )
                    print(json.dumps(rows[-1]), flush=True)
        if limited:
            report = render_limited(rows, shape, unique_blobs, args)
            print(report)
            if not args.no_record:
                record(report, heading(args))
            return
        big: dict[str, Any] = {}
        if not args.skip_big:
            big_tree = big_file_tree(scratch / "big")
            before = len(read_log(log))
            seconds, big = run_ours(base, big_tree, "ours-big", scratch / "work-big", "apply")
            big.update(seconds=seconds, **calls(read_log(log, before)))
            shutil.rmtree(big_tree)
            print(json.dumps({"big": big}), flush=True)
        report = render(rows, big, shape, unique_blobs, args)
        print(report)
        if not args.no_record:
            record(report, heading(args))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(scratch, ignore_errors=True)


class Figures:
    """Medians and ranges over the rows of one tool and phase."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def values(self, tool: str, phase: str, key: str) -> list[float]:
        return [row[key] for row in self.rows if row["tool"] == tool and row["phase"] == phase]

    def median(self, tool: str, phase: str, key: str) -> float:
        return statistics.median(self.values(tool, phase, key))

    def spread(self, tool: str, phase: str, key: str = "seconds") -> str:
        values = self.values(tool, phase, key)
        return f"{min(values):.2f}-{max(values):.2f}" if key == "seconds" else f"{min(values)}-{max(values)}"

    def ratios(self, rounds: int) -> str:
        """netlify-cli's first-deploy time over ours, round by round."""
        firsts = [row for row in self.rows if row["phase"] == "first"]
        by_round = {(row["round"], row["tool"]): row["seconds"] for row in firsts}
        return ", ".join(f"{by_round[(r, 'cli')] / by_round[(r, 'ours')]:.1f}x" for r in range(rounds))


def heading(args: argparse.Namespace) -> str:
    """One RESULTS.md section per tree and emulator setting."""
    tree = "" if args.tree == "mixed" else f", {TREES[args.tree].small:,} small files"
    if args.upload_concurrency_limit or args.latency_ms:
        return (
            f"## Deploys under Netlify's upload limit{tree}: "
            f"--upload-concurrency-limit {args.upload_concurrency_limit}, --latency-ms {args.latency_ms}"
        )
    return HEADING + tree


def command_line(args: argparse.Namespace) -> str:
    command = "`.venv/bin/python benchmarks/deploy_vs_netlify_cli.py"
    command += f" --rounds {args.rounds}" if args.rounds != 3 else ""
    command += f" --tree {args.tree}" if args.tree != "mixed" else ""
    if args.upload_concurrency_limit or args.latency_ms:
        command += (
            f" --upload-concurrency-limit {args.upload_concurrency_limit} --latency-ms {args.latency_ms}"
        )
    return command + "`"


def preamble(args: argparse.Namespace, shape: dict[str, int], unique_blobs: int) -> list[str]:
    """Machine, command and tree: the lines every section starts with."""
    return [
        heading(args),
        "",
        f"- Machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, {platform.system()}; netlify-cli {cli_version()}",
        f"- Command: {command_line(args)}",
        f"- Tree: {shape['files']:,} files ({TREES[args.tree].describe()}), {shape['bytes'] / 1e6:.1f} MB, "
        f"{shape['duplicates']:,} files duplicating another's content: {unique_blobs:,} unique blobs.",
        "- Emulator in its own process (`netlify-reconciler emulator --port 0`), rate limits off, loopback, "
        "warmed up by one unrecorded deploy; every run on a fresh site in a team of its own, so nothing is "
        "shared between runs. Each deploy is a fresh process (node or python), timed from start to exit; "
        f"medians of {args.rounds} alternating rounds (range in brackets). Counts and the upload phase "
        "(first upload's start to the last one's end) from the emulator's request log.",
    ]


def common_rows(f: Figures, args: argparse.Namespace) -> list[str]:
    """The first-deploy and redeploy rows both tables share (columns: netlify-cli, ours, note)."""
    cli_first, ours_first = f.median("cli", "first", "seconds"), f.median("ours", "first", "seconds")
    return [
        f"| first deploy, wall time | {cli_first:.2f} s ({f.spread('cli', 'first')}) | "
        f"{ours_first:.2f} s ({f.spread('ours', 'first')}) | "
        f"netlify-cli / ours: **{cli_first / ours_first:.1f}x** (per round: {f.ratios(args.rounds)}) |",
        f"| first deploy, upload phase | {f.median('cli', 'first', 'upload_phase_s'):.2f} s | "
        f"{f.median('ours', 'first', 'upload_phase_s'):.2f} s | |",
        f"| first deploy, the emulator's CPU (one process: one core at most) | "
        f"{f.median('cli', 'first', 'emulator_cpu_s'):.2f} s | "
        f"{f.median('ours', 'first', 'emulator_cpu_s'):.2f} s | |",
        f"| first deploy, upload requests | {f.median('cli', 'first', 'uploads'):,.0f} | "
        f"{f.median('ours', 'first', 'uploads'):,.0f} | ours: the unique blobs Netlify asked for |",
        f"| first deploy, bytes uploaded | {f.median('cli', 'first', 'upload_bytes') / 1e6:.1f} MB | "
        f"{f.median('ours', 'first', 'upload_bytes') / 1e6:.1f} MB | |",
        f"| first deploy, all requests | {f.median('cli', 'first', 'requests'):,.0f} | "
        f"{f.median('ours', 'first', 'requests'):,.0f} | |",
        f"| unchanged redeploy, wall time | {f.median('cli', 'unchanged', 'seconds'):.2f} s "
        f"({f.spread('cli', 'unchanged')}) | {f.median('ours', 'unchanged', 'seconds'):.2f} s "
        f"({f.spread('ours', 'unchanged')}) | |",
        f"| unchanged redeploy, deploy calls / uploads | {f.median('cli', 'unchanged', 'deploy_calls'):.0f}"
        f" / {f.median('cli', 'unchanged', 'uploads'):.0f} | "
        f"{f.median('ours', 'unchanged', 'deploy_calls'):.0f}"
        f" / {f.median('ours', 'unchanged', 'uploads'):.0f} | |",
    ]


def render_limited(
    rows: list[dict[str, Any]], shape: dict[str, int], unique_blobs: int, args: argparse.Namespace
) -> str:
    """The section for a run against an emulator with Netlify's upload limit and/or added latency."""
    f = Figures(rows)
    lines = [
        *preamble(args, shape, unique_blobs),
        f"- Emulator also with `--upload-concurrency-limit {args.upload_concurrency_limit}` (upload answers "
        "carry `X-Concurrent-Limit`; more uploads of one deploy in flight get 429) and `--latency-ms "
        f"{args.latency_ms}` on every request (a server that far away).",
        "",
        "| | netlify-cli | netlify-reconciler | note |",
        "|---|---:|---:|---|",
        *common_rows(f, args),
        f"| first deploy, uploads refused for concurrency (429) | {f.median('cli', 'first', 'refused'):,.0f} "
        f"({f.spread('cli', 'first', 'refused')}) | {f.median('ours', 'first', 'refused'):,.0f} "
        f"({f.spread('ours', 'first', 'refused')}) | |",
        f"| first deploy, most uploads in flight | {f.median('cli', 'first', 'peak_in_flight'):.0f} "
        f"({f.spread('cli', 'first', 'peak_in_flight')}) | {f.median('ours', 'first', 'peak_in_flight'):.0f} "
        f"({f.spread('ours', 'first', 'peak_in_flight')}) | |",
    ]
    if args.upload_concurrency_limit:
        uploads = f.median("ours", "first", "uploads")
        per_upload_ms = f.median("ours", "first", "upload_ms")
        floor = uploads * per_upload_ms / 1000 / args.upload_concurrency_limit
        phase = f.median("ours", "first", "upload_phase_s")
        lines += [
            f"| our upload phase against its floor | | {phase:.2f} s / {floor:.2f} s | "
            f"**{phase / floor:.2f}x** |",
            "",
            f"The floor is {uploads:,.0f} required uploads x {per_upload_ms:.1f} ms (the median time the "
            f"emulator took to answer one upload, its {args.latency_ms} ms latency included) / "
            f"{args.upload_concurrency_limit} uploads allowed in flight.",
        ]
    return "\n".join(lines) + "\n"


def render(
    rows: list[dict[str, Any]],
    big: dict[str, Any],
    shape: dict[str, int],
    unique_blobs: int,
    args: argparse.Namespace,
) -> str:
    f = Figures(rows)
    lines = [
        *preamble(args, shape, unique_blobs),
        "- Our unchanged redeploy is what `apply` does for an unchanged tree: the plan compares the local "
        "digest with `GET /sites/{id}/files` and the published deploy's functions, finds nothing, and no "
        "deploy call is made.",
        "",
        "| | netlify-cli | netlify-reconciler | note |",
        "|---|---:|---:|---|",
        *common_rows(f, args),
    ]
    if big:
        lines.append(
            f"| one 1 GiB file: peak RSS of the deploying process | | {big['peak_rss_mb']:.0f} MB "
            f"({big['seconds']:.1f} s, {big.get('uploads', 0)} upload) | |"
        )
    lines += [
        "",
        "On loopback the emulator's CPU time is the floor of the upload phase: it is one Python process (one "
        "core at most), and during our upload phase it is busy nearly throughout; netlify-cli's own client, "
        "5 uploads at a time, leaves it idle part of the time.",
    ]
    return "\n".join(lines) + "\n"


def cli_version() -> str:
    try:
        result = subprocess.run(
            [str(CLI_BIN / "netlify"), "--version"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PATH": f"{CLI_BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
            check=False,
        )
        return result.stdout.split()[0].split("/")[-1] if result.stdout else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def record(section: str, heading: str) -> None:
    """Replace the section in RESULTS.md (or append it), leaving the other sections alone."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(re.escape(heading) + r"\n.*?(?=\n## |\Z)", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section.rstrip("\n") + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
