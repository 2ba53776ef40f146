"""Outgoing notification hooks (email, Slack, URL, commit status...).

A hook has no name, so its identity is everything that defines it: type, event, form and a digest of
its data (a digest, so a secret in the data never appears in an address). The only thing that can be
updated in place is `disabled`. Declared hooks that would be created are checked against
`GET /hooks/types` (and the site's forms) before anything is applied.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from reconciler.errors import ManifestIssue
from reconciler.manifest.model import Owner, format_doc_path
from reconciler.netlify.client import NetlifyClient
from reconciler.netlify.errors import ApiError
from reconciler.plan.diff import field_changes
from reconciler.plan.model import Action, Change, FieldChange
from reconciler.resources.base import (
    DesiredObject,
    LiveObject,
    Request,
    ResourceKind,
    Target,
    index_unique,
    send,
)
from reconciler.sensitive import reveal


def hook_identity(hook_type: str, event: str, form: str | None, data: dict[str, Any]) -> str:
    canonical = json.dumps(reveal(data), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:10]
    return f"{hook_type}:{event}" + (f":{form}" if form else "") + f"#{digest}"


def spec_identity(spec: dict[str, Any]) -> str:
    return hook_identity(spec["type"], spec["event"], spec.get("form"), dict(spec.get("data") or {}))


def hook_state(hook_type: str, event: str, form: str | None, data: dict[str, Any], disabled: bool) -> dict:
    return {"type": hook_type, "event": event, "form": form, "data": data, "disabled": disabled}


def live_hook(raw: dict[str, Any], form_names: dict[str, str]) -> LiveObject:
    form = raw.get("form_name") or form_names.get(str(raw.get("form_id") or "")) or None
    data = raw.get("data") or {}
    state = hook_state(raw.get("type", ""), raw.get("event", ""), form, data, bool(raw.get("disabled")))
    identity = hook_identity(state["type"], state["event"], form, data)
    return LiveObject(identity, state, {"id": raw.get("id"), "site_id": raw.get("site_id")})


class HooksKind(ResourceKind):
    name = "hooks"
    owners = frozenset({"site"})
    order = 50

    def desired(self, owner: Owner) -> dict[str, DesiredObject] | None:
        section = owner.spec.get("hooks")
        if section is None:
            return None
        out: dict[str, DesiredObject] = {}
        for index, spec in enumerate(section):
            data = dict(spec.get("data") or {})
            state = hook_state(
                spec["type"], spec["event"], spec.get("form"), data, bool(spec.get("disabled"))
            )
            identity = hook_identity(spec["type"], spec["event"], spec.get("form"), data)
            out[identity] = DesiredObject(identity, state, owner.location("hooks", index))
        return out

    def validate(self, owner: Owner) -> list[ManifestIssue]:
        seen: dict[str, int] = {}
        issues = []
        for index, spec in enumerate(owner.spec.get("hooks") or []):
            identity = hook_identity(
                spec["type"], spec["event"], spec.get("form"), dict(spec.get("data") or {})
            )
            if identity in seen:
                issues.append(
                    self._issue(owner, index, f"the same hook is already declared at hooks[{seen[identity]}]")
                )
            seen.setdefault(identity, index)
        return issues

    def read(self, client: NetlifyClient, target: Target, owner: Owner) -> dict[str, LiveObject]:
        items = client.get("/hooks", {"site_id": target.site_id}) or []
        form_names: dict[str, str] = {}
        if any(item.get("form_id") and not item.get("form_name") for item in items):
            forms = client.get(f"/sites/{target.site_id}/forms") or []
            form_names = {str(form.get("id")): str(form.get("name")) for form in forms}
        return index_unique([live_hook(item, form_names) for item in items], "hooks")

    def verify(
        self, client: NetlifyClient, declared: list[tuple[Owner, dict[str, LiveObject]]]
    ) -> list[ManifestIssue]:
        """Hooks to be created must name a known type, one of its events, its required fields and a form."""
        pending = [
            (owner, index, spec)
            for owner, live in declared
            for index, spec in enumerate(owner.spec.get("hooks") or [])
            if hook_identity(spec["type"], spec["event"], spec.get("form"), dict(spec.get("data") or {}))
            not in live
        ]
        if not pending:
            return []
        types = {t.get("name"): t for t in client.get("/hooks/types") or []}
        issues: list[ManifestIssue] = []
        forms_by_site: dict[str, set[str] | None] = {}
        for owner, index, spec in pending:
            problem = _type_problem(types, spec)
            if problem is None and spec.get("form"):
                if owner.name not in forms_by_site:
                    forms_by_site[owner.name] = _site_forms(client, owner.name)
                forms = forms_by_site[owner.name]
                if forms is None or spec["form"] not in forms:
                    known = ", ".join(sorted(forms or ())) or "none yet: forms appear after a deploy"
                    problem = f"form {spec['form']!r} does not exist on site {owner.name!r} (forms: {known})"
            if problem:
                issues.append(self._issue(owner, index, problem))
        return issues

    @staticmethod
    def _issue(owner: Owner, index: int, message: str) -> ManifestIssue:
        path = (*owner.doc_path, "hooks", index)
        return ManifestIssue(owner.location("hooks", index), format_doc_path(path), message)

    def diff(self, desired: DesiredObject, live: LiveObject) -> list[FieldChange]:
        return field_changes({"disabled": live.state["disabled"]}, {"disabled": desired.state["disabled"]})

    def requests(self, change: Change, target: Target) -> list[Request]:
        if change.action is Action.DELETE:
            return [Request("DELETE", f"/hooks/{change.live_ref.get('id')}")]
        state = change.after
        body: dict[str, Any] = {"site_id": target.site_ref, "type": state["type"], "event": state["event"]}
        body["data"] = state["data"]
        if state["form"]:
            body["form_name"] = state["form"]
        if change.action is Action.CREATE:
            create = Request("POST", "/hooks", {"site_id": target.site_ref}, body)
            if not state["disabled"]:
                return [create]
            return [create, Request("PUT", "/hooks/{new hook id}", body={**body, "disabled": True})]
        hook_id = change.live_ref.get("id")
        if state["disabled"]:
            return [Request("PUT", f"/hooks/{hook_id}", body={**body, "disabled": True})]
        return [Request("POST", f"/hooks/{hook_id}/enable")]

    def apply(self, client: NetlifyClient, change: Change, target: Target) -> Any:
        requests = self.requests(change, target)
        result = created = send(client, requests[0])
        for request in requests[1:]:  # a hook created disabled: the second call needs the new id
            hook_id = created.get("id") if isinstance(created, dict) else None
            result = send(client, Request(request.method, f"/hooks/{hook_id}", request.params, request.body))
        return result


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
    return None


def _site_forms(client: NetlifyClient, site: str) -> set[str] | None:
    try:
        return {str(form.get("name")) for form in client.get(f"/sites/{site}/forms") or []}
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise
