"""A site's repository link and deploy key through plan and apply: the key made once, attached with the
link, its public key an output of apply and kept in the ledger; a key already attached is never replaced."""

from __future__ import annotations

from reconciler.apply import apply_plan
from reconciler.model.change import Action
from reconciler.session import make_plan
from tests.integration.conftest import converge, write
from tests.support.plans import one_change

SITE = """\
version: 1
sites:
  repo-site:
    team: demo
    repo: {provider: github, path: acme/docs, branch: main, deploy_key: true}
    build_settings: {cmd: make, dir: public}
"""


def test_deploy_key_is_made_once_attached_and_its_public_key_shown(client, tmp_path):
    path = write(tmp_path, SITE)
    planned = make_plan(client, path)
    (change,) = [c for c in planned.plan.changes if c.kind == "repo"]
    assert change.action is Action.CREATE
    assert planned.plan.calls(change) == [
        "POST /api/v1/deploy_keys",
        "PATCH /api/v1/sites/{site.repo-site.id}",
    ]
    assert change.outputs == ["site.repo-site.repo.public_key"]
    report = apply_plan(client, planned.plan, planned.procedures)

    public_key = report.values["site.repo-site.repo.public_key"]
    (key,) = client.get("/deploy_keys")
    assert public_key == key["public_key"] and public_key.startswith("ssh-rsa ")
    site = client.get("/sites/repo-site")
    build = site["build_settings"]
    assert (build["provider"], build["repo_path"], build["repo_branch"], build["deploy_key_id"]) == (
        "github", "acme/docs", "main", key["id"],
    )  # fmt: skip
    assert build["cmd"] == "make", "the repository link and the build settings live side by side"
    ledger = client.get(f"/sites/{site['id']}/metadata")["netlify-reconciler"]
    assert ledger["records"]["repo"] == {"deploy_key_id": key["id"], "public_key": public_key}

    assert make_plan(client, path).plan.changes == [], "the key is not made again"
    path.write_text(SITE.replace("branch: main", "branch: trunk"))
    planned = make_plan(client, path)
    change = one_change(planned.plan)
    assert [f.path for f in change.fields] == [("branch",)]
    assert planned.plan.calls(change) == [f"PATCH /api/v1/sites/{site['id']}"], "no new key for a new branch"
    converge(client, path)
    assert client.get("/sites/repo-site")["build_settings"]["deploy_key_id"] == key["id"]
    assert len(client.get("/deploy_keys")) == 1


def test_a_key_attached_by_hand_is_kept(client, tmp_path):
    key = client.request_json("POST", "/deploy_keys")
    site = client.request_json("POST", "/demo/sites", body={"name": "repo-site"})
    repo = {"provider": "github", "repo_path": "acme/docs", "repo_branch": "main", "deploy_key_id": key["id"]}
    client.request_json("PATCH", f"/sites/{site['id']}", body={"repo": repo})
    planned = converge(
        client, write(tmp_path, SITE.replace("    build_settings: {cmd: make, dir: public}\n", ""))
    )
    assert planned.plan.changes == [], "the link is as declared, with a key: nothing to do"
    assert len(client.get("/deploy_keys")) == 1


def test_an_undeclared_link_is_unmanaged_and_left_alone(client, tmp_path):
    path = write(tmp_path, SITE)
    converge(client, path)
    path.write_text(
        SITE.replace("    repo: {provider: github, path: acme/docs, branch: main, deploy_key: true}\n", "")
    )
    planned = make_plan(client, path)
    assert planned.plan.changes == []
    assert [(u.kind, u.identity) for u in planned.plan.unmanaged] == [("repo", "repo")]
