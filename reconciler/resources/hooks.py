"""Outgoing notification hooks (email, Slack, URL, commit status...).

A hook has no name, so its identity is what it is for: type, event, form, and where it notifies (a
digest of the address or URL, so a secret URL never appears in an address). The rest of its data
(a URL hook's `signature_secret`, say) cannot be changed in place: a change there replaces the hook,
the new one created before the old one is deleted so no notification is missed. `disabled` is
changed in place. Declared hooks that would be created are checked against `GET /hooks/types` (and
the site's forms) before anything is applied.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, TypedDict

from reconciler.manifest.model import Owner
from reconciler.model.change import Action, Change, FieldChange
from reconciler.model.diff import field_changes, project
from reconciler.model.errors import ManifestIssue
from reconciler.model.objects import DesiredObject, LiveObject, Target
from reconciler.model.reader import Reader
from reconciler.model.request import ReadBack, Request
from reconciler.model.sensitive import Sensitive, reveal
from reconciler.resources.base import (
    Declared,
    Exported,
    Replaces,
    ResourceKind,
    SecretRef,
    Validates,
    Verifies,
    index_unique,
    unexpressed,
    variable_part,
)
from reconciler.resources.json_nesting import nesting_issues

# The data field that says where a hook of each type sends its notification.
DESTINATIONS = {"email": "email", "url": "url", "slack": "url"}
NO_DATA_SUFFIX = "_commit_status"  # commit-status hooks carry no data: type and event say it all
SUBMISSION_EVENT = "submission_created"  # the one event that belongs to a form
SIGNATURE_SECRET = "signature_secret"  # a URL hook's signing key (JWS): a secret, whatever the manifest says
# Data fields Netlify checks by the `type` `GET /hooks/types` gives them (a value read from the environment
# is checked too, but never shown).
_FIELD_SHAPES = {
    "email": (re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), "an email address"),
    "url": (re.compile(r"^https?://[^/\s?#]+\S*$", re.IGNORECASE), "an http(s) URL"),
}


class Hook(TypedDict):
    type: str
    event: str
    form: str | None
    data: dict[str, Any]
    disabled: bool


def _digest(value: Any) -> str:
    canonical = json.dumps(reveal(value), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:10]


def hook_identity(hook_type: str, event: str, form: str | None, data: dict[str, Any]) -> str:
    base = f"{hook_type}:{event}" + (f":{form}" if form else "")
    if hook_type in DESTINATIONS:
        return f"{base}#{_digest(data.get(DESTINATIONS[hook_type]))}"
    if hook_type.endswith(NO_DATA_SUFFIX) and not data:
        return base
    return f"{base}#{_digest(data)}"  # a type we know nothing about: all of its data says what it is


def spec_identity(spec: dict[str, Any]) -> str:
    return hook_identity(spec["type"], spec["event"], spec.get("form"), dict(spec.get("data") or {}))


def live_hook(raw: dict[str, Any], form_names: dict[str, str]) -> LiveObject[Hook]:
    """A hook as Netlify shows it; its signing secret is wrapped as sensitive, so a hook no longer declared
    (deleted, or listed as unmanaged) never shows it, and export writes a `${NAME}` in its place."""
    form = raw.get("form_name") or form_names.get(str(raw.get("form_id") or "")) or None
    data = dict(raw.get("data") or {})
    if isinstance(data.get(SIGNATURE_SECRET), str):
        data[SIGNATURE_SECRET] = Sensitive(data[SIGNATURE_SECRET])
    state = Hook(
        type=raw.get("type", ""),
        event=raw.get("event", ""),
        form=form,
        data=data,
        disabled=bool(raw.get("disabled")),
    )
    identity = hook_identity(state["type"], state["event"], form, data)
    return LiveObject(identity, state, {"id": raw.get("id"), "site_id": raw.get("site_id")})


class HooksKind(ResourceKind[Hook], Replaces, Validates, Verifies):
    name = "hooks"
    owners = frozenset({"site"})
    order = 50
    replace_fields = frozenset({"data"})
    create_before_delete = True

    def desired(self, owner: Owner) -> dict[str, DesiredObject[Hook]] | None:
        section = owner.spec.get("hooks")
        if section is None:
            return None
        out: dict[str, DesiredObject[Hook]] = {}
        for index, spec in enumerate(section):
            data = dict(spec.get("data") or {})
            if isinstance(data.get(SIGNATURE_SECRET), str):  # written out: as secret as one from `${VAR}`
                source = (*owner.doc_path, "hooks", index, "data", SIGNATURE_SECRET)
                data[SIGNATURE_SECRET] = Sensitive(data[SIGNATURE_SECRET], source)
            state = Hook(
                type=spec["type"],
                event=spec["event"],
                form=spec.get("form"),
                data=data,
                disabled=bool(spec.get("disabled")),
            )
            identity = spec_identity(spec)
            out[identity] = DesiredObject(identity, state, owner.location("hooks", index))
        return out

    def validate(self, owner: Owner) -> list[ManifestIssue]:
        seen: dict[str, int] = {}
        issues = []
        for index, spec in enumerate(owner.spec.get("hooks") or []):
            if spec.get("form") and spec["event"] != SUBMISSION_EVENT:
                message = (
                    f"`form` is only for {SUBMISSION_EVENT} hooks (a form's submissions), not {spec['event']}"
                )
                issues.append(_issue(owner, index, message))
            identity = spec_identity(spec)
            if identity in seen:
                first = seen[identity]
                message = f"a hook of this type, event and destination is already declared at hooks[{first}]"
                issues.append(_issue(owner, index, message))
            seen.setdefault(identity, index)
            issues += nesting_issues(owner, ("hooks", index, "data"), spec.get("data"), levels_above=1)
        return issues

    def read(self, reader: Reader, target: Target, owner: Owner) -> dict[str, LiveObject[Hook]]:
        items = reader.get("/hooks", {"site_id": str(target.site_id)}) or []
        form_names: dict[str, str] = {}
        if any(item.get("form_id") and not item.get("form_name") for item in items):
            forms = reader.get(f"/sites/{target.site_id}/forms") or []
            form_names = {str(form.get("id")): str(form.get("name")) for form in forms}
        return index_unique([live_hook(item, form_names) for item in items], "hooks")

    def verify(self, reader: Reader, declared: list[Declared]) -> list[ManifestIssue]:
        """Hooks to be created must name a known type, one of its events, its required fields and a form."""
        pending = [
            (owner, index, spec)
            for owner, live, _ in declared
            for index, spec in enumerate(owner.spec.get("hooks") or [])
            if spec_identity(spec) not in live
        ]
        if not pending:
            return []
        types = {t.get("name"): t for t in reader.get("/hooks/types") or []}
        issues: list[ManifestIssue] = []
        for owner, index, spec in pending:
            problem = _type_problem(types, spec)
            if problem is None and spec.get("form"):
                forms = _site_forms(reader, owner.name)
                if forms is None or spec["form"] not in forms:
                    known = ", ".join(sorted(forms or ())) or "none yet: forms appear after a deploy"
                    problem = f"form {spec['form']!r} does not exist on site {owner.name!r} (forms: {known})"
            if problem:
                issues.append(_issue(owner, index, problem))
        return issues

    def diff(self, desired: DesiredObject[Hook], live: LiveObject[Hook]) -> list[FieldChange]:
        """`disabled`, and the declared data beyond the destination (undeclared data keys are not ours)."""
        have = {
            "disabled": live.state["disabled"],
            "data": project(live.state["data"], desired.state["data"]),
        }
        want = {"disabled": desired.state["disabled"], "data": desired.state["data"]}
        return field_changes(have, want)

    def export(self, live: dict[str, LiveObject[Hook]], owner: Owner) -> Exported:
        out = []
        for _, obj in sorted(live.items()):
            if obj.conflict:
                continue
            state = obj.state
            hook: dict[str, Any] = {"type": state["type"], "event": state["event"]}
            if state["form"]:
                hook["form"] = state["form"]
            if state["data"]:
                hook["data"] = {k: _exported(owner, obj, k, v) for k, v in state["data"].items()}
            if state["disabled"]:
                hook["disabled"] = True
            out.append(hook)
        return Exported({self.name: out} if out else {}, unexpressed(owner, self.name, live))

    def requests(self, change: Change, target: Target) -> list[Request]:
        if change.action is Action.DELETE:
            return [Request("DELETE", f"/hooks/{change.live_ref.get('id')}")]
        state: Hook = change.after
        body: dict[str, Any] = {"site_id": target.site_value, "type": state["type"], "event": state["event"]}
        body["data"] = state["data"]
        if state["form"]:
            body["form_name"] = state["form"]
        if change.action is Action.CREATE:
            hook_id = change.binding("id")
            params = {"site_id": target.site_ref}
            match = {"type": state["type"], "event": state["event"], "data": state["data"]}
            read_back = ReadBack("/hooks", params, match, delete="/hooks/{id}")
            create = Request("POST", "/hooks", params, body, binds={hook_id: "id"}, read_back=read_back)
            if not state["disabled"]:
                return [create]
            # Netlify creates hooks enabled: a hook declared disabled is disabled right after.
            return [create, Request("PUT", "/hooks/{" + hook_id + "}", body={**body, "disabled": True})]
        live_id = change.live_ref.get("id")
        if state["disabled"]:
            return [Request("PUT", f"/hooks/{live_id}", body={**body, "disabled": True})]
        return [Request("POST", f"/hooks/{live_id}/enable", idempotent=True)]


def _exported(owner: Owner, obj: LiveObject[Hook], key: str, value: Any) -> Any:
    """A data value as export writes it: the signing secret as a `${NAME}` to set, never the value."""
    if not isinstance(value, Sensitive):
        return value
    event = variable_part(obj.state["event"])
    what = f"the {key} of the {obj.state['type']} hook {obj.identity}"
    return SecretRef(f"{event}_HOOK_{key.upper()}", owner.address, what)


def _issue(owner: Owner, index: int, message: str) -> ManifestIssue:
    _, path, where = owner.node("hooks", index)
    return ManifestIssue(where, path, message)


def _type_problem(types: dict[str, Any], spec: dict[str, Any]) -> str | None:
    hook_type = types.get(spec["type"])
    if hook_type is None:
        return f"unknown hook type {spec['type']!r} (expected one of: {', '.join(sorted(map(str, types)))})"
    events = hook_type.get("events") or []
    if spec["event"] not in events:
        expected = ", ".join(events)
        return f"hook type {spec['type']!r} has no event {spec['event']!r} (expected one of: {expected})"
    data = spec.get("data") or {}
    missing = [
        str(field.get("name"))
        for field in hook_type.get("fields") or []
        if isinstance(field, dict) and field.get("required") and field.get("name") not in data
    ]
    if missing:
        return f"hook type {spec['type']!r} needs data field(s): {', '.join(missing)}"
    for field in hook_type.get("fields") or []:
        shape = _FIELD_SHAPES.get(str(field.get("type"))) if isinstance(field, dict) else None
        value = data.get(field.get("name")) if shape else None
        if shape and value is not None and not shape[0].match(str(reveal(value))):
            shown = "(sensitive)" if isinstance(value, Sensitive) else repr(value)
            return f"data.{field['name']} must be {shape[1]}, got {shown}"
    return None


def _site_forms(reader: Reader, site: str) -> set[str] | None:
    forms = reader.find(f"/sites/{site}/forms")
    return None if forms is None else {str(form.get("name")) for form in forms}
