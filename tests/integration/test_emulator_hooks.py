"""Outgoing hooks: `/hooks`, `/hooks/{hook_id}`, `/hooks/{hook_id}/enable`, `/hooks/types`.

Every JSON response is checked against the OpenAPI spec; deleteHook declares no error response, so its
404 is checked against the `error` definition.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.emulator import EmulatorServer
from tests.support.http import ApiSession, api_session, checked
from tests.support.site_config import error_of, rows_for_site, seeded_emulator

SEED = """
tokens:
  - {token: test-token, teams: [demo]}
  - {token: other-token, teams: [elsewhere]}
sites:
  - {name: shop, team: demo, forms: [{name: contact}, {name: newsletter}]}
  - {name: blog, team: demo, forms: [{name: comments}]}
"""
URL_HOOK = {"type": "url", "event": "deploy_created", "data": {"url": "https://ci.example.com/notify"}}


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[EmulatorServer]:
    with seeded_emulator(tmp_path, SEED) as server:
        yield server


@pytest.fixture
def api(seeded: EmulatorServer) -> ApiSession:
    return api_session(seeded, "test-token")


def create(api: ApiSession, site: str = "shop", **body: Any) -> dict[str, Any]:
    hook: dict[str, Any] = checked(
        api.post("/hooks", params={"site_id": site}, json=body or URL_HOOK), "createHookBySiteId", 201
    )
    return hook


def test_hook_types_catalogue(api: ApiSession, seeded: EmulatorServer) -> None:
    types = {t["name"]: t for t in checked(api.get("/hooks/types"), "listHookTypes", 200)}
    assert {"url", "email", "slack", "github_commit_status", "gitlab_commit_status"} <= set(types)
    assert {f["name"]: f["required"] for f in types["url"]["fields"]} == {
        "url": True,
        "signature_secret": False,
    }
    assert types["email"]["fields"] == [
        {"name": "email", "title": "Email to notify", "type": "email", "required": True}
    ]
    assert {"deploy_created", "deploy_failed", "submission_created"} <= set(types["url"]["events"])
    assert "submission_created" not in types["github_commit_status"]["events"]
    checked(api_session(seeded, None).get("/hooks/types"), "listHookTypes", 401)


def test_create_list_get(api: ApiSession) -> None:
    site = api.get("/sites/shop").json()
    assert checked(api.get("/hooks", params={"site_id": "shop"}), "listHooksBySiteId", 200) == []
    hook = create(api)
    assert len(hook["id"]) == 24 and hook["site_id"] == site["id"]
    assert {k: hook[k] for k in ("type", "event", "data")} == URL_HOOK
    assert hook["disabled"] is False and hook["restricted"] is False and hook["success"] is True
    assert hook["actor"] == "deploy" and hook["created_at"] == hook["updated_at"]
    assert "form_id" not in hook
    email = create(api, type="email", event="deploy_failed", data={"email": "ops@example.com"})
    listed = checked(api.get("/hooks", params={"site_id": site["id"]}), "listHooksBySiteId", 200)
    assert listed == [hook, email]
    assert checked(api.get(f"/hooks/{hook['id']}"), "getHook", 200) == hook
    assert checked(api.get("/hooks", params={"site_id": "blog"}), "listHooksBySiteId", 200) == []


def test_site_id_in_query_or_body(api: ApiSession) -> None:
    site_id = api.get("/sites/shop").json()["id"]
    in_body = checked(api.post("/hooks", json={**URL_HOOK, "site_id": "shop"}), "createHookBySiteId", 201)
    assert in_body["site_id"] == site_id
    both = api.post("/hooks", params={"site_id": "shop"}, json={**URL_HOOK, "site_id": site_id})
    assert checked(both, "createHookBySiteId", 201)["site_id"] == site_id
    differ = api.post("/hooks", params={"site_id": "shop"}, json={**URL_HOOK, "site_id": "blog"})
    assert "differ" in checked(differ, "createHookBySiteId", 422)["message"]
    missing = checked(api.post("/hooks", json=URL_HOOK), "createHookBySiteId", 422)
    assert missing["message"] == "Validation failed: site_id is required"
    assert "site_id is required" in checked(api.get("/hooks"), "listHooksBySiteId", 422)["message"]
    checked(api.get("/hooks", params={"site_id": "nope"}), "listHooksBySiteId", 404)
    checked(api.post("/hooks", params={"site_id": "nope"}, json=URL_HOOK), "createHookBySiteId", 404)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"event": "deploy_created"}, "type is required"),
        ({"type": "url"}, "event is required"),
        ({**URL_HOOK, "type": "pigeon"}, "unknown hook type 'pigeon' (known types: url, email"),
        ({**URL_HOOK, "event": "deploy_exploded"}, "event 'deploy_exploded' is not supported by url hooks"),
        (
            {"type": "github_commit_status", "event": "submission_created"},
            "not supported by github_commit_status",
        ),
        ({"type": "url", "event": "deploy_failed"}, "data.url is required for url hooks"),
        ({"type": "slack", "event": "deploy_failed", "data": {"url": ""}}, "data.url is required for slack"),
        (
            {"type": "email", "event": "deploy_failed", "data": {"email": "nobody"}},
            "data.email must be an email",
        ),
        (
            {"type": "url", "event": "deploy_failed", "data": {"url": "ftp://x"}},
            "data.url must be an http(s) URL",
        ),
        ({"type": "url", "event": "deploy_failed", "data": {"url": 5}}, "data.url must be a string"),
        ({**URL_HOOK, "data": ["x"]}, "data must be an object"),
        ({**URL_HOOK, "disabled": "yes"}, "disabled must be a boolean"),
        ({**URL_HOOK, "form_name": "contact"}, "form_name is only allowed for submission_created hooks"),
        ({**URL_HOOK, "event": "submission_created", "form_name": "nope"}, "form_name 'nope' does not name"),
        ({**URL_HOOK, "event": "submission_created", "form_id": "abc"}, "form_id 'abc' does not name"),
        ({**URL_HOOK, "type": 3}, "type must be a string"),
    ],
)
def test_invalid_hooks_are_422_naming_the_problem(
    api: ApiSession, body: dict[str, Any], fragment: str
) -> None:
    error = checked(api.post("/hooks", params={"site_id": "shop"}, json=body), "createHookBySiteId", 422)
    assert error["code"] == 422 and fragment in error["message"]
    assert api.get("/hooks", params={"site_id": "shop"}).json() == []


def test_bodies_must_be_json_objects(api: ApiSession) -> None:
    checked(api.post("/hooks", params={"site_id": "shop"}, data=b"{", headers={"Content-Type": "application/json"}), "createHookBySiteId", 400)
    checked(api.post("/hooks", params={"site_id": "shop"}, json=[URL_HOOK]), "createHookBySiteId", 422)


def test_submission_hooks_bind_to_a_form_of_the_site(api: ApiSession) -> None:
    forms = {f["name"]: f["id"] for f in api.get("/sites/shop/forms").json()}
    body = {"type": "email", "event": "submission_created", "data": {"email": "sales@example.com"}}
    by_name = create(api, **body, form_name="contact")
    assert by_name["form_id"] == forms["contact"] and by_name["form_name"] == "contact"
    assert by_name["actor"] == "submission"
    by_id = create(api, **body, form_id=forms["newsletter"])
    assert by_id["form_name"] == "newsletter"
    all_forms = create(api, **body)
    assert "form_id" not in all_forms and "form_name" not in all_forms
    blog_form = api.get("/sites/blog/forms").json()[0]["id"]
    error = checked(
        api.post("/hooks", params={"site_id": "shop"}, json={**body, "form_id": blog_form}),
        "createHookBySiteId",
        422,
    )
    assert "does not name a form of this site" in error["message"]


def test_put_updates_and_validates_the_whole_hook(api: ApiSession) -> None:
    hook = create(api)
    path = f"/hooks/{hook['id']}"
    updated = checked(api.put(path, json={"event": "deploy_failed"}), "updateHook", 200)
    assert updated["event"] == "deploy_failed" and updated["data"] == URL_HOOK["data"]
    assert updated["created_at"] == hook["created_at"] and updated["updated_at"] > hook["updated_at"]
    error = checked(api.put(path, json={"type": "email"}), "updateHook", 422)
    assert "data.email is required for email hooks" in error["message"]
    switched = {"type": "email", "data": {"email": "a@example.com"}, "site_id": "ignored"}
    email = checked(api.put(path, json=switched), "updateHook", 200)
    assert email["type"] == "email" and email["site_id"] == hook["site_id"]
    bound = checked(
        api.put(path, json={"event": "submission_created", "form_name": "contact"}), "updateHook", 200
    )
    assert bound["form_name"] == "contact"
    kept = checked(api.put(path, json={"data": {"email": "b@example.com"}}), "updateHook", 200)
    assert kept["form_name"] == "contact", "a PUT without a form keeps it"
    unbound = checked(api.put(path, json={"form_name": None}), "updateHook", 200)
    assert "form_name" not in unbound
    checked(api.put(path, json=["x"]), "updateHook", 422)
    assert checked(api.get(path), "getHook", 200) == unbound


def test_disable_and_enable(api: ApiSession) -> None:
    hook = create(api, **URL_HOOK, disabled=True)
    assert hook["disabled"] is True
    path = f"/hooks/{hook['id']}"
    enabled = checked(api.post(f"{path}/enable"), "enableHook", 200)
    assert enabled["disabled"] is False and enabled["updated_at"] > hook["updated_at"]
    again = checked(api.post(f"{path}/enable"), "enableHook", 200)
    assert again == enabled, "enabling an enabled hook changes nothing"
    disabled = checked(api.put(path, json={**URL_HOOK, "disabled": True}), "updateHook", 200)
    assert disabled["disabled"] is True
    assert checked(api.get(path), "getHook", 200)["disabled"] is True
    assert checked(api.post(f"{path}/enable"), "enableHook", 200)["disabled"] is False


def test_delete_answers_204_then_404(api: ApiSession) -> None:
    hook = create(api)
    response = api.delete(f"/hooks/{hook['id']}")
    checked(response, "deleteHook", 204)
    assert response.content == b""
    checked(api.get(f"/hooks/{hook['id']}"), "getHook", 404)
    error_of(api.delete(f"/hooks/{hook['id']}"), 404)
    checked(api.put(f"/hooks/{hook['id']}", json={}), "updateHook", 404)
    checked(api.post(f"/hooks/{hook['id']}/enable"), "enableHook", 404)


def test_other_teams_hooks_are_404(seeded: EmulatorServer, api: ApiSession) -> None:
    hook = create(api)
    other = api_session(seeded, "other-token")
    path = f"/hooks/{hook['id']}"
    checked(other.get("/hooks", params={"site_id": "shop"}), "listHooksBySiteId", 404)
    checked(other.post("/hooks", params={"site_id": "shop"}, json=URL_HOOK), "createHookBySiteId", 404)
    checked(other.post("/hooks", json={**URL_HOOK, "site_id": "shop"}), "createHookBySiteId", 404)
    checked(other.get(path), "getHook", 404)
    checked(other.put(path, json={"disabled": True}), "updateHook", 404)
    checked(other.post(f"{path}/enable"), "enableHook", 404)
    error_of(other.delete(path), 404)
    checked(api_session(seeded, None).get(path), "getHook", 401)
    assert api.get(path).json() == hook


def test_deleting_a_form_deletes_its_hooks(api: ApiSession) -> None:
    body = {"type": "email", "event": "submission_created", "data": {"email": "a@example.com"}}
    bound = create(api, **body, form_name="contact")
    unbound = create(api, **body)
    form_id = bound["form_id"]
    checked(api.delete(f"/sites/shop/forms/{form_id}"), "deleteSiteForm", 204)
    checked(api.get(f"/hooks/{bound['id']}"), "getHook", 404)
    assert [h["id"] for h in api.get("/hooks", params={"site_id": "shop"}).json()] == [unbound["id"]]


def test_site_deletion_removes_hooks(api: ApiSession, seeded: EmulatorServer) -> None:
    hook = create(api)
    site_id = hook["site_id"]
    assert rows_for_site(seeded, "hooks", site_id) == 1
    checked(api.delete("/sites/shop"), "deleteSite", 204)
    assert rows_for_site(seeded, "hooks", site_id) == 0
    checked(api.get(f"/hooks/{hook['id']}"), "getHook", 404)
