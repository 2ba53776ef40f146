"""Snippets: `/sites/{site_id}/snippets[/{snippet_id}]`, every response checked against the OpenAPI spec."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.emulator import EmulatorServer
from tests.support.http import ApiSession, api_session, checked
from tests.support.site_config import new_site, other_team, rows_for_site


def create(api: ApiSession, site: str = "snip", **body: Any) -> dict[str, Any]:
    snippet: dict[str, Any] = checked(
        api.post(f"/sites/{site}/snippets", json=body), "createSiteSnippet", 201
    )
    return snippet


def test_create_list_get_with_defaults(api: ApiSession) -> None:
    site = new_site(api, "snip")
    assert checked(api.get("/sites/snip/snippets"), "listSiteSnippets", 200) == []
    first = create(api, title="Analytics", general="<script>a()</script>", general_position="head")
    assert first == {
        "id": 1,
        "site_id": site["id"],
        "title": "Analytics",
        "general": "<script>a()</script>",
        "general_position": "head",
        "goal": "",
        "goal_position": "footer",
    }
    second = create(api, title="Thanks", goal="<p>thanks</p>", goal_position="head", id=99, site_id="x")
    assert second["id"] == 2 and second["site_id"] == site["id"], "id and site_id are read-only"
    listed = checked(api.get(f"/sites/{site['id']}/snippets"), "listSiteSnippets", 200)
    assert listed == [first, second]
    assert checked(api.get("/sites/snip.netlify.app/snippets/2"), "getSiteSnippet", 200) == second


def test_ids_are_per_site_and_never_reused(api: ApiSession) -> None:
    new_site(api, "snip")
    new_site(api, "other-site")
    assert [create(api, title=f"s{i}")["id"] for i in range(3)] == [1, 2, 3]
    checked(api.delete("/sites/snip/snippets/3"), "deleteSiteSnippet", 204)
    assert create(api, title="again")["id"] == 4
    assert create(api, "other-site", title="first")["id"] == 1


def test_put_updates_given_fields_and_answers_204(api: ApiSession) -> None:
    new_site(api, "snip")
    created = create(api, title="Chat", general="<chat/>", general_position="head")
    response = api.put("/sites/snip/snippets/1", json={"goal": "<goal/>", "goal_position": "head"})
    checked(response, "updateSiteSnippet", 204)
    assert response.content == b""
    updated = checked(api.get("/sites/snip/snippets/1"), "getSiteSnippet", 200)
    assert updated == {**created, "goal": "<goal/>", "goal_position": "head"}
    checked(
        api.put("/sites/snip/snippets/1", json={"general": None, "title": " Renamed "}),
        "updateSiteSnippet",
        204,
    )
    updated = api.get("/sites/snip/snippets/1").json()
    assert updated["general"] == "" and updated["title"] == "Renamed"


def test_delete_answers_204_then_404(api: ApiSession) -> None:
    new_site(api, "snip")
    create(api, title="Gone soon")
    response = api.delete("/sites/snip/snippets/1")
    checked(response, "deleteSiteSnippet", 204)
    assert response.content == b""
    checked(api.get("/sites/snip/snippets/1"), "getSiteSnippet", 404)
    checked(api.delete("/sites/snip/snippets/1"), "deleteSiteSnippet", 404)
    assert checked(api.get("/sites/snip/snippets"), "listSiteSnippets", 200) == []


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "title can't be blank"),
        ({"title": "  "}, "title can't be blank"),
        ({"title": 5}, "title must be a string"),
        ({"title": "t", "general": ["x"]}, "general must be a string"),
        ({"title": "t", "general_position": "body"}, "general_position must be one of head, footer"),
        ({"title": "t", "goal_position": None}, "goal_position must be one of head, footer"),
    ],
)
def test_invalid_bodies_are_422(api: ApiSession, body: dict[str, Any], fragment: str) -> None:
    new_site(api, "snip")
    error = checked(api.post("/sites/snip/snippets", json=body), "createSiteSnippet", 422)
    assert error["code"] == 422 and fragment in error["message"]


def test_invalid_updates_are_422_and_change_nothing(api: ApiSession) -> None:
    new_site(api, "snip")
    created = create(api, title="Keep")
    for body, fragment in (({"title": None}, "title"), ({"goal_position": "middle"}, "goal_position")):
        error = checked(api.put("/sites/snip/snippets/1", json=body), "updateSiteSnippet", 422)
        assert fragment in error["message"]
    assert api.get("/sites/snip/snippets/1").json() == created
    checked(api.put("/sites/snip/snippets/1", json=[1]), "updateSiteSnippet", 422)
    checked(api.post("/sites/snip/snippets", data=b"{oops", headers={"Content-Type": "application/json"}), "createSiteSnippet", 400)
    checked(api.post("/sites/snip/snippets"), "createSiteSnippet", 422)


def test_missing_snippets_and_sites_are_404(api: ApiSession) -> None:
    new_site(api, "snip")
    for ref in ("7", "abc", "-1", "1.0"):
        checked(api.get(f"/sites/snip/snippets/{ref}"), "getSiteSnippet", 404)
        checked(api.put(f"/sites/snip/snippets/{ref}", json={"title": "x"}), "updateSiteSnippet", 404)
    checked(api.get("/sites/nope/snippets"), "listSiteSnippets", 404)
    checked(api.post("/sites/nope/snippets", json={"title": "x"}), "createSiteSnippet", 404)


def test_other_teams_snippets_are_404_and_tokens_are_required(
    api: ApiSession, emulator: EmulatorServer
) -> None:
    new_site(api, "snip")
    create(api, title="Private")
    other = other_team(emulator)
    checked(other.get("/sites/snip/snippets"), "listSiteSnippets", 404)
    checked(other.post("/sites/snip/snippets", json={"title": "x"}), "createSiteSnippet", 404)
    checked(other.get("/sites/snip/snippets/1"), "getSiteSnippet", 404)
    checked(other.put("/sites/snip/snippets/1", json={"title": "x"}), "updateSiteSnippet", 404)
    checked(other.delete("/sites/snip/snippets/1"), "deleteSiteSnippet", 404)
    anonymous = api_session(emulator, None)
    error = checked(anonymous.get("/sites/snip/snippets"), "listSiteSnippets", 401)
    assert error["message"] == "Access Denied: Invalid token"
    assert api.get("/sites/snip/snippets/1").json()["title"] == "Private"


def test_site_deletion_removes_snippets(api: ApiSession, emulator: EmulatorServer) -> None:
    site = new_site(api, "snip")
    create(api, title="a")
    create(api, title="b")
    assert rows_for_site(emulator, "snippets", site["id"]) == 2
    checked(api.delete("/sites/snip"), "deleteSite", 204)
    assert rows_for_site(emulator, "snippets", site["id"]) == 0
    assert rows_for_site(emulator, "snippet_counters", site["id"]) == 0
    new_site(api, "snip")
    assert checked(api.get("/sites/snip/snippets"), "listSiteSnippets", 200) == []
    assert create(api, title="fresh")["id"] == 1
