"""Netlify's official JavaScript client, `@netlify/api` (pinned, installed by scripts/install-netlify-api.sh),
runs `tests/js/netlify_api_client.mjs` against the emulator: every call must succeed, and together the
calls cover every operation of the OpenAPI description that the emulator serves, except the one below."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from reconciler.emulator import EmulatorOptions, EmulatorServer
from tests.support.node_tools import TOOLS, installed, tool_env
from tests.support.openapi import served_operations

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tests" / "js" / "netlify_api_client.mjs"
DIR = TOOLS / "netlify-api"
NODE = DIR / "node_modules" / ".bin" / "node"
MODULE = DIR / "node_modules" / "@netlify" / "api" / "lib" / "index.js"
TOKEN = "js-client-token"
SEED = """
tokens: [{token: js-client-token, email: js@example.com, teams: [demo]}]
sites:
  - name: js-forms
    team: demo
    forms: [{name: contact, fields: [name, email], submissions: [{name: Ann}, {name: Bo}]}]
"""
# Netlify's description gives this one path with the `/api/v1` base path already in it, so the client
# (which prefixes every path with the base path) asks for /api/v1/api/v1/sites/{id}/env, on Netlify too.
NOT_CALLABLE = {"getSiteEnvVars"}


def test_the_official_js_client_succeeds_on_every_served_operation(tmp_path: Path) -> None:
    installed("install-netlify-api.sh", [NODE, MODULE])
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED, encoding="utf-8")
    options = EmulatorOptions(
        rate_limit_per_minute=0,
        deploy_rate_limit_per_minute=0,
        prepare_delay=0.05,
        processing_delay=0.05,
        request_log=tmp_path / "requests.jsonl",
    )
    with EmulatorServer(tmp_path / "emu", seed=seed, options=options) as emu:
        env = tool_env(
            tmp_path / "home",
            NODE.parent,
            NETLIFY_API_MODULE=str(MODULE),
            EMULATOR_HOST=f"127.0.0.1:{emu.port}",
            NETLIFY_AUTH_TOKEN=TOKEN,
            TEAM="demo",
            FORMS_SITE="js-forms",
        )
        result = subprocess.run(
            [str(NODE), str(SCRIPT)], env=env, capture_output=True, text=True, timeout=300, check=False
        )
    assert result.returncode == 0, f"@netlify/api script failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines[-1] == {"done": True}
    called = {line["op"] for line in lines if "op" in line}
    assert set(served_operations()) - NOT_CALLABLE - called == set(), "a served operation is not exercised"
    log = [json.loads(line) for line in (tmp_path / "requests.jsonl").read_text().splitlines()]
    assert [e for e in log if e["status"] >= 400] == [], "every call succeeded at the first attempt"
