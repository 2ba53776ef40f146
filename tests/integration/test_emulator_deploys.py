"""Digest deploys: creation (POST and create-then-PUT), the state machine, publishing, cancel, restore,
rollback, lock, team-wide blob sharing, listing and pagination. Every body is checked against swagger."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.emulator import EmulatorServer
from tests.support.deploys import (
    deploy_emulator,
    deploy_files,
    digests,
    get_deploy,
    make_site,
    session,
    sha1,
    upload,
    wait_state,
)
from tests.support.http import ApiSession, checked

RAW = {"Accept": "application/vnd.bitballoon.v1.raw"}
TREE = {"index.html": b"<h1>home</h1>", "css/site.css": b"body{}", "copy.css": b"body{}"}


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[EmulatorServer]:
    with deploy_emulator(tmp_path / "emu", prepare_delay=0.3, processing_delay=0.6) as server:
        yield server


@pytest.fixture
def api(emu: EmulatorServer) -> ApiSession:
    return session(emu)


@pytest.fixture
def site(api: ApiSession) -> dict:
    return make_site(api, "deploy-site")


def published_id(api: ApiSession, site_id: str) -> str | None:
    site = checked(api.get(f"/sites/{site_id}"), "getSite", 200)
    return site.get("published_deploy", {}).get("id")


def test_digest_create_requires_each_distinct_sha_once(api: ApiSession, site: dict) -> None:
    body = {"files": digests(TREE), "draft": False, "title": "first"}
    deploy = checked(api.post(f"/sites/{site['id']}/deploys", json=body), "createSiteDeploy", 200)
    assert deploy["state"] == "uploading"
    assert sorted(deploy["required"]) == sorted({sha1(c) for c in TREE.values()})
    assert deploy["required_functions"] == []
    assert deploy["site_id"] == site["id"] and deploy["name"] == "deploy-site"
    assert deploy["context"] == "production" and deploy["title"] == "first"
    assert deploy["deploy_ssl_url"] == f"https://{deploy['id']}--deploy-site.netlify.app"
    assert checked(api.get(f"/deploys/{deploy['id']}"), "getDeploy", 200)["id"] == deploy["id"]


def test_empty_create_then_put_is_what_netlify_cli_does(api: ApiSession, site: dict) -> None:
    created = checked(
        api.post(f"/sites/{site['id']}/deploys", params={"title": "cli"}, json={"draft": True}),
        "createSiteDeploy",
        200,
    )
    assert created["state"] == "new" and created["required"] == [] and created["required_functions"] == []
    put = api.put(f"/sites/{site['id']}/deploys/{created['id']}", json={"files": digests(TREE)})
    updated = checked(put, "updateSiteDeploy", 200)
    assert updated["state"] == "uploading" and updated["draft"] is True, "a PUT without draft keeps it"
    assert updated["title"] == "cli" and updated["context"] == "deploy-preview"
    assert len(updated["required"]) == 2
    again = api.put(f"/sites/{site['id']}/deploys/{created['id']}", json={"files": digests(TREE)})
    assert checked(again, "updateSiteDeploy", 422)["message"].endswith("create a new deploy instead")


@pytest.mark.parametrize(
    ("created_with", "put_with", "context"),
    [
        ({"draft": True}, {"draft": False}, "deploy-preview"),  # netlify-cli's draft deploy
        ({"draft": False, "branch": "staging"}, {"draft": False, "branch": None}, "branch-deploy"),
        ({"draft": False}, {"draft": True, "branch": "other"}, "production"),
    ],
)
def test_context_is_fixed_when_the_deploy_is_created(
    api: ApiSession, site: dict, created_with: dict, put_with: dict, context: str
) -> None:
    created = checked(api.post(f"/sites/{site['id']}/deploys", json=created_with), "createSiteDeploy", 200)
    body = {"files": {"index.html": sha1(b"ctx")}, **put_with}
    updated = checked(
        api.put(f"/sites/{site['id']}/deploys/{created['id']}", json=body), "updateSiteDeploy", 200
    )
    assert updated["context"] == context and updated["draft"] is created_with["draft"]
    assert updated.get("branch") == created_with.get("branch")
    checked(upload(api, created["id"], "index.html", b"ctx"), "uploadDeployFile", 200)
    ready, _ = wait_state(api, site["id"], created["id"], "ready")
    published = checked(api.get(f"/sites/{site['id']}"), "getSite", 200).get("published_deploy")
    if context == "production":
        assert published["id"] == created["id"] and "published_at" in ready
    else:
        assert published is None and "published_at" not in ready


def test_paths_with_and_without_leading_slash_are_one_file(api: ApiSession, site: dict) -> None:
    files = {"/index.html": sha1(b"a"), "index.html": sha1(b"a")}
    response = api.post(f"/sites/{site['id']}/deploys", json={"files": files})
    assert "listed twice" in checked(response, "createSiteDeploy", 422)["message"]


@pytest.mark.parametrize(
    "path",
    ["a#b.html", "a?b.html", "../etc/passwd", "a/../../b", "a\\b", "a%2Fb", "a%2fb", "a\x00b", "a//b", ""],
)
def test_bad_manifest_paths_are_422(api: ApiSession, site: dict, path: str) -> None:
    response = api.post(f"/sites/{site['id']}/deploys", json={"files": {path: sha1(b"x")}})
    assert "Invalid file path" in checked(response, "createSiteDeploy", 422)["message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"files": {"a.html": "not-a-sha"}}, "Invalid digest for /a.html"),
        ({"files": ["a.html"]}, "files must be an object"),
        ({"functions": {"fn": sha1(b"x")}}, "expected a hex SHA-256"),
        ({"functions": {"../fn": "0" * 64}}, "Invalid function name"),
        ({"draft": "yes"}, "draft must be a boolean"),
        ({"zip": "UEsDBA=="}, "Content-Type: application/zip"),
        ({"function_schedules": [{"name": "fn"}]}, "function_schedules must be"),
    ],
)
def test_bad_digest_bodies_are_422(api: ApiSession, site: dict, body: dict, message: str) -> None:
    response = api.post(f"/sites/{site['id']}/deploys", json=body)
    assert message in checked(response, "createSiteDeploy", 422)["message"]


def test_sync_deploy_with_nothing_to_upload_goes_straight_to_processing(api: ApiSession, site: dict) -> None:
    first = deploy_files(api, site["id"], TREE)
    second = checked(
        api.post(f"/sites/{site['id']}/deploys", json={"files": digests(TREE)}), "createSiteDeploy", 200
    )
    assert second["required"] == [] and second["state"] == "processing"
    ready, _ = wait_state(api, site["id"], second["id"], "ready")
    assert published_id(api, site["id"]) == ready["id"] != first["id"]


def test_async_deploy_goes_preparing_prepared_uploading_uploaded_processing_ready(
    api: ApiSession, site: dict
) -> None:
    body = {"files": digests(TREE), "async": True}
    created = checked(api.post(f"/sites/{site['id']}/deploys", json=body), "createSiteDeploy", 200)
    assert created["state"] == "preparing" and created["required"] == []
    prepared, _ = wait_state(api, site["id"], created["id"], "prepared")
    assert len(prepared["required"]) == 2
    checked(upload(api, created["id"], "index.html", TREE["index.html"]), "uploadDeployFile", 200)
    assert get_deploy(api, site["id"], created["id"])["state"] == "uploading"
    started = time.monotonic()
    checked(upload(api, created["id"], "copy.css", TREE["copy.css"]), "uploadDeployFile", 200)
    ready, seen = wait_state(api, site["id"], created["id"], "ready")
    assert seen[0] in ("uploaded", "processing") and seen[-1] == "ready"
    assert "processing" in seen, seen
    assert time.monotonic() - started >= 0.5, "ready only after the processing delay"
    assert published_id(api, site["id"]) == ready["id"] and ready["published_at"]


def test_draft_is_never_published(api: ApiSession, site: dict) -> None:
    live = deploy_files(api, site["id"], TREE)
    draft = deploy_files(api, site["id"], {"index.html": b"draft"}, draft=True)
    assert draft["state"] == "ready" and draft["context"] == "deploy-preview" and "published_at" not in draft
    assert published_id(api, site["id"]) == live["id"]


def test_branch_deploy_is_not_published(api: ApiSession, site: dict) -> None:
    live = deploy_files(api, site["id"], TREE)
    branch = deploy_files(api, site["id"], {"index.html": b"staging"}, branch="Staging/One")
    assert branch["context"] == "branch-deploy" and branch["branch"] == "Staging/One"
    assert branch["deploy_url"] == "http://staging-one--deploy-site.netlify.app"
    assert published_id(api, site["id"]) == live["id"]


def test_cancel_marks_error_and_never_publishes(api: ApiSession, site: dict) -> None:
    created = checked(
        api.post(f"/sites/{site['id']}/deploys", json={"files": digests(TREE)}), "createSiteDeploy", 200
    )
    canceled = checked(api.post(f"/deploys/{created['id']}/cancel"), "cancelSiteDeploy", 201)
    assert canceled["state"] == "error" and canceled["error_message"] == "Deploy canceled"
    response = upload(api, created["id"], "index.html", TREE["index.html"])
    assert "accepts no more uploads" in checked(response, "uploadDeployFile", 422)["message"]
    assert published_id(api, site["id"]) is None
    assert checked(api.post(f"/deploys/{created['id']}/cancel"), "cancelSiteDeploy", 201)["state"] == "error"


def test_cancel_of_a_ready_deploy_is_refused(api: ApiSession, site: dict) -> None:
    ready = deploy_files(api, site["id"], TREE)
    assert (
        "cannot be canceled"
        in checked(api.post(f"/deploys/{ready['id']}/cancel"), "cancelSiteDeploy", 422)["message"]
    )


def test_restore_and_rollback_move_the_published_deploy(api: ApiSession, site: dict) -> None:
    one = deploy_files(api, site["id"], {"index.html": b"one"})
    two = deploy_files(api, site["id"], {"index.html": b"two"})
    three = deploy_files(api, site["id"], {"index.html": b"three"})
    assert published_id(api, site["id"]) == three["id"]
    restored = checked(api.post(f"/sites/{site['id']}/deploys/{one['id']}/restore"), "restoreSiteDeploy", 201)
    assert restored["id"] == one["id"] and published_id(api, site["id"]) == one["id"]
    checked(api.post(f"/sites/{site['id']}/deploys/{three['id']}/restore"), "restoreSiteDeploy", 201)
    checked(api.put(f"/sites/{site['id']}/rollback"), "rollbackSiteDeploy", 204)
    assert published_id(api, site["id"]) == two["id"]
    checked(api.post(f"/sites/{site['id']}/rollback"), "rollbackSiteDeploy", 204)
    assert published_id(api, site["id"]) == one["id"]
    response = api.put(f"/sites/{site['id']}/rollback")
    assert "no previously published deploy" in checked(response, "rollbackSiteDeploy", 422)["message"]


def test_restore_of_an_unfinished_deploy_is_refused(api: ApiSession, site: dict) -> None:
    created = checked(
        api.post(f"/sites/{site['id']}/deploys", json={"files": digests(TREE)}), "createSiteDeploy", 200
    )
    response = api.post(f"/sites/{site['id']}/deploys/{created['id']}/restore")
    assert "is not ready" in checked(response, "restoreSiteDeploy", 422)["message"]


def test_locked_published_deploy_stops_auto_publishing(api: ApiSession, site: dict) -> None:
    live = deploy_files(api, site["id"], TREE)
    locked = checked(api.post(f"/deploys/{live['id']}/lock"), "lockDeploy", 200)
    assert locked["locked"] is True
    site_body = checked(api.get(f"/sites/{site['id']}"), "getSite", 200)
    assert site_body["published_deploy"]["locked"] is True
    newer = deploy_files(api, site["id"], {"index.html": b"newer"})
    assert published_id(api, site["id"]) == live["id"], "a locked site keeps its deploy"
    checked(api.post(f"/sites/{site['id']}/deploys/{newer['id']}/restore"), "restoreSiteDeploy", 201)
    assert published_id(api, site["id"]) == newer["id"], "an explicit restore still publishes"
    unlocked = checked(api.post(f"/deploys/{live['id']}/unlock"), "unlockDeploy", 200)
    assert unlocked["locked"] is False
    newest = deploy_files(api, site["id"], {"index.html": b"newest"})
    assert published_id(api, site["id"]) == newest["id"]


def test_blobs_are_shared_by_the_sites_of_a_team_only(api: ApiSession, site: dict) -> None:
    first = deploy_files(api, site["id"], TREE)
    assert len(first["required_at_create"]) == 2
    sibling = make_site(api, "sibling-site")
    again = deploy_files(api, sibling["id"], TREE)
    assert again["required_at_create"] == [], "another site of the same team has the blobs already"
    personal = make_site(api, "personal-site", account=None)
    other_team = deploy_files(api, personal["id"], TREE)
    assert len(other_team["required_at_create"]) == 2, "a different account must upload its own"


def test_other_teams_cannot_see_deploys(emu: EmulatorServer, api: ApiSession, site: dict) -> None:
    deploy = deploy_files(api, site["id"], TREE)
    emu.register_token("stranger", teams=("elsewhere",))
    stranger = session(emu, "stranger")
    for response in (
        stranger.get(f"/deploys/{deploy['id']}"),
        stranger.post(f"/deploys/{deploy['id']}/lock"),
        stranger.get(f"/sites/{site['id']}/deploys"),
    ):
        assert checked(response, "getDeploy", 404) == {"code": 404, "message": "Not Found"}
    other_site = make_site(api, "other-site")
    response = api.get(f"/sites/{other_site['id']}/deploys/{deploy['id']}")
    assert checked(response, "getSiteDeploy", 404)["code"] == 404


def test_deleting_a_site_deletes_its_deploys(api: ApiSession, site: dict) -> None:
    deploy = deploy_files(api, site["id"], TREE)
    assert api.delete(f"/sites/{site['id']}").status_code == 204
    assert checked(api.get(f"/deploys/{deploy['id']}"), "getDeploy", 404)["code"] == 404


def test_delete_deploy_refuses_the_published_one(api: ApiSession, site: dict) -> None:
    one = deploy_files(api, site["id"], {"index.html": b"one"})
    two = deploy_files(api, site["id"], {"index.html": b"two"})
    assert "published deploy" in checked(api.delete(f"/deploys/{two['id']}"), "deleteDeploy", 422)["message"]
    checked(api.delete(f"/sites/{site['id']}/deploys/{one['id']}"), "deleteSiteDeploy", 204)
    assert checked(api.get(f"/deploys/{one['id']}"), "getDeploy", 404)["code"] == 404


def test_listing_is_newest_first_paginated_and_filterable(api: ApiSession, site: dict) -> None:
    ids = []
    for i in range(5):
        created = api.post(f"/sites/{site['id']}/deploys", json={"files": {}, "draft": i % 2 == 1})
        ids.append(checked(created, "createSiteDeploy", 200)["id"])
    first = api.get(f"/sites/{site['id']}/deploys", params={"per_page": 2})
    assert [d["id"] for d in checked(first, "listSiteDeploys", 200)] == ids[::-1][:2]
    assert set(first.links) == {"next", "last"} and "page=3" in first.links["last"]["url"]
    collected, url = [], f"{api.api_url}/sites/{site['id']}/deploys?per_page=2"
    while url:
        response = api.get(url)
        collected += [d["id"] for d in checked(response, "listSiteDeploys", 200)]
        url = response.links.get("next", {}).get("url")
    assert collected == ids[::-1]
    wait_state(api, site["id"], ids[-1], "ready")
    previews = api.get(f"/sites/{site['id']}/deploys", params={"deploy-previews": "true"})
    assert [d["id"] for d in checked(previews, "listSiteDeploys", 200)] == [ids[3], ids[1]]
    latest = api.get(f"/sites/{site['id']}/deploys", params={"latest-published": "true"})
    assert [d["id"] for d in checked(latest, "listSiteDeploys", 200)] == [ids[4]]
    by_state = api.get(f"/sites/{site['id']}/deploys", params={"state": "ready"})
    assert len(checked(by_state, "listSiteDeploys", 200)) == 5
    assert checked(api.get(f"/sites/{site['id']}/deploys", params={"state": "bogus"}), "listSiteDeploys", 422)
    assert checked(api.get(f"/sites/{site['id']}/deploys", params={"per_page": 0}), "listSiteDeploys", 422)


def test_state_survives_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "emu"
    with deploy_emulator(data, processing_delay=0.5) as server:
        api = session(server)
        site = make_site(api, "restart-site")
        created = checked(
            api.post(f"/sites/{site['id']}/deploys", json={"files": {}}), "createSiteDeploy", 200
        )
        assert created["state"] == "processing"
    time.sleep(0.6)
    with deploy_emulator(data) as server:
        api = session(server)
        assert get_deploy(api, site["id"], created["id"])["state"] == "ready"
        assert published_id(api, site["id"]) == created["id"]
        deployed = deploy_files(api, site["id"], TREE)
    with deploy_emulator(data) as server:  # the blobs' pack is indexed again when the emulator starts
        api = session(server)
        raw = api.get(f"/sites/{site['id']}/files/css/site.css", headers=RAW)
        assert raw.status_code == 200 and raw.content == TREE["css/site.css"]
        again = deploy_files(api, site["id"], {**TREE, "new.txt": b"new"})
        assert again["required_at_create"] == [sha1(b"new")], "blobs kept across the restart"
        assert deployed["required_at_create"] == sorted(set(digests(TREE).values()))
