"""Outgoing hooks: validating bodies against the hook-type catalogue and rendering the swagger `hook`.

Bodies are checked as a whole after applying changes, so a PUT that switches the type must also bring the
data the new type needs. Validation messages name the offending type, event or field, because a client
usually builds these bodies from user configuration and the user needs to know what to fix.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from reconciler.emulator.errors import json_type, unprocessable
from reconciler.emulator.models.hook_types import HOOK_TYPES, SUBMISSION_EVENT, Field, actor_of

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL_RE = re.compile(r"^https?://[^/\s?#]+[^\s]*$", re.IGNORECASE)


@dataclass(frozen=True)
class HookSpec:
    """The writable state of a hook; `form_ref` is the form id or name asked for, resolved by the route."""

    type: str
    event: str
    data: dict[str, Any]
    disabled: bool = False
    form_id: str | None = None
    form_ref: tuple[str, str] | None = None  # ("form_id" | "form_name", value) from the request body


def _string(body: dict[str, Any], field: str) -> str | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise unprocessable(f"Validation failed: {field} must be a string, not {json_type(value)}")
    return value.strip() or None


def apply_body(current: HookSpec | None, body: dict[str, Any]) -> HookSpec:
    """`current` (None when creating) with the fields of `body` applied, then validated as a whole."""
    hook_type, event = _string(body, "type"), _string(body, "event")
    data = body.get("data")
    if data is not None and not isinstance(data, dict):
        raise unprocessable(f"Validation failed: data must be an object, not {json_type(data)}")
    disabled = body.get("disabled")
    if disabled is not None and not isinstance(disabled, bool):
        raise unprocessable(f"Validation failed: disabled must be a boolean, not {json_type(disabled)}")
    form_ref = _form_ref(body)
    if current is None:
        if hook_type is None:
            raise unprocessable("Validation failed: type is required")
        if event is None:
            raise unprocessable("Validation failed: event is required")
        spec = HookSpec(hook_type, event, data or {}, bool(disabled), form_ref=form_ref)
    else:
        spec = replace(
            current,
            type=hook_type or current.type,
            event=event or current.event,
            data=current.data if data is None else data,
            disabled=current.disabled if disabled is None else disabled,
            form_ref=form_ref,
        )
        # A new form reference replaces the old form; an explicit null (or another event) unbinds it.
        unbound = form_ref is None and any(k in body for k in ("form_id", "form_name"))
        if form_ref is not None or unbound or spec.event != SUBMISSION_EVENT:
            spec = replace(spec, form_id=None)
    _validate(spec)
    return spec


def _form_ref(body: dict[str, Any]) -> tuple[str, str] | None:
    form_id, form_name = _string(body, "form_id"), _string(body, "form_name")
    if form_id is not None:
        return ("form_id", form_id)
    if form_name is not None:
        return ("form_name", form_name)
    return None


def _validate(spec: HookSpec) -> None:
    hook_type = HOOK_TYPES.get(spec.type)
    if hook_type is None:
        known = ", ".join(HOOK_TYPES)
        raise unprocessable(f"Validation failed: unknown hook type {spec.type!r} (known types: {known})")
    if spec.event not in hook_type.events:
        raise unprocessable(
            f"Validation failed: event {spec.event!r} is not supported by {spec.type} hooks "
            f"(supported: {', '.join(hook_type.events)})"
        )
    if spec.form_ref is not None and spec.event != SUBMISSION_EVENT:
        raise unprocessable(
            f"Validation failed: {spec.form_ref[0]} is only allowed for {SUBMISSION_EVENT} hooks, "
            f"not {spec.event}"
        )
    for field in hook_type.fields:
        _check_field(spec, field)


def _check_field(spec: HookSpec, field: Field) -> None:
    value = spec.data.get(field.name)
    if value is None or value == "":
        if field.required:
            raise unprocessable(f"Validation failed: data.{field.name} is required for {spec.type} hooks")
        return
    if not isinstance(value, str):
        raise unprocessable(f"Validation failed: data.{field.name} must be a string, not {json_type(value)}")
    if field.kind == "email" and not _EMAIL_RE.match(value):
        raise unprocessable(f"Validation failed: data.{field.name} must be an email address, got {value!r}")
    if field.kind == "url" and not _URL_RE.match(value):
        raise unprocessable(f"Validation failed: data.{field.name} must be an http(s) URL, got {value!r}")


def spec_of(row: Any) -> HookSpec:
    return HookSpec(row["type"], row["event"], json.loads(row["data"]), bool(row["disabled"]), row["form_id"])


def render_hook(row: Any) -> dict[str, Any]:
    """The swagger `hook` object from a `hooks` row joined with its form's name.

    Nothing is delivered by the emulator, so no delivery has failed: `success` is true.
    """
    hook: dict[str, Any] = {
        "id": row["id"],
        "site_id": row["site_id"],
        "type": row["type"],
        "event": row["event"],
        "data": json.loads(row["data"]),
        "success": True,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "actor": actor_of(row["event"]),
        "disabled": bool(row["disabled"]),
        "restricted": False,
    }
    if row["form_id"]:
        hook["form_id"] = row["form_id"]
        hook["form_name"] = row["form_name"]
    return hook
