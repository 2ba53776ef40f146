"""A site's TLS certificate (one per site), and the site's `ssl` flag that follows it.

The flag is kept in the site's settings document, which the site model renders key by key, so `ssl: true`
appears on the site as soon as a certificate exists; the row cascades away with its site.
"""

from __future__ import annotations

import json
import sqlite3

from reconciler.emulator.clock import iso_from_ms, now_ms

SCHEMA = """
CREATE TABLE IF NOT EXISTS site_certificates (
    site_id TEXT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    domains TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
"""

_DAY_MS = 86_400_000


def get(db: sqlite3.Connection, site_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        "SELECT state, domains, created_at, updated_at, expires_at FROM site_certificates WHERE site_id = ?",
        (site_id,),
    ).fetchone()
    return row


def install(db: sqlite3.Connection, site_id: str, state: str, domains: list[str], valid_days: int) -> None:
    """Create or replace the certificate (keeping its `created_at`) and mark the site as served over TLS."""
    now = now_ms()
    stamp = iso_from_ms(now)
    db.execute(
        "INSERT INTO site_certificates (site_id, state, domains, created_at, updated_at, expires_at) "
        "VALUES (?1, ?2, ?3, ?4, ?4, ?5) ON CONFLICT (site_id) DO UPDATE SET state = ?2, domains = ?3, "
        "updated_at = ?4, expires_at = ?5",
        (site_id, state, json.dumps(domains), stamp, iso_from_ms(now + valid_days * _DAY_MS)),
    )
    db.execute(
        "UPDATE sites SET settings = json_set(settings, '$.ssl', json('true')), updated_at = ? WHERE id = ?",
        (stamp, site_id),
    )
