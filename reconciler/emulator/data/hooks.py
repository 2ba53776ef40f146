"""Outgoing hooks of a site, in creation order.

Rows cascade away with their site, and with their form for `submission_created` hooks bound to one: a hook
for a deleted form would otherwise silently start firing for no form at all.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection

from reconciler.emulator.clock import now_iso
from reconciler.emulator.ids import account_id as object_id
from reconciler.emulator.models.hook import HookSpec

SCHEMA = """
CREATE TABLE IF NOT EXISTS hooks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    form_id TEXT REFERENCES forms(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    type TEXT NOT NULL,
    event TEXT NOT NULL,
    data TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS hooks_site ON hooks(site_id, seq);
CREATE INDEX IF NOT EXISTS hooks_form ON hooks(form_id);
"""

_SELECT = (
    "SELECT h.id, h.site_id, h.form_id, h.type, h.event, h.data, h.disabled, h.created_at, h.updated_at, "
    "f.name AS form_name, s.account_id FROM hooks h JOIN sites s ON s.id = h.site_id "
    "LEFT JOIN forms f ON f.id = h.form_id "
)


def list_hooks(db: sqlite3.Connection, site_id: str) -> list[sqlite3.Row]:
    return db.execute(_SELECT + "WHERE h.site_id = ? ORDER BY h.seq", (site_id,)).fetchall()


def visible(db: sqlite3.Connection, hook_id: str, account_ids: Collection[str]) -> sqlite3.Row | None:
    """A hook by id, only if its site belongs to one of `account_ids` (others look absent)."""
    row: sqlite3.Row | None = db.execute(_SELECT + "WHERE h.id = ?", (hook_id,)).fetchone()
    if row is None or row["account_id"] not in account_ids:
        return None
    return row


def get(db: sqlite3.Connection, hook_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute(_SELECT + "WHERE h.id = ?", (hook_id,)).fetchone()
    assert row is not None
    return row


def create(db: sqlite3.Connection, site_id: str, user_id: str, spec: HookSpec) -> str:
    hook_id = object_id()
    now = now_iso()
    db.execute(
        "INSERT INTO hooks (id, site_id, form_id, user_id, type, event, data, disabled, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            hook_id,
            site_id,
            spec.form_id,
            user_id,
            spec.type,
            spec.event,
            json.dumps(spec.data),
            int(spec.disabled),
            now,
            now,
        ),
    )
    return hook_id


def update(db: sqlite3.Connection, hook_id: str, spec: HookSpec) -> None:
    db.execute(
        "UPDATE hooks SET form_id = ?, type = ?, event = ?, data = ?, disabled = ?, updated_at = ? "
        "WHERE id = ?",
        (spec.form_id, spec.type, spec.event, json.dumps(spec.data), int(spec.disabled), now_iso(), hook_id),
    )


def set_disabled(db: sqlite3.Connection, hook_id: str, disabled: bool) -> None:
    """Change the flag; `updated_at` moves only when it really changes, so re-enabling is a no-op."""
    db.execute(
        "UPDATE hooks SET disabled = ?, updated_at = ? WHERE id = ? AND disabled != ?",
        (int(disabled), now_iso(), hook_id, int(disabled)),
    )


def delete(db: sqlite3.Connection, hook_id: str) -> None:
    db.execute("DELETE FROM hooks WHERE id = ?", (hook_id,))
