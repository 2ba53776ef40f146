"""Netlify's concurrent-upload limit: `X-Concurrent-Limit` on upload answers, 429 past it, per deploy."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from reconciler.emulator import EmulatorServer
from reconciler.emulator.faults import FaultConfig
from tests.cli.conftest import start_emulator
from tests.support.deploys import deploy_emulator, digests, make_site, session, upload, wait_state
from tests.support.http import checked

UPLOAD_FAULTS = "^PUT /api/v1/deploys/"  # slow uploads down, so that they overlap


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[EmulatorServer]:
    with deploy_emulator(
        tmp_path / "emu",
        upload_concurrency_limit=2,
        faults=FaultConfig(latency_ms=400, paths=UPLOAD_FAULTS),
        request_log=tmp_path / "requests.jsonl",
    ) as server:
        yield server


def new_deploy(emu: EmulatorServer, site: str, files: dict[str, bytes]) -> dict[str, Any]:
    api = session(emu)
    site_id = make_site(api, site)["id"]
    created = api.post(f"/sites/{site_id}/deploys", json={"files": digests(files)})
    return {**checked(created, "createSiteDeploy", 200), "site_id": site_id}


def upload_all(emu: EmulatorServer, jobs: list[tuple[str, str, bytes]]) -> list[requests.Response]:
    """Send every (deploy id, path, content) upload at once, each on its own connection."""

    def one(job: tuple[str, str, bytes]) -> requests.Response:
        with session(emu) as api:
            return upload(api, *job)

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(one, jobs))


def test_uploads_past_the_limit_are_429_and_say_the_limit(emu: EmulatorServer) -> None:
    files = {f"f{i}.txt": f"file {i}".encode() for i in range(4)}
    deploy = new_deploy(emu, "limited", files)
    started = time.time()
    answers = upload_all(emu, [(deploy["id"], path, content) for path, content in files.items()])
    assert sorted(a.status_code for a in answers) == [200, 200, 429, 429]
    assert all(a.headers["X-Concurrent-Limit"] == "2" for a in answers)
    for refused in (a for a in answers if a.status_code == 429):
        error = checked(refused, "uploadDeployFile", 429)
        assert "at most 2 at a time" in error["message"]
        assert started <= int(refused.headers["X-RateLimit-Reset"]) <= time.time() + 1.5, "retry soon"
    log = emu.options.request_log
    assert log is not None and log.read_text().count('"fault":"upload_concurrency"') == 2
    # The refused ones go through once a slot is free, and the deploy completes.
    api = session(emu)
    for refused, (path, content) in zip(answers, files.items(), strict=True):
        if refused.status_code == 429:
            checked(upload(api, deploy["id"], path, content), "uploadDeployFile", 200)
    wait_state(api, deploy["site_id"], deploy["id"], "ready")
    state = requests.get(f"{emu.url}/_emulator/uploads", timeout=5).json()
    assert state == {"in_flight": {}, "peak": 2}


def test_the_limit_counts_each_deploy_on_its_own(emu: EmulatorServer) -> None:
    files = {"a.txt": b"a", "b.txt": b"b"}
    first, second = new_deploy(emu, "one", files), new_deploy(emu, "two", files)
    jobs = [(d["id"], path, content) for d in (first, second) for path, content in files.items()]
    assert [a.status_code for a in upload_all(emu, jobs)] == [200] * 4


def test_a_failed_upload_frees_its_slot(emu: EmulatorServer) -> None:
    deploy = new_deploy(emu, "failing", {"a.txt": b"a", "b.txt": b"b"})
    answers = upload_all(emu, [(deploy["id"], "a.txt", b"not a"), (deploy["id"], "b.txt", b"not b")])
    assert [a.status_code for a in answers] == [422, 422]
    assert requests.get(f"{emu.url}/_emulator/uploads", timeout=5).json()["in_flight"] == {}
    answers = upload_all(emu, [(deploy["id"], "a.txt", b"a"), (deploy["id"], "b.txt", b"b")])
    assert [a.status_code for a in answers] == [200, 200]


def test_the_limit_is_changed_at_run_time_and_0_turns_it_off(emu: EmulatorServer) -> None:
    patched = requests.patch(f"{emu.url}/_emulator/limits", json={"upload_concurrency_limit": 0}, timeout=5)
    assert patched.json()["upload_concurrency_limit"] == 0
    files = {f"f{i}.txt": f"file {i}".encode() for i in range(5)}
    deploy = new_deploy(emu, "unlimited", files)
    answers = upload_all(emu, [(deploy["id"], path, content) for path, content in files.items()])
    assert [a.status_code for a in answers] == [200] * 5
    assert all("X-Concurrent-Limit" not in a.headers for a in answers)


def test_default_limit_is_10_and_only_upload_answers_carry_it(tmp_path: Path) -> None:
    with deploy_emulator(tmp_path / "emu") as server:
        deploy = new_deploy(server, "plain", {"a.txt": b"a"})
        answer = upload(session(server), deploy["id"], "a.txt", b"a")
        assert answer.status_code == 200 and answer.headers["X-Concurrent-Limit"] == "10"
        assert "X-Concurrent-Limit" not in session(server).get(f"/deploys/{deploy['id']}").headers


def test_the_emulator_command_takes_the_limit_as_a_flag(tmp_path: Path) -> None:
    with start_emulator(tmp_path / "emu", "--upload-concurrency-limit", "3") as emu:
        limits = requests.get(f"{emu.url}/_emulator/limits", timeout=5).json()
    assert limits["upload_concurrency_limit"] == 3
