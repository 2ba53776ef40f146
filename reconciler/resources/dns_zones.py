"""DNS zones of a team, keyed by domain name: created in the team when declared, deleted only when declared
`state: absent` (a zone takes every record in it along, so apply also asks for `--allow-destroy`). A zone
the manifests stop declaring is left alone, whoever made it. Netlify cannot change a zone, only create and
delete it; its records are a kind of their own (`dns_records`).
"""

from __future__ import annotations

from typing import Any, TypedDict

from reconciler.manifest.model import Owner
from reconciler.model.change import Action, Change
from reconciler.model.errors import ManifestIssue
from reconciler.model.objects import DesiredObject, LiveObject, Target
from reconciler.model.reader import Reader
from reconciler.model.request import ReadBack, Request
from reconciler.resources.base import (
    Declared,
    Exported,
    NeedsConsent,
    ResourceKind,
    Validates,
    Verifies,
    index_unique,
    reads_for,
    unexpressed,
)

SECTION = "dns_zones"
ABSENT_KEEPS = frozenset({"state"})  # what a zone declared absent may come with


class Zone(TypedDict):
    name: str


def zone_binding(owner: Owner, name: str) -> str:
    """The placeholder for the id of a zone this apply creates (its records are created inside it)."""
    return f"{owner.address}.{SECTION}.{name}.id"


def zone_listing(reader: Reader, target: Target) -> list[dict[str, Any]]:
    """The team's zones (one request per plan: the records kind asks for the same, remembered)."""
    found: list[dict[str, Any]] = reader.get("/dns_zones", {"account_slug": target.name}) or []
    return found


def zone_name(raw: str) -> str:
    """A zone's name as Netlify keeps it: lower case, no trailing dot."""
    return raw.lower().rstrip(".")


def declared_zones(owner: Owner) -> dict[str, dict[str, Any]]:
    """Declared zones by (normalised) name; `{state: absent}` included."""
    return {zone_name(name): dict(spec or {}) for name, spec in (owner.spec.get(SECTION) or {}).items()}


class DnsZonesKind(ResourceKind[Zone], NeedsConsent, Validates, Verifies):
    name = SECTION
    owners = frozenset({"team"})
    order = 10  # before their records
    kept_undeclared = True

    def desired(self, owner: Owner) -> dict[str, DesiredObject[Zone]] | None:
        if SECTION not in owner.spec:
            return None
        out: dict[str, DesiredObject[Zone]] = {}
        for raw, spec in (owner.spec[SECTION] or {}).items():
            name = zone_name(raw)
            absent = (spec or {}).get("state") == "absent"
            out[name] = DesiredObject(name, Zone(name=name), owner.location(SECTION, raw), absent=absent)
        return out

    def validate(self, owner: Owner) -> list[ManifestIssue]:
        issues = []
        seen: dict[str, str] = {}
        for raw, spec in (owner.spec.get(SECTION) or {}).items():
            name = zone_name(raw)
            _, path, where = owner.node(SECTION, raw)
            if name in seen:
                issues.append(
                    ManifestIssue(where, path, f"the zone {name} is already declared as {seen[name]!r}")
                )
            seen.setdefault(name, raw)
            extra = sorted(key for key in (spec or {}) if key not in ABSENT_KEEPS)
            if (spec or {}).get("state") == "absent" and extra:
                message = (
                    "a zone declared absent is deleted with every record in it: remove what else it declares "
                    f"({', '.join(extra)})"
                )
                issues.append(ManifestIssue(where, path, message))
        return issues

    def verify(self, reader: Reader, declared: list[Declared]) -> list[ManifestIssue]:
        """A domain has one zone in all of Netlify: one the token sees in another account cannot be created
        in this team (Netlify refuses it). Read only when a declared zone does not exist yet."""
        pending = [
            (owner, raw, zone_name(raw))
            for owner, live, _ in declared
            for raw, spec in (owner.spec.get(SECTION) or {}).items()
            if (spec or {}).get("state") != "absent" and zone_name(raw) not in live
        ]
        if not pending:
            return []
        everywhere = {str(zone.get("name")).lower(): zone for zone in reader.get("/dns_zones") or []}
        issues = []
        for owner, raw, name in pending:
            if name in everywhere:
                held = everywhere[name].get("account_slug") or "another account"
                _, path, where = owner.node(SECTION, raw)
                message = f"the zone {name} exists already, in {held!r}: a domain has one zone in Netlify"
                issues.append(ManifestIssue(where, path, message))
        return issues

    def read(self, reader: Reader, target: Target, owner: Owner) -> dict[str, LiveObject[Zone]]:
        if not reads_for(owner, SECTION, self.name):
            return {}
        zones = [
            LiveObject(str(item.get("name")), Zone(name=str(item.get("name"))), {"id": item.get("id")})
            for item in zone_listing(reader, target)
        ]
        return index_unique(zones, "DNS zones")

    def consent(self, change: Change) -> str:
        return f"the plan deletes the DNS zone {change.identity} and every record in it"

    def export(self, live: dict[str, LiveObject[Zone]], owner: Owner) -> Exported:
        """Each zone by name; its records come from the records kind, merged into the same entries."""
        zones: dict[str, Any] = {name: {} for name, obj in sorted(live.items()) if not obj.conflict}
        return Exported({SECTION: zones} if zones else {}, unexpressed(owner, self.name, live))

    def requests(self, change: Change, target: Target) -> list[Request]:
        if change.action is Action.DELETE:
            return [Request("DELETE", f"/dns_zones/{change.live_ref.get('id')}")]
        listing = ReadBack(
            "/dns_zones", {"account_slug": target.name}, {"name": change.identity}, delete="/dns_zones/{id}"
        )
        body = {"name": change.identity, "account_slug": target.name}
        binds = {change.binding("id"): "id"}
        return [Request("POST", "/dns_zones", body=body, binds=binds, read_back=listing)]
