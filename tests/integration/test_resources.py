"""Each resource kind end to end: create, no-op, update, delete (pruned), against the real emulator."""

from __future__ import annotations

import pytest

from reconciler.model.change import Action
from reconciler.model.errors import ManifestError, ReconcilerError
from reconciler.plan.render_text import render_text
from reconciler.session import make_plan
from tests.integration.conftest import converge, write
from tests.support.plans import config_changes, one_change

BASE = "version: 1\nsites:\n  web:\n    team: demo\n"


def config_actions(plan):
    return [c.action for c in config_changes(plan)]


def test_snippets_create_update_prune_and_conflict(client, tmp_path):
    path = write(
        tmp_path,
        BASE + "    snippets:\n      analytics: {html: '<script>a</script>', position: footer}\n"
        "      goal: {goal_html: '<p>thanks</p>'}\n",
    )
    created = converge(client, path)
    assert config_actions(created.plan)[-2:] == [Action.CREATE, Action.CREATE]
    assert created.plan.changes[-1].address == "site.web.ledger"
    live = {s["title"]: s for s in client.get("/sites/web/snippets")}
    assert (
        live["analytics"]["general"] == "<script>a</script>"
        and live["analytics"]["general_position"] == "footer"
    )
    assert live["goal"]["goal"] == "<p>thanks</p>"

    path.write_text(path.read_text().replace("<script>a</script>", "<script>b</script>"))
    planned = make_plan(client, path)
    change = one_change(planned.plan)
    site_id = client.get("/sites/web")["id"]
    assert planned.plan.calls(change) == [f"PUT /api/v1/sites/{site_id}/snippets/{live['analytics']['id']}"]
    converge(client, path)

    client.post("/sites/web/snippets", {"title": "handmade", "general": "x"})
    assert make_plan(client, path).plan.changes == []
    path.write_text(path.read_text() + "    prune: [snippets]\n")
    change = one_change(make_plan(client, path).plan)
    assert (change.address, change.action) == ("site.web.snippets.handmade", Action.DELETE)
    converge(client, path)

    client.post("/sites/web/snippets", {"title": "goal", "goal": "<p>again</p>"})
    planned = make_plan(client, path)
    assert planned.plan.changes == []
    assert (
        len(planned.plan.conflicts) == 1
        and "2 live snippets share the identity 'goal'" in planned.plan.conflicts[0]
    )


def test_build_hooks_url_known_after_apply_and_masked(client, tmp_path):
    path = write(tmp_path, BASE + "    build_hooks:\n      nightly: {branch: main}\n      release:\n")
    planned = make_plan(client, path)
    text = render_text(planned.plan)
    assert "url    = (known after apply)" in text
    converge(client, path)
    hooks = {h["title"]: h for h in client.get("/sites/web/build_hooks")}
    assert set(hooks) == {"nightly", "release"}
    assert hooks["release"]["branch"] == "main"

    path.write_text(path.read_text().replace("{branch: main}", "{branch: stable}"))
    planned = make_plan(client, path)
    change = one_change(planned.plan)
    nightly = hooks["nightly"]
    # The id is the secret part of the trigger URL: masked in the call, as in every shown path.
    assert planned.plan.calls(change) == [f"PUT /api/v1/sites/{nightly['site_id']}/build_hooks/(sensitive)"]
    text = render_text(planned.plan, calls=True)
    assert nightly["id"] not in text and '~ branch = "main" → "stable"' in text
    converge(client, path)
    path.write_text(BASE + "    build_hooks: {}\n    prune: [build_hooks]\n")
    assert config_actions(make_plan(client, path).plan) == [Action.DELETE, Action.DELETE]
    converge(client, path)
    assert client.get("/sites/web/build_hooks") == []


HOOKS = (
    BASE
    + """\
    hooks:
      - {type: email, event: deploy_failed, data: {email: ops@example.org}}
      - {type: url, event: deploy_created, data: {url: "https://hooks.example.org/deploys"}}
"""
)


def test_outgoing_hooks_create_disable_enable_prune(client, tmp_path):
    path = write(tmp_path, HOOKS)
    planned = converge(client, path)
    assert config_actions(planned.plan)[-2:] == [Action.CREATE, Action.CREATE]
    site_id = client.get("/sites/web")["id"]
    assert {(h["type"], h["event"]) for h in client.get("/hooks", {"site_id": site_id})} == {
        ("email", "deploy_failed"),
        ("url", "deploy_created"),
    }
    path.write_text(HOOKS.replace("ops@example.org}}", "ops@example.org}, disabled: true}"))
    planned = make_plan(client, path)
    change = one_change(planned.plan)
    assert change.action is Action.UPDATE and planned.plan.calls(change)[0].startswith("PUT /api/v1/hooks/")
    converge(client, path)
    assert [h["disabled"] for h in client.get("/hooks", {"site_id": site_id}) if h["type"] == "email"] == [
        True
    ]
    path.write_text(HOOKS)
    planned = make_plan(client, path)
    change = one_change(planned.plan)
    assert planned.plan.calls(change)[0].endswith("/enable")
    converge(client, path)

    path.write_text(BASE + "    hooks: []\n    prune: [hooks]\n")
    assert config_actions(make_plan(client, path).plan) == [Action.DELETE, Action.DELETE]
    converge(client, path)


@pytest.mark.parametrize(
    ("hook", "message"),
    [
        ("{type: carrier-pigeon, event: deploy_failed, data: {}}", "unknown hook type 'carrier-pigeon'"),
        ("{type: email, event: deploy_exploded, data: {email: a@b.org}}", "hook type 'email' has no event"),
        ("{type: email, event: deploy_failed, data: {}}", "hook type 'email' needs data field(s): email"),
        (
            "{type: email, event: submission_created, form: nope, data: {email: a@b.org}}",
            "form 'nope' does not",
        ),
        # Before: planned, then refused by Netlify after the site was created (a half-done apply).
        ("{type: email, event: deploy_failed, data: {email: ops}}", "data.email must be an email address"),
        ("{type: url, event: deploy_failed, data: {url: 'ftp://x.org'}}", "data.url must be an http(s) URL"),
        ("{type: url, event: deploy_failed, data: {url: '${HOOK_URL}'}}", "data.url must be an http(s) URL, got (sensitive)"),
    ],
)
def test_hooks_are_checked_against_hook_types(client, tmp_path, monkeypatch, hook, message):
    monkeypatch.setenv("HOOK_URL", "ftp://planted-hook-url.example")
    path = write(tmp_path, BASE + f"    hooks:\n      - {hook}\n")
    with pytest.raises(ManifestError) as info:
        make_plan(client, path)
    assert "m.yaml:6:9: sites.web.hooks[0]: " + message in str(info.value)
    assert "planted-hook-url" not in str(info.value)
    assert client.get("/sites", params={"filter": "all"}) == []  # nothing was created


def test_hook_values_of_the_right_shape_are_accepted(client, tmp_path, monkeypatch):
    monkeypatch.setenv("HOOK_URL", "https://hooks.example.org/secret-path")
    hooks = (
        "    hooks:\n      - {type: url, event: deploy_failed, data: {url: '${HOOK_URL}'}}\n"
        "      - {type: email, event: deploy_failed, data: {email: ops@example.org}}\n"
    )
    converge(client, write(tmp_path, BASE + hooks))


def test_integration_context_for_site_and_team(client, tmp_path, emulator):
    text = (
        "version: 1\nteams:\n  demo:\n    integrations:\n      acme-ledger: {config: {tier: gold}}\n"
        + BASE.removeprefix("version: 1\n")
        + "    integrations:\n      acme-analytics: {config: {property: docs, sample: 10}}\n"
    )
    path = write(tmp_path, text)
    planned = converge(client, path)
    calls = {c.address: [call.split(" ")[0] for call in planned.plan.calls(c)] for c in config_changes(planned.plan)}
    assert calls["site.web.integrations.acme-analytics"] == ["POST", "PUT"]
    assert calls["team.demo.integrations.acme-ledger"] == ["POST", "PUT"]
    site_id = client.get("/sites/web")["id"]
    api = client.integrations()
    assert api.get(f"/site/{site_id}/integrations/acme-analytics") == {
        "config": {"property": "docs", "sample": 10}
    }

    path.write_text(text.replace("sample: 10", "sample: 20"))
    planned = make_plan(client, path)
    change = one_change(planned.plan)
    assert (change.action, [c.split(" ")[0] for c in planned.plan.calls(change)]) == (Action.UPDATE, ["PUT"])
    converge(client, path)


def test_site_lifecycle_settings_ssl_and_rename(client, tmp_path):
    text = BASE + (
        "    custom_domain: web.example.org\n    domain_aliases: [b.example.org, a.example.org]\n"
        "    ssl: true\n    build_settings: {cmd: make, dir: public, stop_builds: true}\n"
    )
    path = write(tmp_path, text)
    planned = converge(client, path)
    assert planned.plan.calls(planned.plan.changes[0]) == [
        "POST /api/v1/demo/sites",
        "POST /api/v1/sites/{site.web.id}/ssl",
    ]
    site = client.get("/sites/web")
    assert site["ssl"] is True and sorted(site["domain_aliases"]) == ["a.example.org", "b.example.org"]
    assert site["build_settings"]["cmd"] == "make" and site["build_settings"]["stop_builds"] is True
    assert client.get(f"/sites/{site['id']}/ssl")["state"]

    renamed = text.replace("  web:\n", "  www:\n    previous_names: [web]\n")
    path.write_text(renamed)
    change = one_change(make_plan(client, path).plan)
    assert (change.address, change.action, change.fields[0].path) == ("site.www", Action.UPDATE, ("name",))
    converge(client, path)
    assert client.get(f"/sites/{site['id']}")["name"] == "www"


def test_mixed_case_domains_converge(client, tmp_path):
    """Netlify keeps domains in lower case: before, `Docs.Example.org` planned a change on every run."""
    text = BASE + "    custom_domain: Docs.Example.org\n    domain_aliases: [WWW.example.org, b.example.org]\n"
    converge(client, write(tmp_path, text))
    site = client.get("/sites/web")
    assert (site["custom_domain"], sorted(site["domain_aliases"])) == (
        "docs.example.org",
        ["b.example.org", "www.example.org"],
    )


@pytest.mark.parametrize(
    ("fields", "where", "message"),
    [
        ("    custom_domain: a.example.org\n    domain_aliases: [A.example.org]\n", "6:22", "is the custom_domain"),
        ("    domain_aliases: [b.example.org, B.example.org]\n", "5:37", "B.example.org is listed already, at [0]"),
        ("    custom_domain: web.netlify.app\n", "5:5", "web.netlify.app is a netlify.app domain"),
        ("    deploy_preview_custom_domain: x.Netlify.app\n", "5:5", "x.Netlify.app is a netlify.app domain"),
    ],
)
def test_domains_netlify_refuses_are_manifest_errors(client, tmp_path, fields, where, message):
    """Before: planned, then refused by Netlify when the site was created."""
    path = write(tmp_path, BASE + fields)
    with pytest.raises(ManifestError) as info:
        make_plan(client, path)
    assert f"m.yaml:{where}: sites.web." in str(info.value) and message in str(info.value)


def test_ssl_without_custom_domain_is_a_manifest_error(client, tmp_path):
    path = write(tmp_path, BASE + "    ssl: true\n")
    with pytest.raises(ManifestError, match="ssl: true needs a custom_domain"):
        make_plan(client, path)


def test_an_integration_dropped_from_the_manifest_is_disabled(client, tmp_path):
    """Netlify lists no integration contexts: the ledger is how a dropped one is found again."""
    text = BASE + "    integrations:\n      keep: {config: {a: 1}}\n      drop: {config: {b: 2}}\n"
    path = write(tmp_path, text)
    converge(client, path)
    site_id = client.get("/sites/web")["id"]
    path.write_text(BASE + "    integrations:\n      keep: {config: {a: 1}}\n")
    change = one_change(make_plan(client, path).plan)
    assert (change.address, change.action) == ("site.web.integrations.drop", Action.DELETE)
    assert "this tool created or adopted it" in change.note
    converge(client, path)
    api = client.integrations()
    assert api.get(f"/site/{site_id}/integrations/keep") == {"config": {"a": 1}}
    with pytest.raises(ReconcilerError, match="HTTP 404"):
        api.get(f"/site/{site_id}/integrations/drop")
