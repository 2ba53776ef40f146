"""`kill -9` in the middle of an apply, then apply again: converged, nothing twice, no deploy left unfinished.

An apply of the every-kind manifest (a site created, settings, secrets, hooks, a deploy of a few hundred
files and a function) is killed once it has sent a given number of writes: ten points spread over the whole
run, from the first writes through the uploads to the ledger. The next apply finds the dead run's lease
(stale: its process is gone), takes it over, cancels the deploy that run left unfinished, and finishes the
work; the plan after it is empty.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.cli.conftest import CLI_TOKEN, console_script, run_cli, start_emulator
from tests.integration.test_interrupted_replace import HOOK
from tests.support.everything import SECRETS, every_kind_tree
from tests.support.http import ApiSession
from tests.support.live_checks import duplicates, unfinished_deploys

FILES = 300
LIMITS = ("--rate-limit-per-minute", "0", "--deploy-rate-limit-per-minute", "0", "--processing-delay", "0.5")


def _tree(root: Path) -> Path:
    manifest = every_kind_tree(root)
    for index in range(FILES):
        (root / "public" / f"page-{index:03d}.html").write_text(f"<p>page {index}</p>\n" * 20)
    return manifest


def _writes(log: Path) -> int:
    """Writes logged so far; a line the emulator is halfway through writing is not counted yet."""
    if not log.exists():
        return 0
    lines = log.read_text().splitlines(keepends=True)
    return sum(1 for line in lines if line.endswith("\n") and json.loads(line)["method"] not in ("GET", "HEAD"))


def _reference_writes(tmp_path: Path) -> int:
    """How many writes an uninterrupted apply sends (uploads included), to spread the kill points."""
    log = tmp_path / "reference.jsonl"
    with start_emulator(tmp_path / "reference-emu", "--request-log", str(log), *LIMITS) as emu:
        manifest = _tree(tmp_path / "reference")
        assert (
            run_cli("apply", str(manifest), "--auto-approve", env=emu.env(**SECRETS), timeout=300).returncode
            == 0
        )
    return _writes(log)


@pytest.fixture(scope="module")
def reference_writes(tmp_path_factory: pytest.TempPathFactory) -> int:
    return _reference_writes(tmp_path_factory.mktemp("reference"))


@pytest.mark.parametrize("point", range(1, 11))
def test_apply_after_kill_9_converges(tmp_path, point, reference_writes):
    kill_after = max(1, reference_writes * point // 11)
    log = tmp_path / "requests.jsonl"
    with start_emulator(tmp_path / "emu", "--request-log", str(log), *LIMITS) as emu:
        manifest = _tree(tmp_path / "site")
        env = emu.env(**SECRETS)
        process = subprocess.Popen(
            [console_script(), "apply", str(manifest), "--auto-approve"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while process.poll() is None and _writes(log) < kill_after and time.monotonic() < deadline:
            time.sleep(0.005)
        killed = process.poll() is None
        if killed:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        assert killed, f"the apply finished before {kill_after} writes: no crash to recover from"

        again = run_cli("apply", str(manifest), "--auto-approve", env=env, timeout=300)
        assert again.returncode == 0, again.stderr[-3000:]
        assert run_cli("plan", str(manifest), "--detailed-exitcode", env=env).returncode == 0
        api = ApiSession(emu.url, CLI_TOKEN)
        assert unfinished_deploys(api) == []
        assert duplicates(api) == []


def test_apply_after_kill_9_between_a_replaces_create_and_delete(tmp_path):
    """The new hook exists, the old one is not deleted yet: the next apply deletes that one, nothing else."""
    with start_emulator(tmp_path / "emu", *LIMITS) as emu:
        manifest = tmp_path / "m.yaml"
        manifest.write_text(HOOK)
        env = emu.env()
        assert run_cli("apply", str(manifest), "--auto-approve", env=env).returncode == 0
        site_id = emu.api("GET", "/sites/hooked").json()["id"]
        (old,) = emu.api("GET", f"/hooks?site_id={site_id}").json()
        manifest.write_text(HOOK.replace("signature_secret: s1", "signature_secret: s2"))
        faults = {"error_rate": 1, "latency_ms": 500, "paths": "^DELETE /api/v1/hooks/"}
        requests.put(f"{emu.url}/_emulator/faults", json=faults, timeout=5).raise_for_status()
        process = subprocess.Popen(
            [console_script(), "apply", str(manifest), "--auto-approve"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while len(emu.api("GET", f"/hooks?site_id={site_id}").json()) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert process.poll() is None, "the apply ended before it could be killed between create and delete"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        requests.put(f"{emu.url}/_emulator/faults", json={}, timeout=5).raise_for_status()
        assert len(emu.api("GET", f"/hooks?site_id={site_id}").json()) == 2

        again = run_cli("apply", str(manifest), "--auto-approve", env=env, timeout=120)
        assert again.returncode == 0, again.stderr[-3000:]
        assert f"id {old['id']}" in again.stdout
        (new,) = emu.api("GET", f"/hooks?site_id={site_id}").json()
        assert new["id"] != old["id"] and new["data"]["signature_secret"] == "s2"
        assert run_cli("plan", str(manifest), "--detailed-exitcode", env=env).returncode == 0
