"""DNS zones and records: validating bodies and rendering the swagger `dnsZone` and `dnsRecord` objects.

Records cannot be changed once made (Netlify has no update: a change is a delete and a create), so a new
record is checked against the zone as it is: its hostname must lie in the zone, a CNAME must be alone at
its name (DNS allows nothing beside it), and an exact copy of a record (type, hostname, value, TTL and
priority) is refused. The same record with another TTL or priority may exist beside the old one, which is
what lets a client replace a record without a moment in which the name does not resolve.
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.emulator.errors import json_type, unprocessable
from reconciler.emulator.models.site import DOMAIN_RE

HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)(\*\.)?([a-z0-9_-]{1,63}\.)+[a-z0-9-]{1,63}$")
RECORD_TYPES = ("A", "AAAA", "ALIAS", "CAA", "CNAME", "MX", "NS", "SPF", "SRV", "TXT")
NEEDS_PRIORITY = frozenset({"MX", "SRV"})
CAA_TAGS = ("issue", "issuewild", "iodef")
DEFAULT_TTL = 3600
MAX_TTL = 2**31 - 1
MAX_VALUE = 4096
# Netlify's name servers for a zone; each zone gets NS records for them that Netlify manages itself.
DNS_SERVERS = ("dns1.p01.nsone.net", "dns2.p01.nsone.net", "dns3.p01.nsone.net", "dns4.p01.nsone.net")


def zone_name(body: dict[str, Any]) -> str:
    name = body.get("name")
    if not isinstance(name, str) or not DOMAIN_RE.match(name.strip().lower().rstrip(".")):
        raise unprocessable("Validation failed: name must be a domain name like example.com")
    return name.strip().lower().rstrip(".")


def _integer(body: dict[str, Any], field: str, low: int, high: int) -> int | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        shown = value if isinstance(value, int) and not isinstance(value, bool) else json_type(value)
        message = f"{field} must be an integer from {low} to {high}, not {shown}"
        raise unprocessable(f"Validation failed: {message}")
    return value


def new_record(zone: str, body: dict[str, Any]) -> dict[str, Any]:
    """The stored fields of a record created in `zone` from a `dnsRecordCreate` body."""
    record_type = body.get("type")
    if record_type not in RECORD_TYPES:
        raise unprocessable(f"Validation failed: type must be one of {', '.join(RECORD_TYPES)}")
    hostname = body.get("hostname")
    if not isinstance(hostname, str) or not hostname.strip():
        raise unprocessable("Validation failed: hostname can't be blank")
    hostname = hostname.strip().lower().rstrip(".")
    if not HOSTNAME_RE.match(hostname):
        rule = "letters, digits, hyphens and underscores (*. for a wildcard)"
        raise unprocessable(f"Validation failed: hostname labels are {rule}")
    if hostname != zone and not hostname.endswith("." + zone):
        raise unprocessable(f"Validation failed: hostname {hostname} is not in the zone {zone}")
    value = body.get("value")
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_VALUE:
        raise unprocessable(f"Validation failed: value must be a string of 1 to {MAX_VALUE} characters")
    record: dict[str, Any] = {"type": record_type, "hostname": hostname, "value": value.strip()}
    record["ttl"] = _integer(body, "ttl", 1, MAX_TTL) or DEFAULT_TTL
    record["priority"] = _integer(body, "priority", 0, 65535)
    if record_type in NEEDS_PRIORITY and record["priority"] is None:
        raise unprocessable(f"Validation failed: priority is required for {record_type} records")
    record["weight"] = _integer(body, "weight", 0, 65535)
    record["port"] = _integer(body, "port", 0, 65535)
    record["flag"] = _integer(body, "flag", 0, 255)
    tag = body.get("tag")
    if record_type == "CAA":
        if record["flag"] is None or tag not in CAA_TAGS:
            tags = ", ".join(CAA_TAGS)
            raise unprocessable(f"Validation failed: CAA records need flag (0-255) and tag ({tags})")
        record["tag"] = tag
    else:
        record["flag"] = None
        record["tag"] = None
    return record


def check_fits(record: dict[str, Any], others: list[dict[str, Any]]) -> None:
    """Refuse a record the zone cannot hold beside `others` (the records at the same hostname)."""
    for other in others:
        if record["type"] == "CNAME" or other["type"] == "CNAME":
            raise unprocessable(
                f"Validation failed: {record['hostname']} already has a {other['type']} record, "
                "and a CNAME record must be the only record at its name"
            )
        same = ("type", "value", "ttl", "priority", "weight", "port", "flag", "tag")
        if all(other[key] == record[key] for key in same):
            raise unprocessable("Validation failed: this record already exists")


def render_record(row: Any) -> dict[str, Any]:
    """The swagger `dnsRecord` object; optional integers only where the record has them."""
    record: dict[str, Any] = {
        "id": row["id"],
        "hostname": row["hostname"],
        "type": row["type"],
        "value": row["value"],
        "ttl": row["ttl"],
        "dns_zone_id": row["zone_id"],
        "managed": bool(row["managed"]),
    }
    for key in ("priority", "weight", "port", "flag", "tag"):
        if row[key] is not None:
            record[key] = row[key]
    return record


def render_zone(row: Any, records: list[Any]) -> dict[str, Any]:
    """The swagger `dnsZone` object, with its records."""
    zone: dict[str, Any] = {
        "id": row["id"],
        "name": row["name"],
        "errors": [],
        "supported_record_types": list(RECORD_TYPES),
        "user_id": row["user_id"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "records": [render_record(record) for record in records],
        "dns_servers": list(DNS_SERVERS),
        "account_id": row["account_id"],
        "account_slug": row["account_slug"],
        "account_name": row["account_name"],
        "ipv6_enabled": True,
        "dedicated": False,
    }
    if row["site_id"]:
        zone["site_id"] = row["site_id"]
    return zone
