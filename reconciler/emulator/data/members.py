"""Team members: the memberships of users in an account, with their site access.

Inviting an email adds a membership at once (on Netlify the person first accepts the invitation); an
email no user has yet gets a user without a token. Site access lives beside the membership and goes
with it.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from reconciler.emulator import ids
from reconciler.emulator.clock import now_iso

SCHEMA = """
CREATE TABLE IF NOT EXISTS member_access (
    account_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    site_access TEXT NOT NULL,
    site_ids TEXT NOT NULL,
    PRIMARY KEY (account_id, user_id),
    FOREIGN KEY (account_id, user_id) REFERENCES memberships(account_id, user_id) ON DELETE CASCADE
);
"""

_SELECT = (
    "SELECT m.account_id, m.user_id, m.role, u.email, u.full_name, x.site_access, x.site_ids "
    "FROM memberships m JOIN users u ON u.id = m.user_id "
    "LEFT JOIN member_access x ON x.account_id = m.account_id AND x.user_id = m.user_id "
)


def list_members(db: sqlite3.Connection, account_id: str) -> list[sqlite3.Row]:
    query = _SELECT + "WHERE m.account_id = ? ORDER BY u.created_at, u.id"
    return db.execute(query, (account_id,)).fetchall()


def get(db: sqlite3.Connection, account_id: str, user_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        _SELECT + "WHERE m.account_id = ? AND m.user_id = ?", (account_id, user_id)
    ).fetchone()
    return row


def site_ids(row: sqlite3.Row) -> list[str]:
    value = json.loads(row["site_ids"]) if row["site_ids"] else []
    return [str(item) for item in value] if isinstance(value, list) else []


def add(db: sqlite3.Connection, account_id: str, email: str, role: str) -> str | None:
    """The new member's user id; None when that email is a member already."""
    user = db.execute("SELECT id FROM users WHERE lower(email) = ?", (email,)).fetchone()
    if user is None:
        user_id = ids.account_id()
        db.execute(
            "INSERT INTO users (id, email, full_name, created_at) VALUES (?, ?, ?, ?)",
            (user_id, email, "", now_iso()),
        )
    else:
        user_id = user["id"]
        if get(db, account_id, user_id) is not None:
            return None
    db.execute(
        "INSERT INTO memberships (account_id, user_id, role) VALUES (?, ?, ?)", (account_id, user_id, role)
    )
    return str(user_id)


def update(db: sqlite3.Connection, row: sqlite3.Row, changes: dict[str, Any]) -> None:
    """Role, and site access (the site ids are kept only while access is `selected`)."""
    account_id, user_id = row["account_id"], row["user_id"]
    if "role" in changes:
        db.execute(
            "UPDATE memberships SET role = ? WHERE account_id = ? AND user_id = ?",
            (changes["role"], account_id, user_id),
        )
    access = changes.get("site_access", row["site_access"] or "all")
    chosen = changes.get("site_ids", site_ids(row)) if access == "selected" else []
    db.execute(
        "INSERT INTO member_access (account_id, user_id, site_access, site_ids) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (account_id, user_id) DO UPDATE SET site_access = excluded.site_access, "
        "site_ids = excluded.site_ids",
        (account_id, user_id, access, json.dumps(chosen)),
    )


def remove(db: sqlite3.Connection, account_id: str, user_id: str) -> None:
    db.execute("DELETE FROM memberships WHERE account_id = ? AND user_id = ?", (account_id, user_id))


def owners(db: sqlite3.Connection, account_id: str) -> int:
    query = "SELECT COUNT(*) FROM memberships WHERE account_id = ? AND role = 'Owner'"
    return int(db.execute(query, (account_id,)).fetchone()[0])
