"""Site metadata: one free-form object, replaced whole, shown as a field-level diff.

The ledger shares the object under a reserved key: it is cut out of the compared state, kept in every
write, and declaring that key in a manifest is an error.
"""

from __future__ import annotations

from reconciler.errors import ManifestIssue
from reconciler.ledger import LEDGER_KEY
from reconciler.manifest.model import Owner, format_doc_path
from reconciler.netlify.client import NetlifyClient
from reconciler.plan.model import Change
from reconciler.resources.base import DesiredObject, LiveObject, Request, ResourceKind, Target

IDENTITY = "metadata"
CACHE = "metadata"  # the raw object, for the ledger store (reconciler.ledger_store.METADATA_CACHE)


class MetadataKind(ResourceKind):
    name = "metadata"
    owners = frozenset({"site"})
    order = 30
    prunable = False

    def desired(self, owner: Owner) -> dict[str, DesiredObject] | None:
        section = owner.spec.get("metadata")
        if section is None:
            return None
        return {IDENTITY: DesiredObject(IDENTITY, dict(section), owner.location("metadata"))}

    def validate(self, owner: Owner) -> list[ManifestIssue]:
        if LEDGER_KEY in (owner.spec.get("metadata") or {}):
            path = (*owner.doc_path, "metadata", LEDGER_KEY)
            message = f"the metadata key {LEDGER_KEY!r} is reserved for this tool's ledger"
            return [ManifestIssue(owner.location("metadata", LEDGER_KEY), format_doc_path(path), message)]
        return []

    def read(self, client: NetlifyClient, target: Target, owner: Owner) -> dict[str, LiveObject]:
        """Empty metadata counts as none, so a new or bare site plans a create, not an update."""
        raw = client.get(f"/sites/{target.site_id}/metadata") or {}
        target.cache[CACHE] = raw
        live = {key: value for key, value in raw.items() if key != LEDGER_KEY}
        return {IDENTITY: LiveObject(IDENTITY, live)} if live else {}

    def requests(self, change: Change, target: Target) -> list[Request]:
        ledger = (target.cache.get(CACHE) or {}).get(LEDGER_KEY)
        body = {**change.after, **({LEDGER_KEY: ledger} if ledger is not None else {})}
        return [Request("PUT", f"/sites/{target.site_ref}/metadata", body=body)]
