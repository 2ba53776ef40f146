"""DNS zones (one per domain name across all accounts, as on Netlify) and their records.

A zone belongs to an account; records cascade away with their zone, and a zone with its account. Each new
zone gets NS records for Netlify's name servers that Netlify manages itself (`managed`), so clients meet
records they must leave alone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from typing import Any

from reconciler.emulator.clock import now_iso
from reconciler.emulator.ids import account_id as object_id
from reconciler.emulator.models.dns import DEFAULT_TTL, DNS_SERVERS

SCHEMA = """
CREATE TABLE IF NOT EXISTS dns_zones (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    site_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS dns_zones_account ON dns_zones(account_id, seq);
CREATE TABLE IF NOT EXISTS dns_records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    zone_id TEXT NOT NULL REFERENCES dns_zones(id) ON DELETE CASCADE,
    hostname TEXT NOT NULL,
    type TEXT NOT NULL,
    value TEXT NOT NULL,
    ttl INTEGER NOT NULL,
    priority INTEGER,
    weight INTEGER,
    port INTEGER,
    flag INTEGER,
    tag TEXT,
    managed INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS dns_records_zone ON dns_records(zone_id, seq);
"""

_ZONE = (
    "SELECT z.id, z.account_id, z.name, z.user_id, z.site_id, z.created_at, z.updated_at, "
    "a.slug AS account_slug, a.name AS account_name FROM dns_zones z JOIN accounts a ON a.id = z.account_id "
)
_RECORD_FIELDS = ("hostname", "type", "value", "ttl", "priority", "weight", "port", "flag", "tag")
_RECORD = "SELECT id, zone_id, managed, created_at, " + ", ".join(_RECORD_FIELDS) + " FROM dns_records "


def list_zones(db: sqlite3.Connection, account_ids: Collection[str]) -> list[sqlite3.Row]:
    if not account_ids:
        return []
    marks = ",".join("?" * len(account_ids))
    query = _ZONE + f"WHERE z.account_id IN ({marks}) ORDER BY z.seq"
    return db.execute(query, tuple(account_ids)).fetchall()


def get_zone(db: sqlite3.Connection, zone_id: str, account_ids: Collection[str]) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(_ZONE + "WHERE z.id = ?", (zone_id,)).fetchone()
    return row if row is not None and row["account_id"] in account_ids else None


def zone_named(db: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(_ZONE + "WHERE z.name = ?", (name,)).fetchone()
    return row


def create_zone(db: sqlite3.Connection, account_id: str, user_id: str, name: str, site_id: str | None) -> str:
    zone_id, now = object_id(), now_iso()
    db.execute(
        "INSERT INTO dns_zones (id, account_id, name, user_id, site_id, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (zone_id, account_id, name, user_id, site_id, now, now),
    )
    for server in DNS_SERVERS:
        ns = {"hostname": name, "type": "NS", "value": server, "ttl": DEFAULT_TTL}
        create_record(db, zone_id, ns, managed=True)
    return zone_id


def delete_zone(db: sqlite3.Connection, zone_id: str) -> None:
    db.execute("DELETE FROM dns_zones WHERE id = ?", (zone_id,))


def list_records(db: sqlite3.Connection, zone_id: str, hostname: str | None = None) -> list[sqlite3.Row]:
    if hostname is None:
        return db.execute(_RECORD + "WHERE zone_id = ? ORDER BY seq", (zone_id,)).fetchall()
    return db.execute(
        _RECORD + "WHERE zone_id = ? AND hostname = ? ORDER BY seq", (zone_id, hostname)
    ).fetchall()


def get_record(db: sqlite3.Connection, zone_id: str, record_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        _RECORD + "WHERE zone_id = ? AND id = ?", (zone_id, record_id)
    ).fetchone()
    return row


def create_record(
    db: sqlite3.Connection, zone_id: str, fields: dict[str, Any], *, managed: bool = False
) -> str:
    record_id = object_id()
    values = [fields.get(name) for name in _RECORD_FIELDS]
    marks = ", ".join("?" * len(_RECORD_FIELDS))
    db.execute(
        f"INSERT INTO dns_records (id, zone_id, managed, created_at, {', '.join(_RECORD_FIELDS)}) "
        f"VALUES (?, ?, ?, ?, {marks})",
        (record_id, zone_id, int(managed), now_iso(), *values),
    )
    db.execute("UPDATE dns_zones SET updated_at = ? WHERE id = ?", (now_iso(), zone_id))
    return record_id


def delete_record(db: sqlite3.Connection, zone_id: str, record_id: str) -> None:
    db.execute("DELETE FROM dns_records WHERE zone_id = ? AND id = ?", (zone_id, record_id))
    db.execute("UPDATE dns_zones SET updated_at = ? WHERE id = ?", (now_iso(), zone_id))
