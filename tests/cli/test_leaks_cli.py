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
      - {type: url, event: deploy_created, data: {url: "https://hooks.example.org/d", signature_secret: sig-LEAK_PLANTED-literal}}
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
        assert any("build_hooks/(sensitive)" in r.stdout for r in runs[-6:-3]), "the PUT was planned, masked"

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

    # A signing secret written out in the manifest is as secret as one from ${...}; a build hook's id is the
    # secret of its trigger URL, so the PUT that changes its branch never shows it (nor does a saved plan).
    hook_ids = [url.rsplit("/", 1)[-1] for url in trigger_urls]
    secrets = [*PLANTED.values(), "sk_live_LEAK_PLANTED_rotated", "plain-LEAK_PLANTED-rot", "wrong-LEAK_PLANTED-token",
               CLI_TOKEN, *trigger_urls, *hook_ids, "sig-LEAK_PLANTED-literal"]
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
            if secret in hook_ids and where == str(log):
                continue  # the emulator's log is Netlify's side: it is addressed by the id
            assert secret not in text, f"{secret!r} leaked into {where}"


SHOWN_BACK = {
    "TOKEN_PROD": "prod-SHOWN_BACK_PLANTED-1",
    "TOKEN_DEV": "dev-SHOWN_BACK_PLANTED-2",
    "GONE_DEV": "gone-dev-SHOWN_BACK_PLANTED-3",
    "PLAIN_DEV": "plain-dev-SHOWN_BACK_PLANTED-4",
    "HOOK_SECRET": "hook-SHOWN_BACK_PLANTED-5",
    "NETLIFY_RECONCILER_LEDGER_KEY": "ledger-key-SHOWN_BACK-6",
}
SHOWN_BEFORE = """\
version: 1
sites:
  shown-site:
    team: demo
    env:
      TOKEN: {secret: true, values: {production: "${TOKEN_PROD}", dev: "${TOKEN_DEV}"}}
      GONE: {secret: true, values: {production: "${TOKEN_PROD}", dev: "${GONE_DEV}"}}
      TURNS_PLAIN: {secret: true, values: {production: "${TOKEN_PROD}", dev: "${PLAIN_DEV}"}}
    hooks:
      - {type: url, event: deploy_created, data: {url: "https://hooks.example.org/d", signature_secret: "${HOOK_SECRET}"}}
"""
SHOWN_AFTER = """\
version: 1
sites:
  shown-site:
    team: demo
    env:
      TOKEN: {secret: true, values: {production: "${TOKEN_PROD}"}}
      TURNS_PLAIN: {values: {production: public-prod, dev: public-dev}}
    hooks: []
"""


def test_secret_values_netlify_shows_back_never_appear_once_undeclared(tmp_path):
    """Netlify shows a secret variable's `dev` value, and a URL hook's signing secret; once the manifest no
    longer declares them (a context dropped, a variable deleted or made plain, a hook deleted), the plan
    has no declared value to take the mask from: the live value must be masked by itself."""
    emu = start_emulator(tmp_path / "emu")
    try:
        env = emu.env(**SHOWN_BACK)
        manifest = tmp_path / "m.yaml"
        manifest.write_text(SHOWN_BEFORE)
        applied = run_cli("apply", str(manifest), "--auto-approve", env=env)
        assert applied.returncode == 0, applied.stderr
        manifest.write_text(SHOWN_AFTER)
        plan_file = tmp_path / "plan.json"
        runs = [
            run_cli("-v", "plan", str(manifest), "--out", str(plan_file), "--json-out", str(tmp_path / "p.json"),
                    "--markdown-out", str(tmp_path / "p.md"), env=env),
            run_cli("drift", str(manifest), "--format", "json", env=env),
            run_cli("drift", str(manifest), "--format", "markdown", env=env),
            run_cli("export", "--site", "shown-site", "--out", str(tmp_path / "exported"), env=env),
            run_cli("apply", str(plan_file), "--allow-destroy", env=env),
            run_cli("plan", str(manifest), "--detailed-exitcode", env=env),
        ]
        assert [r.returncode for r in runs] == [0, 2, 2, 0, 0, 0], [r.stderr for r in runs]
        shown = runs[0].stdout
        assert "- values.dev = (sensitive)" in shown and "- site.shown-site.env.GONE" in shown, shown
        assert "- site.shown-site.hooks.url:deploy_created" in shown, shown
        assert "${DEPLOY_CREATED_HOOK_SIGNATURE_SECRET}" in (tmp_path / "exported/sites/shown-site.yaml").read_text()
    finally:
        emu.process.terminate()
        emu.process.wait(timeout=10)
    outputs = {f"run {i} {stream}": getattr(r, stream) for i, r in enumerate([applied, *runs])
               for stream in ("stdout", "stderr")}  # fmt: skip
    outputs |= {str(p): p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.suffix in (".json", ".md", ".yaml")}
    for where, text in outputs.items():
        for name, secret in SHOWN_BACK.items():
            assert secret not in text, f"{name} leaked into {where}"
