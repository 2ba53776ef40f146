"""Plan and apply through the real client against the real emulator over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from reconciler.apply import ApplyFailed, apply_plan
from reconciler.model.change import Action
from reconciler.model.errors import ReconcilerError
from reconciler.netlify.client import NetlifyClient
from reconciler.session import make_plan
from tests.integration.conftest import TOKEN, write
from tests.integration.conftest import converge as _converge
from tests.support.plans import one_change


def converge(client: NetlifyClient, path: Path):
    return _converge(client, path).plan


SITE = """\
version: 1
teams:
  demo:
    env:
      SHARED: one
sites:
  web:
    team: demo
    custom_domain: web.example.org
    force_ssl: true
    processing_settings: {html: {pretty_urls: false}}
    metadata: {owner: a, nested: {x: 1}}
    env:
      PLAIN: p
      MULTI:
        scopes: [builds, post-processing]
        values: {production: prod, "branch:staging": stage}
"""


def test_create_everything_then_plan_is_empty(client, tmp_path):
    plan = converge(client, write(tmp_path, SITE))
    assert [(c.address, c.action) for c in plan.changes] == [
        ("team.demo.env.SHARED", Action.CREATE),  # a team without a ledger: no lease, no ledger write
        ("site.web", Action.CREATE),
        ("site.web.lease", Action.RECORD),  # taken as soon as the site exists, before anything else
        ("site.web.env.MULTI", Action.CREATE),
        ("site.web.env.PLAIN", Action.CREATE),
        ("site.web.metadata", Action.CREATE),
        ("site.web.ledger", Action.RECORD),
    ]
    site = client.get("/sites/web")
    assert site["custom_domain"] == "web.example.org" and site["force_ssl"] is True
    assert site["account_slug"] == "demo"
    (multi,) = [v for v in client.get("/accounts/demo/env", {"site_id": site["id"]}) if v["key"] == "MULTI"]
    assert sorted(multi["scopes"]) == ["builds", "post_processing"]
    assert {(v["context"], v.get("context_parameter") or None) for v in multi["values"]} == {
        ("production", None),
        ("branch", "staging"),
    }
    metadata = client.get("/sites/web/metadata")
    ledger = metadata.pop("netlify-reconciler")
    assert metadata == {"owner": "a", "nested": {"x": 1}}
    assert ledger["managed"] == {"env": ["MULTI", "PLAIN"]}


def test_updates_use_the_narrowest_call(client, tmp_path):
    path = write(tmp_path, SITE)
    converge(client, path)
    path.write_text(SITE.replace("production: prod", "production: prod2").replace("owner: a", "owner: b"))
    planned = make_plan(client, path)
    calls = {c.address: planned.plan.calls(c) for c in planned.plan.changes}
    site_id = client.get("/sites/web")["id"]
    assert calls == {
        "site.web.lease": [f"PUT /api/v1/sites/{site_id}/metadata"],
        "site.web.env.MULTI": [
            f"PATCH /api/v1/accounts/{planned.live.sites['web'].target.account}/env/MULTI?site_id={site_id}"
        ],
        "site.web.metadata": [f"PUT /api/v1/sites/{site_id}/metadata"],
        "site.web.ledger": [f"PUT /api/v1/sites/{site_id}/metadata"],
    }
    apply_plan(client, planned.plan, planned.procedures)
    assert make_plan(client, path).plan.changes == []

    path.write_text(path.read_text().replace(', "branch:staging": stage', ""))
    planned = make_plan(client, path)
    change = one_change(planned.plan)
    (call,) = planned.plan.calls(change)
    assert call.startswith("DELETE /api/v1/accounts/") and "/env/MULTI/value/" in call
    converge(client, path)


def test_undeclared_live_vars_are_unmanaged_unless_pruned(client, tmp_path):
    path = write(tmp_path, SITE)
    converge(client, path)
    site_id = client.get("/sites/web")["id"]
    client.post(
        "/accounts/demo/env",
        [{"key": "HANDMADE", "values": [{"context": "all", "value": "x"}]}],
        params={"site_id": site_id},
    )
    planned = make_plan(client, path)
    assert planned.plan.changes == []
    assert [(u.owner.address, u.kind, u.identity) for u in planned.plan.unmanaged] == [
        ("site.web", "env", "HANDMADE")
    ]

    path.write_text(SITE + "    prune: [env]\n")
    change = one_change(make_plan(client, path).plan)
    assert (change.address, change.action) == ("site.web.env.HANDMADE", Action.DELETE)
    converge(client, path)
    assert "HANDMADE" not in {v["key"] for v in client.get("/accounts/demo/env", {"site_id": site_id})}


def test_undeclared_settings_and_sections_are_not_touched(client, tmp_path):
    path = write(tmp_path, SITE)
    converge(client, path)
    client.patch("/sites/web", {"domain_aliases": ["alias.example.org"]})
    client.put("/sites/web/metadata", {"owner": "a", "nested": {"x": 1}})
    path.write_text("version: 1\nsites:\n  web:\n    team: demo\n")
    planned = make_plan(client, path)
    assert planned.plan.changes == []
    assert {(u.kind, u.identity) for u in planned.plan.unmanaged} == {
        ("env", "MULTI"),
        ("env", "PLAIN"),
        ("metadata", "metadata"),
    }
    assert client.get("/sites/web")["domain_aliases"] == ["alias.example.org"]


def test_site_declared_absent_is_destroyed_alone(client, tmp_path):
    path = write(tmp_path, SITE)
    converge(client, path)
    path.write_text("version: 1\nsites:\n  web:\n    team: demo\n    state: absent\n")
    (change,) = make_plan(client, path).plan.changes  # no lease: the site and its ledger go away
    assert (change.address, change.action) == ("site.web", Action.DELETE)
    assert "everything in it" in change.note
    converge(client, path)
    with pytest.raises(ReconcilerError, match="HTTP 404"):
        client.get("/sites/web")


def test_unknown_team_and_wrong_team_are_plan_errors(client, tmp_path):
    path = write(tmp_path, "version: 1\nteams:\n  nope: {}\nsites:\n  s1:\n    team: nope-either\n")
    with pytest.raises(ReconcilerError) as info:
        make_plan(client, path)
    message = str(info.value)
    assert "m.yaml:3:3: team 'nope' is not a team this token can see" in message
    assert "site 's1': team 'nope-either'" in message

    client.post("/sites", {"name": "personal-site"})
    path.write_text("version: 1\nsites:\n  personal-site:\n    team: demo\n")
    with pytest.raises(ReconcilerError, match="moving a site between teams is not supported"):
        make_plan(client, path)


def test_personal_site_without_team_gets_env_after_creation(client, tmp_path):
    path = write(tmp_path, "version: 1\nsites:\n  mine:\n    env: {A: b}\n")
    plan = converge(client, path)
    assert plan.calls(plan.changes[2]) == ["POST /api/v1/accounts/{site.mine.account_id}/env?site_id={site.mine.id}"]
    site = client.get("/sites/mine")
    assert site["account_slug"] != "demo"
    assert [v["key"] for v in client.get(f"/accounts/{site['account_id']}/env", {"site_id": site["id"]})] == [
        "A"
    ]


def test_many_sites_are_read_across_pages(client, tmp_path, emulator):
    for i in range(105):
        client.post("/demo/sites", {"name": f"bulk-{i:03d}"})
    path = write(tmp_path, "version: 1\nsites:\n  bulk-104:\n    team: demo\n    force_ssl: true\n")
    change = one_change(make_plan(client, path).plan)
    assert (change.address, change.action) == ("site.bulk-104", Action.UPDATE)


def test_failed_apply_says_what_was_done(client, tmp_path, emulator):
    other = NetlifyClient(emulator.url, TOKEN)
    path = write(tmp_path, "version: 1\nsites:\n  taken:\n    team: demo\n    env: {A: b}\n")
    planned = make_plan(client, path)
    other.post("/demo/sites", {"name": "taken"})  # someone creates the name between plan and apply
    with pytest.raises(ApplyFailed) as info:
        apply_plan(client, planned.plan, planned.procedures)
    text = str(info.value)
    assert "apply stopped at site.taken (create)" in text
    assert "0 change(s) were applied; 3 change(s) were not attempted" in text  # lease, env var, ledger
    other.close()


def test_client_paces_and_pages_without_token_in_errors(emulator):
    bad = NetlifyClient(emulator.url, "not-a-token-123")
    with pytest.raises(ReconcilerError) as info:
        bad.get("/accounts")
    assert "401" in str(info.value) and "not-a-token-123" not in str(info.value)
    assert requests.get(f"{emulator.url}/api/v1/accounts", timeout=5).status_code == 401
