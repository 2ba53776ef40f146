"""The skeleton's promise end to end: apply the examples, re-plan empty, see a change, no traceback."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
import requests

from tests.cli.conftest import CLI_TOKEN, EXAMPLES, REPO, EmulatorProcess, clean_env, run_cli

PLAN_SCHEMA = json.loads((REPO / "schemas" / "plan.schema.json").read_text())


def test_apply_examples_then_plan_is_empty(emulator_process: EmulatorProcess, tmp_path: Path) -> None:
    env = emulator_process.env()
    planned = run_cli("plan", "examples/", "--format", "json", env=env)
    (repo,) = [c for c in json.loads(planned.stdout)["changes"] if c["address"] == "site.demo-blog.repo"]
    assert repo["outputs"] == ["site.demo-blog.repo.public_key"]
    report = tmp_path / "applied.json"
    applied = run_cli("apply", "examples/", "--auto-approve", "--json-out", str(report), env=env)
    assert applied.returncode == 0, applied.stderr
    assert "Apply complete:" in applied.stdout
    assert "+ site.demo-blog.repo" in applied.stdout and "= site.demo-blog.repo.public_key: known after apply" in applied.stdout
    assert f"Target: {emulator_process.url}/api/v1" in applied.stderr
    (key,) = requests.get(
        f"{emulator_process.url}/api/v1/deploy_keys", headers={"Authorization": f"Bearer {CLI_TOKEN}"}, timeout=10
    ).json()
    assert f"  site.demo-blog.repo.public_key = {key['public_key']}\n" in applied.stdout
    document = json.loads(report.read_text())
    jsonschema.validate(document, PLAN_SCHEMA)
    assert document["outputs"] == {"site.demo-blog.repo.public_key": key["public_key"]}, "the apply's report"

    again = run_cli("plan", "examples/", "--detailed-exitcode", env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes." in again.stdout


def test_changed_value_is_planned_with_exit_2_then_applied(
    emulator_process: EmulatorProcess, tmp_path: Path
) -> None:
    env = emulator_process.env()
    manifests = tmp_path / "manifests"
    shutil.copytree(EXAMPLES, manifests)
    assert run_cli("apply", str(manifests), "--auto-approve", env=env).returncode == 0

    docs = manifests / "sites" / "docs.yaml"
    docs.write_text(docs.read_text().replace("tier: gold", "tier: platinum"))
    planned = run_cli("plan", str(manifests), "--detailed-exitcode", env=env)
    assert planned.returncode == 2, planned.stderr
    assert "~ site.demo-docs.metadata" in planned.stdout
    assert '~ tier = "gold" → "platinum"' in planned.stdout
    assert "Plan: 0 to add, 1 to change, 0 to destroy, 2 ledger writes." in planned.stdout

    plain = run_cli("plan", str(manifests), env=env)
    assert plain.returncode == 0, "without --detailed-exitcode a plan with changes still succeeds"

    assert run_cli("apply", str(manifests), "--auto-approve", env=env).returncode == 0
    assert run_cli("plan", str(manifests), "--detailed-exitcode", env=env).returncode == 0


def test_apply_without_a_terminal_refuses_instead_of_hanging(emulator_process: EmulatorProcess) -> None:
    result = run_cli("apply", "examples/", env=emulator_process.env())
    assert result.returncode == 1
    assert "--auto-approve" in result.stderr
    assert "Traceback" not in result.stderr
    assert run_cli("plan", "examples/", "--detailed-exitcode", env=emulator_process.env()).returncode == 2


def test_no_token_and_no_url_explains_both_ways_and_targets_nothing() -> None:
    result = run_cli("plan", "examples/")
    assert result.returncode == 1
    assert "NETLIFY_AUTH_TOKEN" in result.stderr
    assert "netlify-reconciler emulator" in result.stderr
    assert "Target:" not in result.stderr


def test_a_token_with_a_line_break_inside_is_one_clear_error_without_the_token() -> None:
    """Before: a traceback from deep in the HTTP library."""
    env = clean_env(NETLIFY_API_URL="http://127.0.0.1:9", NETLIFY_AUTH_TOKEN="tok-PLANTED\nen-PLANTED")
    result = run_cli("plan", "examples/", env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "NETLIFY_AUTH_TOKEN holds a line break" in result.stderr and "PLANTED" not in result.stderr


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_a_lease_timeout_that_is_no_finite_number_is_refused(value: str) -> None:
    result = run_cli("apply", "examples/", "--lease-timeout", value)
    assert result.returncode == 1 and "Invalid value for '--lease-timeout'" in result.stderr, result.stderr


def test_url_without_token_is_an_error() -> None:
    result = run_cli("plan", "examples/", env=clean_env(NETLIFY_API_URL="http://127.0.0.1:9"))
    assert result.returncode == 1
    assert "NETLIFY_AUTH_TOKEN is not set" in result.stderr


def test_wrong_token_names_the_call_and_status_not_the_token(emulator_process: EmulatorProcess) -> None:
    env = emulator_process.env(NETLIFY_AUTH_TOKEN="wrong-token-5d2c")
    result = run_cli("plan", "examples/", env=env)
    assert result.returncode == 1
    assert "GET /api/v1/sites: HTTP 401" in result.stderr
    assert "wrong-token-5d2c" not in result.stderr + result.stdout


def test_unreachable_api_is_a_clear_error() -> None:
    env = clean_env(NETLIFY_API_URL="http://127.0.0.1:9", NETLIFY_AUTH_TOKEN="t")
    result = run_cli("plan", "examples/", env=env)
    assert result.returncode == 1
    assert "no answer from the API" in result.stderr
    assert "Traceback" not in result.stderr


def test_https_to_a_plain_http_port_says_so(emulator_process: EmulatorProcess) -> None:
    env = emulator_process.env(NETLIFY_API_URL=emulator_process.url.replace("http://", "https://"))
    started = time.monotonic()
    result = run_cli("plan", "examples/", env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "TLS handshake failed: the server does not speak HTTPS there" in result.stderr, result.stderr
    assert time.monotonic() - started < 10, "a verdict, not retried for 20 s like a lost connection"


@pytest.mark.parametrize(
    "url",
    ["http://[::1", "http://127.0.0.1:99999", "http://127.0.0.1:0", "http://127.0.0.1:abc", "http://:80"],
)
def test_a_malformed_api_url_is_a_clear_error(url: str) -> None:
    """Before: an unclosed IPv6 bracket was an internal error; a port out of range read as "connection
    refused", as if the URL were fine."""
    for args, env in (([], {"NETLIFY_API_URL": url}), (["--api-url", url], {})):
        result = run_cli("plan", "examples/", *args, env=clean_env(NETLIFY_AUTH_TOKEN="t", **env))
        assert result.returncode == 1, result.stderr
        assert f"API URL {url!r} is not an http(s) URL" in result.stderr
        assert "Internal error" not in result.stderr and "Target:" not in result.stderr


def test_an_api_url_with_a_password_is_refused_without_echoing_it() -> None:
    url = "http://ops:hunter2-pw-91c@127.0.0.1:9"
    result = run_cli("plan", "examples/", "--api-url", url, env=clean_env(NETLIFY_AUTH_TOKEN="t"))
    assert result.returncode == 1
    assert "must not carry a user name or password" in result.stderr
    assert "hunter2-pw-91c" not in result.stderr + result.stdout


def test_python_dash_m_and_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reconciler", "--version"], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0
    assert "netlify-reconciler" in result.stdout


def test_validate_examples() -> None:
    result = run_cli("validate", "examples/")
    assert result.returncode == 0, result.stderr
    assert "Valid: 1 team(s) and 3 site(s) in 3 file(s)." in result.stdout


def test_demo_applies_the_bundled_examples_from_any_folder_and_ends_with_no_changes(tmp_path: Path) -> None:
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    result = run_cli("demo", cwd=empty)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Apply complete: 31 added, 0 changed, 0 destroyed, 1 deployed, 8 ledger writes." in result.stdout
    assert re.search(r"\nOutputs:\n  site\.demo-blog\.repo\.public_key = ssh-rsa [A-Za-z0-9+/=]+\n", result.stdout)
    assert "^ site.demo-docs.deploy: deployed" in result.stderr
    assert result.stdout.rstrip().count("No changes.") == 1
    tail = result.stdout.split("Planning again")[1]
    assert "No changes." in tail
    assert result.stdout.startswith("The example manifests shipped with netlify-reconciler: ")
    assert sorted(p.name for p in empty.iterdir()) == [".netlify-reconciler"]  # the emulator's data, nothing else


def test_demo_of_a_missing_path_says_what_to_pass(tmp_path: Path) -> None:
    result = run_cli("demo", str(tmp_path / "nowhere"), "--data", str(tmp_path / "demo"))
    assert result.returncode == 1
    assert result.stderr.strip().endswith(
        "nowhere does not exist: pass a manifest file or directory, or nothing for the bundled examples"
    )
