"""schemathesis (the `st` CLI, pinned in the test extra) fuzzes every operation the emulator serves against
Netlify's OpenAPI description: no answer may be a server error, and every answer must match the
description, except for the documented quirks where Netlify itself departs from it (patched into the copy
of the spec given to the fuzzer by `tests.support.openapi`, and listed in reconciler/emulator/README.md).

Bounded: a fixed seed, `FUZZ_EXAMPLES` cases per operation in the fuzzing phase (plus schemathesis's
examples and coverage phases), one worker; about a minute. Set `EMULATOR_FUZZ_SEED` to explore other
seeds and `EMULATOR_FUZZ_EXAMPLES` for a longer run. Fuzzed values mostly name nothing, so the config file
hands the fuzzer real ids (a site by id, which survives renames; the team; a form, snippet, hook, build
hook, deploy, env key, DNS zone and record, member, deploy key and split test) with some probability, so
that validation past the look-ups is reached too.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reconciler.emulator import EmulatorOptions, EmulatorServer
from tests.support.deploys import deploy_files
from tests.support.http import api_session
from tests.support.openapi import load_spec, served_operations

TOKEN = "fuzz-token"
SEED_TEXT = """
tokens: [{token: fuzz-token, teams: [demo]}]
sites:
  - name: fuzz-site
    team: demo
    custom_domain: fuzz.example.com
    forms: [{name: contact, fields: [name, email], submissions: [{name: Ann, email: ann@example.com}]}]
  - name: doomed-site
    team: demo
"""
SEED = int(os.environ.get("EMULATOR_FUZZ_SEED") or 12)
EXAMPLES = int(os.environ.get("EMULATOR_FUZZ_EXAMPLES") or 10)


def st_command() -> str:
    """The `st` script installed beside this interpreter (schemathesis is in the test extra)."""
    script = Path(sys.executable).with_name("st")
    if not script.exists():
        pytest.fail("schemathesis is not installed: pip install -e '.[test]'")
    return str(script)


def real_ids(emu: EmulatorServer) -> dict[str, list[str]]:
    """Objects for the fuzzer to find, made through the API, by the ids the spec's parameters take."""
    api = api_session(emu, TOKEN)
    site = api.get("/sites/fuzz-site").json()
    doomed = api.get("/sites/doomed-site").json()
    form = api.get(f"/sites/{site['id']}/forms").json()[0]
    snippet = api.post(f"/sites/{site['id']}/snippets", json={"title": "fuzz", "general": "<b/>"}).json()
    build_hook = api.post(f"/sites/{site['id']}/build_hooks", json={"title": "fuzz"}).json()
    hook = api.post(
        "/hooks",
        params={"site_id": site["id"]},
        json={"type": "email", "event": "deploy_failed", "data": {"email": "ops@example.com"}},
    ).json()
    api.post("/accounts/demo/env", json=[{"key": "FUZZ_KEY", "values": [{"context": "all", "value": "v"}]}])
    deploy = deploy_files(api, site["id"], {"index.html": b"<h1>fuzz</h1>"})
    zone = api.post("/dns_zones", json={"name": "fuzz.dev", "account_slug": "demo"}).json()
    dns_record = api.post(
        f"/dns_zones/{zone['id']}/dns_records", json={"type": "A", "hostname": "fuzz.dev", "value": "198.18.0.1"}
    ).json()
    (member,) = api.post("/demo/members", json={"email": "fuzz@example.com", "role": "Developer"}).json()
    key = api.post("/deploy_keys").json()
    split = api.post(f"/sites/{site['id']}/traffic_splits", json={"branch_tests": {"main": 50, "next": 50}}).json()
    return {
        "sites": [site["id"]],
        "doomed": [doomed["id"]],
        "accounts": ["demo"],
        "forms": [form["id"]],
        "snippets": [str(snippet["id"])],
        "build_hooks": [build_hook["id"]],
        "hooks": [hook["id"]],
        "deploys": [deploy["id"]],
        "env_keys": ["FUZZ_KEY", "NEW_FUZZ_KEY"],
        "file_paths": ["index.html", "/index.html"],
        "zones": [zone["id"]],
        "dns_records": [dns_record["id"]],
        "members": [member["id"]],
        "deploy_keys": [key["id"]],
        "split_tests": [split["id"]],
    }


def write_config(path: Path, ids: dict[str, list[str]]) -> None:
    """schemathesis.toml: dictionaries of real ids, bound to the parameters that take them."""
    bindings = {
        "path.site_id": "sites",
        "query.site_id": "sites",
        "path.account_id": "accounts",
        "path.account_slug": "accounts",
        "path.form_id": "forms",
        "path.snippet_id": "snippets",
        "path.hook_id": "hooks",
        "path.deploy_id": "deploys",
        "path.key": "env_keys",
        "path.file_path": "file_paths",
        "body.[*].key": "env_keys",
        "path.zone_id": "zones",
        "path.dns_record_id": "dns_records",
        "path.member_id": "members",
        "path.key_id": "deploy_keys",
        "path.split_test_id": "split_tests",
    }
    lines = ["[dictionaries]"]
    lines += [f"{name} = {{ values = {json.dumps(values)} }}" for name, values in ids.items()]
    lines += ["", "[parameters]"]
    lines += [f'"{key}" = {{ dictionary = "{name}", probability = 0.7 }}' for key, name in bindings.items()]
    # `id` is a build hook's id in /sites/{site_id}/build_hooks/{id}, and an env value's elsewhere.
    lines += ["", "[[operations]]", 'include-path-regex = "build_hooks"']
    lines += ['parameters = { "path.id" = { dictionary = "build_hooks", probability = 0.7 } }']
    # Deleting the fuzzed site would leave every later case a 404: deletes go to a site of their own.
    lines += ["", "[[operations]]", 'include-operation-id = "deleteSite"']
    lines += ['parameters = { "path.site_id" = { dictionary = "doomed", probability = 0.7 } }']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_fuzzing_every_served_operation_finds_no_server_error_and_no_schema_violation(tmp_path: Path) -> None:
    operations = served_operations()
    spec = tmp_path / "netlify-openapi.json"
    spec.write_text(json.dumps(load_spec()), encoding="utf-8")  # with the documented quirks patched in
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED_TEXT, encoding="utf-8")
    log = tmp_path / "requests.jsonl"
    options = EmulatorOptions(
        rate_limit_per_minute=0,
        deploy_rate_limit_per_minute=0,
        prepare_delay=0.01,
        processing_delay=0.01,
        request_log=log,
    )
    with EmulatorServer(tmp_path / "emu", seed=seed, options=options) as emu:
        config = tmp_path / "schemathesis.toml"
        write_config(config, real_ids(emu))
        result = subprocess.run(
            [
                st_command(),
                "--config-file",
                str(config),
                "run",
                str(spec),
                "--url",
                emu.api_url,
                "--header",
                f"Authorization: Bearer {TOKEN}",
                "--checks",
                "not_a_server_error,response_schema_conformance",
                "--include-operation-id-regex",
                "^(" + "|".join(map(re.escape, operations)) + ")$",
                "--phases",
                "examples,coverage,fuzzing",
                "--max-examples",
                str(EXAMPLES),
                "--seed",
                str(SEED),
                "--workers",
                "1",
                "--request-timeout",
                "20",
                "--no-shrink",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_DISABLE_UPDATE_CHECK": "1"},
        )
    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, f"schemathesis (seed {SEED}) found problems:\n{report}"
    assert f"Selected: {len(operations)}/" in result.stdout and f"Tested: {len(operations)}" in result.stdout
    entries: list[dict[str, Any]] = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(entries) > 50 * len(operations), "the fuzzer really ran"
    assert [e for e in entries if e["status"] >= 500] == []
    reached = {(e["method"], e["status"]) for e in entries}
    assert {("POST", 201), ("PATCH", 200), ("PUT", 200), ("DELETE", 204)} <= reached, "past the look-ups"
