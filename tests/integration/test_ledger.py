"""The ledger: inventory-based pruning, adoption, and secret drift detected both ways."""

from __future__ import annotations

import pytest

from reconciler.apply import apply_plan
from reconciler.model.change import Action
from reconciler.model.ledger import KEY_ENV, LEDGER_KEY
from reconciler.plan.render_text import render_text
from reconciler.session import make_plan
from tests.integration.conftest import converge, write
from tests.support.plans import bookkeeping, config_changes, one_change

SITE = "version: 1\nsites:\n  web:\n    team: demo\n    env:\n"
SECRET = "sk_live_LEDGER_PLANTED_1"


@pytest.fixture
def ledger_key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "ledger-key-for-tests")
    monkeypatch.setenv("PAYMENT_KEY", SECRET)


def config_and_ledger(plan):
    """The plan's one change to a Netlify object, and the ledger write that must follow it."""
    change = one_change(plan)
    return change, plan.changes[-1]


def site_env(client):
    site_id = client.get("/sites/web")["id"]
    return {v["key"]: v for v in client.get("/accounts/demo/env", {"site_id": site_id})}, site_id


def test_inventory_deletes_only_what_the_tool_created(client, tmp_path):
    path = write(tmp_path, SITE + "      OURS: a\n      ALSO_OURS: b\n")
    converge(client, path)
    _, site_id = site_env(client)
    client.post("/accounts/demo/env", [{"key": "HANDMADE", "values": [{"context": "all", "value": "x"}]}],
                params={"site_id": site_id})
    ledger = client.get("/sites/web/metadata")[LEDGER_KEY]
    assert ledger["managed"] == {"env": ["ALSO_OURS", "OURS"]}

    path.write_text(SITE + "      OURS: a\n")
    planned = make_plan(client, path)
    change, ledger = config_and_ledger(planned.plan)
    assert (change.address, change.action) == ("site.web.env.ALSO_OURS", Action.DELETE)
    assert "this tool created or adopted it" in change.note
    assert ledger.after["managed"] == {"env": ["OURS"]}
    assert [u.identity for u in planned.plan.unmanaged] == ["HANDMADE"]
    converge(client, path)
    env, _ = site_env(client)
    assert set(env) == {"OURS", "HANDMADE"}, "the hand-made variable survives without prune"
    assert client.get("/sites/web/metadata")[LEDGER_KEY]["managed"] == {"env": ["OURS"]}


def test_removing_a_whole_section_deletes_what_the_tool_created(client, tmp_path):
    path = write(tmp_path, SITE + "      OURS: a\n    snippets:\n      s1: {html: x}\n")
    converge(client, path)
    path.write_text("version: 1\nsites:\n  web:\n    team: demo\n")
    assert [(c.address, c.action.value) for c in make_plan(client, path).plan.changes] == [
        ("site.web.lease", "record"),
        ("site.web.env.OURS", "delete"),
        ("site.web.snippets.s1", "delete"),
        ("site.web.ledger", "record"),
    ]


def test_adoption_records_without_rewriting(client, tmp_path):
    client.post("/demo/sites", {"name": "web"})
    site_id = client.get("/sites/web")["id"]
    client.post("/accounts/demo/env", [{"key": "EXISTING", "values": [{"context": "all", "value": "same"}]}],
                params={"site_id": site_id})
    before = site_env(client)[0]["EXISTING"]["updated_at"]
    path = write(tmp_path, SITE + "      EXISTING: same\n")
    planned = make_plan(client, path)
    assert bookkeeping(planned.plan) == ["site.web.lease", "site.web.ledger"] and not config_changes(planned.plan)
    ledger = planned.plan.changes[-1]
    assert ledger.after["managed"] == {"env": ["EXISTING"]}
    assert "records 1 existing object(s) as adopted" in render_text(planned.plan)
    assert "Plan: 0 to add, 0 to change, 0 to destroy, 2 ledger writes." in render_text(planned.plan)
    report = apply_plan(client, planned.plan, planned.procedures)
    assert [c.address for c in report.applied] == ["site.web.lease", "site.web.ledger"]
    assert site_env(client)[0]["EXISTING"]["updated_at"] == before, "adoption must not rewrite"
    assert make_plan(client, path).plan.changes == []

    path.write_text(SITE + "      OTHER: x\n")
    deletes = [c.address for c in make_plan(client, path).plan.changes if c.action is Action.DELETE]
    assert deletes == ["site.web.env.EXISTING"]


SECRET_SITE = SITE + "      PAYMENT_KEY:\n        secret: true\n        values: {production: '${PAYMENT_KEY}'}\n"


def test_secret_changed_on_netlify_is_drift(client, tmp_path, ledger_key):
    path = write(tmp_path, SECRET_SITE)
    converge(client, path)
    _, site_id = site_env(client)
    client.patch("/accounts/demo/env/PAYMENT_KEY", {"context": "production", "value": "tampered"},
                 params={"site_id": site_id})
    planned = make_plan(client, path)
    change, ledger = config_and_ledger(planned.plan)
    assert change.action is Action.UPDATE
    assert "changed on Netlify since the last apply" in change.note
    assert [f.path for f in ledger.fields] == [("records", "env", "PAYMENT_KEY", "updated_at")]
    text = render_text(planned.plan)
    assert SECRET not in text and "tampered" not in text
    converge(client, path)


def test_secret_changed_in_manifest_is_an_update(client, tmp_path, ledger_key, monkeypatch):
    path = write(tmp_path, SECRET_SITE)
    converge(client, path)
    monkeypatch.setenv("PAYMENT_KEY", "sk_live_LEDGER_PLANTED_2")
    change, _ = config_and_ledger(make_plan(client, path).plan)
    assert change.note == "secret value changed in the manifest"
    assert [f.path for f in change.fields] == [("values", "production")]
    converge(client, path)
    metadata = client.get("/sites/web/metadata")
    assert "sk_live_LEDGER_PLANTED" not in str(metadata), "the ledger keeps keyed digests, never values"
    assert metadata[LEDGER_KEY]["records"]["env"]["PAYMENT_KEY"]["digests"]["production"].startswith("hmac-sha256:")


def test_a_secret_made_plain_is_replaced_and_made_secret_again_in_place(client, tmp_path, ledger_key):
    """Netlify refuses to make a secret plain: before, the plan's PUT was refused mid-apply (HTTP 422)."""
    path = write(tmp_path, SECRET_SITE)
    converge(client, path)
    plain = SITE + "      PAYMENT_KEY: {values: {production: pk_test_plain}}\n"
    path.write_text(plain)
    planned = make_plan(client, path)
    change, ledger = config_and_ledger(planned.plan)
    assert change.action is Action.REPLACE
    assert [f.path[:2] for f in ledger.fields] == [("records", "env")]  # its digest is dropped
    assert [call.split(" ")[0] for call in planned.plan.calls(change)] == ["DELETE", "POST"]
    assert {f.path for f in change.fields} == {("secret",), ("values", "production")}
    assert SECRET not in render_text(planned.plan)
    converge(client, path)
    var = site_env(client)[0]["PAYMENT_KEY"]
    assert (var["is_secret"], var["values"][0]["value"]) == (False, "pk_test_plain")
    assert "PAYMENT_KEY" not in client.get("/sites/web/metadata")[LEDGER_KEY]["records"].get("env", {})

    path.write_text(SECRET_SITE)  # plain to secret is allowed in place
    change, _ = config_and_ledger(make_plan(client, path).plan)
    assert change.action is Action.UPDATE
    converge(client, path)
    assert site_env(client)[0]["PAYMENT_KEY"]["is_secret"] is True


def test_secret_set_before_the_tool_is_adopted_as_declared(client, tmp_path, ledger_key, monkeypatch):
    """Netlify never shows the value, so the declared one is taken to be it (as `export` writes it): only
    the ledger is written, and from then on a change on either side is seen."""
    client.post("/demo/sites", {"name": "web"})
    site_id = client.get("/sites/web")["id"]
    client.post("/accounts/demo/env", [{"key": "PAYMENT_KEY", "is_secret": True,
                                        "values": [{"context": "production", "value": SECRET}]}],
                params={"site_id": site_id})
    before = site_env(client)[0]["PAYMENT_KEY"]["updated_at"]
    path = write(tmp_path, SECRET_SITE)
    planned = converge(client, path)
    assert config_changes(planned.plan) == [] and bookkeeping(planned.plan) == ["site.web.lease", "site.web.ledger"]
    assert site_env(client)[0]["PAYMENT_KEY"]["updated_at"] == before, "adopted, not rewritten"
    record = client.get("/sites/web/metadata")[LEDGER_KEY]["records"]["env"]["PAYMENT_KEY"]
    assert record["digests"]["production"].startswith("hmac-sha256:") and record["updated_at"] == before

    monkeypatch.setenv("PAYMENT_KEY", "sk_live_LEDGER_PLANTED_3")
    change, _ = config_and_ledger(make_plan(client, path).plan)
    assert change.note == "secret value changed in the manifest"


def test_without_a_key_manifest_changes_are_not_detected_but_netlify_changes_are(client, tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv("PAYMENT_KEY", SECRET)
    path = write(tmp_path, SECRET_SITE)
    converge(client, path)
    monkeypatch.setenv("PAYMENT_KEY", "another")
    planned = make_plan(client, path)
    assert planned.plan.changes == []
    assert any(KEY_ENV in w for w in planned.plan.warnings)
    _, site_id = site_env(client)
    client.patch("/accounts/demo/env/PAYMENT_KEY", {"context": "production", "value": "tampered"},
                 params={"site_id": site_id})
    change, _ = config_and_ledger(make_plan(client, path).plan)
    assert "changed on Netlify" in change.note


def test_a_key_set_after_an_apply_without_it_writes_the_secret_once_and_says_why(client, tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv("PAYMENT_KEY", SECRET)
    path = write(tmp_path, SECRET_SITE)
    converge(client, path)
    monkeypatch.setenv(KEY_ENV, "ledger-key-for-tests")
    change, _ = config_and_ledger(make_plan(client, path).plan)
    assert change.note == f"no digest of it recorded yet (applied without {KEY_ENV}): writing it once"
    converge(client, path)
    assert make_plan(client, path).plan.changes == []


def test_team_ledger_needs_an_integration(client, tmp_path):
    path = write(tmp_path, "version: 1\nteams:\n  demo:\n    env: {SHARED: a}\n")
    planned = converge(client, path)
    assert any("team.demo: no ledger" in w for w in planned.plan.warnings)

    path.write_text("version: 1\nteams:\n  demo:\n    env: {SHARED: a, MORE: b}\n    ledger: {integration: acme-ledger}\n")
    converge(client, path)
    stored = client.integrations().get("/team/demo/integrations/acme-ledger")["config"][LEDGER_KEY]
    assert stored["managed"] == {"env": ["MORE", "SHARED"]}
    path.write_text("version: 1\nteams:\n  demo:\n    env: {SHARED: a}\n    ledger: {integration: acme-ledger}\n")
    change, _ = config_and_ledger(make_plan(client, path).plan)
    assert (change.address, change.action) == ("team.demo.env.MORE", Action.DELETE)


def test_reserved_metadata_key_is_an_error(client, tmp_path):
    from reconciler.model.errors import ManifestError

    path = write(tmp_path, f"version: 1\nsites:\n  web:\n    metadata: {{{LEDGER_KEY}: x}}\n")
    with pytest.raises(ManifestError, match="reserved for this tool's ledger"):
        make_plan(client, path)


def test_a_team_secret_without_a_ledger_converges(client, tmp_path, ledger_key):
    """No ledger, so nothing is remembered after apply: a hidden secret is not "written once" on every run."""
    text = "version: 1\nteams:\n  demo:\n    env:\n      PAYMENT_KEY:\n        secret: true\n        value: '${PAYMENT_KEY}'\n"
    path = write(tmp_path, text)
    planned = converge(client, path)  # converge: the plan after the apply is empty
    assert [c.address for c in planned.plan.changes] == ["team.demo.env.PAYMENT_KEY"]
    again = make_plan(client, path)
    assert again.plan.changes == [] and any("team.demo: no ledger" in w for w in again.plan.warnings)
