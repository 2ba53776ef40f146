"""The published manifest schema and the human, located messages made from its errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from reconciler.manifest.schema import json_type, manifest_schema, validate_document
from reconciler.manifest.yaml_loader import parse_yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "reconciler" / "schemas" / "manifest.schema.json"


def _check(text: str) -> list[tuple[str, str, str]]:
    """(line:col, doc path, message) of every schema issue in a YAML text."""
    doc = parse_yaml(text, "m.yaml")
    assert doc.issues == [] and doc.data is not None
    return [
        (f"{i.location.line}:{i.location.column}" if i.location else "", i.doc_path, i.message)
        for i in validate_document(doc)
    ]


def _site(body: str) -> str:
    return "version: 1\nsites:\n  s:\n" + "".join(f"    {line}\n" for line in body.splitlines())


def _subschemas(schema: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema that describes a field or a named definition."""
    if not isinstance(schema, dict):
        return
    for keyword in ("properties", "patternProperties", "$defs"):
        for name, sub in schema.get(keyword, {}).items():
            yield f"{where}/{keyword}/{name}", sub
            yield from _subschemas(sub, f"{where}/{keyword}/{name}")
    for keyword in ("items", "additionalProperties", "propertyNames"):
        sub = schema.get(keyword)
        if isinstance(sub, dict):
            if "$ref" not in sub:
                yield f"{where}/{keyword}", sub
            yield from _subschemas(sub, f"{where}/{keyword}")
    for keyword in ("anyOf", "oneOf"):
        for index, sub in enumerate(schema.get(keyword, [])):
            yield from _subschemas(sub, f"{where}/{keyword}/{index}")


def test_schema_is_valid_draft_2020_12() -> None:
    schema = json.loads(SCHEMA_FILE.read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema == manifest_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] and schema["title"] and schema["description"]


def test_every_field_has_a_description() -> None:
    missing = [where for where, sub in _subschemas(manifest_schema()) if "description" not in sub]
    assert missing == []


def test_demo_manifest_is_valid() -> None:
    text = (ROOT / "tests" / "fixtures" / "manifests" / "demo.yaml").read_text("utf-8")
    assert _check(text) == []


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (True, "boolean"),
        (1, "integer"),
        (1.5, "number"),
        ("x", "string"),
        (None, "null"),
        ({}, "object"),
        ([], "array"),
    ],
)
def test_json_type_names(value: Any, name: str) -> None:
    assert json_type(value) == name


def test_type_error_points_at_the_value() -> None:
    assert _check(_site("custom_domain: 42")) == [
        ("4:20", "sites.s.custom_domain", "expected string or null, got integer")
    ]


def test_unknown_field_points_at_the_key_and_lists_alternatives() -> None:
    ((where, path, message),) = _check("version: 1\nsites: {}\nsitess: {}\n")
    assert (where, path) == ("3:1", "sitess")
    assert message == "unknown field 'sitess' (expected one of: version, teams, sites); did you mean 'sites'?"


def test_missing_field_points_at_the_parent_mapping() -> None:
    assert _check("# header\n\nteams: {}\n") == [("3:1", "", "missing required field 'version'")]


def test_const_message_comes_from_the_schema() -> None:
    assert _check("version: '1'\n") == [
        ("1:10", "version", "unsupported manifest version '1' (this tool reads 'version: 1')")
    ]


def test_enum_message_names_the_choices_and_the_value() -> None:
    assert _check(_site("prune: [env, metadata]")) == [
        ("4:18", "sites.s.prune[1]", "expected one of: env, snippets, hooks, build_hooks, integrations; got 'metadata'")
    ]


def test_pattern_messages_come_from_the_schema() -> None:
    issues = _check(_site("team: Acme\ncustom_domain: https://docs.example.com/"))
    assert issues == [
        (
            "4:11",
            "sites.s.team",
            "team slug must be lowercase letters, digits and hyphens, starting with a letter or digit",
        ),
        (
            "5:20",
            "sites.s.custom_domain",
            "must be a hostname such as docs.example.com (no scheme, path or port)",
        ),
    ]


def test_site_name_pattern_is_reported_at_the_name() -> None:
    too_long = "a" * 64
    issues = _check(f"version: 1\nsites:\n  ok-site: {{}}\n  -bad: {{}}\n  {too_long}: {{}}\n")
    assert [(where, path) for where, path, _ in issues] == [
        ("4:3", "sites.-bad"),
        ("5:3", f"sites.{too_long}"),
    ]
    assert all(message.startswith("site name must be lowercase letters") for _, _, message in issues)


def test_full_form_env_var_reports_the_concrete_problem() -> None:
    issues = _check(_site("env:\n  KEY:\n    value: x\n    scopes: [builds, builds, edge]\n    extra: 1"))
    messages = [message for _, _, message in issues]
    assert "items must be unique ('builds' appears more than once)" in messages
    assert "expected one of: builds, functions, runtime, post-processing; got 'edge'" in messages
    assert any(message.startswith("unknown field 'extra'") for message in messages)
    assert not any("is not valid under any of the given schemas" in message for message in messages)


@pytest.mark.parametrize(
    ("env_value", "fragment"),
    [
        ("8080", "got integer; quote numbers and booleans"),
        ("true", "got boolean; quote numbers and booleans"),
        ("[a, b]", "got array"),
        ("", "got null"),
    ],
)
def test_env_value_of_the_wrong_type(env_value: str, fragment: str) -> None:
    ((_where, path, message),) = _check(_site(f"env:\n  PORT: {env_value}"))
    assert path == "sites.s.env.PORT"
    assert message.startswith("expected a string or a mapping with value/values") and fragment in message


@pytest.mark.parametrize(
    "body",
    ["{secret: true}", "{value: a, values: {all: b}}"],
)
def test_exactly_one_of_value_or_values(body: str) -> None:
    assert _check(_site(f"env:\n  KEY: {body}")) == [
        ("5:7", "sites.s.env.KEY", "set exactly one of 'value' (all contexts) or 'values' (per context)")
    ]


def test_context_values() -> None:
    good = _site("env:\n  K:\n    values: {production: a, 'branch:release/1.0': b, dev-server: c}")
    assert _check(good) == []
    assert _check(_site("env:\n  K:\n    values: {'branch:': a}"))[0][2].startswith(
        "unknown deploy context 'branch:'"
    )
    assert _check(_site("env:\n  K:\n    values: {all: a}")) == []


def test_empty_sections_and_scopes() -> None:
    assert _check("version: 1\nteams:\nsites:\n") == []
    assert _check(_site("env:\n  K: {value: a, scopes: []}")) == [
        ("5:21", "sites.s.env.K.scopes", "must not be empty")
    ]


def test_all_errors_are_collected() -> None:
    issues = _check(
        "version: 2\nteams:\n  t: {env: {A: 1, B: 2}}\nsites:\n  s: {force_ssl: 1, password: 2}\n"
    )
    assert len(issues) == 5


def test_non_mapping_document() -> None:
    assert _check("- just\n- a list\n") == [("1:1", "", "expected object, got array")]


def test_length_messages_give_the_limit_not_the_value() -> None:
    """Before: jsonschema's message quoted the whole over-long value (5,000 characters of it)."""
    long_value = "v" * 5000
    text = (
        "version: 1\nteams:\n  t:\n    dns_zones:\n      ex.example:\n        records:\n"
        f"          - {{hostname: ex.example, type: TXT, value: '{long_value}'}}\n"
        "          - {hostname: ex.example, type: TXT, value: ''}\n"
    )
    issues = _check(text)
    assert [(where, message) for where, _, message in issues] == [
        ("7:54", "must be at most 4096 characters, got 5000"),
        ("8:54", "must not be empty"),
    ]
