"""Environment variables: validating request bodies and rendering swagger `envVar` objects.

Choices that mirror the live API:
- scopes are accepted as `post-processing` or `post_processing` but always answered as `post_processing`;
  omitted scopes mean all four;
- `context_parameter` is always present in a value, `""` unless the context is `branch`;
- values of a secret variable are write-only except for the `dev` context: their `value` key is omitted.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from reconciler.emulator.errors import json_type, unprocessable

CONTEXTS = ("all", "dev", "dev-server", "branch-deploy", "deploy-preview", "production", "branch")
FILTER_CONTEXTS = CONTEXTS[:-1]
ALL_SCOPES = ("builds", "functions", "runtime", "post_processing")
_SCOPE_INPUT = {s: s for s in ALL_SCOPES} | {"post-processing": "post_processing"}
READABLE_SECRET_CONTEXTS = frozenset({"dev"})
# A key is a name a POSIX shell can export (builds and functions get it as a process environment variable),
# at most 255 characters, and not `_` alone, which shells overwrite with the last argument of every command.
KEY_RE = re.compile(r"(?!_\Z)[A-Za-z_][A-Za-z0-9_]{0,254}")  # for fullmatch
KEY_RULE = "letters, digits and underscores, not starting with a digit, not `_` alone, at most 255 characters"


@dataclass(frozen=True)
class ValueInput:
    context: str
    context_parameter: str
    value: str


@dataclass(frozen=True)
class VarInput:
    key: str
    scopes: tuple[str, ...]
    values: tuple[ValueInput, ...]
    is_secret: bool | None


def normalize_scope(scope: object, where: str = "scope") -> str:
    """The output spelling of a scope given in either spelling; anything else is a 422."""
    if not isinstance(scope, str) or scope not in _SCOPE_INPUT:
        raise unprocessable(f"{where}: unknown scope {scope!r}; expected one of {', '.join(ALL_SCOPES)}")
    return _SCOPE_INPUT[scope]


def parse_var(body: object, where: str, *, key_required: bool = True) -> VarInput:
    """One createEnvVars item or an updateEnvVar body."""
    if not isinstance(body, dict):
        raise unprocessable(f"{where}: expected an object, not {json_type(body)}")
    key = body.get("key")
    if key is None and not key_required:
        key = ""
    elif not isinstance(key, str) or not KEY_RE.fullmatch(key):
        raise unprocessable(f"{where}.key: {_shown(key)} is not a valid key: use {KEY_RULE}")
    scopes = _parse_scopes(body.get("scopes"), f"{where}.scopes")
    raw_values = body.get("values", [])
    if raw_values is None:
        raw_values = []
    if not isinstance(raw_values, list):
        raise unprocessable(f"{where}.values: expected an array, not {json_type(raw_values)}")
    values = tuple(parse_value(v, f"{where}.values[{i}]") for i, v in enumerate(raw_values))
    seen: set[tuple[str, str]] = set()
    for value in values:
        slot = (value.context, value.context_parameter)
        if slot in seen:
            raise unprocessable(f"{where}.values: more than one value for context {_slot_name(slot)}")
        seen.add(slot)
    is_secret = body.get("is_secret")
    if is_secret is not None and not isinstance(is_secret, bool):
        raise unprocessable(f"{where}.is_secret: expected a boolean, not {json_type(is_secret)}")
    return VarInput(key, scopes, values, is_secret)


def _parse_scopes(raw: object, where: str) -> tuple[str, ...]:
    if raw is None:
        return ALL_SCOPES
    if not isinstance(raw, list) or not raw:
        raise unprocessable(f"{where}: expected a non-empty array of scopes")
    chosen = {normalize_scope(s, where) for s in raw}
    return tuple(s for s in ALL_SCOPES if s in chosen)


def parse_value(body: object, where: str) -> ValueInput:
    """One envVarValue (or a setEnvVarValue body): context, context_parameter for `branch`, value."""
    if not isinstance(body, dict):
        raise unprocessable(f"{where}: expected an object, not {json_type(body)}")
    context = body.get("context")
    if context not in CONTEXTS:
        raise unprocessable(
            f"{where}.context: unknown context {context!r}; expected one of {', '.join(CONTEXTS)}"
        )
    parameter = body.get("context_parameter") or ""
    if not isinstance(parameter, str):
        raise unprocessable(f"{where}.context_parameter: expected a string, not {json_type(parameter)}")
    if context == "branch" and not parameter:
        raise unprocessable(f"{where}.context_parameter: the branch context needs a branch name")
    if context != "branch":
        parameter = ""
    if "value" not in body:
        raise unprocessable(f"{where}.value: missing; every value needs a string value")
    value = body["value"]
    if not isinstance(value, str):
        raise unprocessable(f"{where}.value: expected a string, not {json_type(value)}")
    return ValueInput(context, parameter, value)


def _shown(key: object) -> str:
    """The key for an error message: a string quoted (and cut short), anything else by its JSON type."""
    if isinstance(key, str):
        return repr(key if len(key) <= 60 else key[:60] + "...")
    return json_type(key)


def _slot_name(slot: tuple[str, str]) -> str:
    return f"{slot[0]}:{slot[1]}" if slot[1] else slot[0]


def render_var(var: Any, values: list[Any], user: Any | None) -> dict[str, Any]:
    """An envVar from its row, its value rows (in order) and the user row that last changed it."""
    secret = bool(var["is_secret"])
    rendered = []
    for row in values:
        item = {"id": row["id"], "context": row["context"], "context_parameter": row["context_parameter"]}
        if not secret or row["context"] in READABLE_SECRET_CONTEXTS:
            item["value"] = row["value"]
        rendered.append(item)
    return {
        "key": var["key"],
        "scopes": _loads_list(var["scopes"]),
        "values": rendered,
        "is_secret": secret,
        "updated_at": var["updated_at"],
        "updated_by": render_user(user, var["updated_by"]),
    }


def render_user(user: Any | None, user_id: str) -> dict[str, str]:
    """The envVarUser shape; a deleted user still renders with its id."""
    email = user["email"] if user else ""
    digest = hashlib.md5(email.encode(), usedforsecurity=False).hexdigest()
    return {
        "id": user_id,
        "full_name": user["full_name"] if user else "",
        "email": email,
        "avatar_url": f"https://www.gravatar.com/avatar/{digest}",
    }


def matches(var: dict[str, Any], context: str | None, scope: str | None) -> bool:
    """The getEnvVars filters: a value for `context` (or for `all`), and `scope` among the scopes."""
    if scope is not None and scope not in var["scopes"]:
        return False
    if context is None:
        return True
    return any(v["context"] in (context, "all") for v in var["values"])


def _loads_list(text: str) -> list[str]:
    value = json.loads(text)
    return list(value) if isinstance(value, list) else []
