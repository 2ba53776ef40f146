"""Build hooks: `/sites/{site_id}/build_hooks[/{id}]`, every response checked against the OpenAPI spec."""

from __future__ import annotations

import re
from typing import Any

import pytest

from reconciler.emulator import EmulatorServer
from tests.support.http import ApiSession, api_session, checked
from tests.support.site_config import new_site, other_team, rows_for_site

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def create(api: ApiSession, site: str = "hooked", **body: Any) -> dict[str, Any]:
    hook: dict[str, Any] = checked(
        api.post(f"/sites/{site}/build_hooks", json=body), "createSiteBuildHook", 201
    )
    return hook


def test_create_list_get(api: ApiSession, emulator: EmulatorServer) -> None:
    site = new_site(api, "hooked")
    assert checked(api.get("/sites/hooked/build_hooks"), "listSiteBuildHooks", 200) == []
    hook = create(api, title="CMS publish", branch="staging")
    assert re.fullmatch(r"[0-9a-f]{24}", hook["id"])
    assert hook["title"] == "CMS publish" and hook["branch"] == "staging"
    assert hook["site_id"] == site["id"] and ISO_MS.match(hook["created_at"])
    assert hook["url"] == f"{emulator.url}/build_hooks/{hook['id']}"
    second = create(api, title="Nightly")
    assert second["branch"] == "main", "no branch means the production branch"
    listed = checked(api.get(f"/sites/{site['id']}/build_hooks"), "listSiteBuildHooks", 200)
    assert listed == [hook, second]
    got = checked(api.get(f"/sites/hooked/build_hooks/{hook['id']}"), "getSiteBuildHook", 200)
    assert got == hook


def test_default_branch_follows_the_sites_production_branch(api: ApiSession) -> None:
    new_site(api, "hooked", repo={"repo_branch": "trunk"})
    assert create(api, title="t")["branch"] == "trunk"


def test_put_updates_and_answers_204(api: ApiSession) -> None:
    new_site(api, "hooked")
    hook = create(api, title="Old", branch="dev")
    path = f"/sites/hooked/build_hooks/{hook['id']}"
    response = api.put(path, json={"title": "New"})
    checked(response, "updateSiteBuildHook", 204)
    assert response.content == b""
    assert api.get(path).json() == {**hook, "title": "New"}, "a PUT without branch keeps it"
    checked(api.put(path, json={"branch": "release"}), "updateSiteBuildHook", 204)
    assert api.get(path).json()["branch"] == "release"
    checked(api.put(path, json={"branch": None}), "updateSiteBuildHook", 204)
    assert api.get(path).json()["branch"] == "main", "null resets to the production branch"


def test_delete_answers_204_then_404(api: ApiSession) -> None:
    new_site(api, "hooked")
    hook = create(api, title="Bye")
    path = f"/sites/hooked/build_hooks/{hook['id']}"
    response = api.delete(path)
    checked(response, "deleteSiteBuildHook", 204)
    assert response.content == b""
    checked(api.get(path), "getSiteBuildHook", 404)
    checked(api.put(path, json={"title": "x"}), "updateSiteBuildHook", 404)
    checked(api.delete(path), "deleteSiteBuildHook", 404)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "title can't be blank"),
        ({"title": ""}, "title can't be blank"),
        ({"title": 3}, "title must be a string"),
        ({"title": "t", "branch": ["main"]}, "branch must be a string"),
    ],
)
def test_invalid_bodies_are_422(api: ApiSession, body: dict[str, Any], fragment: str) -> None:
    new_site(api, "hooked")
    error = checked(api.post("/sites/hooked/build_hooks", json=body), "createSiteBuildHook", 422)
    assert fragment in error["message"]


def test_invalid_updates_are_422(api: ApiSession) -> None:
    new_site(api, "hooked")
    hook = create(api, title="Keep")
    path = f"/sites/hooked/build_hooks/{hook['id']}"
    error = checked(api.put(path, json={"title": None}), "updateSiteBuildHook", 422)
    assert "title" in error["message"]
    checked(api.put(path, json="title"), "updateSiteBuildHook", 422)
    checked(api.put(path, data=b"{", headers={"Content-Type": "application/json"}), "updateSiteBuildHook", 400)
    assert api.get(path).json() == hook


def test_hooks_of_another_site_or_team_are_404(api: ApiSession, emulator: EmulatorServer) -> None:
    new_site(api, "hooked")
    new_site(api, "sibling")
    hook = create(api, title="Mine")
    checked(api.get(f"/sites/sibling/build_hooks/{hook['id']}"), "getSiteBuildHook", 404)
    checked(api.get("/sites/missing/build_hooks"), "listSiteBuildHooks", 404)
    other = other_team(emulator)
    path = f"/sites/hooked/build_hooks/{hook['id']}"
    checked(other.get("/sites/hooked/build_hooks"), "listSiteBuildHooks", 404)
    checked(other.post("/sites/hooked/build_hooks", json={"title": "x"}), "createSiteBuildHook", 404)
    checked(other.get(path), "getSiteBuildHook", 404)
    checked(other.put(path, json={"title": "x"}), "updateSiteBuildHook", 404)
    checked(other.delete(path), "deleteSiteBuildHook", 404)
    checked(api_session(emulator, None).get("/sites/hooked/build_hooks"), "listSiteBuildHooks", 401)
    assert api.get(path).json() == hook


def test_site_deletion_removes_build_hooks(api: ApiSession, emulator: EmulatorServer) -> None:
    site = new_site(api, "hooked")
    create(api, title="a")
    assert rows_for_site(emulator, "build_hooks", site["id"]) == 1
    checked(api.delete("/sites/hooked"), "deleteSite", 204)
    assert rows_for_site(emulator, "build_hooks", site["id"]) == 0
