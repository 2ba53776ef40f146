"""The admin endpoint: health, faults and limits changed at run time, loopback only."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from reconciler.emulator import EmulatorOptions, EmulatorServer
from reconciler.emulator.admin import is_loopback_client
from reconciler.emulator.faults import FaultConfig
from tests.support.http import api_session


def admin(server: EmulatorServer, method: str, name: str, **kwargs: object) -> requests.Response:
    return requests.request(method, f"{server.url}/_emulator/{name}", timeout=5, **kwargs)  # type: ignore[arg-type]


def test_health_needs_no_token_and_is_not_under_api_v1(emulator: EmulatorServer) -> None:
    response = admin(emulator, "GET", "health")
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert "X-RateLimit-Limit" not in response.headers, "the admin endpoint is not rate limited"
    assert requests.get(f"{emulator.api_url}/_emulator/health", timeout=5).status_code == 404


def test_faults_are_read_replaced_and_patched_at_run_time(emulator: EmulatorServer) -> None:
    state = admin(emulator, "GET", "faults").json()
    assert state["error_rate"] == 0 and state["drop_rate"] == 0 and state["injected"] == {}
    assert isinstance(state["seed_in_use"], int), "a random seed is still reported, for replaying"
    api = api_session(emulator)
    assert api.get("/sites").status_code == 200

    state = admin(emulator, "PUT", "faults", json={"error_rate": 1, "seed": 5, "paths": "^GET "}).json()
    assert state["error_rate"] == 1.0 and state["seed_in_use"] == 5 and state["paths"] == "^GET "
    assert api.get("/sites").status_code in (500, 502, 503)
    assert api.post("/sites", json={"name": "posted"}).status_code == 201, "paths narrows the faults"
    assert admin(emulator, "GET", "faults").json()["injected"] == {"error_rate": 1}

    state = admin(emulator, "PATCH", "faults", json={"paths": None}).json()
    assert state["error_rate"] == 1.0 and state["paths"] is None and state["injected"] == {}
    assert api.post("/sites", json={"name": "refused"}).status_code >= 500

    state = admin(emulator, "PUT", "faults", json={"latency_ms": 1}).json()
    assert state["error_rate"] == 0 and state["latency_ms"] == 1, "PUT replaces: absent keys are off"
    assert api.get("/sites").status_code == 200


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"error_rate": 1.5}, "error_rate: must be between 0 and 1"),
        ({"drop_rate": "0.5"}, "drop_rate: wrong type string"),
        ({"latency_ms": True}, "latency_ms: wrong type boolean"),
        ({"latency_ms": -1}, "latency_ms: must not be negative"),
        ({"burst_429_length": 0}, "burst_429_length: must be at least 1"),
        ({"paths": "("}, "paths: not a valid regular expression"),
        ({"colour": 1}, "colour: unknown fault setting"),
    ],
)
def test_bad_fault_settings_are_422_and_change_nothing(
    emulator: EmulatorServer, body: dict[str, object], fragment: str
) -> None:
    admin(emulator, "PUT", "faults", json={"latency_ms": 3})
    response = admin(emulator, "PATCH", "faults", json=body)
    assert response.status_code == 422
    assert response.json()["code"] == 422 and fragment in response.json()["message"]
    assert admin(emulator, "GET", "faults").json()["latency_ms"] == 3


def test_limits_change_at_run_time_and_reset_refills(emulator: EmulatorServer) -> None:
    assert admin(emulator, "GET", "limits").json() == {
        "rate_limit_per_minute": 500,
        "deploy_rate_limit_per_minute": 3,
        "max_body_bytes": 10 * 1024 * 1024,
        "upload_concurrency_limit": 10,
    }
    changed = admin(emulator, "PUT", "limits", json={"rate_limit_per_minute": 2})
    assert (
        changed.json()["rate_limit_per_minute"] == 2 and changed.json()["deploy_rate_limit_per_minute"] == 3
    )
    admin(emulator, "POST", "reset-limits")
    api = api_session(emulator)
    assert [api.get("/sites").status_code for _ in range(3)] == [200, 200, 429]
    assert admin(emulator, "POST", "reset-limits").status_code == 204
    assert api.get("/sites").status_code == 200
    admin(emulator, "PATCH", "limits", json={"rate_limit_per_minute": 0})
    assert all(api.get("/sites").status_code == 200 for _ in range(5))
    bad = admin(emulator, "PUT", "limits", json={"max_body_bytes": -1, "rate_limit_per_minute": 9})
    assert bad.status_code == 422 and "max_body_bytes" in bad.json()["message"]
    assert admin(emulator, "GET", "limits").json()["rate_limit_per_minute"] == 0, "nothing applied"
    assert admin(emulator, "PUT", "limits", json=[]).status_code == 422


def test_admin_is_never_faulted_or_limited(tmp_path: Path) -> None:
    options = EmulatorOptions(faults=FaultConfig(drop_rate=1.0), rate_limit_per_minute=1)
    with EmulatorServer(tmp_path, tokens=["test-token"], options=options) as server:
        for _ in range(5):
            assert admin(server, "GET", "faults").status_code == 200
        admin(server, "PUT", "faults", json={})
        assert api_session(server).get("/sites").status_code == 200


@pytest.mark.parametrize(
    ("client", "expected"),
    [
        (("127.0.0.1", 5000), True),
        (("127.8.9.10", 5000), True),
        (("::1", 5000), True),
        (("::ffff:127.0.0.1", 5000), True),
        (("10.0.0.7", 5000), False),
        (("192.0.2.2", 5000), False),
        (("::ffff:10.0.0.7", 5000), False),
        (("2001:db8::1", 5000), False),
        (("not-an-ip", 5000), False),
        (None, False),
    ],
)
def test_loopback_guard(client: tuple[str, int] | None, expected: bool) -> None:
    assert is_loopback_client({"type": "http", "client": client}) is expected
