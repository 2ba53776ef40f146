"""Integration context: one `config` object per (integration slug, site) or (slug, team).

A row exists while the integration is enabled. Team-level rows have no site (NULL, matched with `IS`);
the unique index treats that as site "", so each slug is enabled at most once per team and once per site.
Rows cascade away with their site or team. The token handed out on enabling is kept only as a digest,
like API tokens.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from reconciler.emulator.clock import now_iso
from reconciler.emulator.ids import token_digest

SCHEMA = """
CREATE TABLE IF NOT EXISTS integrations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    site_id TEXT REFERENCES sites(id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    config TEXT NOT NULL,
    token_digest TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS integrations_target ON integrations(account_id, ifnull(site_id, ''), slug);
"""


def get_config(
    db: sqlite3.Connection, account_id: str, site_id: str | None, slug: str
) -> dict[str, Any] | None:
    """The config of an enabled integration, or None when it is not enabled there."""
    row = db.execute(
        "SELECT config FROM integrations WHERE account_id = ? AND site_id IS ? AND slug = ?",
        (account_id, site_id, slug),
    ).fetchone()
    if row is None:
        return None
    config = json.loads(row["config"])
    return config if isinstance(config, dict) else {}


def enable(
    db: sqlite3.Connection,
    account_id: str,
    site_id: str | None,
    slug: str,
    config: dict[str, Any],
    token: str,
) -> None:
    now = now_iso()
    db.execute(
        "INSERT INTO integrations (account_id, site_id, slug, config, token_digest, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (account_id, site_id, slug, json.dumps(config), token_digest(token), now, now),
    )


def set_config(
    db: sqlite3.Connection, account_id: str, site_id: str | None, slug: str, config: dict[str, Any]
) -> None:
    db.execute(
        "UPDATE integrations SET config = ?, updated_at = ? "
        "WHERE account_id = ? AND site_id IS ? AND slug = ?",
        (json.dumps(config), now_iso(), account_id, site_id, slug),
    )


def disable(db: sqlite3.Connection, account_id: str, site_id: str | None, slug: str) -> None:
    db.execute(
        "DELETE FROM integrations WHERE account_id = ? AND site_id IS ? AND slug = ?",
        (account_id, site_id, slug),
    )
