"""Saved plans, safety thresholds and output formats through the real console script."""

from __future__ import annotations

import json

import jsonschema
import requests

from tests.cli.conftest import CLI_TOKEN, REPO, EmulatorProcess, run_cli

SCHEMA = json.loads((REPO / "schemas" / "plan.schema.json").read_text())


def _manifest(keys: list[str], extra: str = "") -> str:
    env = "".join(f"      {key}: value-{key}\n" for key in keys)
    return f"version: 1\nsites:\n  trust-site:\n    team: demo\n{extra}    env:\n{env}"


def _api(emu: EmulatorProcess, method: str, path: str, **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {CLI_TOKEN}"}
    response = requests.request(method, f"{emu.url}/api/v1{path}", headers=headers, timeout=10, **kwargs)
    response.raise_for_status()
    return response


def test_saved_plan_applies_exactly_and_stale_plans_are_refused(emulator_process, tmp_path):
    env = emulator_process.env()
    manifest = tmp_path / "m.yaml"
    manifest.write_text(_manifest(["A", "B"]))
    plan_file = tmp_path / "plan.json"
    made = run_cli("plan", str(manifest), "--out", str(plan_file), env=env)
    assert made.returncode == 0, made.stderr
    saved = json.loads(plan_file.read_text())
    jsonschema.validate(saved, SCHEMA)
    assert saved["summary"]["create"] == 3

    applied = run_cli("apply", str(plan_file), env=env)  # no terminal, no --auto-approve: a saved plan was reviewed
    assert applied.returncode == 0, applied.stderr
    assert run_cli("plan", str(manifest), "--detailed-exitcode", env=env).returncode == 0

    manifest.write_text(_manifest(["A", "B", "C"]))
    assert run_cli("plan", str(manifest), "--out", str(plan_file), env=env).returncode == 0
    site_id = _api(emulator_process, "GET", "/sites/trust-site").json()["id"]
    _api(emulator_process, "PATCH", "/accounts/demo/env/A", params={"site_id": site_id},
         json={"context": "all", "value": "edited behind our back"})
    stale = run_cli("apply", str(plan_file), env=env)
    assert stale.returncode == 1
    assert "the saved plan is stale" in stale.stderr
    assert "changed: site.trust-site.env.A" in stale.stderr
    assert "site.trust-site.site" not in stale.stderr, "the site's own object is named by its address, once"
    assert "C" not in {v["key"] for v in _api(emulator_process, "GET", "/accounts/demo/env", params={"site_id": site_id}).json()}

    assert run_cli("plan", str(manifest), "--out", str(plan_file), env=env).returncode == 0
    manifest.write_text(_manifest(["A", "B", "C", "D"]))
    changed = run_cli("apply", str(plan_file), env=env)
    assert changed.returncode == 1 and "manifests" in changed.stderr and "changed since the plan was saved" in changed.stderr


def test_mass_delete_is_refused_without_allow_destroy(emulator_process, tmp_path):
    env = emulator_process.env()
    manifest = tmp_path / "m.yaml"
    keys = [f"K{i:02d}" for i in range(12)]
    manifest.write_text(_manifest(keys))
    assert run_cli("apply", str(manifest), "--auto-approve", env=env).returncode == 0

    manifest.write_text(_manifest(keys[:6]))  # 6 of 12 managed objects deleted: 50% > 30%
    planned = run_cli("plan", str(manifest), env=env)
    assert "apply will refuse this without --allow-destroy" in planned.stderr
    refused = run_cli("apply", str(manifest), "--auto-approve", env=env)
    assert refused.returncode == 1
    assert "[change-threshold] site.trust-site: the plan deletes or rewrites 6 of its 12 managed objects (50%)" in refused.stderr
    assert "more than the 30% threshold" in refused.stderr and "--allow-destroy" in refused.stderr
    assert run_cli("plan", str(manifest), "--detailed-exitcode", env=env).returncode == 2, "nothing was applied"

    manifest.write_text(_manifest(keys[:6], extra="    safety: {max_change_percent: 60}\n"))
    assert run_cli("apply", str(manifest), "--auto-approve", env=env).returncode == 0, "a per-site threshold"


def test_site_destruction_needs_allow_destroy(emulator_process, tmp_path):
    env = emulator_process.env()
    manifest = tmp_path / "m.yaml"
    manifest.write_text(_manifest(["A"]))
    assert run_cli("apply", str(manifest), "--auto-approve", env=env).returncode == 0
    manifest.write_text("version: 1\nsites:\n  trust-site:\n    team: demo\n    state: absent\n")
    refused = run_cli("apply", str(manifest), "--auto-approve", env=env)
    assert refused.returncode == 1 and "[site-delete] site.trust-site" in refused.stderr
    allowed = run_cli("apply", str(manifest), "--auto-approve", "--allow-destroy", env=env)
    assert allowed.returncode == 0, allowed.stderr


def test_json_and_markdown_formats(emulator_process, tmp_path):
    env = emulator_process.env()
    manifest = tmp_path / "m.yaml"
    manifest.write_text(_manifest(["A"]) + "    snippets:\n      s: {html: '<b>a|b</b>'}\n")
    as_json = run_cli("plan", str(manifest), "--format", "json", env=env)
    document = json.loads(as_json.stdout)
    jsonschema.validate(document, SCHEMA)
    assert {c["address"] for c in document["changes"]} >= {"site.trust-site", "site.trust-site.env.A"}
    as_md = run_cli("plan", str(manifest), "--format", "markdown", env=env)
    assert as_md.returncode == 0
    assert "<details>" in as_md.stdout and "| " in as_md.stdout
    outside_fences = as_md.stdout.split("```")[::2]
    assert all("<b>" not in part for part in outside_fences), "raw HTML only inside code fences"


def test_a_ledger_write_still_to_do_is_a_change_until_it_is_written(emulator_process, tmp_path):
    env = emulator_process.env()
    manifest = tmp_path / "m.yaml"
    manifest.write_text(_manifest(["A"]))
    assert run_cli("apply", str(manifest), "--auto-approve", env=env).returncode == 0
    site_id = _api(emulator_process, "GET", "/sites/trust-site").json()["id"]
    _api(emulator_process, "POST", "/accounts/demo/env", params={"site_id": site_id},
         json=[{"key": "B", "values": [{"context": "all", "value": "value-B"}]}])
    manifest.write_text(_manifest(["A", "B"]))  # B exists as declared: only the ledger has to learn it

    pending = run_cli("plan", str(manifest), "--detailed-exitcode", env=env)
    assert pending.returncode == 2, "a ledger write still to do is a change"
    assert "# site.trust-site.ledger" in pending.stdout and "records 1 existing object(s) as adopted" in pending.stdout
    assert "Plan: 0 to add, 0 to change, 0 to destroy, 2 ledger writes." in pending.stdout

    faults = {"error_rate": 1.0, "paths": "^PUT /api/v1/sites/[^/]+/metadata$"}
    requests.put(f"{emulator_process.url}/_emulator/faults", json=faults, timeout=10).raise_for_status()
    failed = run_cli("apply", str(manifest), "--auto-approve", env=env)
    requests.put(f"{emulator_process.url}/_emulator/faults", json={}, timeout=10).raise_for_status()
    assert failed.returncode == 1 and "apply stopped at site.trust-site.lease (record)" in failed.stderr
    assert run_cli("plan", str(manifest), "--detailed-exitcode", env=env).returncode == 2, "still to do"

    assert run_cli("apply", str(manifest), "--auto-approve", env=env).returncode == 0
    assert run_cli("plan", str(manifest), "--detailed-exitcode", env=env).returncode == 0
    ledger = _api(emulator_process, "GET", "/sites/trust-site/metadata").json()["netlify-reconciler"]
    assert ledger["managed"] == {"env": ["A", "B"]} and "lease" not in ledger, "recorded, and the lease given back"


def test_a_saved_plan_is_stale_once_an_object_it_changes_was_remade_or_doubled(emulator_process, tmp_path):
    """Same content under a new id (deleted and made again by hand), or a second holder of its identity:
    the saved plan's requests name what is no longer there, so apply refuses before writing anything."""
    env = emulator_process.env()
    manifest = tmp_path / "m.yaml"
    hooked = "    hooks:\n      - {type: email, event: deploy_failed, data: {email: ops@example.org}}\n"
    snippet = "    snippets:\n      banner: {html: '<p>one</p>'}\n"
    manifest.write_text(_manifest(["A"], extra=hooked + snippet))
    assert run_cli("apply", str(manifest), "--auto-approve", env=env).returncode == 0
    site_id = _api(emulator_process, "GET", "/sites/trust-site").json()["id"]
    plan_file = tmp_path / "plan.json"

    manifest.write_text(_manifest(["A"], extra=hooked.replace("}}", "}, disabled: true}") + snippet))
    assert run_cli("plan", str(manifest), "--out", str(plan_file), env=env).returncode == 0
    (hook,) = _api(emulator_process, "GET", "/hooks", params={"site_id": site_id}).json()
    _api(emulator_process, "DELETE", f"/hooks/{hook['id']}")
    remade = {key: hook[key] for key in ("site_id", "type", "event", "data")}
    _api(emulator_process, "POST", "/hooks", params={"site_id": site_id}, json=remade)
    stale = run_cli("apply", str(plan_file), env=env)
    assert stale.returncode == 1 and "the saved plan is stale" in stale.stderr, stale.stderr
    assert "changed: site.trust-site.hooks." in stale.stderr

    manifest.write_text(_manifest(["A"], extra=hooked + snippet.replace("one", "two")))
    assert run_cli("plan", str(manifest), "--out", str(plan_file), env=env).returncode == 0
    (original,) = _api(emulator_process, "GET", f"/sites/{site_id}/snippets").json()
    body = {key: original[key] for key in ("title", "general", "general_position")}
    _api(emulator_process, "POST", f"/sites/{site_id}/snippets", json=body)
    doubled = run_cli("apply", str(plan_file), env=env)
    assert doubled.returncode == 1 and "the saved plan is stale" in doubled.stderr, doubled.stderr
    snippets = _api(emulator_process, "GET", f"/sites/{site_id}/snippets").json()
    assert [s["general"] for s in snippets] == ["<p>one</p>", "<p>one</p>"], "nothing was written"
