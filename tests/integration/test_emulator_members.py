"""Team members: `/{account_slug}/members[/{member_id}]`, every answer checked against the OpenAPI
description."""

from __future__ import annotations

from typing import Any

from reconciler.emulator import EmulatorServer
from tests.support.http import ApiSession, api_session, checked
from tests.support.site_config import error_of, new_site, other_team


def invite(api: ApiSession, email: str, role: str = "Developer") -> dict[str, Any]:
    (member,) = checked(
        api.post("/demo/members", json={"email": email, "role": role}), "addMemberToAccount", 200
    )
    assert isinstance(member, dict)
    return member


def test_invite_list_get_update_and_remove(api: ApiSession) -> None:
    (me,) = checked(api.get("/demo/members"), "listMembersForAccount", 200)
    assert me["role"] == "Owner" and me["site_access"] == "all"
    dev = invite(api, "Dev@Acme.dev")
    assert (dev["email"], dev["role"], dev["site_access"], dev["site_ids"]) == (
        "dev@acme.dev",
        "Developer",
        "all",
        [],
    )
    listed = checked(api.get("/demo/members"), "listMembersForAccount", 200)
    assert [m["id"] for m in listed] == [me["id"], dev["id"]]
    path = f"/demo/members/{dev['id']}"
    assert checked(api.get(path), "getAccountMember", 200) == dev

    site = new_site(api, "docs")
    demo_site = checked(api.post("/demo/sites", json={"name": "team-docs"}), "createSiteInTeam", 201)
    update = {"role": "Reviewer", "site_access": "selected", "site_ids": [demo_site["id"]]}
    updated = checked(api.put(path, json=update), "updateAccountMember", 200)
    assert (updated["role"], updated["site_access"], updated["site_ids"]) == (
        "Reviewer",
        "selected",
        [demo_site["id"]],
    )
    refused = api.put(path, json={"site_ids": [site["id"]]})  # a site of the personal account
    assert "names no site of this team" in error_of(refused, 422)["message"]
    cleared = checked(api.put(path, json={"site_access": "all"}), "updateAccountMember", 200)
    assert cleared["site_ids"] == [], "site ids are kept only while access is selected"

    checked(api.delete(path), "removeAccountMember", 204)
    assert api.get(path).status_code == 404
    assert [m["id"] for m in api.get("/demo/members").json()] == [me["id"]]


def test_invalid_invitations_and_the_last_owner_are_refused(api: ApiSession) -> None:
    for body, message in [
        ({"email": "not-an-email"}, "email must be an email address"),
        (
            {"email": "a@b.dev", "role": "Admin"},
            "role must be one of Owner, Developer, Billing Admin, Reviewer",
        ),
    ]:
        assert message in error_of(api.post("/demo/members", json=body), 422)["message"]
    invite(api, "twice@acme.dev")
    assert (
        "already a member"
        in error_of(api.post("/demo/members", json={"email": "twice@acme.dev"}), 422)["message"]
    )
    (me,) = [m for m in api.get("/demo/members").json() if m["role"] == "Owner"]
    for response in (
        api.delete(f"/demo/members/{me['id']}"),
        api.put(f"/demo/members/{me['id']}", json={"role": "Developer"}),
    ):
        assert error_of(response, 422)["message"] == "Validation failed: a team needs at least one Owner"


def test_only_owners_change_members_and_other_teams_see_none(
    api: ApiSession, emulator: EmulatorServer
) -> None:
    emulator.register_token("dev-token", ["demo"])  # an Owner of demo, like every token's user
    members = api.get("/demo/members").json()
    newcomer = next(m for m in members if m["id"] != members[0]["id"])
    checked(
        api.put(f"/demo/members/{newcomer['id']}", json={"role": "Developer"}), "updateAccountMember", 200
    )
    as_developer = api_session(emulator, "dev-token")
    assert as_developer.get("/demo/members").status_code == 200
    assert error_of(as_developer.post("/demo/members", json={"email": "x@acme.dev"}), 403)["message"] == (
        "Only team Owners can manage members"
    )
    other = other_team(emulator)
    assert other.get("/demo/members").status_code == 404
    assert other.get(f"/demo/members/{newcomer['id']}").status_code == 404
