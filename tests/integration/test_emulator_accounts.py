"""Accounts and authentication of the emulator, over real HTTP."""

from __future__ import annotations

import re

import requests

from reconciler.emulator import EmulatorServer
from tests.support.http import ApiSession, api_session, checked

HEX24 = re.compile(r"^[0-9a-f]{24}$")


def test_accounts_lists_personal_account_and_demo_team(api: ApiSession) -> None:
    accounts = checked(api.get("/accounts"), "listAccountsForUser", 200)
    assert [a["type"] for a in accounts] == ["personal", "team"]
    personal, demo = accounts
    assert demo["slug"] == "demo"
    assert re.match(r"^user-[0-9a-f]{8}$", personal["slug"])
    assert all(HEX24.match(a["id"]) for a in accounts)
    assert demo["capabilities"]["sites"]["used"] == 0
    assert demo["owner_ids"] and personal["owner_ids"] == demo["owner_ids"]


def test_minimal_accounts_keep_identifying_fields(api: ApiSession) -> None:
    accounts = checked(api.get("/accounts", params={"minimal": "true"}), "listAccountsForUser", 200)
    assert {"id", "name", "slug", "type"} <= set(accounts[0])
    assert "capabilities" not in accounts[0]


def test_get_account_by_id_or_slug(api: ApiSession) -> None:
    demo = next(a for a in api.get("/accounts").json() if a["slug"] == "demo")
    by_id = checked(api.get(f"/accounts/{demo['id']}"), "getAccount", 200)
    by_slug = checked(api.get("/accounts/demo"), "getAccount", 200)
    assert by_id == by_slug == demo


def test_unknown_account_is_404(api: ApiSession) -> None:
    body = checked(api.get("/accounts/nope"), "getAccount", 404)
    assert body == {"code": 404, "message": "Not Found"}


def test_missing_or_unknown_token_is_401(emulator: EmulatorServer) -> None:
    for session in (api_session(emulator, None), api_session(emulator, "wrong-token")):
        body = checked(session.get("/accounts"), "listAccountsForUser", 401)
        assert body == {"code": 401, "message": "Access Denied: Invalid token"}
        checked(session.get("/sites"), "listSites", 401)
    other_scheme = requests.get(
        f"{emulator.url}/api/v1/accounts", headers={"Authorization": "Basic dGVzdC10b2tlbg=="}, timeout=10
    )
    assert other_scheme.status_code == 401


def test_access_token_query_parameter_authenticates(emulator: EmulatorServer) -> None:
    response = requests.get(
        f"{emulator.url}/api/v1/accounts", params={"access_token": "test-token"}, timeout=10
    )
    assert response.status_code == 200
    assert len(response.json()) == 2


def test_current_user(api: ApiSession) -> None:
    user = checked(api.get("/user"), "getCurrentUser", 200)
    assert HEX24.match(user["id"])
    assert user["email"].endswith("@example.com")


def test_register_token_is_idempotent_and_adds_teams(emulator: EmulatorServer) -> None:
    emulator.register_token("second", ["demo", "acme"], email="b@example.com", full_name="B")
    emulator.register_token("second", ["demo"])
    accounts = api_session(emulator, "second").get("/accounts").json()
    assert [a["slug"] for a in accounts][1:] == ["acme", "demo"]
    demo = next(a for a in accounts if a["slug"] == "demo")
    assert len(demo["owner_ids"]) == 2, "a team listed by two tokens is shared"
    assert api_session(emulator, "second").get("/user").json()["full_name"] == "B"
