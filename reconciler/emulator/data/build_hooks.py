"""Build hooks of a site, in creation order; rows cascade away with their site."""

from __future__ import annotations

import sqlite3

from reconciler.emulator.clock import now_iso
from reconciler.emulator.ids import account_id as object_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS build_hooks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    branch TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS build_hooks_site ON build_hooks(site_id, seq);
"""

_COLUMNS = "id, site_id, title, branch, created_at"


def list_hooks(db: sqlite3.Connection, site_id: str) -> list[sqlite3.Row]:
    return db.execute(
        f"SELECT {_COLUMNS} FROM build_hooks WHERE site_id = ? ORDER BY seq", (site_id,)
    ).fetchall()


def get(db: sqlite3.Connection, site_id: str, hook_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        f"SELECT {_COLUMNS} FROM build_hooks WHERE site_id = ? AND id = ?", (site_id, hook_id)
    ).fetchone()
    return row


def create(db: sqlite3.Connection, site_id: str, title: str, branch: str) -> str:
    # Netlify's build hook ids are 24-hex object ids, the same shape as account ids.
    hook_id = object_id()
    db.execute(
        "INSERT INTO build_hooks (id, site_id, title, branch, created_at) VALUES (?, ?, ?, ?, ?)",
        (hook_id, site_id, title, branch, now_iso()),
    )
    return hook_id


def update(db: sqlite3.Connection, hook_id: str, title: str, branch: str) -> None:
    db.execute("UPDATE build_hooks SET title = ?, branch = ? WHERE id = ?", (title, branch, hook_id))


def delete(db: sqlite3.Connection, hook_id: str) -> None:
    db.execute("DELETE FROM build_hooks WHERE id = ?", (hook_id,))
