"""Our deploy engine against the emulator's concurrent-upload limit: it uses the limit the server announces
(`X-Concurrent-Limit`) and never runs past it, so no upload is refused for concurrency."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from reconciler.deploy.engine import DeployOptions, deploy
from reconciler.deploy.scan import local_digest
from reconciler.emulator import EmulatorServer
from reconciler.emulator.faults import FaultConfig
from reconciler.netlify.client import NetlifyClient
from tests.support.deploys import TOKEN, deploy_options

FILES = 80


def refusals(log: Path) -> int:
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    return sum(1 for e in entries if e.get("fault") == "upload_concurrency")


@pytest.mark.parametrize(("server_limit", "refused_at_most"), [(10, 0), (5, 0), (3, 2)])
def test_uploads_stay_within_the_announced_limit(
    tmp_path: Path, server_limit: int, refused_at_most: int
) -> None:
    """Before the first answer the engine sends at most 5 (Netlify's smallest limit), so only a server
    announcing fewer can refuse anything, and only in that first wave."""
    tree = tmp_path / "site"
    tree.mkdir()
    for i in range(FILES):
        (tree / f"page-{i:03d}.html").write_bytes(f"<p>{i}</p>".encode())
    log = tmp_path / "requests.jsonl"
    options = deploy_options(
        upload_concurrency_limit=server_limit,
        # Uploads take a while (and CPU noise is small beside it): many are in flight.
        faults=FaultConfig(latency_ms=60, paths="^PUT /api/v1/deploys/"),
        processing_delay=0.05,
        request_log=log,
    )
    with EmulatorServer(tmp_path / "emu", tokens=[TOKEN], options=options) as emu:
        with NetlifyClient(emu.url, TOKEN) as client:
            site_id = str(client.post("/demo/sites", {"name": "limited"})["id"])
            digest = local_digest(tree, None, tmp_path / "work")
            result = deploy(client, site_id, digest, DeployOptions(poll_interval=0.1))
        uploads = requests.get(f"{emu.url}/_emulator/uploads", timeout=5).json()
    assert result.deploy["state"] == "ready" and result.uploaded_files == FILES
    assert refusals(log) <= refused_at_most
    assert uploads["peak"] == server_limit, "the engine grows to the announced limit"
