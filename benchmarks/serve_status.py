"""Publishing statuses and serving them: requests and time for a fleet of N sites (every kind declared).

Usage: python benchmarks/serve_status.py [N ...]   (default: 20 100)

For each N: apply the generated fleet to an in-process emulator (rate limits off, loopback, request log),
change one site behind the tool's back, then measure with the installed console script:
- `drift` and `drift --publish-status fleet-search` (every site has that integration enabled): time and
  requests, so the publication's own cost shows;
- `serve` (a child process): a fleet round ("Check now") at --concurrency 1, 2 and 4; the `status` handler
  answered from memory (sequential, and 50 callers at once); the `drift` handler (a fresh check of one
  site); the status page. Requests are counted from the emulator's log, per endpoint group.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.fleet import fleet_manifest
from reconciler.emulator.app import EmulatorOptions
from reconciler.emulator.process import console_script
from reconciler.emulator.server import EmulatorServer
from tests.support.serve import spawn_serve

TOKEN = "bench-token"


def lines(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def timed(log: Path, action: Callable[[], object]) -> tuple[float, int]:
    before = lines(log)
    started = time.perf_counter()
    action()
    return time.perf_counter() - started, lines(log) - before


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([console_script(), *args], env=env, capture_output=True, text=True, timeout=600)


def measure(count: int) -> dict[str, object]:
    out: dict[str, object] = {"sites": count}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        log = root / "requests.jsonl"
        options = EmulatorOptions(rate_limit_per_minute=0, deploy_rate_limit_per_minute=0)
        with EmulatorServer(root / "data", tokens=[TOKEN], request_log=log, options=options) as server:
            env = {k: v for k, v in os.environ.items() if not k.startswith("NETLIFY_")}
            env.update(NETLIFY_API_URL=server.url, NETLIFY_AUTH_TOKEN=TOKEN)
            manifest = root / "fleet.yaml"
            manifest.write_text(fleet_manifest(count))
            assert cli(env, "apply", str(manifest), "--auto-approve").returncode == 0
            site_id = drift_one_site(server.api_url)
            out["drift"] = timed(log, lambda: cli(env, "drift", str(manifest)))
            publish = ("drift", str(manifest), "--publish-status", "fleet-search")
            out["drift --publish-status"] = timed(log, lambda: cli(env, *publish))
            for concurrency in (1, 2, 4):
                out.update(serve_rounds(manifest, env, log, site_id, concurrency))
            out.update(serve_from_memory(manifest, env, log, site_id))
    return out


def drift_one_site(api_url: str) -> str:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    site = requests.get(f"{api_url}/sites/fleet-0000", headers=auth, timeout=10).json()
    change = {"context": "all", "value": "https://by-hand.example"}
    params = {"site_id": site["id"]}
    url = f"{api_url}/accounts/demo/env/API_URL"
    requests.patch(url, params=params, json=change, headers=auth, timeout=10).raise_for_status()
    return str(site["id"])


def serve_rounds(
    manifest: Path, env: dict[str, str], log: Path, site_id: str, workers: int
) -> dict[str, object]:
    """A fleet round through the page's "Check now"; with 2 workers also the page and the drift handler."""
    out: dict[str, object] = {}
    with spawn_serve(manifest, env, "--interval", "0", "--concurrency", str(workers)) as serve:
        browser = requests.Session()
        browser.post(serve.url + "/sign-in", data={"token": TOKEN}, allow_redirects=False, timeout=600)
        out[f"round c={workers}"] = timed(log, lambda: browser.post(serve.url + "/check", timeout=600))
        if workers == 2:
            out["page"] = timed(log, lambda: browser.get(serve.url + "/", timeout=600))
            calls = [timed(log, lambda: serve.fetch("drift", TOKEN, site_id=site_id)) for _ in range(10)]
            out["drift handler (fresh check)"] = (statistics.median(c[0] for c in calls), calls[-1][1])
    return out


def serve_from_memory(manifest: Path, env: dict[str, str], log: Path, site_id: str) -> dict[str, object]:
    """The status handler once every site has been checked (a long --interval: answers from memory)."""
    out: dict[str, object] = {}
    with spawn_serve(manifest, env, "--interval", "3600") as serve:
        first = serve.fetch("status", TOKEN, site_id=site_id)  # waits for the first round
        assert first.status_code == 200, first.text
        requests.get(serve.url + "/", cookies={"_nf-auth": TOKEN}, timeout=600)  # every site checked
        calls = [timed(log, lambda: serve.fetch("status", TOKEN, site_id=site_id)) for _ in range(200)]
        seconds = sorted(c[0] for c in calls)
        out["status handler (from memory)"] = (statistics.median(seconds), sum(c[1] for c in calls))
        out["status p95"] = seconds[int(len(seconds) * 0.95)]
        with ThreadPoolExecutor(max_workers=50) as pool:
            started = time.perf_counter()
            answers = list(pool.map(lambda _: serve.fetch("status", TOKEN, site_id=site_id), range(50)))
            codes = [answer.status_code for answer in answers]
            out["50 callers at once"] = (time.perf_counter() - started, codes.count(200))
    return out


def main() -> None:
    counts = [int(arg) for arg in sys.argv[1:]] or [20, 100]
    for count in counts:
        print(json.dumps(measure(count)), flush=True)


if __name__ == "__main__":
    main()
