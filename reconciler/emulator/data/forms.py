"""Forms of a site and their submissions.

Netlify detects forms when a deploy is processed; the emulator has no form detection, so forms and
submissions come from the seed file (`add_form`, `add_submission`). Submissions are numbered per form and
listed newest first, as Netlify's dashboard and API show them. Deleting a form deletes its submissions and
the outgoing hooks bound to it; everything cascades away with the site.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from typing import Any

from reconciler.emulator.clock import now_iso
from reconciler.emulator.ids import account_id as object_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS forms (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    paths TEXT NOT NULL,
    fields TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (site_id, name)
);
CREATE TABLE IF NOT EXISTS submissions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    form_id TEXT NOT NULL REFERENCES forms(id) ON DELETE CASCADE,
    site_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS submissions_form ON submissions(form_id, seq);
CREATE INDEX IF NOT EXISTS submissions_site ON submissions(site_id, seq);
"""

_FORM = (
    "SELECT f.id, f.site_id, f.name, f.paths, f.fields, f.created_at, "
    "(SELECT COUNT(*) FROM submissions x WHERE x.form_id = f.id) AS submission_count FROM forms f "
)
_SUBMISSION = (
    "SELECT x.id, x.form_id, x.site_id, x.number, x.data, x.created_at, f.name AS form_name "
    "FROM submissions x JOIN forms f ON f.id = x.form_id "
)


def list_forms(db: sqlite3.Connection, site_id: str) -> list[sqlite3.Row]:
    return db.execute(_FORM + "WHERE f.site_id = ? ORDER BY f.seq", (site_id,)).fetchall()


def get(db: sqlite3.Connection, site_id: str, form_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        _FORM + "WHERE f.site_id = ? AND f.id = ?", (site_id, form_id)
    ).fetchone()
    return row


def by_name(db: sqlite3.Connection, site_id: str, name: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        _FORM + "WHERE f.site_id = ? AND f.name = ?", (site_id, name)
    ).fetchone()
    return row


def visible_form(db: sqlite3.Connection, form_id: str, account_ids: Collection[str]) -> sqlite3.Row | None:
    """A form by id, only if its site belongs to one of `account_ids` (others look absent)."""
    row: sqlite3.Row | None = db.execute(
        "SELECT f.id, f.site_id, s.account_id FROM forms f JOIN sites s ON s.id = f.site_id WHERE f.id = ?",
        (form_id,),
    ).fetchone()
    if row is None or row["account_id"] not in account_ids:
        return None
    return row


def add_form(
    db: sqlite3.Connection, site_id: str, name: str, paths: list[str], fields: list[dict[str, Any]]
) -> str:
    form_id = object_id()
    db.execute(
        "INSERT INTO forms (id, site_id, name, paths, fields, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (form_id, site_id, name, json.dumps(paths), json.dumps(fields), now_iso()),
    )
    return form_id


def add_submission(db: sqlite3.Connection, form_id: str, data: dict[str, Any]) -> str:
    form = db.execute("SELECT site_id FROM forms WHERE id = ?", (form_id,)).fetchone()
    number = db.execute(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM submissions WHERE form_id = ?", (form_id,)
    ).fetchone()[0]
    submission_id = object_id()
    db.execute(
        "INSERT INTO submissions (id, form_id, site_id, number, data, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (submission_id, form_id, form["site_id"], number, json.dumps(data), now_iso()),
    )
    return submission_id


def delete_form(db: sqlite3.Connection, form_id: str) -> None:
    db.execute("DELETE FROM forms WHERE id = ?", (form_id,))


def list_submissions(
    db: sqlite3.Connection, column: str, value: str, offset: int, limit: int
) -> tuple[list[sqlite3.Row], int]:
    """One page of a site's (`column="site_id"`) or a form's (`"form_id"`) submissions, newest first."""
    assert column in ("site_id", "form_id")
    total = int(db.execute(f"SELECT COUNT(*) FROM submissions WHERE {column} = ?", (value,)).fetchone()[0])
    rows = db.execute(
        _SUBMISSION + f"WHERE x.{column} = ? ORDER BY x.seq DESC LIMIT ? OFFSET ?", (value, limit, offset)
    ).fetchall()
    return rows, total
