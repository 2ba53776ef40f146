"""What this tool has applied, stored on Netlify itself so every run is stateless.

Per site the ledger lives under a reserved site-metadata key; per team (and per site, when the
manifest says so) in the integration context of a named integration. It holds the identities this
tool created or adopted (the inventory that default pruning works from) and, for secret env vars,
keyed digests (HMAC-SHA256 with a key only the user holds) of the values written plus the
`updated_at` Netlify reported right after the write. No value is stored, not even hashed without a key.
While an apply runs it also names the objects its create-first replaces are about to supersede (see
`Ledger.replacing`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LEDGER_KEY = "netlify-reconciler"  # reserved key in site metadata and in integration config
KEY_ENV = "NETLIFY_RECONCILER_LEDGER_KEY"
FORMAT = 1
REPLACING_FIELD = "replacing"

Replacing = dict[str, dict[str, str]]  # kind -> identity -> the id of the live object being replaced


@dataclass
class Ledger:
    """The inventory, plus one JSON record per kind that needs to remember what it wrote (env: secret
    digests; deploy: the last deploy it made). Each kind owns the shape of its record."""

    managed: dict[str, set[str]] = field(default_factory=dict)  # kind -> identities we created or adopted
    records: dict[str, Any] = field(default_factory=dict)  # kind -> that kind's JSON record
    # Written with the lease, before any change: the old objects of this apply's create-first replaces.
    # An apply killed (or failing) between a replace's create and its delete leaves two live objects with
    # one identity; this names the one to delete. Never in `to_json`: the ledger write that ends a
    # successful apply drops it.
    replacing: Replacing = field(default_factory=dict)

    def manages(self, kind: str, identity: str) -> bool:
        return identity in self.managed.get(kind, set())

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "managed": {kind: sorted(ids) for kind, ids in sorted(self.managed.items()) if ids},
            "records": {kind: record for kind, record in sorted(self.records.items()) if record},
        }

    @classmethod
    def from_json(cls, data: Any) -> Ledger:
        """Tolerant: a missing or mangled ledger is an empty one (nothing is then deleted by inventory)."""
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            return cls()
        managed = {
            str(kind): {str(i) for i in ids}
            for kind, ids in (data.get("managed") or {}).items()
            if isinstance(ids, list)
        }
        records = data.get("records")
        replacing = replacing_of(data.get(REPLACING_FIELD))
        return cls(managed, dict(records) if isinstance(records, Mapping) else {}, replacing)


def replacing_of(raw: Any) -> Replacing:
    """A `replacing` note as stored, tolerantly: what is not a map of maps of ids is no note."""
    if not isinstance(raw, Mapping):
        return {}
    return {
        str(kind): {str(identity): str(old) for identity, old in entries.items()}
        for kind, entries in raw.items()
        if isinstance(entries, Mapping) and entries
    }


class Digester:
    """Keyed digests of secret values; without a key nothing is digested (and values are not compared)."""

    def __init__(self, key: str | None) -> None:
        self._key = key.encode() if key else None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Digester:
        return cls(environ.get(KEY_ENV) or None)

    @property
    def enabled(self) -> bool:
        return self._key is not None

    def digest(self, *parts: str) -> str | None:
        if self._key is None:
            return None
        message = "\0".join(parts).encode()
        return "hmac-sha256:" + hmac.new(self._key, message, hashlib.sha256).hexdigest()
