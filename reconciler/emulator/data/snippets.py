"""Snippets of a site, numbered per site.

Ids are small integers counted per site from 1 and never reused, so a client holding the id of a deleted
snippet can never update a different one by mistake. Rows cascade away with their site.
"""

from __future__ import annotations

import sqlite3

from reconciler.emulator.models.snippet import FIELDS

SCHEMA = """
CREATE TABLE IF NOT EXISTS snippets (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    id INTEGER NOT NULL,
    title TEXT NOT NULL,
    general TEXT NOT NULL,
    general_position TEXT NOT NULL,
    goal TEXT NOT NULL,
    goal_position TEXT NOT NULL,
    PRIMARY KEY (site_id, id)
);
CREATE TABLE IF NOT EXISTS snippet_counters (
    site_id TEXT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
    last_id INTEGER NOT NULL
);
"""

_COLUMNS = "site_id, id, " + ", ".join(FIELDS)


def list_snippets(db: sqlite3.Connection, site_id: str) -> list[sqlite3.Row]:
    return db.execute(f"SELECT {_COLUMNS} FROM snippets WHERE site_id = ? ORDER BY id", (site_id,)).fetchall()


def get(db: sqlite3.Connection, site_id: str, snippet_id: int) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        f"SELECT {_COLUMNS} FROM snippets WHERE site_id = ? AND id = ?", (site_id, snippet_id)
    ).fetchone()
    return row


def create(db: sqlite3.Connection, site_id: str, fields: dict[str, str]) -> int:
    """Insert a snippet under the site's next id and return that id."""
    db.execute(
        "INSERT INTO snippet_counters (site_id, last_id) VALUES (?, 1) "
        "ON CONFLICT (site_id) DO UPDATE SET last_id = last_id + 1",
        (site_id,),
    )
    snippet_id = int(
        db.execute("SELECT last_id FROM snippet_counters WHERE site_id = ?", (site_id,)).fetchone()[0]
    )
    marks = ", ".join("?" * len(FIELDS))
    db.execute(
        f"INSERT INTO snippets ({_COLUMNS}) VALUES (?, ?, {marks})",
        (site_id, snippet_id, *(fields[f] for f in FIELDS)),
    )
    return snippet_id


def update(db: sqlite3.Connection, site_id: str, snippet_id: int, fields: dict[str, str]) -> None:
    assignments = ", ".join(f"{f} = ?" for f in FIELDS)
    db.execute(
        f"UPDATE snippets SET {assignments} WHERE site_id = ? AND id = ?",
        (*(fields[f] for f in FIELDS), site_id, snippet_id),
    )


def delete(db: sqlite3.Connection, site_id: str, snippet_id: int) -> None:
    db.execute("DELETE FROM snippets WHERE site_id = ? AND id = ?", (site_id, snippet_id))
