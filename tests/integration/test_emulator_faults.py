"""Fault injection: seeded error rates, 429 bursts, latency, dropped connections, and our client riding them out."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import requests

from reconciler.emulator import EmulatorOptions, EmulatorServer
from reconciler.emulator.faults import FaultConfig
from reconciler.netlify.client import NetlifyClient
from tests.support.http import api_session

NO_LIMITS = {"rate_limit_per_minute": 0, "deploy_rate_limit_per_minute": 0}


def statuses_with_seed(data_dir: Path, seed: int, count: int = 40) -> list[int]:
    options = EmulatorOptions(faults=FaultConfig(error_rate=0.4, seed=seed), **NO_LIMITS)
    with EmulatorServer(data_dir, tokens=["test-token"], options=options) as server:
        api = api_session(server)
        return [api.get("/sites").status_code for _ in range(count)]


def test_error_rate_with_a_seed_replays_the_same_statuses(tmp_path: Path) -> None:
    first = statuses_with_seed(tmp_path / "one", seed=1234)
    second = statuses_with_seed(tmp_path / "two", seed=1234)
    assert first == second
    assert set(first) <= {200, 500, 502, 503}
    assert 200 in first and len(set(first)) > 2, "a 0.4 rate over 40 calls mixes answers"
    assert statuses_with_seed(tmp_path / "three", seed=99) != first


def test_injected_errors_have_netlifys_shape_and_rate_limit_headers(tmp_path: Path) -> None:
    with EmulatorServer(
        tmp_path, tokens=["test-token"], options=EmulatorOptions(faults=FaultConfig(error_rate=1.0))
    ) as server:
        response = api_session(server).get("/accounts")
        assert response.status_code in (500, 502, 503)
        assert response.json() == {"code": response.status_code, "message": response.reason}
        assert response.headers["X-RateLimit-Limit"] == "500"
        integration = requests.get(
            f"{server.url}/integrations-api/site/s1/integrations/demo",
            headers={"netlify-token": "test-token"},
            timeout=5,
        )
        assert integration.status_code in (500, 502, 503), "the Integration API is faulted too"
        assert requests.get(f"{server.url}/_emulator/health", timeout=5).status_code == 200


def test_429_bursts_are_counted_and_say_when_to_retry(tmp_path: Path) -> None:
    options = EmulatorOptions(faults=FaultConfig(burst_429_every=3, burst_429_length=2), **NO_LIMITS)
    with EmulatorServer(tmp_path, tokens=["test-token"], options=options) as server:
        api = api_session(server)
        answers = [api.get("/sites") for _ in range(9)]
        assert [r.status_code for r in answers] == [200, 200, 429, 429, 200, 200, 429, 429, 200]
        burst = answers[2]
        assert burst.json()["code"] == 429
        assert burst.headers["X-RateLimit-Remaining"] == "0"
        reset = int(burst.headers["X-RateLimit-Reset"])
        assert time.time() - 1 < reset <= time.time() + 1, "the next whole second"
        assert "X-RateLimit-Limit" in burst.headers


def test_latency_is_added(tmp_path: Path) -> None:
    with EmulatorServer(
        tmp_path, tokens=["test-token"], options=EmulatorOptions(faults=FaultConfig(latency_ms=400))
    ) as server:
        api = api_session(server)
        started = time.perf_counter()
        assert api.get("/sites").status_code == 200
        assert time.perf_counter() - started >= 0.4
        started = time.perf_counter()
        assert requests.get(f"{server.url}/_emulator/health", timeout=5).status_code == 200
        # Far below the added delay even on a loaded machine (a loopback request takes milliseconds).
        assert time.perf_counter() - started < 0.4, "never on the admin endpoint"


def test_dropped_connections_are_connection_errors_and_logged(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    options = EmulatorOptions(faults=FaultConfig(drop_rate=1.0, paths="^GET /api/v1/sites$"))
    with EmulatorServer(tmp_path / "data", tokens=["test-token"], request_log=log, options=options) as server:
        api = api_session(server)
        with pytest.raises(requests.ConnectionError):
            api.get("/sites")
        with pytest.raises(requests.ConnectionError):
            api.get("/sites")
        assert api.get("/accounts").status_code == 200, "fault_paths narrows the faults"
        assert api.post("/sites", json={"name": "untouched"}).status_code == 201
        state = requests.get(f"{server.url}/_emulator/faults", timeout=5).json()
        assert state["injected"] == {"drop": 2}
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    drops = [e for e in entries if e.get("fault") == "drop"]
    assert len(drops) == 2 and all(e["status"] == 0 and e["bytes_out"] == 0 for e in drops)
    assert [e.get("fault") for e in entries[2:]] == [None, None, None]


def test_request_log_names_every_kind_of_fault(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    options = EmulatorOptions(
        rate_limit_per_minute=3, faults=FaultConfig(burst_429_every=2, burst_429_length=1)
    )
    with EmulatorServer(tmp_path / "data", tokens=["test-token"], request_log=log, options=options) as server:
        api = api_session(server)
        statuses = [api.get("/sites").status_code for _ in range(4)]
        requests.put(f"{server.url}/_emulator/faults", json={"error_rate": 1}, timeout=5)
        requests.post(f"{server.url}/_emulator/reset-limits", timeout=5)
        statuses.append(api.get("/sites").status_code)
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    api_entries = [e for e in entries if e["path"].startswith("/api/v1")]
    assert [e.get("fault") for e in api_entries] == [None, "burst_429", None, "rate_limited", "error_rate"]
    assert statuses[:4] == [200, 429, 200, 429] and statuses[4] >= 500
    text = log.read_text()
    assert "test-token" not in text and "Bearer" not in text


def test_our_client_rides_out_injected_503s_and_429_bursts(tmp_path: Path) -> None:
    faults = FaultConfig(error_rate=0.25, seed=2024, burst_429_every=10, burst_429_length=2)
    options = EmulatorOptions(faults=faults, **NO_LIMITS)
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    with EmulatorServer(tmp_path, tokens=["test-token"], options=options) as server:
        client = NetlifyClient(server.url, "test-token", sleep=sleep, backoff_cap=0.2)
        try:
            for _ in range(12):
                assert client.get("/sites") == []
            assert client.get_all("/accounts")[0]["slug"]
        finally:
            client.close()
        injected = requests.get(f"{server.url}/_emulator/faults", timeout=5).json()["injected"]
    assert injected.get("burst_429", 0) >= 2 and injected.get("error_rate", 0) >= 1, injected
    assert waits and max(waits) <= 1.2, "a burst 429's Reset is at most a second away"


def test_drop_after_carries_the_request_out_and_loses_the_answer(tmp_path):
    """A create that happened although the client saw the connection close: what read-back is for."""
    log = tmp_path / "requests.jsonl"
    options = EmulatorOptions(
        faults=FaultConfig(drop_after_rate=1.0, paths="^POST /api/v1/sites/[^/]+/snippets$")
    )
    with EmulatorServer(tmp_path / "data", tokens=["t"], options=options, request_log=log) as emu:
        headers = {"Authorization": "Bearer t"}
        site = requests.post(f"{emu.api_url}/demo/sites", json={"name": "lost"}, headers=headers, timeout=10)
        site_id = site.json()["id"]
        with pytest.raises(requests.ConnectionError):
            requests.post(
                f"{emu.api_url}/sites/{site_id}/snippets",
                json={"title": "x", "general": "<p>"},
                headers=headers,
                timeout=10,
            )
        listed = requests.get(f"{emu.api_url}/sites/{site_id}/snippets", headers=headers, timeout=10).json()
        assert [s["title"] for s in listed] == ["x"], "carried out, although its answer was lost"
        faults = requests.get(f"{emu.url}/_emulator/faults", timeout=10).json()
        assert faults["injected"] == {"drop_after": 1}
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    (lost,) = [e for e in entries if e.get("fault") == "drop_after"]
    assert (lost["method"], lost["status"]) == ("POST", 0)
