"""The leak test: planted secrets and tokens never appear in any output, file or log the tool produces.

Runs validate, plan in every format, saved plans, apply, a verbose re-plan and every error path, then
scans stdout, stderr, every file written under the test directory and the emulator's request log (which
carries no request bodies, so none of it may contain them).
"""

from __future__ import annotations

import requests

from tests.cli.conftest import CLI_TOKEN, run_cli, start_emulator

PLANTED = {
    "PAYMENT_KEY": "sk_live_LEAK_PLANTED_a1b2c3",
    "PREVIEW_KEY": "sk_test_LEAK_PLANTED_d4e5f6",
    "FROM_VAR": "plain-LEAK_PLANTED-var-0451",
    "SITE_PASSWORD": "pw-LEAK_PLANTED-7788",
    "SLACK_URL": "https://hooks.slack.example/LEAK_PLANTED_slack_9911",
    "INTEGRATION_SECRET": "int-LEAK_PLANTED-3344",
    "NETLIFY_RECONCILER_LEDGER_KEY": "ledger-key-LEAK_PLANTED-5566",
}

MANIFEST = """\
version: 1
sites:
  leak-site:
    team: demo
    password: ${SITE_PASSWORD}
    env:
      PAYMENT_KEY:
        secret: true
        values: {production: "${PAYMENT_KEY}", deploy-preview: "${PREVIEW_KEY}"}
      FROM_VAR: ${FROM_VAR}
      PLAIN: visible-value
    hooks:
      - {type: slack, event: deploy_failed, data: {url: "${SLACK_URL}"}}
    build_hooks:
      nightly: {branch: main}
    integrations:
      leak-integration: {config: {api_secret: "${INTEGRATION_SECRET}"}}
"""


def test_no_planted_value_leaks_anywhere(tmp_path):
    log = tmp_path / "requests.jsonl"
    emu = start_emulator(tmp_path / "emu", "--request-log", str(log))
    try:
        env = emu.env(**PLANTED)
        manifest = tmp_path / "m.yaml"
        manifest.write_text(MANIFEST)
        plan_file = tmp_path / "plan.json"
        runs = [
            run_cli("validate", str(manifest), env=env),
            run_cli("plan", str(manifest), env=env),
            run_cli("plan", str(manifest), "--format", "json", env=env),
            run_cli("plan", str(manifest), "--format", "markdown", env=env),
            run_cli("plan", str(manifest), "--out", str(plan_file), env=env),
            run_cli("apply", str(plan_file), env=env),
            run_cli("-vv", "plan", str(manifest), "--detailed-exitcode", env=env),
        ]
        assert [r.returncode for r in runs] == [0, 0, 0, 0, 0, 0, 0], [r.stderr for r in runs]
        assert "(sensitive)" in runs[1].stdout and "visible-value" in runs[1].stdout

        # Build hook trigger URLs are credentials too: once they exist, no output may show them.
        hooks = requests.get(f"{emu.url}/api/v1/sites/leak-site/build_hooks",
                             headers={"Authorization": f"Bearer {CLI_TOKEN}"}, timeout=10).json()
        trigger_urls = [hook["url"] for hook in hooks]
        assert trigger_urls

        rotated = {**PLANTED, "PAYMENT_KEY": "sk_live_LEAK_PLANTED_rotated", "FROM_VAR": "plain-LEAK_PLANTED-rot"}
        renamed = MANIFEST.replace("{branch: main}", "{branch: stable}")
        manifest.write_text(renamed)
        for fmt in ("text", "json", "markdown"):
            runs.append(run_cli("plan", str(manifest), "--format", fmt, env=emu.env(**rotated)))
        runs.append(run_cli("plan", str(manifest), "--out", str(plan_file), env=emu.env(**rotated)))
        runs.append(run_cli("apply", str(plan_file), env=emu.env(**{**rotated, "FROM_VAR": "changed-again"})))
        assert runs[-1].returncode == 1, "manifest secret changed after the plan: refused"
        runs.append(run_cli("apply", str(manifest), "--auto-approve", env=emu.env(**rotated)))
        assert runs[-1].returncode == 0, runs[-1].stderr

        broken = tmp_path / "broken.yaml"
        broken.write_text(MANIFEST + "    bogus: ${PAYMENT_KEY}\n    force_ssl: ${FROM_VAR}\n")
        missing = {k: v for k, v in PLANTED.items() if k != "SLACK_URL"}
        runs += [
            run_cli("validate", str(broken), env=env),
            run_cli("plan", str(broken), env=env),
            run_cli("plan", str(manifest), env=emu.env(**missing)),
            run_cli("plan", str(manifest), env={**env, "NETLIFY_AUTH_TOKEN": "wrong-LEAK_PLANTED-token"}),
            run_cli("plan", str(manifest), env={**env, "NETLIFY_API_URL": "http://127.0.0.1:9"}),
            run_cli("apply", str(manifest), env=env),  # no terminal: refused
        ]
        assert all(r.returncode == 1 for r in runs[-6:]), [r.stderr for r in runs[-6:]]
    finally:
        emu.process.terminate()
        emu.process.wait(timeout=10)

    secrets = [*PLANTED.values(), "sk_live_LEAK_PLANTED_rotated", "plain-LEAK_PLANTED-rot", "wrong-LEAK_PLANTED-token",
               CLI_TOKEN, *trigger_urls]
    outputs = {f"run {i} stdout": r.stdout for i, r in enumerate(runs)}
    outputs |= {f"run {i} stderr": r.stderr for i, r in enumerate(runs)}
    outputs |= {
        str(path): path.read_text(errors="replace")
        for path in tmp_path.rglob("*")
        if path.is_file() and path.suffix in (".json", ".jsonl", ".md", ".txt", ".log")
    }
    assert str(log) in outputs and str(plan_file) in outputs
    for where, text in outputs.items():
        for secret in secrets:
            assert secret not in text, f"{secret!r} leaked into {where}"
