"""drift: exit 0 when live matches, 2 when it drifted (naming what), 1 on error; reports in every format."""

from __future__ import annotations

import json

from tests.cli.conftest import run_cli

MANIFEST = """\
version: 1
sites:
  drift-site:
    team: demo
    env:
      API_URL: https://api.example.org
      TOKEN:
        secret: true
        values: {production: "${DRIFT_SECRET}"}
    prune: [env]
"""


def test_drift_names_out_of_band_changes_and_apply_clears_it(emulator_process, tmp_path):
    env = emulator_process.env(DRIFT_SECRET="drift-secret-PLANTED-42")
    manifest = tmp_path / "m.yaml"
    manifest.write_text(MANIFEST)
    assert run_cli("apply", str(manifest), "--auto-approve", env=env).returncode == 0
    clean = run_cli("drift", str(manifest), env=env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "No drift." in clean.stdout

    site_id = emulator_process.api("GET", "/sites/drift-site").json()["id"]
    params = {"site_id": site_id}
    emulator_process.api("PATCH", "/accounts/demo/env/API_URL", params=params,
         json={"context": "all", "value": "https://evil.example.org"})
    emulator_process.api("PATCH", "/accounts/demo/env/TOKEN", params=params,
         json={"context": "production", "value": "rotated-by-hand"})
    emulator_process.api("POST", "/accounts/demo/env", params=params,
         json=[{"key": "SNEAKY", "values": [{"context": "all", "value": "x"}]}])

    json_out, md_out = tmp_path / "drift.json", tmp_path / "drift.md"
    drifted = run_cli("drift", str(manifest), "--json-out", str(json_out), "--markdown-out", str(md_out), env=env)
    assert drifted.returncode == 2, drifted.stderr
    out = drifted.stdout
    assert "Drift: 3 object(s) on Netlify differ from the manifests (0 missing, 2 changed, 1 not declared)." in out
    assert '~ values.all = "https://evil.example.org" → "https://api.example.org"' in out
    assert "site.drift-site.env.TOKEN" in out and "changed on Netlify since the last apply" in out
    assert "- site.drift-site.env.SNEAKY" in out
    report = json.loads(json_out.read_text())
    assert {c["address"] for c in report["changes"]} == {
        "site.drift-site.env.API_URL", "site.drift-site.env.TOKEN", "site.drift-site.env.SNEAKY"
    }
    assert report["summary"]["text"].startswith("Drift:")
    assert "drift report" in md_out.read_text()
    for text in (out, drifted.stderr, json_out.read_text(), md_out.read_text()):
        assert "rotated-by-hand" not in text and "drift-secret-PLANTED-42" not in text

    report_only = run_cli("drift", str(manifest), "--fail-on", "none", env=env)
    assert report_only.returncode == 0 and "Drift: 3" in report_only.stdout

    assert run_cli("apply", str(manifest), "--auto-approve", env=env).returncode == 0
    assert run_cli("drift", str(manifest), env=env).returncode == 0


def test_drift_errors_are_exit_1_even_with_fail_on_none(tmp_path):
    manifest = tmp_path / "m.yaml"
    manifest.write_text(MANIFEST)
    from tests.cli.conftest import clean_env

    env = clean_env(NETLIFY_API_URL="http://127.0.0.1:9", NETLIFY_AUTH_TOKEN="t", DRIFT_SECRET="x")
    result = run_cli("drift", str(manifest), "--fail-on", "none", env=env)
    assert result.returncode == 1
    assert "no answer from the API" in result.stderr


def test_a_conflict_is_not_summed_up_as_a_match(emulator_process, tmp_path):
    """Before: "No drift. Live state matches the manifests." right above "Error: 1 conflict(s)"."""
    env = emulator_process.env(DRIFT_SECRET="x")
    manifest = tmp_path / "m.yaml"
    manifest.write_text(MANIFEST + "    snippets:\n      goal: {goal_html: '<p>thanks</p>'}\n")
    assert run_cli("apply", str(manifest), "--auto-approve", env=env).returncode == 0
    emulator_process.api("POST", "/sites/drift-site/snippets", json={"title": "goal", "goal": "<p>again</p>"})
    for command in ("drift", "plan"):
        result = run_cli(command, str(manifest), env=env)
        assert result.returncode == 1 and "Error: 1 conflict(s)" in result.stderr, result.stderr
        assert "2 live snippets share the identity 'goal'" in result.stdout
        assert "matches the manifests" not in result.stdout
        assert "live state does not match the manifests: 1 conflict(s)" in result.stdout
