"""Sites: creation, lookup by id/name/domain, listing, update and deletion.

Names and domains are unique across all accounts (as on Netlify, where they become hostnames); a conflict
is a 422. Lookups filter by the caller's accounts so another team's site is indistinguishable from none.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from typing import Any

from reconciler.emulator import ids
from reconciler.emulator.clock import now_iso
from reconciler.emulator.errors import unprocessable
from reconciler.emulator.models.site import NETLIFY_DOMAIN, site_domains

_SELECT = (
    "SELECT s.seq, s.id, s.account_id, s.name, s.user_id, s.created_at, s.updated_at, s.settings, "
    "a.name AS account_name, a.slug AS account_slug FROM sites s JOIN accounts a ON a.id = s.account_id "
)
_SUFFIX = "." + NETLIFY_DOMAIN


def _by(db: sqlite3.Connection, where: str, value: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(_SELECT + "WHERE " + where, (value,)).fetchone()
    return row


def resolve(db: sqlite3.Connection, ref: str, account_ids: Collection[str]) -> sqlite3.Row | None:
    """A site by id, name, `<name or id>.netlify.app`, custom domain or alias, if the caller may see it."""
    ref = ref.strip().lower()
    row = _by(db, "s.id = ?", ref) or _by(db, "s.name = ?", ref)
    if row is None and ref.endswith(_SUFFIX):
        label = ref[: -len(_SUFFIX)]
        row = _by(db, "s.name = ?", label) or _by(db, "s.id = ?", label)
    if row is None:
        row = _by(db, "s.id = (SELECT site_id FROM site_domains WHERE domain = ?)", ref)
    if row is None or row["account_id"] not in account_ids:
        return None
    return row


def get(db: sqlite3.Connection, site_id: str) -> sqlite3.Row:
    row = _by(db, "s.id = ?", site_id)
    assert row is not None
    return row


def list_sites(
    db: sqlite3.Connection, account_ids: Collection[str], name: str | None, offset: int, limit: int
) -> tuple[list[sqlite3.Row], int]:
    """One page of sites in creation order, and the total count matching the filter."""
    if not account_ids:
        return [], 0
    marks = ",".join("?" * len(account_ids))
    where = f"WHERE s.account_id IN ({marks})"
    params: list[Any] = list(account_ids)
    if name:
        where += " AND instr(s.name, ?) > 0"
        params.append(name.lower())
    total = int(db.execute(f"SELECT COUNT(*) FROM sites s {where}", params).fetchone()[0])
    rows = db.execute(_SELECT + where + " ORDER BY s.seq LIMIT ? OFFSET ?", [*params, limit, offset])
    return rows.fetchall(), total


def create(
    db: sqlite3.Connection, account_id: str, user_id: str, name: str | None, settings: dict[str, Any]
) -> str:
    """Insert a site and return its id; a missing name gets a generated, unused one."""
    if name is None:
        name = ids.site_name()
        while _by(db, "s.name = ?", name) is not None:
            name = ids.site_name()
    elif _by(db, "s.name = ?", name) is not None:
        raise _name_taken(name)
    site_id = ids.uuid4()
    now = now_iso()
    db.execute(
        "INSERT INTO sites (id, account_id, name, user_id, created_at, updated_at, settings) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (site_id, account_id, name, user_id, now, now, json.dumps(settings)),
    )
    _set_domains(db, site_id, settings)
    return site_id


def update(db: sqlite3.Connection, site_id: str, name: str, settings: dict[str, Any]) -> None:
    """Store new name and settings; a name used by another site is a 422."""
    other = _by(db, "s.name = ?", name)
    if other is not None and other["id"] != site_id:
        raise _name_taken(name)
    db.execute(
        "UPDATE sites SET name = ?, settings = ?, updated_at = ? WHERE id = ?",
        (name, json.dumps(settings), now_iso(), site_id),
    )
    _set_domains(db, site_id, settings)


def delete(db: sqlite3.Connection, site_id: str) -> None:
    """Remove the site and everything hanging off it (domains and metadata cascade; env vars explicitly)."""
    db.execute("DELETE FROM env_vars WHERE site_id = ?", (site_id,))
    db.execute("DELETE FROM sites WHERE id = ?", (site_id,))


def settings_of(row: sqlite3.Row) -> dict[str, Any]:
    value = json.loads(row["settings"])
    return value if isinstance(value, dict) else {}


def _set_domains(db: sqlite3.Connection, site_id: str, settings: dict[str, Any]) -> None:
    db.execute("DELETE FROM site_domains WHERE site_id = ?", (site_id,))
    for domain, kind in site_domains(settings):
        taken = db.execute("SELECT site_id FROM site_domains WHERE domain = ?", (domain,)).fetchone()
        if taken is not None and taken["site_id"] == site_id:
            continue
        if taken is not None:
            raise unprocessable(f"Validation failed: domain {domain} is already used by another site")
        db.execute(
            "INSERT INTO site_domains (domain, site_id, kind) VALUES (?, ?, ?)", (domain, site_id, kind)
        )


def _name_taken(name: str) -> Exception:
    return unprocessable(f"Validation failed: name {name} is already taken")
