"""The site itself: creation, name-independent settings, explicit renames, SSL, and deletion only when
declared `state: absent`.

Identity is the site name (or one of its declared `previous_names`, which plans a rename). Only settings
the manifest declares are compared: a field nobody declared is not ours to reset. The password is always
sensitive. `ssl: true` provisions a certificate once the site has a custom domain.
"""

from __future__ import annotations

from typing import Any

from reconciler.errors import ManifestIssue
from reconciler.manifest.model import Owner, format_doc_path
from reconciler.netlify.client import NetlifyClient
from reconciler.plan.diff import field_changes, project
from reconciler.plan.model import Action, Change, FieldChange
from reconciler.resources.base import DesiredObject, LiveObject, Request, ResourceKind, Target, send
from reconciler.sensitive import Sensitive

SETTINGS = (
    "name",
    "custom_domain",
    "domain_aliases",
    "force_ssl",
    "password",
    "processing_settings",
    "build_settings",
    "ssl",
)
SENSITIVE_SETTINGS = frozenset({"password"})
NOT_SENT = frozenset({"ssl"})  # provisioned by its own call, not a site field one can write


def _normalise(key: str, value: Any) -> Any:
    if key in SENSITIVE_SETTINGS and isinstance(value, str):
        return Sensitive(value)
    if key == "domain_aliases":
        return sorted(value or [])
    return value


def live_settings(site: dict[str, Any]) -> dict[str, Any]:
    settings = {key: _normalise(key, site.get(key)) for key in SETTINGS}
    settings["ssl"] = bool(site.get("ssl"))
    settings["build_settings"] = site.get("build_settings") or {}
    return settings


class SiteKind(ResourceKind):
    name = "site"
    owners = frozenset({"site"})
    order = 0
    owns_target = True
    prunable = False

    def desired(self, owner: Owner) -> dict[str, DesiredObject] | None:
        state = {key: _normalise(key, owner.spec[key]) for key in SETTINGS if key in owner.spec}
        if owner.spec.get("previous_names"):
            state["name"] = owner.name  # compared only when a rename is declared
        absent = owner.spec.get("state") == "absent"
        return {owner.name: DesiredObject(owner.name, state, owner.location(), absent=absent)}

    def validate(self, owner: Owner) -> list[ManifestIssue]:
        if owner.spec.get("ssl") and not owner.spec.get("custom_domain"):
            path = format_doc_path((*owner.doc_path, "ssl"))
            return [ManifestIssue(owner.location("ssl"), path, "ssl: true needs a custom_domain to certify")]
        if owner.name in (owner.spec.get("previous_names") or []):
            path = format_doc_path((*owner.doc_path, "previous_names"))
            return [
                ManifestIssue(
                    owner.location("previous_names"), path, "a site cannot be its own previous name"
                )
            ]
        return []

    def read(self, client: NetlifyClient, target: Target, owner: Owner) -> dict[str, LiveObject]:
        """The site object came with the site listing: no request of its own."""
        ref = {"id": target.site_id, "updated_at": target.site.get("updated_at")}
        return {target.name: LiveObject(target.name, live_settings(target.site), ref)}

    def diff(self, desired: DesiredObject, live: LiveObject) -> list[FieldChange]:
        changes = field_changes(project(live.state, desired.state), desired.state)
        # A certificate cannot be taken back by this tool: `ssl: false` (or none) asks for nothing.
        return [c for c in changes if not (c.path == ("ssl",) and not c.after)]

    def requests(self, change: Change, target: Target) -> list[Request]:
        after = change.after or {}
        provision = [Request("POST", f"/sites/{target.site_ref}/ssl")]
        if change.action is Action.CREATE:
            path = f"/{target.account}/sites" if target.account else "/sites"
            sent = {key: value for key, value in after.items() if key not in NOT_SENT}
            body = {"name": target.name, **sent}
            return [Request("POST", path, body=body), *(provision if after.get("ssl") else [])]
        if change.action is Action.DELETE:
            return [Request("DELETE", f"/sites/{target.site_ref}")]
        changed = {f.path[0] for f in change.fields}
        body = {key: value for key, value in after.items() if key in changed and key not in NOT_SENT}
        requests = [Request("PATCH", f"/sites/{target.site_ref}", body=body)] if body else []
        return requests + (provision if "ssl" in changed else [])

    def apply(self, client: NetlifyClient, change: Change, target: Target) -> Any:
        requests = self.requests(change, target)
        result = send(client, requests[0])
        if change.action is Action.CREATE and isinstance(result, dict):
            target.site_id = result["id"]
            target.account = result.get("account_id") or target.account
            target.site = result
        elif change.action is Action.DELETE:
            target.site_id = None
        for request in requests[1:]:  # SSL after the site (and its custom domain) exist
            send(client, Request(request.method, f"/sites/{target.site_ref}/ssl"))
        return result
