"""Users, tokens, accounts (personal and team) and memberships.

A token belongs to one user; the user owns a personal account and is a member of teams. Everything a
token may see is derived from the set of account ids it is a member of.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from reconciler.emulator import ids
from reconciler.emulator.clock import now_iso

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
ACCOUNT_COLUMNS = "id, slug, name, type, billing_email, created_at, updated_at"


@dataclass(frozen=True)
class Principal:
    """Who a token is: the user and the accounts it may see."""

    user_id: str
    email: str
    full_name: str
    personal_account_id: str
    account_ids: frozenset[str]


def register_token(
    db: sqlite3.Connection,
    token: str,
    teams: Sequence[str],
    *,
    email: str | None = None,
    full_name: str | None = None,
) -> None:
    """Create the token's user, personal account and teams if missing; idempotent across restarts.

    Existing memberships are never removed, and a team listed by several tokens is shared by their users.
    Email and full name are updated only when given.
    """
    if not token:
        raise ValueError("token must not be empty")
    for team in teams:
        if not SLUG_RE.match(team):
            raise ValueError(f"team slug {team!r} must be lowercase letters, digits and hyphens")
    digest = ids.token_digest(token)
    personal_slug = f"user-{digest[:8]}"
    now = now_iso()
    row = db.execute("SELECT user_id FROM tokens WHERE token_digest = ?", (digest,)).fetchone()
    if row is None:
        user_id = ids.account_id()
        db.execute(
            "INSERT INTO users (id, email, full_name, created_at) VALUES (?, ?, ?, ?)",
            (
                user_id,
                email or f"{personal_slug}@example.com",
                full_name or f"Emulator User {digest[:8]}",
                now,
            ),
        )
        db.execute("INSERT INTO tokens (token_digest, user_id) VALUES (?, ?)", (digest, user_id))
    else:
        user_id = row["user_id"]
        if email:
            db.execute("UPDATE users SET email = ? WHERE id = ?", (email, user_id))
        if full_name:
            db.execute("UPDATE users SET full_name = ? WHERE id = ?", (full_name, user_id))
    user = db.execute("SELECT email, full_name FROM users WHERE id = ?", (user_id,)).fetchone()
    _ensure_member(db, user_id, personal_slug, f"{user['full_name']}'s team", "personal", user["email"], now)
    for team in teams:
        _ensure_member(db, user_id, team, team.replace("-", " ").title(), "team", user["email"], now)


def _ensure_member(
    db: sqlite3.Connection, user_id: str, slug: str, name: str, kind: str, email: str, now: str
) -> None:
    row = db.execute("SELECT id, type FROM accounts WHERE slug = ?", (slug,)).fetchone()
    if row is None:
        account_id = ids.account_id()
        db.execute(
            f"INSERT INTO accounts ({ACCOUNT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (account_id, slug, name, kind, email, now, now),
        )
    elif row["type"] != kind:
        raise ValueError(f"account slug {slug!r} is already used by a {row['type']} account")
    else:
        account_id = row["id"]
    db.execute(
        "INSERT OR IGNORE INTO memberships (account_id, user_id, role) VALUES (?, ?, 'Owner')",
        (account_id, user_id),
    )


def principal_for_token(db: sqlite3.Connection, token: str) -> Principal | None:
    """The token's identity and visible accounts, or None for an unknown token."""
    user = db.execute(
        "SELECT u.id, u.email, u.full_name FROM tokens t JOIN users u ON u.id = t.user_id "
        "WHERE t.token_digest = ?",
        (ids.token_digest(token),),
    ).fetchone()
    if user is None:
        return None
    rows = db.execute(
        "SELECT a.id, a.type FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE m.user_id = ?",
        (user["id"],),
    ).fetchall()
    personal = next((r["id"] for r in rows if r["type"] == "personal"), "")
    return Principal(user["id"], user["email"], user["full_name"], personal, frozenset(r["id"] for r in rows))


def list_accounts(db: sqlite3.Connection, principal: Principal) -> list[sqlite3.Row]:
    """The principal's accounts, personal first, then teams by slug."""
    return db.execute(
        f"SELECT {ACCOUNT_COLUMNS} FROM accounts a JOIN memberships m ON m.account_id = a.id "
        "WHERE m.user_id = ? ORDER BY a.type = 'team', a.slug",
        (principal.user_id,),
    ).fetchall()


def find_account(db: sqlite3.Connection, principal: Principal, id_or_slug: str) -> sqlite3.Row | None:
    """An account by id or slug, only if the principal is a member (others look absent)."""
    row: sqlite3.Row | None = db.execute(
        f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?1 OR slug = ?1 LIMIT 1", (id_or_slug,)
    ).fetchone()
    if row is None or row["id"] not in principal.account_ids:
        return None
    return row


def account_owner_ids(db: sqlite3.Connection, account_id: str) -> list[str]:
    rows = db.execute(
        "SELECT user_id FROM memberships WHERE account_id = ? AND role = 'Owner' ORDER BY user_id",
        (account_id,),
    ).fetchall()
    return [r["user_id"] for r in rows]


def count_members(db: sqlite3.Connection, account_id: str) -> int:
    return int(
        db.execute("SELECT COUNT(*) FROM memberships WHERE account_id = ?", (account_id,)).fetchone()[0]
    )


def count_sites(db: sqlite3.Connection, account_id: str) -> int:
    return int(db.execute("SELECT COUNT(*) FROM sites WHERE account_id = ?", (account_id,)).fetchone()[0])


def user_summaries(db: sqlite3.Connection, user_ids: set[str]) -> dict[str, sqlite3.Row]:
    """Users by id, for `updated_by` fields."""
    if not user_ids:
        return {}
    marks = ",".join("?" * len(user_ids))
    rows = db.execute(f"SELECT id, email, full_name FROM users WHERE id IN ({marks})", tuple(user_ids))
    return {r["id"]: r for r in rows}
