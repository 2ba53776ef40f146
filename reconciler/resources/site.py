"""The site itself: creation, name-independent settings, and deletion only when declared absent.

Identity is the site name. Only settings the manifest declares are compared: a field nobody
declared is not ours to reset. The password is always sensitive.
"""

from __future__ import annotations

from typing import Any

from reconciler.manifest.model import Owner
from reconciler.netlify.client import NetlifyClient
from reconciler.plan.diff import field_changes, project
from reconciler.plan.model import Action, Change, FieldChange
from reconciler.resources.base import DesiredObject, LiveObject, Request, ResourceKind, Target, send
from reconciler.sensitive import Sensitive

SETTINGS = ("custom_domain", "force_ssl", "password", "processing_settings")
SENSITIVE_SETTINGS = frozenset({"password"})


def _guard(key: str, value: Any) -> Any:
    if key in SENSITIVE_SETTINGS and isinstance(value, str):
        return Sensitive(value)
    return value


def live_settings(site: dict[str, Any]) -> dict[str, Any]:
    return {key: _guard(key, site.get(key)) for key in SETTINGS}


class SiteKind(ResourceKind):
    name = "site"
    owners = frozenset({"site"})
    order = 0
    owns_target = True

    def desired(self, owner: Owner) -> dict[str, DesiredObject] | None:
        state = {key: _guard(key, owner.spec[key]) for key in SETTINGS if key in owner.spec}
        absent = owner.spec.get("state") == "absent"
        return {owner.name: DesiredObject(owner.name, state, owner.location(), absent=absent)}

    def read(self, client: NetlifyClient, target: Target) -> dict[str, LiveObject]:
        """The site object came with the site listing: no request of its own."""
        return {target.name: LiveObject(target.name, live_settings(target.site), {"id": target.site_id})}

    def diff(self, desired: DesiredObject, live: LiveObject) -> list[FieldChange]:
        return field_changes(project(live.state, desired.state), desired.state)

    def requests(self, change: Change, target: Target) -> list[Request]:
        if change.action is Action.CREATE:
            path = f"/{target.account}/sites" if target.account else "/sites"
            return [Request("POST", path, body={"name": target.name, **(change.after or {})})]
        if change.action is Action.DELETE:
            return [Request("DELETE", f"/sites/{target.site_ref}")]
        changed = {f.path[0] for f in change.fields}
        body = {key: value for key, value in change.after.items() if key in changed}
        return [Request("PATCH", f"/sites/{target.site_ref}", body=body)]

    def apply(self, client: NetlifyClient, change: Change, target: Target) -> None:
        for request in self.requests(change, target):
            result = send(client, request)
            if change.action is Action.CREATE and isinstance(result, dict):
                target.site_id = result["id"]
                target.account = result.get("account_id") or target.account
                target.site = result
            elif change.action is Action.DELETE:
                target.site_id = None
