"""Split tests of a site (one at most); rows cascade away with their site."""

from __future__ import annotations

import json
import sqlite3

from reconciler.emulator.clock import now_iso
from reconciler.emulator.ids import account_id as object_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS split_tests (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL UNIQUE REFERENCES sites(id) ON DELETE CASCADE,
    branches TEXT NOT NULL,
    active INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    unpublished_at TEXT
);
"""

_COLUMNS = "id, site_id, branches, active, created_at, updated_at, unpublished_at"


def of_site(db: sqlite3.Connection, site_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        f"SELECT {_COLUMNS} FROM split_tests WHERE site_id = ?", (site_id,)
    ).fetchone()
    return row


def get(db: sqlite3.Connection, site_id: str, test_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        f"SELECT {_COLUMNS} FROM split_tests WHERE site_id = ? AND id = ?", (site_id, test_id)
    ).fetchone()
    return row


def create(db: sqlite3.Connection, site_id: str, branches: dict[str, int]) -> str:
    test_id, now = object_id(), now_iso()
    db.execute(
        f"INSERT INTO split_tests ({_COLUMNS}) VALUES (?, ?, ?, 0, ?, ?, NULL)",
        (test_id, site_id, json.dumps(branches), now, now),
    )
    return test_id


def set_branches(db: sqlite3.Connection, test_id: str, branches: dict[str, int]) -> None:
    db.execute(
        "UPDATE split_tests SET branches = ?, updated_at = ? WHERE id = ?",
        (json.dumps(branches), now_iso(), test_id),
    )


def set_active(db: sqlite3.Connection, test_id: str, active: bool) -> None:
    now = now_iso()
    if active:
        db.execute("UPDATE split_tests SET active = 1, updated_at = ? WHERE id = ?", (now, test_id))
    else:
        db.execute(
            "UPDATE split_tests SET active = 0, updated_at = ?, unpublished_at = ? WHERE id = ?",
            (now, now, test_id),
        )
