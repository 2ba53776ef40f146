"""A saved plan is applied only as it was written: sealed with a keyed MAC, refused whole once edited, and
refused with the reason when it was sealed with another key. Nothing is sent to Netlify in either case."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.plan import saved
from reconciler.session import resolve_target
from tests.cli.conftest import EmulatorProcess, run_cli, start_emulator

SECRET = "seal-secret-value-93k"
MANIFEST = """\
version: 1
sites:
  seal-site:
    team: demo
    env:
      A: one
      SECRET: {secret: true, values: {all: "${SEAL_SECRET}"}}
  other-site:
    team: demo
"""
MODIFIED = "the saved plan was modified after it was written, or was written with another key/token"


@pytest.fixture
def logged(tmp_path: Path) -> Iterator[tuple[EmulatorProcess, Path]]:
    log = tmp_path / "requests.jsonl"
    with start_emulator(tmp_path / "emu-data", "--request-log", str(log)) as emu:
        yield emu, log


def _writes(log: Path) -> list[str]:
    entries = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return [f"{e['method']} {e['path']}" for e in entries if e["method"] not in ("GET", "HEAD", "OPTIONS")]


def _saved_plan(emu: EmulatorProcess, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Both sites exist; the plan saved adds an env var B to seal-site."""
    env = emu.env(SEAL_SECRET=SECRET)
    manifest = tmp_path / "m.yaml"
    manifest.write_text(MANIFEST)
    created = run_cli("apply", str(manifest), "--auto-approve", env=env)
    assert created.returncode == 0, created.stderr
    manifest.write_text(MANIFEST.replace("      A: one\n", "      A: one\n      B: two\n"))
    plan_file = tmp_path / "plan.json"
    made = run_cli("plan", str(manifest), "--out", str(plan_file), env=env)
    assert made.returncode == 0, made.stderr
    return plan_file, env


def _delete_other_site(document: dict[str, Any]) -> None:
    change = next(c for c in document["saved_plan"]["changes"] if c["kind"] == "env")
    change["requests"][0] = {
        **change["requests"][0],
        "method": "DELETE",
        "path": "/sites/other-site",
        "body": None,
    }


def _secret_into_ledger(document: dict[str, Any]) -> None:
    ledger = next(c for c in document["saved_plan"]["changes"] if c["kind"] == "ledger")
    ledger["requests"][0]["body"]["leak"] = {
        "$sensitive": ["sites", "seal-site", "env", "SECRET", "values", "all"]
    }


def _drop_conflicts(document: dict[str, Any]) -> None:
    document["conflicts"] = []
    document["warnings"].append("edited")


def _forget_managed(document: dict[str, Any]) -> None:
    document["saved_plan"]["managed"] = {}


EDITS: list[Callable[[dict[str, Any]], None]] = [
    _delete_other_site,
    _secret_into_ledger,
    _drop_conflicts,
    _forget_managed,
]


def test_an_edited_saved_plan_is_refused_whole_before_any_request(logged, tmp_path):
    emu, log = logged
    plan_file, env = _saved_plan(emu, tmp_path)
    before = len(_writes(log))
    for edit in EDITS:
        document = json.loads(plan_file.read_text())
        edit(document)
        edited = tmp_path / f"{edit.__name__}.json"
        edited.write_text(json.dumps(document))
        refused = run_cli("apply", str(edited), "--allow-destroy", env=env)
        assert refused.returncode == 1, (edit.__name__, refused.stdout, refused.stderr)
        assert MODIFIED in refused.stderr and "Nothing was applied" in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr and "Internal error" not in refused.stderr
    assert _writes(log)[before:] == [], "nothing sent"
    assert emu.api("GET", "/sites/other-site").json()["name"] == "other-site"

    applied = run_cli("apply", str(plan_file), env=env)  # the plan as written still applies
    assert applied.returncode == 0, applied.stderr
    metadata = json.dumps(
        emu.api("GET", f"/sites/{emu.api('GET', '/sites/seal-site').json()['id']}/metadata").json()
    )
    assert SECRET not in metadata


def test_a_saved_plan_applied_with_another_key_says_the_key_differs(logged, tmp_path):
    emu, log = logged
    plan_file, env = _saved_plan(emu, tmp_path)
    keyed = {**env, "NETLIFY_RECONCILER_LEDGER_KEY": "key-one"}
    assert (
        run_cli("plan", str(tmp_path / "m.yaml"), "--out", str(tmp_path / "keyed.json"), env=keyed).returncode
        == 0
    )
    before = len(_writes(log))
    cases = [
        (tmp_path / "keyed.json", env, "with NETLIFY_RECONCILER_LEDGER_KEY set, and it is not set here"),
        (
            tmp_path / "keyed.json",
            {**env, "NETLIFY_RECONCILER_LEDGER_KEY": "key-two"},
            "with another NETLIFY_RECONCILER_LEDGER_KEY than the one set here",
        ),
        (plan_file, keyed, "without NETLIFY_RECONCILER_LEDGER_KEY (keyed by the token), and it is set here"),
    ]
    for path, run_env, reason in cases:
        refused = run_cli("apply", str(path), env=run_env)
        assert refused.returncode == 1
        assert f"the saved plan was written {reason}" in refused.stderr, refused.stderr
        assert "stale" not in refused.stderr and "changed:" not in refused.stderr
        assert "key-one" not in refused.stderr + refused.stdout
    assert _writes(log)[before:] == []
    assert "key-one" not in (tmp_path / "keyed.json").read_text()


def _set(path: tuple[str | int, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(document: dict[str, Any]) -> None:
        node: Any = document["saved_plan"]
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return edit


MALFORMED = {
    "action": _set(("changes", 0, "action"), "bogus"),
    "owner": _set(("changes", 0, "owner"), "x"),
    "managed": _set(("managed",), []),
    "api": _set(("changes", 0, "requests", 0, "api"), "bogus"),
    "requests": _set(("changes", 0, "requests"), None),
    "method": _set(("changes", 0, "requests", 0, "method"), 5),
    "reference": _set(("changes", 0, "requests", 0, "body"), {"$sensitive": "sites"}),
}


def test_a_malformed_saved_plan_with_a_valid_seal_is_refused_before_any_request(
    logged, tmp_path, monkeypatch
):
    """Only someone with the key can write one (or an older version): still one clear line, nothing sent."""
    monkeypatch.delenv("NETLIFY_RECONCILER_LEDGER_KEY", raising=False)
    emu, log = logged
    plan_file, env = _saved_plan(emu, tmp_path)
    key = resolve_target(emu.url, environ=env).fingerprint_key()
    before = len(_writes(log))
    for name, edit in MALFORMED.items():
        document = json.loads(plan_file.read_text())
        edit(document)
        document[saved.SEAL_KEY] = saved.seal(document, key, "token")
        edited = tmp_path / f"{name}.json"
        edited.write_text(json.dumps(document))
        refused = run_cli("apply", str(edited), env=env)
        assert refused.returncode == 1, (name, refused.stdout, refused.stderr)
        assert "not a saved plan written by this version" in refused.stderr, (name, refused.stderr)
        assert "Traceback" not in refused.stderr and "Internal error" not in refused.stderr
    older = json.loads(plan_file.read_text())
    older["saved_plan"]["format"] = 2
    del older[saved.SEAL_KEY]
    (tmp_path / "older.json").write_text(json.dumps(older))
    refused = run_cli("apply", str(tmp_path / "older.json"), env=env)
    assert refused.returncode == 1 and "not a saved plan written by this version" in refused.stderr
    assert _writes(log)[before:] == [], "nothing sent"


def test_a_saved_plan_applied_away_from_its_manifests_says_where_to_run_it(logged, tmp_path):
    emu, log = logged
    env = emu.env(SEAL_SECRET=SECRET)
    (tmp_path / "m.yaml").write_text(MANIFEST)
    made = run_cli("plan", "m.yaml", "--out", "plan.json", env=env, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    refused = run_cli("apply", str(tmp_path / "plan.json"), env=env, cwd=elsewhere)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr
    assert "the plan was made from the manifests at m.yaml, which are not in" in refused.stderr, (
        refused.stderr
    )
    assert "run `apply` in the directory `plan` ran in" in refused.stderr
    assert _writes(log) == [], "nothing sent"
    applied = run_cli("apply", "plan.json", env=env, cwd=tmp_path)
    assert applied.returncode == 0, applied.stderr


def test_a_saved_plan_holds_build_hook_ids_enciphered_and_applies_them(logged, tmp_path):
    """A build hook's id is the secret of its trigger URL: the saved plan (a CI artifact) must not hold it,
    yet its PUT and DELETE must reach that hook when the plan is applied."""
    emu, log = logged
    env = emu.env(SEAL_SECRET=SECRET)
    manifest = tmp_path / "m.yaml"
    site = "version: 1\nsites:\n  seal-site:\n    team: demo\n{}    build_hooks:\n{}"
    manifest.write_text(site.format("", "      nightly: {branch: main}\n      weekly: {branch: main}\n"))
    assert run_cli("apply", str(manifest), "--auto-approve", env=env).returncode == 0
    ids = {h["title"]: h["id"] for h in emu.api("GET", "/sites/seal-site/build_hooks").json()}
    manifest.write_text(site.format("    prune: [build_hooks]\n", "      nightly: {branch: stable}\n"))
    plan_file = tmp_path / "plan.json"
    made = run_cli("plan", str(manifest), "--out", str(plan_file), env=env)
    assert made.returncode == 0, made.stderr
    text = plan_file.read_text()
    assert not any(hook_id in text for hook_id in ids.values()), "no id in the file"
    assert "build_hooks/{~sealed:" in text and "build_hooks/(sensitive)" in text

    start = len(log.read_text().splitlines())
    applied = run_cli("apply", str(plan_file), "--allow-destroy", env=env)
    assert applied.returncode == 0, applied.stderr
    writes = [w for w in _writes(log)[-10:] if "build_hooks" in w]
    assert (
        f"PUT /api/v1/sites/{emu.api('GET', '/sites/seal-site').json()['id']}/build_hooks/{ids['nightly']}"
        in writes
    )
    assert any(w.startswith("DELETE") and w.endswith(ids["weekly"]) for w in writes), writes
    left = {h["title"]: h["branch"] for h in emu.api("GET", "/sites/seal-site/build_hooks").json()}
    assert left == {"nightly": "stable"}, (left, len(log.read_text().splitlines()) - start)
