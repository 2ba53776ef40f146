"""Site metadata: a free-form JSON object per site, replaced as a whole (deleted with its site)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def get(db: sqlite3.Connection, site_id: str) -> dict[str, Any]:
    row = db.execute("SELECT metadata FROM sites WHERE id = ?", (site_id,)).fetchone()
    value = json.loads(row["metadata"]) if row else {}
    return value if isinstance(value, dict) else {}


def replace(db: sqlite3.Connection, site_id: str, metadata: dict[str, Any]) -> None:
    db.execute("UPDATE sites SET metadata = ? WHERE id = ?", (json.dumps(metadata), site_id))
