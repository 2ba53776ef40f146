"""Site metadata: one free-form object, replaced whole, shown as a field-level diff.

It also hosts the site's ledger (unless the manifest keeps it in an integration's context), under a
reserved key that is cut out of the compared state, kept in every write, and refused in manifests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.manifest.model import Owner
from reconciler.model.change import Change
from reconciler.model.errors import ManifestIssue
from reconciler.model.ledger import LEDGER_KEY, Replacing
from reconciler.model.objects import DesiredObject, LiveObject, StoredLedger, Target
from reconciler.model.reader import Reader
from reconciler.model.request import Placeholder, Request
from reconciler.resources.base import Executes, Exported, HostsLedger, Procedure, ResourceKind, Validates
from reconciler.resources.json_nesting import nesting_issues
from reconciler.resources.lease import PROCEDURE, LeaseProcedure, lease_request, ledger_binding

IDENTITY = "metadata"
Metadata = dict[str, Any]  # free-form JSON: the user's own keys


def _path(target: Target) -> str:
    return f"/sites/{target.site_ref}/metadata"


class MetadataKind(ResourceKind[Metadata], Validates, HostsLedger, Executes):
    name = "metadata"
    owners = frozenset({"site"})
    order = 30
    singleton = True

    def desired(self, owner: Owner) -> dict[str, DesiredObject[Metadata]] | None:
        section = owner.spec.get("metadata")
        if section is None:
            return None
        hosts = {"hosts_ledger": self.ledger_home(owner) is not None}
        return {IDENTITY: DesiredObject(IDENTITY, dict(section), owner.location("metadata"), ref=hosts)}

    def validate(self, owner: Owner) -> list[ManifestIssue]:
        section = owner.spec.get("metadata") or {}
        if LEDGER_KEY in section:
            _, path, where = owner.node("metadata", LEDGER_KEY)
            return [
                ManifestIssue(
                    where, path, f"the metadata key {LEDGER_KEY!r} is reserved for this tool's ledger"
                )
            ]
        return nesting_issues(owner, ("metadata",), section, levels_above=0)  # the body is the object

    def read(self, reader: Reader, target: Target, owner: Owner) -> dict[str, LiveObject[Metadata]]:
        """An object holding nothing but the ledger is there (a write must keep the ledger) but empty."""
        raw = reader.get(_path(target)) or {}
        if not raw:
            return {}
        live = {key: value for key, value in raw.items() if key != LEDGER_KEY}
        return {IDENTITY: LiveObject(IDENTITY, live, {"ledger": raw.get(LEDGER_KEY)})}

    def export(self, live: dict[str, LiveObject[Metadata]], owner: Owner) -> Exported:
        found = live.get(IDENTITY)
        return Exported({self.name: dict(found.state)} if found is not None and found.state else {})

    def requests(self, change: Change, target: Target) -> list[Request]:
        """The whole object: the declared keys, and the ledger as it stands when this is sent (with the
        running apply's lease) where this object hosts it."""
        ledger: Any = change.live_ref.get("ledger")
        if change.desired_ref.get("hosts_ledger"):
            ledger = Placeholder(ledger_binding(change.owner.address))
        body = {**change.after, **({LEDGER_KEY: ledger} if ledger is not None else {})}
        return [Request("PUT", _path(target), body=body)]

    # -- the ledger's home on a site, unless the manifest names an integration ----------------------
    def ledger_home(self, owner: Owner) -> str | None:
        if owner.kind != "site" or (owner.spec.get("ledger") or {}).get("integration"):
            return None
        return f"site metadata key {LEDGER_KEY!r}"

    def lease_requests(
        self, owner: Owner, target: Target, stored: StoredLedger, replacing: Replacing
    ) -> list[Request]:
        take = lease_request(
            owner.address,
            _path(target),
            uncontested=not target.exists,
            planned_ledger=stored.content,
            replacing=replacing,
        )
        return [take]

    def read_ledger(self, reader: Reader, target: Target, owner: Owner) -> StoredLedger:
        raw = (reader.get(_path(target)) or {}) if target.exists else {}
        carrier = {key: value for key, value in raw.items() if key != LEDGER_KEY}
        return StoredLedger(raw.get(LEDGER_KEY), carrier)

    def procedures(self) -> Mapping[str, Procedure]:
        return {PROCEDURE: LeaseProcedure()}

    def ledger_requests(
        self, owner: Owner, target: Target, stored: StoredLedger, content: Any, changes: list[Change]
    ) -> list[Request]:
        planned = [c.after for c in changes if c.kind == self.name and c.after is not None]
        carrier = planned[-1] if planned else stored.carrier
        return [Request("PUT", _path(target), body={**carrier, LEDGER_KEY: content})]
