"""Validate emulator responses against Netlify's OpenAPI (Swagger 2.0) description.

The description is Netlify's npm package `@netlify/open-api` (pinned in scripts/install-netlify-openapi.sh,
which puts it in `.tools/netlify-openapi`); it is installed on first use, and a test that needs it fails
when it cannot be had, wherever the clone is. `NETLIFY_OPENAPI` names another file (JSON or YAML) instead.
Swagger 2.0 schemas are close enough to JSON Schema Draft 4 to validate with `Draft4Validator` once `x-*`
extension keys are dropped; formats are not enforced (Swagger's `dateTime` is not a JSON Schema format).
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.support.node_tools import TOOLS, installed

INSTALLED_SPEC = TOOLS / "netlify-openapi" / "node_modules" / "@netlify" / "open-api" / "dist" / "swagger.json"
BASE_PATH = "/api/v1"
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def spec_path() -> Path:
    """The description's file: `NETLIFY_OPENAPI` if set, else the npm package, installed if missing."""
    override = os.environ.get("NETLIFY_OPENAPI")
    if override:
        path = Path(override)
        if not path.is_file():
            pytest.fail(f"NETLIFY_OPENAPI={override} is not a file")
        return path
    installed("install-netlify-openapi.sh", [INSTALLED_SPEC])
    return INSTALLED_SPEC


@functools.cache
def load_spec() -> dict[str, Any]:
    """The parsed description, with the known deviations of the live API patched in."""
    path = spec_path()
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        spec: dict[str, Any] = json.loads(text)
    else:
        spec = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    spec["definitions"] = _strip_extensions(spec.get("definitions", {}))
    _patch_known_deviations(spec)
    return spec


def _patch_known_deviations(spec: dict[str, Any]) -> None:
    """The one place where the spec is corrected to match the live API.

    - env var scopes: the live API answers `post_processing` (underscore) while the spec's enum only lists
      the request spelling `post-processing`. The npm package's description has every `$ref` resolved, so
      the scope enum is patched wherever a response (or the `envVar` definition) lists it; requests keep
      the spelling Netlify accepts.
    """
    responses = [
        response.get("schema")
        for item in spec["paths"].values()
        for method in _METHODS
        for response in (item.get(method) or {}).get("responses", {}).values()
    ]
    for schema in [spec["definitions"].get("envVar"), *responses]:
        _add_underscore_scope(schema)


def _add_underscore_scope(node: Any) -> None:
    if isinstance(node, dict):
        enum = node.get("enum")
        if isinstance(enum, list) and "post-processing" in enum and "post_processing" not in enum:
            node["enum"] = [*enum, "post_processing"]
        for value in node.values():
            _add_underscore_scope(value)
    elif isinstance(node, list):
        for item in node:
            _add_underscore_scope(item)


def _strip_extensions(node: Any, in_properties: bool = False) -> Any:
    """Drop `x-*` keys (vendor extensions), except where they are property names."""
    if isinstance(node, dict):
        return {
            key: _strip_extensions(value, key == "properties" and not in_properties)
            for key, value in node.items()
            if in_properties or not str(key).startswith("x-")
        }
    if isinstance(node, list):
        return [_strip_extensions(item) for item in node]
    return node


@functools.cache
def _operations() -> dict[Any, dict[str, Any]]:
    """Operations by operationId and by (METHOD, path template without the base path)."""
    spec = load_spec()
    index: dict[Any, dict[str, Any]] = {}
    for path, item in spec["paths"].items():
        template = path.removeprefix(BASE_PATH) or "/"
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            index[(method.upper(), template)] = operation
            if "operationId" in operation:
                index[operation["operationId"]] = operation
    return index


def response_schema(operation: str | tuple[str, str], status: int) -> dict[str, Any] | None:
    """The schema of `status` (falling back to `default`), or None when the spec declares no body."""
    spec = load_spec()
    key = (
        operation
        if isinstance(operation, str)
        else (operation[0].upper(), operation[1].removeprefix(BASE_PATH))
    )
    try:
        op = _operations()[key]
    except KeyError:
        raise AssertionError(f"no operation {operation!r} in {spec_path()}") from None
    responses = op.get("responses", {})
    response = responses.get(str(status)) or responses.get(status)
    if response is None:
        if 200 <= status < 300:
            raise AssertionError(
                f"{operation!r} declares no {status} response (has {sorted(map(str, responses))})"
            )
        response = responses.get("default")
    if response is None:
        raise AssertionError(f"{operation!r} declares neither {status} nor default")
    if "$ref" in response:
        response = spec["responses"][response["$ref"].rsplit("/", 1)[-1]]
    schema = response.get("schema")
    return copy.deepcopy(schema) if schema is not None else None


@functools.cache
def _validator(operation: str | tuple[str, str], status: int) -> jsonschema.Draft4Validator | None:
    schema = response_schema(operation, status)
    if schema is None:
        return None
    root = {"allOf": [_strip_extensions(schema)], "definitions": load_spec()["definitions"]}
    return jsonschema.Draft4Validator(root)


def validate_response(operation: str | tuple[str, str], status: int, body: Any) -> None:
    """Assert that `body` (decoded JSON, or None/"" for no body) matches the spec for that status.

    `operation` is an operationId (`"getSite"`) or `(method, path template)` (`("GET", "/sites/{site_id}")`).
    """
    validator = _validator(operation, status)
    if validator is None:
        assert body in (None, "", b""), f"{operation!r} {status} should have no body, got {body!r}"
        return
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        details = "\n".join(
            f"  at {'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors
        )
        raise AssertionError(f"{operation!r} {status} response does not match the spec:\n{details}")


def served_operations() -> list[str]:
    """operationIds of every operation in the spec that the emulator routes (same method, same template).

    A route with more path parameters than the spec's template is a catch-all that happens to match a
    literal segment (`/accounts/{account_id}` for swagger's `/accounts/types`), not a served operation.
    """
    from starlette.routing import Match

    from reconciler.emulator.routes import all_routes

    routes = all_routes()
    served: list[str] = []
    for path, item in load_spec()["paths"].items():
        template = path.removeprefix(BASE_PATH) or "/"
        concrete = re.sub(r"\{[^}]+\}", "x1", template)
        for method in _METHODS:
            operation = item.get(method)
            if operation is None or "operationId" not in operation:
                continue
            scope = {"type": "http", "path": concrete, "method": method.upper(), "root_path": ""}
            for candidate in routes:
                if candidate.matches(scope)[0] is Match.FULL:
                    if getattr(candidate, "path", "").count("{") <= template.count("{"):
                        served.append(operation["operationId"])
                    break
    return served
