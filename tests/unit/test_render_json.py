"""The JSON plan: valid against the published schema, deterministic, and free of secret values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from reconciler.model.change import ABSENT, KNOWN_AFTER_APPLY, Action, Change, FieldChange
from reconciler.model.location import Location
from reconciler.model.owner import OwnerRef
from reconciler.model.request import Request
from reconciler.model.sensitive import MASK, UNREADABLE, Sensitive
from reconciler.plan.model import Plan, Unmanaged
from reconciler.plan.render_json import plan_document, render_json

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "reconciler" / "schemas" / "plan.schema.json").read_text("utf-8"))
SITE = OwnerRef("site", "demo-docs")
TEAM = OwnerRef("team", "acme")
SECRETS = [f"PLANTED-SECRET-{n}" for n in range(8)]


def _rich_plan() -> Plan:
    """Every shape a renderer must survive, with each planted secret somewhere different."""
    create = Change(
        TEAM,
        "env",
        "STRIPE_KEY",
        Action.CREATE,
        after={
            "scopes": ("builds", "runtime"),
            "secret": True,
            "values": {"production": Sensitive(SECRETS[0]), "branch:staging": Sensitive(SECRETS[1])},
        },
        requests=[Request("POST", "/accounts/acme/env")],
        location=Location("sites/acme.yaml", 7, 5),
    )
    rotated = Change(
        SITE,
        "env",
        "API_URL",
        Action.UPDATE,
        before={"secret": False, "values": {"production": "old-plain-value", "dev": "d"}},
        after={"secret": True, "values": {"production": Sensitive(SECRETS[2]), "dev": "d2"}},
        fields=[
            FieldChange(("secret",), False, True),
            FieldChange(("values", "dev"), "d", "d2"),
            FieldChange(("values", "production"), "old-plain-value", Sensitive(SECRETS[2])),
        ],
        requests=[Request("PUT", "/accounts/x/env/API_URL", {"site_id": "s1"})],
    )
    hook = Change(
        SITE, "build_hooks", "nightly", Action.CREATE, after={"branch": "main", "url": KNOWN_AFTER_APPLY}
    )
    deleted = Change(
        SITE,
        "hooks",
        "url/deploy_failed",
        Action.DELETE,
        before={
            "data": {"url": "https://hooks.example", "headers": [{"auth": Sensitive(SECRETS[3])}]},
            "tags": {Sensitive(SECRETS[4]), "b", "a"},
            "token": UNREADABLE,
        },
        note="not declared; hooks is pruned",
    )
    settings = Change(
        SITE,
        "site",
        "demo-docs",
        Action.UPDATE,
        owner_itself=True,
        before={"password": UNREADABLE, "force_ssl": False, "nested": {"deep": {"list": ["x"]}}},
        after={
            "password": Sensitive(SECRETS[5]),
            "force_ssl": True,
            "nested": {"deep": {"list": ["x", Sensitive(SECRETS[6])]}},
        },
        fields=[
            FieldChange(("force_ssl",), False, True),
            FieldChange(("nested", "deep", "list"), ["x"], ["x", Sensitive(SECRETS[6])]),
            FieldChange(("password",), UNREADABLE, Sensitive(SECRETS[5])),
        ],
    )
    return Plan(
        changes=[create, rotated, hook, deleted, settings],
        unmanaged=[
            Unmanaged(SITE, "snippets", "zeta"),
            Unmanaged(SITE, "env", "FOO"),
            Unmanaged(TEAM, "env", "BAR"),
        ],
        warnings=["ssl is provisioned, never removed"],
        conflicts=["site.demo-docs.hooks: two live hooks share one identity"],
    )


def _by_address(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {change["address"]: change for change in document["changes"]}


def test_schema_is_a_valid_2020_12_schema_with_its_id():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$id"] == "urn:netlify-reconciler:schema:plan:1"


def test_document_validates_against_the_published_schema():
    text = render_json(_rich_plan(), extra={"fingerprint": "sha256:abc", "manifests": "manifests/"})
    Draft202012Validator(SCHEMA).validate(json.loads(text))


def test_empty_plan_validates_and_says_no_changes():
    document = json.loads(render_json(Plan()))
    Draft202012Validator(SCHEMA).validate(document)
    assert document["changes"] == [] and document["summary"]["total"] == 0
    assert document["summary"]["text"].startswith("No changes")


def test_no_planted_secret_appears_anywhere():
    text = render_json(_rich_plan(), extra={"token": Sensitive(SECRETS[7])})
    for secret in SECRETS:
        assert secret not in text
    assert MASK in text


def test_rotated_secret_masks_the_old_plain_value_too():
    change = _by_address(plan_document(_rich_plan()))["site.demo-docs.env.API_URL"]
    assert "old-plain-value" not in json.dumps(change)
    assert change["before"]["values"] == {"production": MASK, "dev": "d"}
    assert change["after"]["values"] == {"production": MASK, "dev": "d2"}
    assert change["sensitive_paths"] == [["values", "production"]]
    by_path = {tuple(f["path"]): f for f in change["fields"]}
    assert by_path[("values", "production")] == {
        "path": ["values", "production"],
        "before": MASK,
        "after": MASK,
        "sensitive": True,
    }
    assert by_path[("values", "dev")] == {
        "path": ["values", "dev"],
        "before": "d",
        "after": "d2",
        "sensitive": False,
    }


def test_sensitive_parts_inside_lists_and_sets_are_masked_in_place():
    changes = _by_address(plan_document(_rich_plan()))
    deleted = changes["site.demo-docs.hooks.url/deploy_failed"]
    assert deleted["before"]["data"] == {"url": "https://hooks.example", "headers": [{"auth": MASK}]}
    assert deleted["before"]["tags"] == [MASK, "a", "b"]  # a set becomes a sorted list
    assert deleted["after"] is None
    assert deleted["sensitive_paths"] == [["data", "headers", 0, "auth"], ["tags", 0], ["token"]]
    settings = changes["site.demo-docs"]
    # The list field is sensitive on one side, so it is masked whole on both.
    assert settings["before"]["nested"] == {"deep": {"list": MASK}}
    assert settings["after"]["nested"] == {"deep": {"list": MASK}}
    assert settings["sensitive_paths"] == [["nested", "deep", "list"], ["password"]]


def test_absent_sides_are_omitted_not_null():
    changes = _by_address(plan_document(_rich_plan()))
    create = changes["team.acme.env.STRIPE_KEY"]
    assert create["before"] is None
    assert all("before" not in f and "after" in f for f in create["fields"])
    assert {tuple(f["path"]) for f in create["fields"]} == {
        ("scopes",),
        ("secret",),
        ("values", "branch:staging"),
        ("values", "production"),
    }
    deleted = changes["site.demo-docs.hooks.url/deploy_failed"]
    assert deleted["fields"] and all("after" not in f and "before" in f for f in deleted["fields"])
    removed = Change(SITE, "metadata", "metadata", Action.UPDATE, {"a": 1, "b": ABSENT}, {"a": 2})
    removed.fields = [FieldChange(("a",), 1, 2), FieldChange(("c",), ABSENT, 3)]
    (doc,) = plan_document(Plan([removed]))["changes"]
    assert doc["before"] == {"a": 1}
    assert doc["fields"][1] == {"path": ["c"], "after": 3, "sensitive": False}


def test_known_after_apply_is_a_string():
    hook = _by_address(plan_document(_rich_plan()))["site.demo-docs.build_hooks.nightly"]
    assert hook["after"] == {"branch": "main", "url": "(known after apply)"}
    assert {"path": ["url"], "after": "(known after apply)", "sensitive": False} in hook["fields"]


class Colour(Enum):
    RED = "red"


def test_any_python_value_becomes_json():
    odd = {
        "tuple": (1, 2),
        "set": frozenset({"b", "a"}),
        "enum": Colour.RED,
        "nan": float("nan"),
        3: Path("x"),
    }
    change = Change(SITE, "metadata", "metadata", Action.CREATE, after=odd)
    document = json.loads(render_json(Plan([change])))
    assert document["changes"][0]["after"] == {
        "tuple": [1, 2],
        "set": ["a", "b"],
        "enum": "red",
        "nan": "nan",
        "3": "x",
    }


def test_same_plan_gives_identical_text():
    assert render_json(_rich_plan()) == render_json(_rich_plan())


def test_output_does_not_depend_on_hash_seed():
    """Sets iterate in a per-process order; the plan must not, or CI could not compare two plans."""
    script = (
        "from tests.unit.test_render_json import _rich_plan;"
        "from reconciler.plan.render_json import render_json;"
        "print(render_json(_rich_plan()), end='')"
    )
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        )
        outputs.add(result.stdout)
    assert outputs == {render_json(_rich_plan())}


def test_summary_counts_and_text():
    summary = plan_document(_rich_plan())["summary"]
    assert summary == {
        "create": 2,
        "update": 2,
        "delete": 1,
        "replace": 0,
        "deploy": 0,
        "record": 0,
        "total": 5,
        "text": "Plan: 2 to add, 2 to change, 1 to destroy.",
    }


def test_changes_keep_plan_order_and_unmanaged_is_sorted():
    document = plan_document(_rich_plan())
    assert [c["address"] for c in document["changes"]] == [
        "team.acme.env.STRIPE_KEY",
        "site.demo-docs.env.API_URL",
        "site.demo-docs.build_hooks.nightly",
        "site.demo-docs.hooks.url/deploy_failed",
        "site.demo-docs",
    ]
    assert document["unmanaged"] == [
        {"owner": "site.demo-docs", "kind": "env", "identity": "FOO"},
        {"owner": "site.demo-docs", "kind": "snippets", "identity": "zeta"},
        {"owner": "team.acme", "kind": "env", "identity": "BAR"},
    ]
    assert document["conflicts"] == ["site.demo-docs.hooks: two live hooks share one identity"]
    assert document["warnings"] == ["ssl is provisioned, never removed"]


def test_note_and_location_only_when_known():
    changes = _by_address(plan_document(_rich_plan()))
    assert changes["team.acme.env.STRIPE_KEY"]["location"] == "sites/acme.yaml:7:5"
    assert "note" not in changes["team.acme.env.STRIPE_KEY"]
    assert changes["site.demo-docs.hooks.url/deploy_failed"]["note"] == "not declared; hooks is pruned"
    assert "location" not in changes["site.demo-docs.hooks.url/deploy_failed"]


def test_extra_keys_are_merged_at_top_level_but_cannot_replace_plan_fields():
    document = plan_document(Plan(), {"fingerprint": "sha256:abc"})
    assert document["fingerprint"] == "sha256:abc"
    with pytest.raises(ValueError, match="changes"):
        plan_document(Plan(), {"changes": []})


def test_a_wholly_sensitive_value_is_masked_at_the_root():
    change = Change(SITE, "integrations", "x", Action.UPDATE, "plain-before", Sensitive(SECRETS[0]))
    change.fields = [FieldChange((), "plain-before", Sensitive(SECRETS[0]))]
    (doc,) = plan_document(Plan([change]))["changes"]
    assert (doc["before"], doc["after"], doc["sensitive_paths"]) == (MASK, MASK, [[]])
    assert doc["fields"] == [{"path": [], "before": MASK, "after": MASK, "sensitive": True}]
