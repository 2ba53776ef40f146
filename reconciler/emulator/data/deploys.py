"""Deploy rows, their timeline, and which deploy each site publishes.

`phase` is what is stored (`new`, `active`, `ready`, `error`); the finer states of an active deploy are
derived from its timestamps (`models.deploy.derive_state`). `settle()` turns active deploys whose ready
moment has passed into `ready` rows and publishes them, oldest first, so the most recently finished one
wins; every read of a site's deploys or published files settles first, which is what makes the lazy
state machine look like a live one.

Publishing rules: a deploy auto-publishes when it becomes ready unless it is a draft, a branch deploy,
or the site's current published deploy is locked. Restore publishes any ready deploy explicitly.
"""

from __future__ import annotations

import sqlite3

from reconciler.emulator.clock import iso_from_ms, now_iso
from reconciler.emulator.models.deploy import CANCELED_MESSAGE, Timing

SCHEMA = """
CREATE TABLE IF NOT EXISTS deploys (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    phase TEXT NOT NULL,
    is_async INTEGER NOT NULL DEFAULT 0,
    draft INTEGER NOT NULL DEFAULT 0,
    branch TEXT,
    title TEXT,
    framework TEXT,
    commit_ref TEXT,
    locked INTEGER NOT NULL DEFAULT 0,
    error_message TEXT,
    function_schedules TEXT NOT NULL DEFAULT '[]',
    functions_config TEXT NOT NULL DEFAULT '{}',
    pending INTEGER NOT NULL DEFAULT 0,
    uploads_started INTEGER NOT NULL DEFAULT 0,
    prepared_at_ms INTEGER,
    processing_at_ms INTEGER,
    ready_at_ms INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    published_at TEXT
);
CREATE INDEX IF NOT EXISTS deploys_site ON deploys(site_id, seq);
CREATE INDEX IF NOT EXISTS deploys_site_phase ON deploys(site_id, phase);
CREATE TABLE IF NOT EXISTS deploy_files (
    deploy_seq INTEGER NOT NULL REFERENCES deploys(seq) ON DELETE CASCADE,
    path TEXT NOT NULL,
    sha1 TEXT NOT NULL,
    PRIMARY KEY (deploy_seq, path)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deploy_functions (
    deploy_seq INTEGER NOT NULL REFERENCES deploys(seq) ON DELETE CASCADE,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    runtime TEXT,
    PRIMARY KEY (deploy_seq, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deploy_required (
    deploy_seq INTEGER NOT NULL REFERENCES deploys(seq) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    digest TEXT NOT NULL,
    pending INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (deploy_seq, kind, digest)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS team_blobs (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    digest TEXT NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (account_id, kind, digest)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS published_deploys (
    site_id TEXT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
    deploy_id TEXT NOT NULL REFERENCES deploys(id) ON DELETE CASCADE
);
"""

# The deploy's functions as a JSON array for `available_functions` (models.deploy): the size is the team's
# blob record (known once uploaded) and the runtime the one its upload named, else the one an earlier upload
# of the same zip by the team named (a reused function is not uploaded again).
_FUNCTIONS_JSON = (
    "(SELECT json_group_array(json_object('n', f.name, 'd', f.sha256, 's', b.size, 'r', COALESCE(f.runtime, "
    "(SELECT o.runtime FROM deploy_functions o JOIN deploys od ON od.seq = o.deploy_seq "
    "JOIN sites os ON os.id = od.site_id WHERE o.sha256 = f.sha256 AND o.runtime IS NOT NULL "
    "AND os.account_id = s.account_id LIMIT 1)))) "
    "FROM deploy_functions f LEFT JOIN team_blobs b ON b.account_id = s.account_id AND b.kind = 'function' "
    "AND b.digest = f.sha256 WHERE f.deploy_seq = d.seq) AS functions_json"
)
# Deploy columns plus what rendering needs from the site (name and settings for the URLs).
SELECT = (
    "SELECT d.*, s.name AS site_name, s.settings AS site_settings, s.account_id AS account_id, "
    + _FUNCTIONS_JSON
    + " FROM deploys d JOIN sites s ON s.id = d.site_id "
)


def get(db: sqlite3.Connection, deploy_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(SELECT + "WHERE d.id = ?", (deploy_id,)).fetchone()
    return row


def insert(
    db: sqlite3.Connection,
    deploy_id: str,
    site_id: str,
    user_id: str,
    *,
    draft: bool,
    branch: str | None,
    title: str | None,
    framework: str | None,
    commit_ref: str | None = None,
) -> None:
    """A deploy in phase `new`: it has no manifest yet (netlify-cli sends that with a PUT)."""
    now = now_iso()
    db.execute(
        "INSERT INTO deploys (id, site_id, user_id, phase, draft, branch, title, framework, commit_ref, "
        "created_at, updated_at) VALUES (?, ?, ?, 'new', ?, ?, ?, ?, ?, ?, ?)",
        (deploy_id, site_id, user_id, int(draft), branch, title, framework, commit_ref, now, now),
    )


def start_timeline(
    db: sqlite3.Connection, seq: int, *, is_async: bool, pending: int, now_ms: int, timing: Timing
) -> None:
    """Make a deploy active once its manifest is stored: when it is prepared, and if nothing is left to
    upload, when it is processing and ready."""
    prepared = now_ms + timing.prepare_ms if is_async else None
    base = prepared if prepared is not None else now_ms
    processing, ready = (base, base + timing.processing_ms) if pending == 0 else (None, None)
    db.execute(
        "UPDATE deploys SET phase = 'active', is_async = ?, pending = ?, prepared_at_ms = ?, "
        "processing_at_ms = ?, ready_at_ms = ?, updated_at = ? WHERE seq = ?",
        (int(is_async), pending, prepared, processing, ready, now_iso(), seq),
    )


def mark_uploaded(db: sqlite3.Connection, seq: int, cleared: bool, now_ms: int, timing: Timing) -> bool:
    """Record an upload; `cleared` says it satisfied a pending requirement. The last one starts processing.
    False when the deploy no longer accepts uploads (canceled or failed while the body was arriving).

    The first third of the processing delay shows as `uploaded`, the rest as `processing`.
    """
    if not cleared:
        started = db.execute(
            "UPDATE deploys SET uploads_started = 1 WHERE seq = ? AND phase = 'active' RETURNING pending",
            (seq,),
        ).fetchone()
        return started is not None
    row = db.execute(
        "UPDATE deploys SET pending = pending - 1, uploads_started = 1, updated_at = ?, "
        "prepared_at_ms = CASE WHEN prepared_at_ms > ? THEN ? ELSE prepared_at_ms END "
        "WHERE seq = ? AND phase = 'active' RETURNING pending",
        (now_iso(), now_ms, now_ms, seq),
    ).fetchone()
    if row is None:
        return False
    if row[0] == 0:
        db.execute(
            "UPDATE deploys SET processing_at_ms = ?, ready_at_ms = ? WHERE seq = ?",
            (now_ms + timing.processing_ms // 3, now_ms + timing.processing_ms, seq),
        )
    return True


def settle(db: sqlite3.Connection, site_id: str, now_ms: int) -> None:
    """Persist `ready` for active deploys whose ready moment has passed, publishing them in that order."""
    due = db.execute(
        "SELECT id, draft, branch, ready_at_ms FROM deploys WHERE site_id = ? AND phase = 'active' "
        "AND ready_at_ms IS NOT NULL AND ready_at_ms <= ? ORDER BY ready_at_ms, seq",
        (site_id, now_ms),
    ).fetchall()
    for row in due:
        db.execute("UPDATE deploys SET phase = 'ready', updated_at = ? WHERE id = ?", (now_iso(), row["id"]))
        if not row["draft"] and not row["branch"] and not _published_is_locked(db, site_id):
            publish(db, site_id, row["id"], iso_from_ms(row["ready_at_ms"]))


def _published_is_locked(db: sqlite3.Connection, site_id: str) -> bool:
    row = db.execute(
        "SELECT d.locked FROM published_deploys p JOIN deploys d ON d.id = p.deploy_id WHERE p.site_id = ?",
        (site_id,),
    ).fetchone()
    return bool(row and row[0])


def publish(db: sqlite3.Connection, site_id: str, deploy_id: str, when: str | None = None) -> None:
    db.execute(
        "INSERT INTO published_deploys (site_id, deploy_id) VALUES (?, ?) "
        "ON CONFLICT (site_id) DO UPDATE SET deploy_id = excluded.deploy_id",
        (site_id, deploy_id),
    )
    db.execute(
        "UPDATE deploys SET published_at = ?, updated_at = ? WHERE id = ?",
        (when or now_iso(), now_iso(), deploy_id),
    )


def published_id(db: sqlite3.Connection, site_id: str) -> str | None:
    row = db.execute("SELECT deploy_id FROM published_deploys WHERE site_id = ?", (site_id,)).fetchone()
    return None if row is None else str(row[0])


def previous_published(db: sqlite3.Connection, site_id: str) -> str | None:
    """For rollback: the newest ready deploy created before the published one that was published once.

    Walking back by creation order (not publication history) makes repeated rollbacks go further back
    instead of toggling between two deploys.
    """
    current = published_id(db, site_id)
    if current is None:
        return None
    row = db.execute(
        "SELECT id FROM deploys WHERE site_id = ?1 AND phase = 'ready' AND published_at IS NOT NULL "
        "AND seq < (SELECT seq FROM deploys WHERE id = ?2) ORDER BY seq DESC LIMIT 1",
        (site_id, current),
    ).fetchone()
    return None if row is None else str(row[0])


def cancel(db: sqlite3.Connection, seq: int) -> None:
    db.execute(
        "UPDATE deploys SET phase = 'error', error_message = ?, updated_at = ? WHERE seq = ?",
        (CANCELED_MESSAGE, now_iso(), seq),
    )


def set_locked(db: sqlite3.Connection, seq: int, locked: bool) -> None:
    db.execute("UPDATE deploys SET locked = ?, updated_at = ? WHERE seq = ?", (int(locked), now_iso(), seq))


def delete(db: sqlite3.Connection, seq: int) -> None:
    db.execute("DELETE FROM deploys WHERE seq = ?", (seq,))


def site_rows(db: sqlite3.Connection, site_id: str) -> list[sqlite3.Row]:
    """All deploys of a site, newest first (as Netlify lists them)."""
    return db.execute(SELECT + "WHERE d.site_id = ? ORDER BY d.seq DESC", (site_id,)).fetchall()


def required_of(db: sqlite3.Connection, seq: int) -> tuple[list[str], list[str]]:
    """The digests the CDN asked for (files, functions), sorted; uploads do not shrink these lists."""
    files: list[str] = []
    functions: list[str] = []
    for kind, digest in db.execute(
        "SELECT kind, digest FROM deploy_required WHERE deploy_seq = ?", (seq,)
    ).fetchall():
        (files if kind == "file" else functions).append(digest)
    return files, functions
