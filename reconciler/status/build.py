"""From a plan to one status per team or site: the drift of each owner, counted, never shown."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from reconciler.model.owner import OwnerRef
from reconciler.model.status import OwnerStatus, Source, State, one_line
from reconciler.plan.model import Plan


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def owner_statuses(
    plan: Plan,
    owners: Iterable[OwnerRef],
    source: Source,
    *,
    at: datetime | None = None,
    run_url: str | None = None,
) -> dict[str, OwnerStatus]:
    """Each owner's status by address. Only changes to Netlify objects count: a pending ledger write is
    bookkeeping, not drift (as for `drift`); a conflict in live state is an error (apply refuses it)."""
    at = at or now()
    out: dict[str, OwnerStatus] = {}
    for owner in owners:
        changes = [c for c in plan.config_changes if c.owner == owner]
        conflicts = sum(1 for text in plan.conflicts if str(text).startswith(f"{owner.address}."))
        counts = Counter(change.action.value for change in changes)
        state: State
        if conflicts:
            state, summary = "error", (
                f"{conflicts} conflict(s) in live state: two objects with one identity; apply refuses "
                "until they are resolved on Netlify"
            )
        elif changes:
            state, summary = "drifted", drift_summary(counts)
        else:
            state, summary = "in_sync", "In sync: live matches the manifests."
        out[owner.address] = OwnerStatus(
            owner, state, summary, at, source, dict(counts), conflicts, run_url
        )  # fmt: skip
    return out


def drift_summary(counts: Mapping[str, int]) -> str:
    changed = counts.get("update", 0) + counts.get("replace", 0) + counts.get("deploy", 0)
    total = sum(counts.values())
    return (
        f"Drifted: {total} object(s) differ from the manifests ({counts.get('create', 0)} missing, "
        f"{changed} changed, {counts.get('delete', 0)} not declared)."
    )


def error_status(
    owner: OwnerRef, message: str, source: Source, *, at: datetime | None = None, run_url: str | None = None
) -> OwnerStatus:
    """An owner that could not be checked; the message is the tool's own (errors never quote values)."""
    return OwnerStatus(owner, "error", f"Error: {one_line(message)}", at or now(), source, run_url=run_url)
