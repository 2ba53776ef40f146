"""DNS records of a team's zones, declared inside their zone (`dns_zones.<zone>.records`).

Identity is the zone, hostname, type and value (`acme.dev/www.acme.dev/CNAME/acme-docs.netlify.app`; a
CAA record's value is `flag tag value`; a long value is shortened and completed by a digest). Netlify
cannot change a record, so a new TTL or priority replaces it: the new record is created before the old
one is deleted, so the name never stops resolving, except for a CNAME, which must be alone at its name
(the old one goes first). Records Netlify manages itself (its name servers) are never read, so never
touched. Only the zones the manifests declare are read (plus, through the ledger, zones this tool made
records in), so records of other zones are never pruned.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Iterable
from typing import Any, TypedDict, cast

from reconciler.manifest.model import Owner
from reconciler.model.change import Action, Change
from reconciler.model.errors import ManifestIssue
from reconciler.model.objects import DesiredObject, LiveObject, LiveObjects, Target
from reconciler.model.reader import Reader
from reconciler.model.request import ReadBack, Request
from reconciler.resources.base import (
    Exported,
    FindsManaged,
    Locates,
    Replaces,
    ResourceKind,
    Validates,
    index_unique,
    reads_for,
    unexpressed,
)
from reconciler.resources.dns_zones import SECTION, declared_zones, zone_binding, zone_listing, zone_name

DEFAULT_TTL = 3600
PRIORITY_TYPES = frozenset({"MX", "SRV"})
SRV_FIELDS = ("weight", "port")  # SRV only, beside its priority
# What a manifest can declare (and so what export writes); records of other types are left unmanaged.
RECORD_TYPES = frozenset({"A", "AAAA", "ALIAS", "CAA", "CNAME", "MX", "NS", "SPF", "SRV", "TXT"})
LONG_VALUE = 64  # longer values are shortened in identities (a DKIM key would make addresses unreadable)
HOST_VALUE_TYPES = frozenset({"ALIAS", "CNAME", "MX", "NS", "SRV"})  # types whose value names a host
_ARTICLE = {"ALIAS": "an", "CNAME": "a", "MX": "an", "NS": "an", "SRV": "an"}
_DOTTED_QUAD = re.compile(r"[0-9]{1,3}(\.[0-9]{1,3}){3}")
_HOST_LABEL = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")


class DnsRecord(TypedDict, total=False):
    hostname: str
    type: str
    value: str
    ttl: int
    priority: int  # MX and SRV only
    weight: int  # SRV only
    port: int  # SRV only
    flag: int  # CAA only
    tag: str  # CAA only


def record_identity(zone: str, record: DnsRecord) -> str:
    value = record["value"]
    if record["type"] == "CAA":
        value = f"{record.get('flag')} {record.get('tag')} {value}"
    elif record["type"] == "SRV":  # one target may serve on several ports
        value = f"{record.get('port')} {value}"
    if len(value) > LONG_VALUE:
        value = f"{value[:40]}…#{hashlib.sha256(value.encode()).hexdigest()[:10]}"
    return f"{zone}/{record['hostname']}/{record['type']}/{value}"


def normalise(raw: dict[str, Any]) -> DnsRecord:
    """A record as compared: hostname lower-cased without a final dot; optional numbers only where the
    type has them (Netlify may answer a priority of 0 for an A record)."""
    record = DnsRecord(
        hostname=str(raw.get("hostname", "")).lower().rstrip("."),
        type=str(raw.get("type", "")).upper(),
        value=str(raw.get("value", "")).strip(),
        ttl=int(raw.get("ttl") or DEFAULT_TTL),
    )
    if record["type"] in PRIORITY_TYPES and raw.get("priority") is not None:
        record["priority"] = int(raw["priority"])
    if record["type"] == "SRV":
        record["weight"] = int(raw.get("weight") or 0)
        record["port"] = int(raw.get("port") or 0)
    if record["type"] == "CAA":
        record["flag"] = int(raw.get("flag") or 0)
        record["tag"] = str(raw.get("tag", ""))
    return record


def _declared(owner: Owner) -> Iterable[tuple[str, str, int, dict[str, Any]]]:
    """(zone, its name as written, index, record as written) of every record declared in a zone that
    should exist."""
    for raw_zone, spec in (owner.spec.get(SECTION) or {}).items():
        if (spec or {}).get("state") == "absent":
            continue
        zone = zone_name(raw_zone)
        for index, raw in enumerate((spec or {}).get("records") or []):
            yield zone, raw_zone, index, dict(raw)


class DnsRecordsKind(
    ResourceKind[DnsRecord], Replaces, Locates[DnsRecord], FindsManaged[DnsRecord], Validates
):
    name = "dns_records"
    owners = frozenset({"team"})
    order = 11  # right after their zones
    replace_fields = frozenset({"ttl", "priority", "weight"})
    create_before_delete = True

    def desired(self, owner: Owner) -> dict[str, DesiredObject[DnsRecord]] | None:
        if SECTION not in owner.spec:
            return None
        out: dict[str, DesiredObject[DnsRecord]] = {}
        for zone, raw_zone, index, raw in _declared(owner):
            record = normalise(raw)
            identity = record_identity(zone, record)
            where = owner.location(SECTION, raw_zone, "records", index)
            out[identity] = DesiredObject(identity, record, where, ref={"zone": zone})
        return out

    def validate(self, owner: Owner) -> list[ManifestIssue]:
        issues: list[ManifestIssue] = []
        seen: dict[str, int] = {}
        names: dict[tuple[str, str], set[str]] = {}  # (zone, hostname) -> types declared there
        for zone, raw_zone, index, raw in _declared(owner):
            record = normalise(raw)
            _, path, where = owner.node(SECTION, raw_zone, "records", index)
            issues += [ManifestIssue(where, path, problem) for problem in _problems(zone, raw, record)]
            identity = record_identity(zone, record)
            if identity in seen:
                first = seen[identity]
                message = f"the same record (hostname, type, value) is already declared at records[{first}]"
                issues.append(ManifestIssue(where, path, message))
            seen.setdefault(identity, index)
            types = names.setdefault((zone, record["hostname"]), set())
            if types and ("CNAME" in types or record["type"] == "CNAME"):
                message = f"a CNAME record must be the only record at its name ({record['hostname']})"
                issues.append(ManifestIssue(where, path, message))
            types.add(record["type"])
        return issues

    def read(self, reader: Reader, target: Target, owner: Owner) -> dict[str, LiveObject[DnsRecord]]:
        if not reads_for(owner, SECTION, self.name):
            return {}
        present = {zone for zone, spec in declared_zones(owner).items() if spec.get("state") != "absent"}
        return self._read(reader, target, None if owner.exporting else present)

    def read_managed(
        self, reader: Reader, target: Target, owner: Owner, identities: set[str]
    ) -> dict[str, LiveObject[DnsRecord]]:
        """Records this tool made in zones the manifests no longer declare (so they can be deleted). Not
        those of a zone declared absent: the zone's deletion takes them along (a request of their own
        after it would find them gone), and once they are not read the ledger stops listing them."""
        absent = {zone for zone, spec in declared_zones(owner).items() if spec.get("state") == "absent"}
        zones = {identity.split("/", 1)[0] for identity in identities} - absent
        if not zones:
            return {}
        found = self._read(reader, target, zones)
        return {identity: obj for identity, obj in found.items() if identity in identities}

    def _read(
        self, reader: Reader, target: Target, zones: set[str] | None
    ) -> dict[str, LiveObject[DnsRecord]]:
        """The records of these zones (all zones: None) that exist, without those Netlify manages."""
        objects = []
        for item in zone_listing(reader, target):
            zone = str(item.get("name"))
            if zones is not None and zone not in zones:
                continue
            for raw in reader.get(f"/dns_zones/{item.get('id')}/dns_records") or []:
                if raw.get("managed"):
                    continue
                record = normalise(raw)
                ref = {"id": raw.get("id"), "zone_id": item.get("id"), "zone": zone}
                objects.append(LiveObject(record_identity(zone, record), record, ref))
        return index_unique(objects, "DNS records")

    def locate(
        self, owner: Owner, desired: dict[str, DesiredObject[DnsRecord]], live: LiveObjects
    ) -> list[str]:
        """Each record's zone id: the live zone's, or the placeholder its creation in this apply binds."""
        zones = live.get(SECTION, {})
        for obj in desired.values():
            zone = zones.get(obj.ref["zone"])
            obj.ref["zone_id"] = (
                zone.ref.get("id") if zone else "{" + zone_binding(owner, obj.ref["zone"]) + "}"
            )
        return []

    def creates_first(self, change: Change) -> bool:
        """A CNAME must be alone at its name: the old one goes before the new one can be made."""
        return (change.before or change.after or {}).get("type") != "CNAME"

    def export(self, live: dict[str, LiveObject[DnsRecord]], owner: Owner) -> Exported:
        """Records inside their zones, merged with the zones kind's entries; default TTLs left out."""
        zones: dict[str, Any] = {}
        skipped = []
        for identity, obj in sorted(live.items()):
            if obj.conflict:
                continue
            if obj.state["type"] not in RECORD_TYPES:
                address = f"{owner.address}.{self.name}.{identity}"
                skipped.append(f"{address}: a record type manifests cannot declare")
                continue
            record = {key: value for key, value in obj.state.items() if (key, value) != ("ttl", DEFAULT_TTL)}
            zones.setdefault(obj.ref["zone"], {"records": []})["records"].append(record)
        return Exported({SECTION: zones} if zones else {}, unexpressed(owner, self.name, live) + skipped)

    def requests(self, change: Change, target: Target) -> list[Request]:
        if change.action is Action.DELETE:
            path = f"/dns_zones/{change.live_ref.get('zone_id')}/dns_records/{change.live_ref.get('id')}"
            return [Request("DELETE", path)]
        if change.action is not Action.CREATE:
            raise AssertionError(f"{change.address}: a DNS record is never updated in place, only replaced")
        zone_id = change.desired_ref.get("zone_id") or change.live_ref.get("zone_id")
        collection = f"/dns_zones/{zone_id}/dns_records"
        body = dict(cast(dict[str, Any], change.after))
        read_back = ReadBack(collection, match=body, delete=collection + "/{id}")
        return [Request("POST", collection, body=body, read_back=read_back)]


def _problems(zone: str, raw: dict[str, Any], record: DnsRecord) -> list[str]:
    """What Netlify would refuse (or this tool could not compare) about a declared record, said before
    anything is sent."""
    problems = []
    hostname, kind = record["hostname"], record["type"]
    if hostname != zone and not hostname.endswith("." + zone):
        problems.append(
            f"hostname {hostname} is not in the zone {zone} (write the full name, e.g. www.{zone})"
        )
    if kind in PRIORITY_TYPES and "priority" not in raw:
        problems.append(f"{kind} records need a priority")
    if kind not in PRIORITY_TYPES and "priority" in raw:
        problems.append(f"priority is only for {', '.join(sorted(PRIORITY_TYPES))} records, not {kind}")
    if kind == "CAA" and "tag" not in raw:
        problems.append("a CAA record needs a tag (issue, issuewild or iodef)")
    if kind != "CAA" and ("flag" in raw or "tag" in raw):
        problems.append(f"flag and tag are only for CAA records, not {kind}")
    if kind == "SRV" and not all(field in raw for field in SRV_FIELDS):
        problems.append("an SRV record needs a weight and a port")
    if kind != "SRV" and any(field in raw for field in SRV_FIELDS):
        problems.append(f"weight and port are only for SRV records, not {kind}")
    if kind == "NS" and hostname == zone:
        problems.append(f"the NS records of {zone} itself are Netlify's name servers, which Netlify manages")
    return problems + _value_problems(kind, record["value"])  # never from ${...}: see manifest/literals.py


def _value_problems(kind: str, value: str) -> list[str]:
    """A value no resolver could serve for its type: what Netlify would refuse, or DNS would break on.
    Only what is certainly wrong: a zero-padded IPv4 octet (`198.51.100.07`) is let through."""
    version = _ip_version(value)
    if kind in ("A", "AAAA"):
        family, example = ("IPv4", "192.0.2.10") if kind == "A" else ("IPv6", "2001:db8::10")
        if version != (4 if kind == "A" else 6):
            return [f"an {kind} record's value must be an {family} address such as {example}, not {value!r}"]
    elif kind in HOST_VALUE_TYPES:
        named = f"{_ARTICLE[kind]} {kind} record's value must be a host name"
        if version is not None:
            return [f"{named}, not an IP address ({value}): use an A or AAAA record"]
        if kind == "SRV" and value == ".":
            return []  # "no such service here", as RFC 2782 writes it
        labels = value.removesuffix(".").split(".")
        if len(value) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
            return [f"{named} such as mail.example.com, not {value!r}"]
    return []


def _ip_version(value: str) -> int | None:
    """4 or 6 for an IP address, None for anything else."""
    if _DOTTED_QUAD.fullmatch(value):
        return 4 if all(int(octet) <= 255 for octet in value.split(".")) else None
    try:
        return ipaddress.IPv6Address(value).version
    except ValueError:
        return None
