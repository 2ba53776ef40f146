"""The Integration API (`{prefix}/site|team/{id}/integrations/{slug}`, `netlify-token` header).

It is not part of Netlify's OpenAPI description, so its bodies are checked against the small JSON schemas
below, which state the shapes Netlify's integration SDK relies on.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests

from reconciler.emulator import EmulatorOptions, EmulatorServer
from tests.support.http import ApiSession, api_session
from tests.support.site_config import OTHER_TOKEN, new_site, other_team, rows_for_site, seeded_emulator

SCHEMAS: dict[str, dict[str, Any]] = {
    "token": {
        "type": "object",
        "required": ["token"],
        "properties": {"token": {"type": "string", "minLength": 32}},
        "additionalProperties": False,
    },
    "config": {
        "type": "object",
        "required": ["config"],
        "properties": {"config": {"type": "object"}},
        "additionalProperties": False,
    },
    "error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {"code": {"type": "integer"}, "message": {"type": "string", "minLength": 1}},
        "additionalProperties": False,
    },
}


class IntegrationSession(requests.Session):
    """Paths relative to the Integration API prefix; the token goes in `netlify-token`."""

    def __init__(self, base_url: str, token: str | None) -> None:
        super().__init__()
        self.base_url = base_url
        if token is not None:
            self.headers["netlify-token"] = token

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return super().request(method, self.base_url + str(url), *args, **kwargs)


def shaped(response: requests.Response, status: int, shape: str | None) -> Any:
    """Assert the status and the body's shape (None: no body), and return the decoded body."""
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"
    if shape is None:
        assert response.content == b""
        return None
    body = response.json()
    jsonschema.Draft4Validator(SCHEMAS[shape]).validate(body)
    if shape == "error":
        assert body["code"] == status
    return body


@pytest.fixture
def integ(emulator: EmulatorServer) -> IntegrationSession:
    return IntegrationSession(emulator.url + "/integrations-api", "test-token")


def test_site_integration_lifecycle(api: ApiSession, integ: IntegrationSession) -> None:
    new_site(api, "shop", custom_domain="shop.example.com")
    path = "/site/shop/integrations/my-integration"
    assert "not enabled" in shaped(integ.get(path), 404, "error")["message"]
    shaped(integ.put(path, json={"config": {}}), 404, "error")
    shaped(integ.delete(path), 404, "error")
    token = shaped(integ.post(path), 200, "token")["token"]
    conflict = shaped(integ.post(path), 409, "error")
    assert conflict["message"] == "Integration my-integration is already enabled for this site"
    assert shaped(integ.get(path), 200, "config") == {"config": {}}
    config = {"region": "eu", "nested": {"list": [1, 2], "flag": True}}
    assert shaped(integ.put(path, json={"config": config}), 200, "config") == {"config": config}
    site_id = api.get("/sites/shop").json()["id"]
    assert (
        shaped(integ.get(f"/site/{site_id}/integrations/my-integration"), 200, "config")["config"] == config
    )
    assert shaped(integ.get("/site/shop.example.com/integrations/my-integration"), 200, "config")
    shaped(integ.put(path, json={"config": {"only": 1}}), 200, "config")
    assert integ.get(path).json() == {"config": {"only": 1}}, "PUT replaces the config"
    shaped(integ.delete(path), 204, None)
    shaped(integ.get(path), 404, "error")
    again = shaped(integ.post(path, json={"config": {"back": True}}), 200, "token")["token"]
    assert again != token
    assert integ.get(path).json() == {"config": {"back": True}}


def test_team_integrations_by_slug_or_id(api: ApiSession, integ: IntegrationSession) -> None:
    new_site(api, "shop")
    team_id = api.get("/accounts/demo").json()["id"]
    shaped(
        integ.post("/team/demo/integrations/my-integration", json={"config": {"plan": "pro"}}), 200, "token"
    )
    by_id = shaped(integ.get(f"/team/{team_id}/integrations/my-integration"), 200, "config")
    assert by_id == {"config": {"plan": "pro"}}
    shaped(integ.post(f"/team/{team_id}/integrations/my-integration"), 409, "error")
    shaped(integ.get("/site/shop/integrations/my-integration"), 404, "error")
    shaped(integ.post("/site/shop/integrations/my-integration"), 200, "token")
    shaped(integ.delete("/site/shop/integrations/my-integration"), 204, None)
    assert integ.get("/team/demo/integrations/my-integration").json() == {"config": {"plan": "pro"}}
    personal = api.get("/accounts").json()[0]["slug"]
    shaped(integ.post(f"/team/{personal}/integrations/my-integration"), 200, "token")


def test_bad_bodies_and_slugs(api: ApiSession, integ: IntegrationSession) -> None:
    new_site(api, "shop")
    path = "/site/shop/integrations/ok"
    shaped(integ.post(path), 200, "token")
    for body in ({}, {"config": [1]}, {"config": None}, {"config": "x"}):
        assert "config is required" in shaped(integ.put(path, json=body), 422, "error")["message"]
    shaped(integ.put(path, json=[1]), 422, "error")
    shaped(integ.put(path, data=b"{", headers={"Content-Type": "application/json"}), 400, "error")
    shaped(integ.post("/site/shop/integrations/other", json={"config": 3}), 422, "error")
    assert "slug" in shaped(integ.post("/site/shop/integrations/Bad_Slug"), 422, "error")["message"]
    assert integ.get(path).json() == {"config": {}}


def test_auth_is_the_netlify_token_header(emulator: EmulatorServer, api: ApiSession) -> None:
    new_site(api, "shop")
    base = emulator.url + "/integrations-api"
    path = "/site/shop/integrations/my-integration"
    for session in (
        IntegrationSession(base, None),
        IntegrationSession(base, "wrong"),
        IntegrationSession(base, ""),
    ):
        error = shaped(session.get(path), 401, "error")
        assert error["message"] == "Access Denied: Invalid token"
    bearer = IntegrationSession(base, None)
    bearer.headers["Authorization"] = "Bearer test-token"
    shaped(bearer.post(path), 401, "error")


def test_other_teams_sites_and_teams_are_404(
    emulator: EmulatorServer, api: ApiSession, integ: IntegrationSession
) -> None:
    new_site(api, "shop")
    shaped(integ.post("/site/shop/integrations/x"), 200, "token")
    shaped(integ.post("/team/demo/integrations/x"), 200, "token")
    other_team(emulator)
    other = IntegrationSession(emulator.url + "/integrations-api", OTHER_TOKEN)
    for path in ("/site/shop/integrations/x", "/team/demo/integrations/x"):
        assert shaped(other.get(path), 404, "error")["message"] == "Not Found"
        shaped(other.put(path, json={"config": {"stolen": True}}), 404, "error")
        shaped(other.post(path), 404, "error")
        shaped(other.delete(path), 404, "error")
        assert integ.get(path).json() == {"config": {}}
    shaped(integ.get("/site/missing/integrations/x"), 404, "error")
    shaped(integ.get("/team/missing/integrations/x"), 404, "error")


def test_not_served_under_api_v1(emulator: EmulatorServer, api: ApiSession) -> None:
    new_site(api, "shop")
    assert api.get("/site/shop/integrations/x").status_code == 404


def test_site_deletion_removes_its_integrations(
    emulator: EmulatorServer, api: ApiSession, integ: IntegrationSession
) -> None:
    site = new_site(api, "shop")
    shaped(integ.post("/site/shop/integrations/x"), 200, "token")
    assert rows_for_site(emulator, "integrations", site["id"]) == 1
    assert api.delete("/sites/shop").status_code == 204
    assert rows_for_site(emulator, "integrations", site["id"]) == 0
    new_site(api, "shop")
    shaped(integ.get("/site/shop/integrations/x"), 404, "error")


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[EmulatorServer]:
    seed = (
        "tokens: [{token: test-token, teams: [demo]}]\n"
        "sites:\n"
        "  - {name: shop, team: demo, integrations: {search: {config: {index: main}}, bare: null}}\n"
        "teams:\n"
        "  - {slug: demo, integrations: {search: {config: {plan: pro}}}}\n"
    )
    with seeded_emulator(tmp_path, seed) as server:
        yield server


def test_seeded_integrations(seeded: EmulatorServer) -> None:
    integ = IntegrationSession(seeded.url + "/integrations-api", "test-token")
    assert shaped(integ.get("/site/shop/integrations/search"), 200, "config") == {"config": {"index": "main"}}
    assert shaped(integ.get("/site/shop/integrations/bare"), 200, "config") == {"config": {}}
    assert shaped(integ.get("/team/demo/integrations/search"), 200, "config") == {"config": {"plan": "pro"}}
    shaped(integ.post("/team/demo/integrations/search"), 409, "error")


@pytest.mark.parametrize(
    ("prefix", "mounted"), [("/sdk", "/sdk"), ("integration-api/", "/integration-api"), ("/", "")]
)
def test_the_prefix_is_configurable(tmp_path: Path, prefix: str, mounted: str) -> None:
    options = EmulatorOptions(integration_prefix=prefix)
    with EmulatorServer(tmp_path / "data", tokens=["test-token"], options=options) as server:
        new_site(api_session(server), "shop")
        integ = IntegrationSession(server.url + mounted, "test-token")
        shaped(integ.post("/site/shop/integrations/x"), 200, "token")
        assert shaped(integ.get("/site/shop/integrations/x"), 200, "config") == {"config": {}}
        if mounted:
            default = IntegrationSession(server.url + "/integrations-api", "test-token")
            assert default.get("/site/shop/integrations/x").status_code == 404
        assert api_session(server).get("/sites/shop").status_code == 200
