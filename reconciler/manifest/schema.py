"""JSON Schema validation of one parsed manifest, as located, human messages.

jsonschema's own messages quote whole instances ("{...} is not valid under any of the given
schemas") and carry no file position. Here every error becomes a ManifestIssue at the YAML
node it is about. Field-specific wording lives in the schema, not in this module, so that
editors (yaml-language-server) and this tool say the same thing:

- `patternErrorMessage` (also understood by editors): the message for a failed `pattern`;
- `x-errors`: `{keyword: template}` overriding the message for a keyword in that subschema.
  Templates may use `{got}` (type name, or the value for enum/const), `{field}` (the
  unknown or missing key) and `{expected}` (the allowed keys or values).
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterator
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from reconciler.manifest.yaml_loader import Document
from reconciler.model.errors import ManifestIssue
from reconciler.model.location import DocPath, Location, format_doc_path

# Fields checked by pattern or by a list of values are checked before `${NAME}` is substituted, so a
# reference there fails the check; the message then says why, or it would read as a typo.
_LITERAL_KEYWORDS = frozenset({"pattern", "enum", "const"})
_REFERENCE_START = re.compile(r"(?<!\$)\$\{")
REFERENCE_HINT = "a ${...} reference cannot be used in this field: write the value itself"

_JSON_TYPES: list[tuple[type | tuple[type, ...], str]] = [
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (type(None), "null"),
    (dict, "object"),
    (list, "array"),
]


def schema_text() -> str:
    """The published schema as its file holds it; package data, so it works from a wheel too."""
    return resources.files("reconciler").joinpath("schemas", "manifest.schema.json").read_text("utf-8")


@functools.cache
def manifest_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(schema_text())
    return schema


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(manifest_schema())


def json_type(value: Any) -> str:
    """The JSON name of a Python value's type, as users see it in the schema."""
    for python_type, name in _JSON_TYPES:
        if isinstance(value, python_type):
            return name
    return type(value).__name__


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    return json.dumps(value) if isinstance(value, bool | int | float | None) else json_type(value)


def _resolve(schema: Any) -> Any:
    """Follow local `$ref`s (the only kind this schema uses) to learn a branch's type."""
    while isinstance(schema, dict) and str(schema.get("$ref", "")).startswith("#/"):
        target: Any = manifest_schema()
        for part in schema["$ref"][2:].split("/"):
            target = target[part]
        schema = target
    return schema


def _template(error: ValidationError, **values: str) -> str | None:
    schema = error.schema if isinstance(error.schema, dict) else {}
    template = schema.get("x-errors", {}).get(error.validator)
    if error.validator == "pattern":
        template = schema.get("patternErrorMessage", template)
    if not isinstance(template, str):
        return None
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


def _allowed_keys(schema: dict[str, Any]) -> list[str]:
    names = list(schema.get("properties", {}))
    for pattern in schema.get("patternProperties", {}):
        readable = pattern.removeprefix("^").removesuffix("$").replace(".+", "NAME")
        names.append(readable if not re.search(r"[\\()\[\]*+?{}|^$]", readable) else f"/{pattern}/")
    return names


def _extra_keys(error: ValidationError) -> list[str]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    patterns = list(schema.get("patternProperties", {}))
    instance: Any = error.instance  # jsonschema types it "Any | Unset": here it is the failing mapping
    return [
        key
        for key in instance
        if key not in schema.get("properties", {}) and not any(re.search(p, key) for p in patterns)
    ]


def _pick_branch(error: ValidationError) -> list[ValidationError] | None:
    """The errors of the anyOf/oneOf branch whose declared type fits the instance, if any."""
    branches = error.validator_value if isinstance(error.validator_value, list) else []
    by_branch: dict[int, list[ValidationError]] = {}
    for sub in error.context or []:
        by_branch.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    fitting = []
    for index, branch in enumerate(branches):
        declared = _resolve(branch).get("type") if isinstance(_resolve(branch), dict) else None
        types = [declared] if isinstance(declared, str) else declared or []
        if any(_validator().is_type(error.instance, t) for t in types) and by_branch.get(index):
            fitting.append(by_branch[index])
    return min(fitting, key=len) if fitting else None


def _branch_types(error: ValidationError) -> list[str]:
    types: list[str] = []
    for branch in error.validator_value if isinstance(error.validator_value, list) else []:
        declared = _resolve(branch).get("type") if isinstance(_resolve(branch), dict) else None
        types += [declared] if isinstance(declared, str) else declared or []
    return types


def _explain(error: ValidationError) -> Iterator[tuple[DocPath, str, str]]:
    """Yield (doc path, anchor, message): anchor 'key' points at the entry's key, 'value' at the
    value itself (best for scalars; a mapping or list is pointed at by its key)."""
    path: DocPath = tuple(error.absolute_path)
    keyword, got = error.validator, json_type(error.instance)
    instance: Any = error.instance
    value: Any = error.validator_value
    node = "key" if isinstance(instance, dict | list) else "value"
    if "propertyNames" in error.absolute_schema_path:  # the instance is a key of the mapping
        named = _template(error) or f"name {_show(instance)} {_keyword_message(error, got)}"
        yield (*path, instance), "key", named
    elif keyword in ("anyOf", "oneOf"):
        branch = _pick_branch(error)
        if branch is not None:
            for sub in branch:
                yield from _explain(sub)
            return
        message = _template(error, got=got)
        if message is None and len(_branch_types(error)) == len(value):
            message = f"expected {' or '.join(_branch_types(error))}, got {got}"
        if message is None and error.context:
            yield from _explain(best_match(error.context))
            return
        yield path, node, message or error.message
    elif keyword == "additionalProperties":
        expected = _allowed_keys(error.schema if isinstance(error.schema, dict) else {})
        for key in _extra_keys(error):
            text = _template(error, field=key, expected=", ".join(expected))
            text = text or f"unknown field '{key}' (expected one of: {', '.join(expected)})"
            close = difflib.get_close_matches(key, expected, n=1)
            yield (*path, key), "key", text + (f"; did you mean '{close[0]}'?" if close else "")
    elif keyword == "required":
        for key in value:
            if isinstance(instance, dict) and key not in instance:
                yield path, "key", _template(error, field=key) or f"missing required field '{key}'"
    else:
        yield path, node, _simple_message(error, got)


def _simple_message(error: ValidationError, got: str) -> str:
    message = _keyword_message(error, got)
    if error.validator in _LITERAL_KEYWORDS and _reference_in(error.instance):
        message += f"; {REFERENCE_HINT}"
    return message


def _reference_in(instance: Any) -> bool:
    return isinstance(instance, str) and _REFERENCE_START.search(instance) is not None


def _keyword_message(error: ValidationError, got: str) -> str:
    keyword = error.validator
    value: Any = error.validator_value
    instance: Any = error.instance
    shown = _show(instance)
    custom = _template(error, got=shown if keyword in ("enum", "const") else got)
    if custom:
        return custom
    if keyword == "type":
        return f"expected {' or '.join([value] if isinstance(value, str) else value)}, got {got}"
    if keyword == "enum":
        return f"expected one of: {', '.join(str(v) for v in value)}; got {shown}"
    if keyword == "const":
        return f"expected {_show(value)}; got {shown}"
    if keyword == "minItems":
        return "must not be empty" if value == 1 else f"must have at least {value} items"
    if keyword == "minProperties":
        return "must not be empty" if value == 1 else f"must have at least {value} entries"
    if keyword == "maxProperties":
        return f"must have at most {value} entries"
    if keyword == "uniqueItems":
        dupes = [item for index, item in enumerate(instance) if item in instance[:index]]
        return f"items must be unique ({_show(dupes[0]) if dupes else 'duplicate'} appears more than once)"
    if keyword == "pattern":
        return f"does not match the pattern {value}"
    if keyword == "maxLength":  # jsonschema's message quotes the whole value, however long
        return f"must be at most {value} characters, got {len(instance)}"
    if keyword == "minLength":
        return "must not be empty" if value == 1 else f"must be at least {value} characters"
    return error.message


def _locate(doc: Document, path: DocPath, anchor: str) -> Location | None:
    first, second = doc.locations, doc.value_locations
    if anchor == "value":
        first, second = second, first
    while True:
        found = first.get(path) or second.get(path)
        if found or not path:
            return found
        path = path[:-1]


def validate_document(doc: Document) -> list[ManifestIssue]:
    """Every schema violation of a parsed file, each at the node it is about."""
    issues: list[ManifestIssue] = []
    for error in _validator().iter_errors(doc.data):
        for path, anchor, message in _explain(error):
            issue = ManifestIssue(_locate(doc, path, anchor), format_doc_path(path), message)
            if issue not in issues:
                issues.append(issue)
    return issues


def declarable(value: Any, *path: str) -> Any:
    """`value` cut to what the manifest schema lets one declare at `$defs/<path...>/properties...`: keys
    the schema does not know are dropped, so live data exported from Netlify (which returns more) is
    a valid manifest. `path` names a definition and then properties, e.g. ("site", "build_settings")."""
    schema: Any = manifest_schema()["$defs"][path[0]]
    for key in path[1:]:
        schema = _resolve(schema)["properties"][key]
    return _cut(value, schema)


def _cut(value: Any, schema: Any) -> Any:
    schema = _resolve(schema)
    if not isinstance(value, dict) or not isinstance(schema, dict) or "properties" not in schema:
        return value
    known = schema["properties"]
    open_ended = schema.get("additionalProperties", True) is not False
    return {k: _cut(v, known[k]) if k in known else v for k, v in value.items() if k in known or open_ended}
