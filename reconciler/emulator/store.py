"""The emulator's state: one SQLite file per data directory, so it survives restarts.

One connection serves the whole process. Handlers run on a single event loop thread and keep all database
work of a request inside one `tx()` block without awaiting in it, so requests never interleave inside a
transaction. The lock only matters when another thread (tests, the CLI seeding tokens) writes concurrently.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from reconciler.emulator.data import (
    accounts,
    build_hooks,
    certificates,
    deploy_keys,
    dns,
    forms,
    hooks,
    integrations,
    members,
    snippets,
    split_tests,
)
from reconciler.emulator.data import deploys as deploy_data

DB_FILENAME = "emulator.sqlite3"
SCHEMA_VERSION = 1

# Every statement is idempotent (IF NOT EXISTS), so areas added later extend an existing data
# directory without a migration step. Areas with tables of their own append their DDL to SCHEMAS.
_BASE_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    full_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    token_digest TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    billing_email TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS memberships (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    PRIMARY KEY (account_id, user_id)
);
CREATE INDEX IF NOT EXISTS memberships_user ON memberships(user_id);
CREATE TABLE IF NOT EXISTS sites (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    settings TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS sites_account ON sites(account_id, seq);
CREATE TABLE IF NOT EXISTS site_domains (
    domain TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    kind TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS site_domains_site ON site_domains(site_id);
CREATE TABLE IF NOT EXISTS env_vars (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    site_id TEXT NOT NULL,
    key TEXT NOT NULL,
    scopes TEXT NOT NULL,
    is_secret INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    UNIQUE (account_id, site_id, key)
);
CREATE INDEX IF NOT EXISTS env_vars_site ON env_vars(site_id);
CREATE TABLE IF NOT EXISTS env_values (
    id TEXT PRIMARY KEY,
    var_seq INTEGER NOT NULL REFERENCES env_vars(seq) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    context TEXT NOT NULL,
    context_parameter TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS env_values_var ON env_values(var_seq, position);
"""

SCHEMAS: tuple[str, ...] = (_BASE_SCHEMA,)
# Site configuration areas (forms before hooks: a hook may reference a form).
SCHEMAS += (snippets.SCHEMA, build_hooks.SCHEMA, certificates.SCHEMA, forms.SCHEMA, hooks.SCHEMA)
SCHEMAS += (integrations.SCHEMA,)
SCHEMAS += (deploy_data.SCHEMA,)
SCHEMAS += (dns.SCHEMA, members.SCHEMA)  # team configuration: DNS, member access
SCHEMAS += (deploy_keys.SCHEMA,)  # the user's deploy keys, for repositories sites build from
SCHEMAS += (split_tests.SCHEMA,)


class Store:
    """Owns the SQLite connection; data access lives in `reconciler.emulator.data.*` (one module per area)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        # Bumped whenever tokens or memberships change, so cached auth lookups know to refresh.
        self.auth_generation = 0
        # No fsync (synchronous=OFF): the data survives the emulator being killed, as the OS holds every
        # write, but not a power cut or an OS crash. It is a test double's data, and an fsync at each WAL
        # checkpoint (every few hundred uploads) stalls the one thread that serves every request. The one
        # connection holds its locks until closed (locking_mode=EXCLUSIVE): no lock calls per transaction,
        # and no other process opens an emulator's database while it runs (`BlobStore` enforces one
        # emulator per data directory).
        for pragma in (
            "locking_mode=EXCLUSIVE",
            "journal_mode=WAL",
            "synchronous=OFF",
            "foreign_keys=ON",
            "busy_timeout=5000",
        ):
            self._conn.execute(f"PRAGMA {pragma}")
        self._migrate()

    @classmethod
    def open(cls, data_dir: Path) -> Store:
        """The store of a data directory (created if needed)."""
        return cls(Path(data_dir) / DB_FILENAME)

    def _migrate(self) -> None:
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path}: written by a newer emulator (schema {version}, "
                f"this one knows {SCHEMA_VERSION}); use a fresh data directory"
            )
        with self.tx() as db:
            for schema in SCHEMAS:
                for statement in schema.split(";"):
                    if statement.strip():
                        db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed on normal exit, rolled back on any exception (including ApiError)."""
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The connection for one read statement, outside any transaction: in autocommit mode a single
        statement already sees one consistent snapshot, and BEGIN/COMMIT would double the statements of
        the upload hot path's read. Use `tx()` for anything that reads twice or writes."""
        with self._lock:
            yield self._conn

    def register_token(
        self,
        token: str,
        teams: Sequence[str] = ("demo",),
        *,
        email: str | None = None,
        full_name: str | None = None,
    ) -> None:
        """See `reconciler.emulator.data.accounts.register_token`."""
        with self.tx() as db:
            accounts.register_token(db, token, teams, email=email, full_name=full_name)
        self.auth_generation += 1

    def close(self) -> None:
        with self._lock:
            self._conn.close()
