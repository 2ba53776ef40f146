"""`export`, through the console script: manifests from a varied live state that plan to nothing, an
adopting apply that writes only the ledger, the same bytes every time, and no secret anywhere."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests

from tests.cli.conftest import CLI_TOKEN, EmulatorProcess, run_cli, start_emulator
from tests.support.http import ApiSession

SECRETS = {
    "STRIPE_KEY__PRODUCTION": "sk_live_EXPORT_PLANTED_1",
    "STRIPE_KEY__DEPLOY_PREVIEW": "sk_test_EXPORT_PLANTED_2",
    "TEAM_TOKEN": "team-EXPORT-PLANTED-3",
    "SUBMISSION_CREATED_HOOK_SIGNATURE_SECRET": "hook-signing-EXPORT-PLANTED-4",
}
SEED = """\
sites:
  - name: shop
    team: demo
    forms:
      - {name: contact, fields: [name, email]}
    integrations:
      shop-crm: {config: {region: eu, tiers: [1, 2]}}
teams:
  - slug: demo
    integrations:
      team-crm: {config: {plan: pro}}
"""


def _value(context: str, value: str) -> dict[str, str]:
    if context.startswith("branch:"):
        return {"context": "branch", "context_parameter": context.split(":", 1)[1], "value": value}
    return {"context": context, "value": value}


def _env(
    api: ApiSession, key: str, values: dict[str, str], *, site: str | None = None, **extra: object
) -> None:
    params = {"site_id": site} if site else None
    body = [{"key": key, "values": [_value(c, v) for c, v in values.items()], **extra}]
    api.post("/accounts/demo/env", params=params, json=body).raise_for_status()


def _build_live_state(api: ApiSession) -> None:
    """Everything a hand-configured team has: settings, env in every shape, hooks on a form, duplicates."""
    shop = api.get("/sites/shop").json()["id"]
    api.patch(f"/sites/{shop}", json={
        "custom_domain": "shop.example.org", "force_ssl": True,
        "build_settings": {"cmd": "make", "dir": "out"}, "processing_settings": {"html": {"pretty_urls": True}},
    }).raise_for_status()  # fmt: skip
    _env(api, "PLAIN", {"all": "one ${NOT_A_REFERENCE} $${literal}"}, site=shop)
    _env(api, "CONTEXTS", {"production": "p", "deploy-preview": "dp", "branch:staging": "st"}, site=shop,
         scopes=["builds", "functions"])  # fmt: skip
    _env(api, "STRIPE_KEY", {"production": SECRETS["STRIPE_KEY__PRODUCTION"],
                             "deploy-preview": SECRETS["STRIPE_KEY__DEPLOY_PREVIEW"]}, site=shop, is_secret=True)  # fmt: skip
    _env(api, "SHARED", {"all": "shared"})
    _env(api, "TEAM_TOKEN", {"all": SECRETS["TEAM_TOKEN"]}, is_secret=True)
    api.put(f"/sites/{shop}/metadata", json={"owner": "shop-team", "nested": {"tiers": [1, 2], "on": True}})
    for snippet in (
        {"title": "analytics", "general": "<script>\n  track();\n</script>", "general_position": "footer"},
        {"title": "thanks", "goal": "<p>thanks</p>"},
        {"title": "dup", "general": "<b>one</b>"},
        {"title": "dup", "general": "<b>two</b>"},
    ):
        api.post(f"/sites/{shop}/snippets", json=snippet).raise_for_status()
    for hook in (
        {"type": "email", "event": "deploy_failed", "data": {"email": "ops@example.org"}},
        {
            "type": "url",
            "event": "submission_created",
            "form_name": "contact",
            "data": {
                "url": "https://hooks.example.org/forms",
                "signature_secret": SECRETS["SUBMISSION_CREATED_HOOK_SIGNATURE_SECRET"],
            },
        },
    ):
        api.post("/hooks", params={"site_id": shop}, json={"site_id": shop, **hook}).raise_for_status()
    slack = api.post("/hooks", params={"site_id": shop}, json={
        "site_id": shop, "type": "slack", "event": "deploy_created", "data": {"url": "https://hooks.slack.example/x"},
    }).json()  # fmt: skip
    api.put(f"/hooks/{slack['id']}", json={**slack, "disabled": True}).raise_for_status()
    api.post(f"/sites/{shop}/build_hooks", json={"title": "nightly", "branch": "main"}).raise_for_status()
    api.post(f"/sites/{shop}/build_hooks", json={"title": "release", "branch": "release"}).raise_for_status()
    blog = api.post("/demo/sites", json={"name": "blog"}).json()["id"]
    _env(api, "ONLY", {"all": "x"}, site=blog)
    _build_team_and_repo(api, shop)


def _build_team_and_repo(api: ApiSession, shop: str) -> None:
    """DNS (Netlify's own NS records beside), a member with site access, a linked repository with a deploy
    key, newer site settings, a stopped split test."""
    zone = api.post("/dns_zones", json={"name": "shop.example.org", "account_slug": "demo"}).json()
    for record in (
        {"type": "A", "hostname": "shop.example.org", "value": "198.18.0.10"},
        {"type": "MX", "hostname": "shop.example.org", "value": "mx.example.org", "priority": 5, "ttl": 600},
        {
            "type": "TXT",
            "hostname": "_dmarc.shop.example.org",
            "value": "v=DMARC1; rua=mailto:${NOT_A_REF}@x.org",
        },
        {
            "type": "CAA",
            "hostname": "shop.example.org",
            "value": "letsencrypt.org",
            "flag": 0,
            "tag": "issue",
        },
        {
            "type": "SRV",
            "hostname": "_sip._tcp.shop.example.org",
            "value": "sip.example.org",
            "priority": 10,
            "weight": 5,
            "port": 5060,
        },
    ):
        api.post(f"/dns_zones/{zone['id']}/dns_records", json=record).raise_for_status()
    (dev,) = api.post("/demo/members", json={"email": "dev@example.org", "role": "Developer"}).json()
    access = {"site_access": "selected", "site_ids": [shop]}
    api.put(f"/demo/members/{dev['id']}", json=access).raise_for_status()
    key = api.post("/deploy_keys").json()
    api.patch(f"/sites/{shop}", json={
        "repo": {"provider": "github", "repo_path": "acme/shop", "repo_branch": "main", "deploy_key_id": key["id"]},
        "build_image": "focal", "functions_region": "eu-central-1", "deploy_preview_custom_domain": "previews.shop.example.org",
    }).raise_for_status()  # fmt: skip
    api.post(
        f"/sites/{shop}/traffic_splits", json={"branch_tests": {"main": 70, "beta": 30}}
    ).raise_for_status()


@pytest.fixture
def emu(tmp_path: Path) -> EmulatorProcess:
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED)
    log = tmp_path / "requests.jsonl"
    limits = ("--rate-limit-per-minute", "0", "--seed", str(seed), "--request-log", str(log))
    with start_emulator(tmp_path / "emu", *limits) as emulator:
        _build_live_state(ApiSession(emulator.url, CLI_TOKEN))
        yield emulator


def _export(emu: EmulatorProcess, out: Path, *extra: str) -> requests.Response | object:
    args = ("export", "--team", "demo", "--site", "shop", "--site", "blog", "--integration", "shop-crm",
            "--integration", "team-crm", "--out", str(out), *extra)  # fmt: skip
    return run_cli(*args, env=emu.env())


def _requests_since(log: Path, start: int) -> int:
    return len(log.read_text().splitlines()) - start


def test_export_round_trips_and_adopts_with_ledger_writes_only(emu, tmp_path):
    out = tmp_path / "netlify"
    log = tmp_path / "requests.jsonl"
    start = len(log.read_text().splitlines())
    exported = _export(emu, out)
    export_requests = _requests_since(log, start)
    assert exported.returncode == 0, exported.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "README.md", "manifest.schema.json", "sites/blog.yaml", "sites/shop.yaml", "teams/demo.yaml",
    ]  # fmt: skip
    named = re.findall(r"set \$\{(\w+)\}", exported.stderr)
    assert sorted(named) == sorted(SECRETS), "each value Netlify hides is a variable, listed"
    assert "not exported: site.shop.snippets.dup: 2 live snippets share the identity 'dup'" in exported.stderr
    shop = (out / "sites" / "shop.yaml").read_text()
    assert shop.startswith("# yaml-language-server: $schema=../manifest.schema.json\n")
    assert "PLAIN: one $${NOT_A_REFERENCE} $$${literal}" in shop, "a live `${` stays literal"
    assert "${STRIPE_KEY__PRODUCTION}" in shop and "analytics:" in shop and "dup" not in shop
    assert (
        "  repo:\n      provider: github\n      path: acme/shop\n      branch: main\n      deploy_key: true\n"
        in shop
    )
    assert "split_test:\n      branches:\n        main: 70\n        beta: 30\n      active: false\n" in shop
    team = (out / "teams" / "demo.yaml").read_text()
    assert "type: SRV" in team and "port: 5060" in team and "weight: 5" in team
    assert "mailto:$${NOT_A_REF}@x.org" in team and "type: NS" not in team, (
        "Netlify's own records are not declared"
    )
    assert (
        "dev@example.org:\n        role: Developer\n        site_access: selected\n        sites:\n          - shop\n"
        in team
    )
    readme = (out / "README.md").read_text()
    assert "`STRIPE_KEY__PRODUCTION`" in readme and "site.shop.snippets.dup" in readme

    env = emu.env(**SECRETS)
    start = len(log.read_text().splitlines())
    planned = run_cli("plan", str(out), "--format", "json", env=env)
    assert planned.returncode == 0, planned.stderr
    # What a plan of the same owners reads (the account listing included: members are read only where the
    # account is not a personal one), plus a look-up of each named integration on each owner where it is
    # not enabled (3 owners x 2 integrations, 2 enabled), and the listings of kinds a plan reads only where
    # they are declared, where none exists: blog's split test.
    assert export_requests == _requests_since(log, start) + (3 * 2 - 2) + 1
    document = json.loads(planned.stdout)
    assert {c["action"] for c in document["changes"]} == {"record"}, [
        c["address"] for c in document["changes"]
    ]

    start = len(log.read_text().splitlines())
    adopted = run_cli("apply", str(out), "--auto-approve", env=env)
    assert adopted.returncode == 0, adopted.stderr
    writes = [json.loads(line) for line in log.read_text().splitlines()[start:]]
    writes = [w for w in writes if w["method"] not in ("GET", "HEAD")]
    assert writes and all(w["method"] == "PUT" and w["path"].endswith("/metadata") for w in writes), writes
    assert run_cli("plan", str(out), "--detailed-exitcode", env=env).returncode == 0

    everything = (
        exported.stdout + exported.stderr + planned.stdout + planned.stderr + adopted.stdout + adopted.stderr
    )
    everything += "".join(p.read_text() for p in out.rglob("*") if p.is_file())
    for secret in [*SECRETS.values(), CLI_TOKEN]:
        assert secret not in everything


def test_export_is_deterministic_and_refuses_to_overwrite(emu, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert _export(emu, first).returncode == 0
    assert _export(emu, second).returncode == 0
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files and all((first / f).read_bytes() == (second / f).read_bytes() for f in files)

    refused = _export(emu, first)
    assert refused.returncode == 1 and "is not empty: pass --force" in refused.stderr
    (first / "keep.txt").write_text("mine")
    (first / "sites" / "gone.yaml").write_text("an earlier export's site")
    assert _export(emu, first, "--force").returncode == 0
    assert (first / "keep.txt").read_text() == "mine" and not (first / "sites" / "gone.yaml").exists()


def test_export_names_what_it_cannot_find(emu, tmp_path):
    result = run_cli("export", "--site", "nowhere", "--out", str(tmp_path / "x"), env=emu.env())
    assert (
        result.returncode == 1 and "cannot export site 'nowhere': not visible to this token" in result.stderr
    )
    nothing = run_cli("export", "--out", str(tmp_path / "x"), env=emu.env())
    assert nothing.returncode == 1 and "nothing to export" in nothing.stderr


def test_a_target_matching_nothing_is_refused_and_writes_nothing(emu, tmp_path):
    out = tmp_path / "x"
    result = run_cli("export", "--all", "--target", "site.no-such-*", "--out", str(out), env=emu.env())
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "--target 'site.no-such-*' matches none of the teams and sites to export" in result.stderr
    assert not out.exists(), "nothing is written for a refused export"


def test_export_all_includes_the_personal_account_without_members(emu, tmp_path):
    """Before: `export --all` failed on the personal account (`GET /{slug}/members`: HTTP 422)."""
    out = tmp_path / "everything"
    result = run_cli("export", "--all", "--out", str(out), env=emu.env())
    assert result.returncode == 0, result.stderr
    (personal,) = [p for p in (out / "teams").iterdir() if p.stem != "demo"]
    assert personal.read_text().endswith(f"teams:\n  {personal.stem}: {{}}\n")
    assert "members:" in (out / "teams" / "demo.yaml").read_text()

    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        f"version: 1\nteams:\n  {personal.stem}:\n    members:\n      a@b.org: {{role: Owner}}\n"
    )
    planned = run_cli("plan", str(manifest), env=emu.env())
    assert planned.returncode == 1
    assert (
        f"teams.{personal.stem}.members: '{personal.stem}' is a personal account, which has no members"
        in planned.stderr
    )
