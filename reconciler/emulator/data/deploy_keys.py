"""Deploy keys: SSH key pairs Netlify makes for a user, whose public half goes to a Git host so builds can
clone a private repository. They belong to the user who made them (others' keys look absent); only the
public key is ever shown, so the emulator keeps no private key at all."""

from __future__ import annotations

import base64
import secrets
import sqlite3
from typing import Any

from reconciler.emulator.clock import now_iso
from reconciler.emulator.ids import account_id as object_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS deploy_keys (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    public_key TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deploy_keys_user ON deploy_keys(user_id, seq);
"""

_COLUMNS = "id, user_id, public_key, created_at"


def list_keys(db: sqlite3.Connection, user_id: str) -> list[sqlite3.Row]:
    return db.execute(
        f"SELECT {_COLUMNS} FROM deploy_keys WHERE user_id = ? ORDER BY seq", (user_id,)
    ).fetchall()


def get(db: sqlite3.Connection, key_id: str, user_id: str | None = None) -> sqlite3.Row | None:
    """A key by id: the user's own, or anyone's when `user_id` is None (a site may use a teammate's)."""
    row: sqlite3.Row | None = db.execute(
        f"SELECT {_COLUMNS} FROM deploy_keys WHERE id = ?", (key_id,)
    ).fetchone()
    if row is None or (user_id is not None and row["user_id"] != user_id):
        return None
    return row


def create(db: sqlite3.Connection, user_id: str) -> str:
    key_id = object_id()
    # The shape of an OpenSSH public key line (RSA, 2048 bits); there is no private half to keep.
    blob = base64.b64encode(b"\x00\x00\x00\x07ssh-rsa" + secrets.token_bytes(267)).decode()
    db.execute(
        f"INSERT INTO deploy_keys ({_COLUMNS}) VALUES (?, ?, ?, ?)",
        (key_id, user_id, f"ssh-rsa {blob}", now_iso()),
    )
    return key_id


def delete(db: sqlite3.Connection, key_id: str) -> None:
    db.execute("DELETE FROM deploy_keys WHERE id = ?", (key_id,))


def render(row: Any) -> dict[str, Any]:
    """The swagger `deployKey` object."""
    return {"id": row["id"], "public_key": row["public_key"], "created_at": row["created_at"]}
