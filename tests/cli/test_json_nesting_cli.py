"""Free-form values nested deeper than Netlify accepts in a request body are refused before any request.

Netlify refuses a JSON body nested more than 100 levels. Metadata is the body itself; a hook's `data` and
an integration's `config` sit one level inside theirs. The deepest accepted value applies cleanly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import clean_env, run_cli, start_emulator


def _nested(levels: int) -> str:
    """A flow mapping `levels` deep: {k: {k: ... {k: 1}}}."""
    return "{k: " * levels + "1" + "}" * levels


def _metadata(levels: int) -> str:
    return f"version: 1\nsites:\n  deep:\n    team: demo\n    metadata: {_nested(levels)}\n"


HOOK = (
    "version: 1\nsites:\n  deep:\n    team: demo\n    hooks:\n"
    "      - {{type: url, event: deploy_created, data: {{url: 'https://h.example/x', more: {nested}}}}}\n"
)
INTEGRATION = "version: 1\nsites:\n  deep:\n    team: demo\n    integrations:\n      crm: {{config: {nested}}}\n"
CASES = {
    # metadata: the body is the object, so 101 levels are one too many; the key holding the 101st is at 412
    "metadata": (_metadata(101), "m.yaml:5:412", "sites.deep.metadata" + ".k" * 100),
    # hook data sits one level inside its body and `more` one level inside data: 99 levels are too many
    "hook data": (HOOK.format(nested=_nested(99)), "m.yaml:6:", "sites.deep.hooks[0].data.more" + ".k" * 98),
    # integration config sits one level inside its body: 100 levels are too many
    "integration config": (
        INTEGRATION.format(nested=_nested(100)),
        "m.yaml:6:",
        "sites.deep.integrations.crm.config" + ".k" * 99,
    ),
}


@pytest.mark.parametrize("command", ["validate", "plan"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_too_deep_is_refused_at_the_node(tmp_path: Path, case: str, command: str) -> None:
    text, where, doc_path = CASES[case]
    (tmp_path / "m.yaml").write_text(text)
    env = clean_env(NETLIFY_API_URL="http://127.0.0.1:9", NETLIFY_AUTH_TOKEN="t")
    result = run_cli(command, "m.yaml", env=env, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert where in result.stderr and f"{doc_path}: nested 101 levels deep" in result.stderr, result.stderr
    assert "more than 100 levels" in result.stderr
    assert "Traceback" not in result.stderr and "no answer from the API" not in result.stderr


def test_the_deepest_accepted_metadata_applies(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(_metadata(100))
    with start_emulator(tmp_path / "emu", "--rate-limit-per-minute", "0") as emu:
        applied = run_cli("apply", "m.yaml", "--auto-approve", env=emu.env(), cwd=tmp_path)
        assert applied.returncode == 0, applied.stderr
        again = run_cli("plan", "m.yaml", "--detailed-exitcode", env=emu.env(), cwd=tmp_path)
        assert again.returncode == 0, again.stdout + again.stderr
        site = emu.api("GET", "/sites/deep").json()
        stored = emu.api("GET", f"/sites/{site['id']}/metadata").json()
        depth, node = 0, stored
        while isinstance(node, dict) and "k" in node:
            depth, node = depth + 1, node["k"]
        assert depth == 100 and node == 1
