"""The process `deploy_vs_netlify_cli.py` times for our side: hash the tree, read the site, deploy.

Its own script, importing only what a deploy needs, so the figures time our engine and not the benchmark's
own imports (the emulator, Starlette and uvicorn, about a quarter of a second that `apply` never loads).
Prints one JSON line: hashing time, whether a deploy was needed, what it uploaded, the peak RSS.

    python benchmarks/deploy_child.py MODE API TREE SITE WORKDIR
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: the checkout's `reconciler` even without installing
    sys.path.insert(0, str(REPO))

TOKEN = "bench-token"


def peak_rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main(mode: str, api: str, tree: str, site: str, workdir: str) -> None:
    from reconciler.deploy.engine import DeployOptions, deploy
    from reconciler.deploy.scan import local_digest
    from reconciler.netlify.client import NetlifyClient

    client = NetlifyClient(api, TOKEN)
    started = time.perf_counter()
    digest = local_digest(Path(tree), None, Path(workdir))
    hashed = time.perf_counter() - started
    site_obj = client.get(f"/sites/{site}")
    out: dict[str, Any] = {"hash_seconds": round(hashed, 3)}
    published = site_obj.get("published_deploy")
    live: dict[str, str] = {}
    if published:
        live = {
            str(f["path"]).lstrip("/"): f["sha"] for f in client.get(f"/sites/{site_obj['id']}/files") or []
        }
    live_functions = {f["n"]: f["d"] for f in (published or {}).get("available_functions") or []}
    unchanged = live == digest.file_shas() and live_functions == digest.function_shas()
    out["planned_changes"] = 0 if unchanged else 1
    if mode == "apply" and not unchanged:
        result = deploy(client, site_obj["id"], digest, DeployOptions())
        out.update(
            state=result.deploy["state"],
            uploaded_files=result.uploaded_files,
            uploaded_bytes=result.uploaded_bytes,
            requests=result.requests,
        )
    out["peak_rss_mb"] = round(peak_rss_kb() / 1024, 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main(*sys.argv[1:6])
