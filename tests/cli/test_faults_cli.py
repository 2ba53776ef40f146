"""Exactly once, converging in one run: the first apply under injected faults succeeds, and what it leaves is
exactly what the manifests declare, nothing twice, nothing undeclared taken away.

The emulator injects what a real network and API do to a run: server errors (10%), bursts of five 429s every
40 requests, dropped connections (2%), requests carried out whose answer is then lost (2%), and jittered
latency. Each seed replays one sequence of faults against the shipped examples and against a manifest that
uses every kind (a deploy with a function, a rename, secrets, a disabled hook, a team ledger).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from tests.cli.conftest import CLI_TOKEN, EXAMPLES, EmulatorProcess, run_cli, start_emulator
from tests.support.everything import SECRETS, every_kind_tree
from tests.support.http import ApiSession
from tests.support.live_checks import duplicates, unfinished_deploys

SEEDS = range(1, 11)
FAULTS = {
    "error_rate": 0.1,
    "burst_429_every": 40,
    "burst_429_length": 5,
    "drop_rate": 0.02,
    "drop_after_rate": 0.02,
    "latency_jitter_ms": 20,
}


def _examples(root: Path) -> Path:
    shutil.copytree(EXAMPLES, root)
    return root


def _every_kind(root: Path) -> Path:
    return every_kind_tree(root)


MANIFESTS: dict[str, Callable[[Path], Path]] = {"examples": _examples, "every-kind": _every_kind}


def _plant_bystanders(api: ApiSession) -> None:
    """Objects nobody declared, which no apply may take away: a whole site, and a snippet on a site the
    every-kind manifest renames (it declares no snippets there)."""
    site = api.post("/demo/sites", json={"name": "bystander"}).json()
    api.post(
        "/accounts/demo/env",
        params={"site_id": site["id"]},
        json=[{"key": "KEEP", "values": [{"context": "all", "value": "mine"}]}],
    ).raise_for_status()
    api.post(f"/sites/{site['id']}/snippets", json={"title": "keep", "general": "<p>"}).raise_for_status()
    old = api.post("/demo/sites", json={"name": "contract-old"}).json()
    api.post(f"/sites/{old['id']}/snippets", json={"title": "keep-me", "general": "<p>"}).raise_for_status()


def _bystanders_intact(api: ApiSession) -> None:
    site = api.get("/sites/bystander").json()
    keys = {v["key"] for v in api.get("/accounts/demo/env", params={"site_id": site["id"]}).json()}
    assert "KEEP" in keys
    assert [s["title"] for s in api.get(f"/sites/{site['id']}/snippets").json()] == ["keep"]
    renamed = api.get("/sites/contract-renamed")
    if renamed.status_code == 200:  # the every-kind manifest renamed contract-old
        assert [s["title"] for s in api.get(f"/sites/{renamed.json()['id']}/snippets").json()] == ["keep-me"]


def _set_faults(emu: EmulatorProcess, faults: dict[str, object]) -> dict[str, object]:
    response = requests.put(f"{emu.url}/_emulator/faults", json=faults, timeout=10)
    response.raise_for_status()
    state: dict[str, object] = response.json()
    return state


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("which", sorted(MANIFESTS))
def test_first_apply_under_faults_converges_exactly_once(tmp_path, which, seed):
    limits = ("--rate-limit-per-minute", "0", "--deploy-rate-limit-per-minute", "0")
    with start_emulator(tmp_path / "emu", *limits) as emu:
        api = ApiSession(emu.url, CLI_TOKEN)
        _plant_bystanders(api)
        manifests = MANIFESTS[which](tmp_path / which)
        env = emu.env(**SECRETS)
        _set_faults(emu, {**FAULTS, "seed": seed})

        applied = run_cli("apply", str(manifests), "--auto-approve", env=env, timeout=600)
        injected = requests.get(f"{emu.url}/_emulator/faults", timeout=10).json()["injected"]
        _set_faults(emu, {})
        assert applied.returncode == 0, f"seed {seed}, faults {injected}:\n{applied.stderr[-3000:]}"
        assert sum(injected.values()) >= 5, f"the faults were not injected: {injected}"

        planned = run_cli("plan", str(manifests), "--detailed-exitcode", env=env)
        assert planned.returncode == 0, f"seed {seed}: not converged in one run:\n{planned.stdout}"
        assert duplicates(api) == []
        assert unfinished_deploys(api) == []
        _bystanders_intact(api)
