"""`drift --publish-status` and `apply --publish-status`: each owner's status lands in the integration's
context (read back through the emulator's Integration API, as an integration reads it), next to the
ledger and the integration's own config, which stay as they were; drift keeps its exit codes; nothing
secret is written; a context with the status is not drift, and a saved plan does not go stale over it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.cli.conftest import CLI_TOKEN, EmulatorProcess, run_cli
from tests.support.status import (
    LEDGER_KEY,
    STATUS_KEY,
    context,
    publishing_manifest,
    put_context,
    valid_status,
)

SLUG = "status-ext"
SECRET = "pub-secret-PLANTED-91"
ROTATED = "rotated-by-hand-PLANTED-17"
MANIFEST = publishing_manifest(SLUG)


def _contexts(emu: EmulatorProcess, site_id: str) -> tuple[dict, dict]:
    return (context(emu.url, CLI_TOKEN, "site", site_id, SLUG), context(emu.url, CLI_TOKEN, "team", "demo", SLUG))


def test_statuses_are_published_beside_the_ledger_and_never_leak(emulator_process, tmp_path):
    emu = emulator_process
    github = {"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/netlify",
              "GITHUB_RUN_ID": "4242", "GITHUB_RUN_ATTEMPT": "2"}
    env = emu.env(PUB_SECRET=SECRET, NETLIFY_RECONCILER_LEDGER_KEY="ledger-key-PLANTED-3", **github)
    manifest = tmp_path / "m.yaml"
    manifest.write_text(MANIFEST)

    applied = run_cli("apply", str(manifest), "--auto-approve", "--publish-status", SLUG, env=env)
    assert applied.returncode == 0, applied.stderr
    assert f"Status published to the integration '{SLUG}' for 2 of 2 team(s) and site(s): site.pub-site, team.demo." in applied.stderr
    site_id = emu.api("GET", "/sites/pub-site").json()["id"]
    site_ctx, team_ctx = _contexts(emu, site_id)
    assert site_ctx["theme"] == "light" and team_ctx["theme"] == "dark"
    assert site_ctx[LEDGER_KEY]["managed"]["env"] == ["API_URL", "TOKEN"]
    status = valid_status(site_ctx[STATUS_KEY])
    assert status["state"] == "in_sync" and status["source"] == "apply" and status["counts"]["total"] == 0
    assert status["owner"] == {"kind": "site", "name": "pub-site", "address": "site.pub-site"}
    assert status["run_url"] == "https://github.com/acme/netlify/actions/runs/4242/attempts/2"
    assert valid_status(team_ctx[STATUS_KEY])["owner"]["address"] == "team.demo"

    # The status is nobody's drift: plan and drift see nothing to do.
    assert run_cli("plan", str(manifest), "--detailed-exitcode", env=env).returncode == 0
    assert run_cli("drift", str(manifest), env=env).returncode == 0

    params = {"site_id": site_id}
    emu.api("PATCH", "/accounts/demo/env/API_URL", params=params, json={"context": "all", "value": "https://evil.example.org"})
    emu.api("PATCH", "/accounts/demo/env/TOKEN", params=params, json={"context": "production", "value": ROTATED})
    ledger_before = site_ctx[LEDGER_KEY]
    saved = tmp_path / "plan.json"  # reviewed before the scheduled drift job publishes
    assert run_cli("plan", str(manifest), "--out", str(saved), env=env).returncode == 0

    drifted = run_cli("drift", str(manifest), "--publish-status", SLUG, "--format", "json", env=env)
    assert drifted.returncode == 2, drifted.stderr  # the exit code still says "drift"
    assert json.loads(drifted.stdout)["summary"]["total"] == 2
    site_ctx, team_ctx = _contexts(emu, site_id)
    status = valid_status(site_ctx[STATUS_KEY])
    assert status["state"] == "drifted" and status["source"] == "drift"
    assert status["counts"] == {"create": 0, "update": 2, "delete": 0, "replace": 0, "deploy": 0, "total": 2}
    assert status["summary"] == "Drifted: 2 object(s) differ from the manifests (0 missing, 2 changed, 0 not declared)."
    assert datetime.fromisoformat(status["checked_at"]) > datetime.now(UTC) - timedelta(minutes=5)
    assert valid_status(team_ctx[STATUS_KEY])["state"] == "in_sync"
    assert site_ctx[LEDGER_KEY] == ledger_before and site_ctx["theme"] == "light"

    everything = json.dumps([site_ctx, team_ctx]) + drifted.stdout + drifted.stderr + applied.stdout + applied.stderr
    for planted in (SECRET, ROTATED, "ledger-key-PLANTED-3", "evil.example.org", CLI_TOKEN):
        assert planted not in json.dumps([site_ctx[STATUS_KEY], team_ctx[STATUS_KEY]])
    for planted in (SECRET, ROTATED, "ledger-key-PLANTED-3", CLI_TOKEN):
        assert planted not in everything

    # Publishing between plan and apply does not make the reviewed plan stale.
    from_saved = run_cli("apply", str(saved), "--publish-status", SLUG, env=env)
    assert from_saved.returncode == 0, from_saved.stderr
    published = context(emu.url, CLI_TOKEN, "site", site_id, SLUG)[STATUS_KEY]
    assert valid_status(published)["state"] == "in_sync"
    assert run_cli("drift", str(manifest), env=env).returncode == 0

    # Rewriting the integration's declared config (and the ledger beside it) keeps the status.
    manifest.write_text(MANIFEST.replace("theme: light", "theme: blue"))
    assert run_cli("apply", str(manifest), "--auto-approve", env=env).returncode == 0
    site_ctx = context(emu.url, CLI_TOKEN, "site", site_id, SLUG)
    assert site_ctx["theme"] == "blue" and site_ctx[STATUS_KEY] == published


def test_a_bad_slug_is_an_error_and_a_failed_publication_a_warning_that_keeps_the_exit_code(emulator_process, tmp_path):
    emu = emulator_process
    env = emu.env(PUB_SECRET=SECRET)
    manifest = tmp_path / "m.yaml"
    manifest.write_text(MANIFEST)

    bad = run_cli("drift", str(manifest), "--publish-status", "Not A Slug", env=env)
    assert bad.returncode == 1 and bad.stdout == ""
    assert "--publish-status 'Not A Slug': not an integration slug" in bad.stderr
    assert run_cli("apply", str(manifest), "--auto-approve", "--publish-status", "-x", env=env).returncode == 1

    assert run_cli("apply", str(manifest), "--auto-approve", env=env).returncode == 0
    nowhere = run_cli("drift", str(manifest), "--publish-status", "never-enabled", env=env)
    assert nowhere.returncode == 0, nowhere.stderr  # no drift, whatever happened to the publication
    assert "No drift." in nowhere.stdout
    assert "site.pub-site: status not published: the integration 'never-enabled' is not enabled on it" in nowhere.stderr
    assert "Warning: no status published to the integration 'never-enabled'" in nowhere.stderr

    # The Integration API unreachable (the ledgers in site metadata, so drift itself needs no integration).
    plain = tmp_path / "plain.yaml"
    plain.write_text("version: 1\nsites:\n  plain-site: {team: demo, env: {A: b}}\n")
    assert run_cli("apply", str(plain), "--auto-approve", env=env).returncode == 0
    site_id = emu.api("GET", "/sites/plain-site").json()["id"]
    emu.api("PATCH", "/accounts/demo/env/A", params={"site_id": site_id}, json={"context": "all", "value": "c"})
    down = run_cli("drift", str(plain), "--publish-status", SLUG, "--integration-api-url", "http://127.0.0.1:9", env=env)
    assert down.returncode == 2, down.stderr  # still "drift"
    assert "Warning: site.plain-site: publishing the status failed: GET /site/" in down.stderr
    assert "no answer from the API" in down.stderr and "Drift: 1 object(s)" in down.stdout


def test_an_owner_whose_context_holds_another_applys_lease_is_skipped(emulator_process, tmp_path):
    emu = emulator_process
    env = emu.env(PUB_SECRET=SECRET)
    manifest = tmp_path / "m.yaml"
    manifest.write_text(MANIFEST)
    assert run_cli("apply", str(manifest), "--auto-approve", env=env).returncode == 0
    site_id = emu.api("GET", "/sites/pub-site").json()["id"]
    config = context(emu.url, CLI_TOKEN, "site", site_id, SLUG)
    now = datetime.now(UTC).replace(microsecond=0)
    lease = {"holder": "ci@elsewhere.example:77", "run": "other-run", "since": now.isoformat(),
             "expires": (now + timedelta(minutes=10)).isoformat()}
    held = {**config, LEDGER_KEY: {**config[LEDGER_KEY], "lease": lease}}
    put_context(emu.url, CLI_TOKEN, "site", site_id, SLUG, held)

    result = run_cli("drift", str(manifest), "--publish-status", SLUG, env=env)
    assert result.returncode == 0, result.stderr
    assert "site.pub-site: status not published: another apply holds its lease (run other-run" in result.stderr
    assert "for 1 of 2 team(s) and site(s): team.demo." in result.stderr
    assert context(emu.url, CLI_TOKEN, "site", site_id, SLUG) == held  # untouched
