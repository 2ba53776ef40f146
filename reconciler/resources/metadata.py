"""Site metadata: one free-form object, replaced whole, shown as a field-level diff."""

from __future__ import annotations

from reconciler.manifest.model import Owner
from reconciler.netlify.client import NetlifyClient
from reconciler.plan.model import Change
from reconciler.resources.base import DesiredObject, LiveObject, Request, ResourceKind, Target

IDENTITY = "metadata"


class MetadataKind(ResourceKind):
    name = "metadata"
    owners = frozenset({"site"})
    order = 30

    def desired(self, owner: Owner) -> dict[str, DesiredObject] | None:
        section = owner.spec.get("metadata")
        if section is None:
            return None
        return {IDENTITY: DesiredObject(IDENTITY, dict(section), owner.location("metadata"))}

    def read(self, client: NetlifyClient, target: Target, owner: Owner) -> dict[str, LiveObject]:
        """Empty metadata counts as none, so a new or bare site plans a create, not an update."""
        live = client.get(f"/sites/{target.site_id}/metadata") or {}
        return {IDENTITY: LiveObject(IDENTITY, live)} if live else {}

    def requests(self, change: Change, target: Target) -> list[Request]:
        return [Request("PUT", f"/sites/{target.site_ref}/metadata", body=change.after)]
