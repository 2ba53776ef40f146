"""The example Netlify extension (examples/extension/, @netlify/sdk pinned there) reads what
`drift --publish-status` wrote: node's test runner runs its tests against the emulator's Integration API
(through the SDK's own handler dispatch and client), including the site page's button calling
`surfaceState.fetch("status")`. What cannot run offline is listed in examples/extension/README.md."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.cli.conftest import CLI_TOKEN, run_cli, start_emulator
from tests.support.node_tools import TOOLS, installed, tool_env
from tests.support.status import STATUS_KEY, context, publishing_manifest, valid_status

DIR = TOOLS / "extension-example"
NODE = DIR / "node_modules" / ".bin" / "node"
SDK = DIR / "node_modules" / "@netlify" / "sdk" / "package.json"
SLUG = "reconciler-status"
SEED = "sites: [{name: no-extension-site, team: demo}]\n"
MANIFEST = publishing_manifest(SLUG)
SECRET = "extension-secret-PLANTED-8"


def test_the_extension_shows_the_status_drift_published(tmp_path: Path) -> None:
    installed("install-extension-example.sh", [NODE, SDK], always=True)
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED)
    manifest = tmp_path / "netlify.yaml"
    manifest.write_text(MANIFEST)
    with start_emulator(tmp_path / "emu", "--seed", str(seed)) as emu:
        github = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/sites", "GITHUB_RUN_ID": "77"}
        env = emu.env(PUB_SECRET=SECRET, **github)
        assert run_cli("apply", str(manifest), "--auto-approve", env=env).returncode == 0
        site = emu.api("GET", "/sites/pub-site").json()
        other = emu.api("GET", "/sites/no-extension-site").json()["id"]
        emu.api("PATCH", "/accounts/demo/env/API_URL", params={"site_id": site["id"]},
                json={"context": "all", "value": "https://by-hand.example.org"})
        drift = run_cli("drift", str(manifest), "--publish-status", SLUG, env=env)
        assert drift.returncode == 2, drift.stderr

        published = {
            "site": valid_status(context(emu.url, CLI_TOKEN, "site", site["id"], SLUG)[STATUS_KEY]),
            "team": valid_status(context(emu.url, CLI_TOKEN, "team", "demo", SLUG)[STATUS_KEY]),
        }
        assert published["site"]["state"] == "drifted" and published["team"]["state"] == "in_sync"
        assert published["site"]["run_url"] == "https://github.com/acme/sites/actions/runs/77"
        assert SECRET not in json.dumps(published)

        node_env = tool_env(
            tmp_path / "home", NODE.parent,
            INTEGRATION_API_URL=f"{emu.url}/integrations-api", NETLIFY_TOKEN=CLI_TOKEN, SLUG=SLUG,
            SITE_ID=site["id"], TEAM_ID=site["account_id"], OTHER_SITE_ID=other,
            EXPECTED_STATUS=json.dumps(published),
        )  # fmt: skip
        result = subprocess.run(
            [str(NODE), "--test", "--test-reporter=tap", "test/extension.test.js"], cwd=DIR, env=node_env, capture_output=True,
            text=True, timeout=300, check=False,
        )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "# pass 4" in output and "# fail 0" in output, output[-2000:]
