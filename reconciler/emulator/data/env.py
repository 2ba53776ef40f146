"""Environment variables at team level (`site_id = ''`) or site level, with their per-context values.

Creating a key that already exists at the same level answers 409 Conflict (the request is well-formed but
clashes with current state; 422 stays reserved for invalid bodies). A secret variable cannot be turned
back into a plain one (Netlify refuses this too): that is a 422.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from reconciler.emulator import ids
from reconciler.emulator.clock import now_iso
from reconciler.emulator.data.accounts import user_summaries
from reconciler.emulator.errors import ApiError, unprocessable
from reconciler.emulator.models.env import ValueInput, VarInput, render_var

_VAR_COLUMNS = "seq, account_id, site_id, key, scopes, is_secret, updated_at, updated_by"
_VALUE_COLUMNS = "id, var_seq, position, context, context_parameter, value"


def list_vars(db: sqlite3.Connection, account_id: str, site_id: str) -> list[dict[str, Any]]:
    """All variables of one level, sorted by key, rendered with three queries in total."""
    rows = db.execute(
        f"SELECT {_VAR_COLUMNS} FROM env_vars WHERE account_id = ? AND site_id = ? ORDER BY key",
        (account_id, site_id),
    ).fetchall()
    values = db.execute(
        f"SELECT {_VALUE_COLUMNS} FROM env_values WHERE var_seq IN "
        "(SELECT seq FROM env_vars WHERE account_id = ? AND site_id = ?) ORDER BY var_seq, position",
        (account_id, site_id),
    ).fetchall()
    by_var: dict[int, list[sqlite3.Row]] = {}
    for value in values:
        by_var.setdefault(value["var_seq"], []).append(value)
    users = user_summaries(db, {r["updated_by"] for r in rows})
    return [render_var(r, by_var.get(r["seq"], []), users.get(r["updated_by"])) for r in rows]


def find(db: sqlite3.Connection, account_id: str, site_id: str, key: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        f"SELECT {_VAR_COLUMNS} FROM env_vars WHERE account_id = ? AND site_id = ? AND key = ?",
        (account_id, site_id, key),
    ).fetchone()
    return row


def render(db: sqlite3.Connection, seq: int) -> dict[str, Any]:
    var = db.execute(f"SELECT {_VAR_COLUMNS} FROM env_vars WHERE seq = ?", (seq,)).fetchone()
    values = db.execute(
        f"SELECT {_VALUE_COLUMNS} FROM env_values WHERE var_seq = ? ORDER BY position", (seq,)
    ).fetchall()
    users = user_summaries(db, {var["updated_by"]})
    return render_var(var, values, users.get(var["updated_by"]))


def create(db: sqlite3.Connection, account_id: str, site_id: str, var: VarInput, user_id: str) -> int:
    if find(db, account_id, site_id, var.key) is not None:
        raise ApiError(409, f"Environment variable {var.key} already exists")
    cursor = db.execute(
        "INSERT INTO env_vars (account_id, site_id, key, scopes, is_secret, updated_at, updated_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (account_id, site_id, var.key, json.dumps(var.scopes), int(bool(var.is_secret)), now_iso(), user_id),
    )
    seq = cursor.lastrowid
    assert seq is not None
    _insert_values(db, seq, var.values, {})
    return seq


def replace(db: sqlite3.Connection, row: sqlite3.Row, var: VarInput, user_id: str) -> None:
    """updateEnvVar: new scopes, values and secrecy; `key` renames. Ids survive for unchanged contexts."""
    is_secret = bool(row["is_secret"]) if var.is_secret is None else var.is_secret
    if row["is_secret"] and not is_secret:
        raise unprocessable(f"Environment variable {row['key']} is secret and cannot be made non-secret")
    key = var.key or row["key"]
    if key != row["key"] and find(db, row["account_id"], row["site_id"], key) is not None:
        raise ApiError(409, f"Environment variable {key} already exists")
    old_ids = {
        (v["context"], v["context_parameter"]): v["id"]
        for v in db.execute(
            "SELECT id, context, context_parameter FROM env_values WHERE var_seq = ?", (row["seq"],)
        )
    }
    db.execute("DELETE FROM env_values WHERE var_seq = ?", (row["seq"],))
    db.execute(
        "UPDATE env_vars SET key = ?, scopes = ?, is_secret = ?, updated_at = ?, updated_by = ? "
        "WHERE seq = ?",
        (key, json.dumps(var.scopes), int(is_secret), now_iso(), user_id, row["seq"]),
    )
    _insert_values(db, row["seq"], var.values, old_ids)


def set_value(db: sqlite3.Connection, row: sqlite3.Row, value: ValueInput, user_id: str) -> None:
    """setEnvVarValue: update the value of that context (and branch), or add it."""
    existing = db.execute(
        "SELECT id FROM env_values WHERE var_seq = ? AND context = ? AND context_parameter = ?",
        (row["seq"], value.context, value.context_parameter),
    ).fetchone()
    if existing is not None:
        db.execute("UPDATE env_values SET value = ? WHERE id = ?", (value.value, existing["id"]))
    else:
        _insert_values(db, row["seq"], (value,), {})
    _touch(db, row["seq"], user_id)


def delete(db: sqlite3.Connection, row: sqlite3.Row) -> None:
    db.execute("DELETE FROM env_vars WHERE seq = ?", (row["seq"],))


def delete_value(db: sqlite3.Connection, row: sqlite3.Row, value_id: str, user_id: str) -> bool:
    cursor = db.execute("DELETE FROM env_values WHERE var_seq = ? AND id = ?", (row["seq"], value_id))
    if cursor.rowcount == 0:
        return False
    _touch(db, row["seq"], user_id)
    return True


def _touch(db: sqlite3.Connection, seq: int, user_id: str) -> None:
    db.execute("UPDATE env_vars SET updated_at = ?, updated_by = ? WHERE seq = ?", (now_iso(), user_id, seq))


def _insert_values(
    db: sqlite3.Connection, seq: int, values: tuple[ValueInput, ...], old_ids: dict[tuple[str, str], str]
) -> None:
    start = db.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM env_values WHERE var_seq = ?", (seq,))
    position = int(start.fetchone()[0])
    for offset, value in enumerate(values):
        value_id = old_ids.get((value.context, value.context_parameter)) or ids.uuid4()
        db.execute(
            f"INSERT INTO env_values ({_VALUE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            (value_id, seq, position + offset, value.context, value.context_parameter, value.value),
        )
