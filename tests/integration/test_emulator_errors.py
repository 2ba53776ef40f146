"""Error behaviour: Netlify's error shape everywhere, isolation between teams, bad bodies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.emulator import EmulatorServer
from tests.support.http import ApiSession, api_session, checked
from tests.support.openapi import validate_response

NOT_FOUND = {"code": 404, "message": "Not Found"}


@pytest.fixture
def two_teams(tmp_path: Path) -> Iterator[EmulatorServer]:
    """Alice (team acme) and Bob (team globex) from a seed file; both also share team `both`."""
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "tokens:\n"
        "  - {token: alice-token, email: alice@example.com, full_name: Alice, teams: [acme, both]}\n"
        "  - {token: bob-token, email: bob@example.com, full_name: Bob, teams: [globex, both]}\n"
    )
    with EmulatorServer(tmp_path / "data", seed=seed) as server:
        yield server


def test_other_teams_objects_are_404_never_403(two_teams: EmulatorServer) -> None:
    alice, bob = api_session(two_teams, "alice-token"), api_session(two_teams, "bob-token")
    site = checked(
        alice.post("/acme/sites", json={"name": "alice-site", "custom_domain": "a.example.com"}),
        "createSiteInTeam",
        201,
    )
    assert alice.post("/accounts/acme/env", json=[{"key": "TEAM"}]).status_code == 201
    assert (
        alice.post("/accounts/acme/env", params={"site_id": site["id"]}, json=[{"key": "SITE"}]).status_code
        == 201
    )
    assert alice.put("/sites/alice-site/metadata", json={"a": 1}).status_code == 204
    acme_id = alice.get("/accounts/acme").json()["id"]

    attempts = [
        (bob.get(f"/accounts/{acme_id}"), "getAccount"),
        (bob.get("/accounts/acme"), "getAccount"),
        (bob.get("/acme/sites"), "listSitesForAccount"),
        (bob.post("/acme/sites", json={"name": "intruder"}), "createSiteInTeam"),
        (bob.get(f"/sites/{site['id']}"), "getSite"),
        (bob.get("/sites/alice-site"), "getSite"),
        (bob.get("/sites/a.example.com"), "getSite"),
        (bob.patch("/sites/alice-site", json={"force_ssl": True}), "updateSite"),
        (bob.delete("/sites/alice-site"), "deleteSite"),
        (bob.get("/sites/alice-site/metadata"), "getSiteMetadata"),
        (bob.put("/sites/alice-site/metadata", json={}), "updateSiteMetadata"),
        (bob.get("/sites/alice-site/env"), "getSiteEnvVars"),
        (bob.get("/accounts/acme/env"), "getEnvVars"),
        (bob.post("/accounts/acme/env", json=[{"key": "X"}]), "createEnvVars"),
        (bob.get("/accounts/acme/env/TEAM"), "getEnvVar"),
        (bob.delete("/accounts/acme/env/TEAM"), "deleteEnvVar"),
        (bob.get("/accounts/globex/env", params={"site_id": site["id"]}), "getEnvVars"),
    ]
    for response, operation in attempts:
        assert checked(response, operation, 404) == NOT_FOUND, operation
    assert [s["name"] for s in bob.get("/sites").json()] == []
    assert [a["slug"] for a in bob.get("/accounts").json()][1:] == ["both", "globex"]
    assert alice.get("/sites/alice-site").json()["force_ssl"] is False, "nothing changed"


def test_shared_team_is_visible_to_both(two_teams: EmulatorServer) -> None:
    alice, bob = api_session(two_teams, "alice-token"), api_session(two_teams, "bob-token")
    created = alice.post("/both/sites", json={"name": "shared"}).json()
    assert bob.get("/sites/shared").json()["id"] == created["id"]
    assert bob.patch("/sites/shared", json={"force_ssl": True}).status_code == 200
    assert (
        alice.post("/accounts/both/env", json=[{"key": "K"}]).json()[0]["updated_by"]["full_name"] == "Alice"
    )
    changed = bob.put("/accounts/both/env/K", json={"values": [{"context": "all", "value": "v"}]}).json()
    assert changed["updated_by"]["full_name"] == "Bob"


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("POST", "/sites", "createSite"),
        ("PATCH", "/sites/s", "updateSite"),
        ("POST", "/accounts/demo/env", "createEnvVars"),
        ("PUT", "/accounts/demo/env/K", "updateEnvVar"),
        ("PATCH", "/accounts/demo/env/K", "setEnvVarValue"),
        ("PUT", "/sites/s/metadata", "updateSiteMetadata"),
    ],
)
def test_malformed_json_is_400(api: ApiSession, method: str, path: str, operation: str) -> None:
    api.post("/sites", json={"name": "s"})
    api.post("/accounts/demo/env", json=[{"key": "K"}])
    response = api.request(method, path, data=b'{"name": ', headers={"Content-Type": "application/json"})
    body = checked(response, operation, 400)
    assert body["code"] == 400 and body["message"].startswith("Malformed JSON")


@pytest.mark.parametrize(
    ("method", "path", "body", "operation"),
    [
        ("POST", "/sites", [], "createSite"),
        ("POST", "/demo/sites", "name", "createSiteInTeam"),
        ("PATCH", "/sites/s", 1, "updateSite"),
        ("POST", "/accounts/demo/env", {}, "createEnvVars"),
        ("PUT", "/accounts/demo/env/K", [], "updateEnvVar"),
        ("PATCH", "/accounts/demo/env/K", [], "setEnvVarValue"),
        ("PUT", "/sites/s/metadata", [], "updateSiteMetadata"),
    ],
)
def test_wrong_body_type_is_422(
    api: ApiSession, method: str, path: str, body: object, operation: str
) -> None:
    api.post("/sites", json={"name": "s"})
    api.post("/accounts/demo/env", json=[{"key": "K"}])
    error = checked(api.request(method, path, json=body), operation, 422)
    assert error["code"] == 422 and "Request body must be a JSON" in error["message"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_json_bodies_need_a_json_content_type(api: ApiSession, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = api.post("/demo/sites", data=b'{"name": "typed"}', headers=headers)
    error = checked(response, "createSiteInTeam", 415)
    assert error["message"].startswith("Content-Type must be application/json")
    assert api.get("/sites", params={"name": "typed"}).json() == [], "nothing was created"
    for accepted in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = api.post("/demo/sites", data=b'{"name": "typed"}', headers={"Content-Type": accepted})
        assert response.status_code == 201, response.text
        api.delete("/sites/typed")


def test_an_empty_body_needs_no_content_type(api: ApiSession) -> None:
    assert checked(api.post("/demo/sites", data=b""), "createSiteInTeam", 201)["name"]


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nesting deeper than 100"),
        (b'{"name": ' + b"[" * 101 + b"]" * 101 + b"}", "nesting deeper than 100"),
        (b'{"name": 1e999}', "out of range"),
        (b'{"name": NaN}', "NaN is not a JSON value"),
        (b'{"name": -Infinity}', "-Infinity is not a JSON value"),
        (b'{"name": ' + b"9" * 5000 + b"}", "Malformed JSON"),
    ],
)
def test_json_that_cannot_be_kept_is_400(api: ApiSession, raw: bytes, fragment: str) -> None:
    response = api.post("/demo/sites", data=raw, headers={"Content-Type": "application/json"})
    error = checked(response, "createSiteInTeam", 400)
    assert fragment in error["message"]


def test_nesting_up_to_100_levels_is_kept(api: ApiSession) -> None:
    api.post("/sites", json={"name": "deep"})
    nested: object = "leaf"
    for _ in range(99):  # plus the metadata object itself: 100 levels
        nested = [nested]
    checked(api.put("/sites/deep/metadata", json={"n": nested}), "updateSiteMetadata", 204)
    assert api.get("/sites/deep/metadata").json() == {"n": nested}


def test_unknown_routes_and_methods_use_the_error_shape(api: ApiSession) -> None:
    response = api.get("/no/such/route")
    assert response.status_code == 404 and response.json() == NOT_FOUND
    response = api.delete("/accounts")
    assert response.status_code == 405
    assert response.json() == {"code": 405, "message": "Method Not Allowed"}
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD"}
    assert api.head("/sites").status_code == 200


def test_spec_validation_catches_mistakes() -> None:
    """The validator itself must reject what Netlify's spec rejects, or the other tests prove nothing."""
    with pytest.raises(AssertionError, match="published_deploy"):
        validate_response("getSite", 200, {"id": "x", "published_deploy": None})
    with pytest.raises(AssertionError, match="scopes"):
        validate_response("getEnvVar", 200, {"key": "K", "scopes": ["edge"]})
    validate_response("getEnvVar", 200, {"key": "K", "scopes": ["post_processing"]})
    with pytest.raises(AssertionError, match="message"):
        validate_response("getSite", 404, {"code": 404})
    with pytest.raises(AssertionError, match="no body"):
        validate_response("deleteSite", 204, {"unexpected": True})
    validate_response(("GET", "/api/v1/sites/{site_id}/env"), 200, [])
