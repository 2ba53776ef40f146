"""A deploy's manifest (paths → SHA-1, functions → SHA-256), what its team still has to upload, and the
files a site publishes.

Blobs belong to a team (account), not to a site: `team_blobs` records which account has uploaded which
digest, so a file any site of the team uploaded before is not `required` again, while another team with
the same content must still upload it (it cannot prove it has the bytes otherwise).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from reconciler.emulator.blobs import Kind


def store_manifest(
    db: sqlite3.Connection,
    seq: int,
    account_id: str,
    files: dict[str, str],
    functions: dict[str, str],
    blob_exists: Callable[[Kind, str], bool],
) -> int:
    """Store the manifest and the requirements it implies; return how many digests are required."""
    db.executemany(
        "INSERT INTO deploy_files (deploy_seq, path, sha1) VALUES (?, ?, ?)",
        ((seq, path, sha) for path, sha in files.items()),
    )
    db.executemany(
        "INSERT INTO deploy_functions (deploy_seq, name, sha256) VALUES (?, ?, ?)",
        ((seq, name, sha) for name, sha in functions.items()),
    )
    wanted: list[tuple[Kind, set[str]]] = [
        ("file", set(files.values())),
        ("function", set(functions.values())),
    ]
    required: list[tuple[int, str, str]] = []
    for kind, digests in wanted:
        if not digests:
            continue
        known = _team_digests(db, account_id, kind, seq)
        for digest in sorted(digests):
            # A blob recorded for the team but missing on disk (a wiped blob directory) is asked for again.
            if digest not in known or not blob_exists(kind, digest):
                required.append((seq, kind, digest))
    db.executemany("INSERT INTO deploy_required (deploy_seq, kind, digest) VALUES (?, ?, ?)", required)
    return len(required)


def _team_digests(db: sqlite3.Connection, account_id: str, kind: Kind, seq: int) -> set[str]:
    """The manifest's digests the team already has, in one join instead of a query per digest."""
    if kind == "file":
        sql = (
            "SELECT DISTINCT f.sha1 FROM deploy_files f JOIN team_blobs b ON b.account_id = ? "
            "AND b.kind = 'file' AND b.digest = f.sha1 WHERE f.deploy_seq = ?"
        )
    else:
        sql = (
            "SELECT DISTINCT f.sha256 FROM deploy_functions f JOIN team_blobs b ON b.account_id = ? "
            "AND b.kind = 'function' AND b.digest = f.sha256 WHERE f.deploy_seq = ?"
        )
    return {row[0] for row in db.execute(sql, (account_id, seq))}


def record_blob(
    db: sqlite3.Connection, seq: int, account_id: str, kind: Kind, digest: str, size: int
) -> bool:
    """Note that the team has the blob; True when it satisfied one of the deploy's pending requirements."""
    db.execute(
        "INSERT OR IGNORE INTO team_blobs (account_id, kind, digest, size) VALUES (?, ?, ?, ?)",
        (account_id, kind, digest, size),
    )
    cursor = db.execute(
        "UPDATE deploy_required SET pending = 0 WHERE deploy_seq = ? AND kind = ? AND digest = ? "
        "AND pending = 1",
        (seq, kind, digest),
    )
    return cursor.rowcount > 0


def record_team_blobs(db: sqlite3.Connection, account_id: str, blobs: dict[str, int]) -> None:
    """Blobs stored without an upload request (ZIP deploys): digest → size."""
    db.executemany(
        "INSERT OR IGNORE INTO team_blobs (account_id, kind, digest, size) VALUES (?, 'file', ?, ?)",
        ((account_id, digest, size) for digest, size in blobs.items()),
    )


def set_function_runtime(db: sqlite3.Connection, seq: int, name: str, runtime: str | None) -> None:
    db.execute(
        "UPDATE deploy_functions SET runtime = ? WHERE deploy_seq = ? AND name = ?", (runtime, seq, name)
    )


def deploy_files(db: sqlite3.Connection, seq: int, account_id: str) -> list[sqlite3.Row]:
    """A deploy's files by path, with sizes from the team's blob records (absent until uploaded)."""
    return db.execute(
        "SELECT f.path, f.sha1, b.size FROM deploy_files f LEFT JOIN team_blobs b ON b.account_id = ? "
        "AND b.kind = 'file' AND b.digest = f.sha1 WHERE f.deploy_seq = ? ORDER BY f.path",
        (account_id, seq),
    ).fetchall()


def deploy_file(db: sqlite3.Connection, seq: int, account_id: str, path: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        "SELECT f.path, f.sha1, b.size FROM deploy_files f LEFT JOIN team_blobs b ON b.account_id = ? "
        "AND b.kind = 'file' AND b.digest = f.sha1 WHERE f.deploy_seq = ? AND f.path = ?",
        (account_id, seq, path),
    ).fetchone()
    return row


_TARGET_SQL = {
    "file": "LEFT JOIN deploy_files m ON m.deploy_seq = d.seq AND m.path = ? ",
    "function": "LEFT JOIN deploy_functions m ON m.deploy_seq = d.seq AND m.name = ? ",
}
_TARGET_DIGEST = {"file": "m.sha1", "function": "m.sha256"}


def upload_target(db: sqlite3.Connection, deploy_id: str, kind: Kind, key: str | None) -> sqlite3.Row | None:
    """For the upload hot path, one query: the deploy's seq, phase, team and site settings, and (when
    `key` is given) the digest its manifest expects for that path or function name (`expected`)."""
    row: sqlite3.Row | None = db.execute(
        "SELECT d.seq, d.phase, s.account_id, s.settings AS site_settings, "
        f"{_TARGET_DIGEST[kind]} AS expected FROM deploys d JOIN sites s ON s.id = d.site_id "
        + _TARGET_SQL[kind]
        + "WHERE d.id = ?",
        (key, deploy_id),
    ).fetchone()
    return row
