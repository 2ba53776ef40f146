"""Deploy keys: `/deploy_keys[/{key_id}]`, the user's own, and a site's repository linked with one; every
answer checked against the OpenAPI description."""

from __future__ import annotations

from reconciler.emulator import EmulatorServer
from tests.support.http import ApiSession, checked
from tests.support.site_config import error_of, new_site, other_team


def test_keys_are_created_listed_read_and_deleted(api: ApiSession) -> None:
    assert checked(api.get("/deploy_keys"), "listDeployKeys", 200) == []
    key = checked(api.post("/deploy_keys"), "createDeployKey", 201)
    assert key["public_key"].startswith("ssh-rsa ") and len(key["id"]) == 24
    assert checked(api.get("/deploy_keys"), "listDeployKeys", 200) == [key]
    assert checked(api.get(f"/deploy_keys/{key['id']}"), "getDeployKey", 200) == key
    checked(api.delete(f"/deploy_keys/{key['id']}"), "deleteDeployKey", 204)
    assert api.get(f"/deploy_keys/{key['id']}").status_code == 404


def test_a_repository_is_linked_with_a_key_that_exists(api: ApiSession, emulator: EmulatorServer) -> None:
    key = api.post("/deploy_keys").json()
    site = new_site(api, "linked")
    repo = {"provider": "github", "repo_path": "acme/docs", "repo_branch": "main", "deploy_key_id": key["id"]}
    linked = checked(api.patch(f"/sites/{site['id']}", json={"repo": repo}), "updateSite", 200)
    assert {k: linked["build_settings"][k] for k in repo} == repo
    missing = api.patch(f"/sites/{site['id']}", json={"repo": {"deploy_key_id": "0" * 24}})
    assert "deploy key" in error_of(missing, 422)["message"]

    other = other_team(emulator)
    assert checked(other.get("/deploy_keys"), "listDeployKeys", 200) == [], "keys are the user's own"
    assert other.get(f"/deploy_keys/{key['id']}").status_code == 404
