"""Rate limits: X-RateLimit-* on every answer, 429 past the limit, per-token buckets, deploy creation."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from reconciler.emulator import EmulatorOptions, EmulatorServer
from reconciler.emulator.limits import Limits
from reconciler.emulator.ratelimit import RateLimiter
from tests.support.http import api_session

HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def away_from_minute_edge() -> None:
    """Windows roll over on the whole minute; start a counting test well inside one so it cannot flake."""
    second = time.time() % 60
    if second > 57:
        time.sleep(60 - second + 0.05)


def limits(response: requests.Response) -> tuple[int, int, int]:
    return tuple(int(response.headers[name]) for name in HEADERS)  # type: ignore[return-value]


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[EmulatorServer]:
    options = EmulatorOptions(rate_limit_per_minute=5, deploy_rate_limit_per_minute=2)
    with EmulatorServer(tmp_path / "data", tokens=["test-token", "other-token"], options=options) as server:
        away_from_minute_edge()
        yield server


def test_every_answer_carries_the_headers(limited: EmulatorServer) -> None:
    api = api_session(limited)
    answers = [
        api.post("/sites", json={"name": "rl"}),  # 201
        api.get("/sites/rl"),  # 200
        api.get("/sites/absent"),  # 404
        api.post("/sites", json=[]),  # 422
        api.get("/no/such/path"),  # 404 from routing
    ]
    assert [r.status_code for r in answers] == [201, 200, 404, 422, 404]
    assert [limits(r)[1] for r in answers] == [4, 3, 2, 1, 0]
    anonymous = api_session(limited, None).get("/sites")
    assert anonymous.status_code == 401 and limits(anonymous)[:2] == (5, 4), "counted per client address"
    bad_token = api_session(limited, "nope").get("/sites")
    assert bad_token.status_code == 401 and limits(bad_token)[:2] == (5, 4), "an unknown token's own bucket"


def test_past_the_limit_is_429_with_headers_and_netlify_body(limited: EmulatorServer) -> None:
    api = api_session(limited)
    before = time.time()
    answers = [api.get("/sites") for _ in range(7)]
    after = time.time()
    assert [r.status_code for r in answers] == [200] * 5 + [429] * 2
    assert [limits(r)[1] for r in answers] == [4, 3, 2, 1, 0, 0, 0]
    assert {limits(r)[0] for r in answers} == {5}
    body = answers[5].json()
    assert body["code"] == 429 and "rate limit" in body["message"].lower()
    assert "Retry-After" not in answers[5].headers, "Netlify documents no Retry-After"
    resets = {limits(r)[2] for r in answers}
    assert len(resets) == 1
    (reset,) = resets
    # Reset is the end of the current fixed window: the next whole minute, in Unix seconds.
    assert reset % 60 == 0 and before < reset <= after + 60
    assert reset == (int(before) // 60 + 1) * 60
    other = api_session(limited, "other-token").get("/sites")
    assert other.status_code == 200 and limits(other)[1] == 4, "each token has its own bucket"


def test_access_token_and_netlify_token_share_the_bearer_bucket(limited: EmulatorServer) -> None:
    api = api_session(limited)
    api.get("/sites")
    by_query = requests.get(f"{limited.api_url}/sites", params={"access_token": "test-token"}, timeout=5)
    assert limits(by_query)[1] == 3
    by_header = requests.get(f"{limited.api_url}/sites", headers={"netlify-token": "test-token"}, timeout=5)
    assert limits(by_header)[1] == 2


def test_deploy_creation_has_its_own_stricter_bucket(limited: EmulatorServer) -> None:
    api = api_session(limited)
    api.post("/sites", json={"name": "dep"})
    site = api.get("/sites/dep").json()
    first = api.post(f"/sites/{site['id']}/deploys", json={"files": {}})
    second = api.post("/sites/dep/deploys", json={"files": {}})
    assert first.status_code != 429 and second.status_code != 429, "under the limit: passed to the route"
    # Answers under the deploy limit carry the general bucket, so a client's shared budget is not stalled.
    assert limits(second)[:2] == (5, 1)
    refused = api.post("/sites/dep/deploys/", json={"files": {}})
    assert refused.status_code == 429
    assert refused.json()["code"] == 429 and "deploy" in refused.json()["message"].lower()
    assert limits(refused)[:2] == (2, 0), "the deploy bucket's headers, so the client waits for its Reset"
    assert limits(refused)[2] % 60 == 0 and limits(refused)[2] > time.time()


def test_other_deploy_paths_are_not_deploy_creation(tmp_path: Path) -> None:
    options = EmulatorOptions(rate_limit_per_minute=0, deploy_rate_limit_per_minute=1)
    with EmulatorServer(tmp_path / "data", tokens=["test-token"], options=options) as server:
        away_from_minute_edge()
        api = api_session(server)
        for _ in range(3):
            assert api.get("/sites/x/deploys").status_code != 429
            assert api.post("/sites/x/deploys/d1/restore").status_code != 429
            assert api.put("/sites/x/deploys/d1", json={}).status_code != 429
        assert api.post("/sites/x/deploys", json={}).status_code != 429
        refused = api.post("/sites/x/deploys", json={})
        assert refused.status_code == 429 and limits(refused)[:2] == (1, 0)
        other = api.get("/sites")
        assert "X-RateLimit-Limit" not in other.headers, "general limit 0: no headers outside deploys"


def test_zero_disables_both_limits(tmp_path: Path) -> None:
    options = EmulatorOptions(rate_limit_per_minute=0, deploy_rate_limit_per_minute=0)
    with EmulatorServer(tmp_path / "data", tokens=["test-token"], options=options) as server:
        api = api_session(server)
        answers = [api.get("/sites") for _ in range(30)]
        answers += [api.post("/sites/x/deploys", json={}) for _ in range(5)]
        assert all(r.status_code != 429 for r in answers)
        assert not any(name in r.headers for r in answers for name in HEADERS)


def test_default_limits_are_netlifys(emulator: EmulatorServer) -> None:
    response = api_session(emulator).get("/sites")
    assert limits(response)[:2] == (500, 499)


def test_windows_roll_over_on_the_minute_and_reset_is_exact() -> None:
    now = [119.2]
    limiter = RateLimiter(
        Limits(rate_limit_per_minute=2, deploy_rate_limit_per_minute=1), clock=lambda: now[0]
    )
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/api/v1/sites",
        "headers": [],
        "client": ("1.2.3.4", 1),
    }

    def check() -> tuple[int, dict[str, str]]:
        verdict = limiter.check(scope)
        assert verdict is not None
        status = verdict.response.status_code if verdict.response is not None else 200  # type: ignore[union-attr]
        return status, dict(verdict.headers)

    assert check() == (
        200,
        {"X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "1", "X-RateLimit-Reset": "120"},
    )
    assert check()[0] == 200
    status, headers = check()
    assert status == 429 and headers["X-RateLimit-Reset"] == "120"
    now[0] = 120.0  # exactly at Reset: a fresh window
    status, headers = check()
    assert status == 200 and headers["X-RateLimit-Remaining"] == "1" and headers["X-RateLimit-Reset"] == "180"
    admin = {**scope, "path": "/_emulator/faults"}
    assert limiter.check(admin) is None, "the admin endpoint is never limited"
