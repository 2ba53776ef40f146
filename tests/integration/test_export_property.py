"""The export round trip as a property: for live states hypothesis makes up (odd strings, unicode, YAML
look-alikes, literal `${`, nested metadata, every env shape, secrets, repository links, split tests; for a
team: DNS zones with records of every type and members), the exported manifests load, and planning them
changes nothing on Netlify (only the ledger is to be written)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.emulator import EmulatorOptions, EmulatorServer
from reconciler.export import Selection, export
from reconciler.export.writer import write
from reconciler.model.change import Action
from reconciler.model.ledger import Digester
from reconciler.netlify.client import NetlifyClient
from reconciler.resources import all_kinds
from reconciler.resources.hooks import hook_identity
from reconciler.session import make_plan

TOKEN = "property-token"
INTEGRATION = "prop-integration"
_names = itertools.count()

# Strings YAML (or our `${VAR}` syntax) could read as something else, mixed with arbitrary text.
TRICKY = ["${X}", "$${y}", "a${B}c", "yes", "no", "on", "null", "~", "123", "0x1F", "1e3", "2024-01-01",
          " lead", "trail ", "#c", "- d", "a: b", "'q'", '"q"', "[1]", "{a: 1}", "&anchor", "*alias", "!tag",
          "%", "@", "`", "|", ">", "=", "<<"]  # fmt: skip
text = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=24),
    st.sampled_from(TRICKY),
)
lines = st.lists(text, min_size=1, max_size=3).map("\n".join)
env_keys = st.from_regex(r"[A-Z][A-Z0-9_]{0,10}", fullmatch=True)
scopes = st.lists(
    st.sampled_from(["builds", "functions", "runtime", "post_processing"]), min_size=1, unique=True
)
contexts = st.one_of(
    st.just(["all"]),
    st.lists(
        st.sampled_from(
            ["production", "deploy-preview", "branch-deploy", "dev", "branch:staging", "branch:v2"]
        ),
        min_size=1,
        unique=True,
    ),
)
json_leaves = st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), text)
json_values = st.recursive(
    json_leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def env_vars(draw: st.DrawFn) -> dict[str, Any]:
    secret = draw(st.booleans())
    return {
        "values": {ctx: draw(text) for ctx in draw(contexts)},
        "scopes": draw(scopes),
        "is_secret": secret,
    }


@st.composite
def live_states(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "force_ssl": draw(st.booleans()),
        "env": draw(st.dictionaries(env_keys, env_vars(), max_size=4)),
        "metadata": draw(
            st.dictionaries(text.filter(lambda k: k != "netlify-reconciler"), json_values, max_size=4)
        ),
        "snippets": draw(
            st.dictionaries(
                text.map(str.strip).filter(bool),
                st.fixed_dictionaries(
                    {"general": lines, "general_position": st.sampled_from(["head", "footer"])},
                    optional={"goal": lines},
                ),
                max_size=3,
            )
        ),
        "build_hooks": draw(
            st.dictionaries(
                text.map(str.strip).filter(bool), st.sampled_from(["main", "next", "release/1"]), max_size=2
            )
        ),
        "integration": draw(st.none() | st.dictionaries(text, json_values, max_size=3)),
        "urls": draw(
            st.lists(
                st.tuples(st.from_regex(r"https://[a-z]{1,8}\.example/[a-z]{0,6}", fullmatch=True), text),
                unique_by=lambda t: t[0],
                max_size=2,
            )
        ),
        "emails": draw(
            st.lists(st.from_regex(r"[a-z]{1,8}@[a-z]{1,6}\.org", fullmatch=True), unique=True, max_size=2)
        ),
        "settings": draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "build_image": st.sampled_from(["noble", "focal"]),
                    "functions_region": st.sampled_from(["us-east-2", "eu-central-1"]),
                    "deploy_preview_custom_domain": st.from_regex(
                        r"[a-z]{1,8}\.example\.org", fullmatch=True
                    ),
                },
            )
        ),
        "repo": draw(
            st.none()
            | st.tuples(st.from_regex(r"[a-z]{1,6}/[a-z.-]{1,8}", fullmatch=True), text, st.booleans())
        ),
        "split": draw(st.none() | shares()),
    }


@st.composite
def shares(draw: st.DrawFn) -> tuple[dict[str, int], bool]:
    """Two to four branches whose whole percentages sum to 100, and whether the test runs."""
    branches = draw(st.lists(text.map(str.strip).filter(bool), min_size=2, max_size=4, unique=True))
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=len(branches) - 1, max_size=len(branches) - 1)))
    bounds = [0, *cuts, 100]
    return {b: bounds[i + 1] - bounds[i] for i, b in enumerate(branches)}, draw(st.booleans())


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    options = EmulatorOptions(rate_limit_per_minute=0)
    with EmulatorServer(tmp_path_factory.mktemp("emu"), tokens=[TOKEN], options=options) as server:
        yield server


def _create(api_url: str, state: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The live state, made by hand through the API; the secret values by (key, context)."""
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {TOKEN}"

    def call(method: str, path: str, **kwargs: Any) -> Any:
        response = http.request(method, api_url + path, timeout=10, **kwargs)
        assert response.status_code < 300, (method, path, response.text)
        return response.json() if response.content else None

    name = f"prop-{next(_names)}"
    settings = {"name": name, "force_ssl": state["force_ssl"], **state["settings"]}
    if "deploy_preview_custom_domain" in settings:
        settings["deploy_preview_custom_domain"] = f"{name}.{settings['deploy_preview_custom_domain']}"
    site = call("POST", "/demo/sites", json=settings)["id"]
    if state["repo"] is not None:
        path, branch, keyed = state["repo"]
        link = {"provider": "gitlab", "repo_path": path, "repo_branch": branch.strip() or "main"}
        if keyed:
            link["deploy_key_id"] = call("POST", "/deploy_keys")["id"]
        call("PATCH", f"/sites/{site}", json={"repo": link})
    if state["split"] is not None:
        branches, active = state["split"]
        split = call("POST", f"/sites/{site}/traffic_splits", json={"branch_tests": branches})
        if active:
            call("POST", f"/sites/{site}/traffic_splits/{split['id']}/publish")
    secrets: dict[str, str] = {}
    for key, var in state["env"].items():
        values = []
        for ctx, value in var["values"].items():
            item = {"context": ctx, "value": value}
            if ctx.startswith("branch:"):
                item = {"context": "branch", "context_parameter": ctx.split(":", 1)[1], "value": value}
            values.append(item)
            if var["is_secret"]:
                secrets[f"{key}|{ctx}"] = value
        body = [{"key": key, "values": values, "scopes": var["scopes"], "is_secret": var["is_secret"]}]
        call("POST", "/accounts/demo/env", params={"site_id": site}, json=body)
    if state["metadata"]:
        call("PUT", f"/sites/{site}/metadata", json=state["metadata"])
    for title, snippet in state["snippets"].items():
        call("POST", f"/sites/{site}/snippets", json={"title": title, **snippet})
    for title, branch in state["build_hooks"].items():
        call("POST", f"/sites/{site}/build_hooks", json={"title": title, "branch": branch})
    for email in state["emails"]:
        hook = {"site_id": site, "type": "email", "event": "deploy_failed", "data": {"email": email}}
        call("POST", "/hooks", params={"site_id": site}, json=hook)
    for url, signature in state["urls"]:
        data = {"url": url, "signature_secret": signature}
        secrets[f"hook|{hook_identity('url', 'deploy_created', None, data)}"] = signature
        call(
            "POST",
            "/hooks",
            params={"site_id": site},
            json={"site_id": site, "type": "url", "event": "deploy_created", "data": data},
        )
    if state["integration"] is not None:
        context = (
            api_url.removesuffix("/api/v1") + f"/integrations-api/site/{site}/integrations/{INTEGRATION}"
        )
        for method, body in (("POST", None), ("PUT", {"config": state["integration"]})):
            response = http.request(method, context, json=body, headers={"netlify-token": TOKEN}, timeout=10)
            assert response.status_code < 300, response.text
    return name, secrets


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(state=live_states())
def test_exported_manifests_plan_to_nothing(emulator, tmp_path_factory, state):
    name, secrets = _create(emulator.api_url, state)
    out = tmp_path_factory.mktemp("export")
    kinds = all_kinds(Digester(None))
    with NetlifyClient(emulator.url, TOKEN, integration_api_url=emulator.url + "/integrations-api") as client:
        exported = export(client, Selection(sites=(name,), integrations=(INTEGRATION,)), kinds)
        write(exported, out, force=True)
        environ = {}
        for variable in exported.variables:  # "secret env var KEY, value for the CTX context"
            if variable.what.startswith("the signature_secret of"):  # "... hook IDENTITY"
                environ[variable.name] = secrets[f"hook|{variable.what.split()[-1]}"]
                continue
            key = variable.what.split()[3].rstrip(",")
            ctx = (
                "all"
                if "every context" in variable.what
                else variable.what.split("the ")[-1].removesuffix(" context")
            )
            environ[variable.name] = secrets[f"{key}|{ctx}"]
        assert len(environ) == len(secrets), "every hidden value is a variable"
        plan = make_plan(client, out, environ).plan
    changes = [
        (c.address, c.action.value, [f.dotted for f in c.fields])
        for c in plan.changes
        if c.action is not Action.RECORD
    ]
    assert changes == [], (
        json.dumps(state, ensure_ascii=False)[:2000] + "\n" + (out / "sites" / f"{name}.yaml").read_text()
    )


labels = st.from_regex(r"[a-z0-9_]{1,10}", fullmatch=True)
dns_values = {
    "A": st.from_regex(r"198\.18\.[0-9]{1,2}\.(25[0-5]|2[0-4][0-9]|1?[0-9]{1,2})", fullmatch=True),
    "AAAA": st.from_regex(r"2001:db8::[0-9a-f]{1,4}", fullmatch=True),
    "MX": st.from_regex(r"mx[0-9]\.[a-z]{1,8}\.example", fullmatch=True),
    "NS": st.from_regex(r"ns[0-9]\.[a-z]{1,8}\.example", fullmatch=True),
    "TXT": text.filter(lambda v: bool(v.strip())),
    "CAA": st.sampled_from(["letsencrypt.org", "pki.goog"]),
    "SRV": st.from_regex(r"sip[0-9]\.[a-z]{1,8}\.example", fullmatch=True),
}


@st.composite
def dns_records(draw: st.DrawFn, zone: str) -> list[dict[str, Any]]:
    """Records of every type we declare; a CNAME alone at a name of its own; NS only below the apex."""
    out: list[dict[str, Any]] = []
    for kind in draw(st.lists(st.sampled_from(sorted(dns_values)), max_size=5)):
        label = draw(st.none() | labels) if kind != "NS" else draw(labels)
        record = {
            "type": kind,
            "hostname": f"{label}.{zone}" if label else zone,
            "value": draw(dns_values[kind]),
        }
        record["ttl"] = draw(st.sampled_from([60, 3600, 86400]))
        if kind in ("MX", "SRV"):
            record["priority"] = draw(st.integers(0, 100))
        if kind == "SRV":
            record |= {"weight": draw(st.integers(0, 100)), "port": draw(st.integers(1, 65535))}
        if kind == "CAA":
            record |= {
                "flag": draw(st.sampled_from([0, 128])),
                "tag": draw(st.sampled_from(["issue", "issuewild"])),
            }
        out.append(record)
    for index, target in enumerate(draw(st.lists(labels, max_size=2))):
        out.append({"type": "CNAME", "hostname": f"c{index}-alias.{zone}", "value": f"{target}.netlify.app"})
    return out


@st.composite
def team_states(draw: st.DrawFn) -> dict[str, Any]:
    index = next(_names)
    zone = f"zone{index}.example"
    return {
        "zone": zone,
        "records": draw(dns_records(zone)),
        "members": draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["Owner", "Developer", "Billing Admin", "Reviewer"]),
                    st.sampled_from(["all", "none", "selected"]),
                ),
                max_size=3,
            ).map(lambda found: {f"m{index}-{i}@example.org": spec for i, spec in enumerate(found)})
        ),
    }


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(state=team_states())
def test_exported_team_dns_and_members_plan_to_nothing(emulator, tmp_path_factory, state):
    """Every example adds a zone and members to the one team, so each export holds all made so far."""
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {TOKEN}"
    api = emulator.api_url
    zone = http.post(
        f"{api}/dns_zones", json={"name": state["zone"], "account_slug": "demo"}, timeout=10
    ).json()
    made = set()
    for record in state["records"]:
        identity = (record["hostname"], record["type"], record["value"])
        if identity not in made:  # one record per identity: another TTL would be a conflict, not exportable
            response = http.post(f"{api}/dns_zones/{zone['id']}/dns_records", json=record, timeout=10)
            assert response.status_code == 201, response.text
            made.add(identity)
    for email, (role, access) in state["members"].items():
        (member,) = http.post(f"{api}/demo/members", json={"email": email, "role": role}, timeout=10).json()
        body = {"site_access": access, "site_ids": []}
        assert http.put(f"{api}/demo/members/{member['id']}", json=body, timeout=10).status_code == 200
    out = tmp_path_factory.mktemp("export-team")
    with NetlifyClient(emulator.url, TOKEN, integration_api_url=emulator.url + "/integrations-api") as client:
        write(export(client, Selection(teams=("demo",)), all_kinds(Digester(None))), out, force=True)
        plan = make_plan(client, out, {}).plan
    changes = [(c.address, c.action.value) for c in plan.changes if c.action is not Action.RECORD]
    assert changes == [], (
        json.dumps(state, ensure_ascii=False)[:2000] + "\n" + (out / "teams" / "demo.yaml").read_text()
    )
