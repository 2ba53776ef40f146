"""An owner's status as this tool last saw it: in sync, drifted, or in error, with counts.

It is what `drift --publish-status` and `apply --publish-status` write into an integration's site or
team context (under `STATUS_KEY`, beside whatever else that context holds), what `serve` answers to an
Integration UI, and what the example extension shows on a site's page in Netlify. It carries counts, one
line of text, a time and a CI run's URL: never a value from the plan, so publishing it cannot leak one.
The document is described by `schemas/status.schema.json`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from reconciler.model.owner import OwnerRef

STATUS_KEY = "netlify-reconciler-status"  # reserved key in integration config, beside the ledger's
FORMAT = 1
State = Literal["in_sync", "drifted", "error"]
Source = Literal["drift", "apply", "serve"]
# The actions a status counts: how live departs from the manifests (ledger writes are bookkeeping).
COUNTED = ("create", "update", "delete", "replace", "deploy")
MAX_SUMMARY = 300  # one line, whatever an error message says


@dataclass(frozen=True)
class OwnerStatus:
    owner: OwnerRef
    state: State
    summary: str
    checked_at: datetime
    source: Source
    counts: Mapping[str, int] = field(default_factory=dict)
    conflicts: int = 0
    run_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        counts = {action: int(self.counts.get(action, 0)) for action in COUNTED}
        document: dict[str, Any] = {
            "format": FORMAT,
            "owner": {"kind": self.owner.kind, "name": self.owner.name, "address": self.owner.address},
            "state": self.state,
            "counts": {**counts, "total": sum(counts.values())},
            "conflicts": self.conflicts,
            "summary": one_line(self.summary),
            "checked_at": self.checked_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "source": self.source,
        }
        if self.run_url:
            document["run_url"] = self.run_url
        return document


def one_line(text: str) -> str:
    """The first line, bounded: a status is read at a glance, and an error can be long."""
    first = (text.strip().splitlines() or [""])[0].strip()
    return first if len(first) <= MAX_SUMMARY else first[: MAX_SUMMARY - 1] + "…"
