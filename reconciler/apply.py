"""Carry out a Plan: teams first, then sites concurrently (bounded), each owner's changes in plan order.

A failure stops that owner's remaining changes and keeps any site not yet started from starting; sites
already under way finish their current change list. The error says what was applied and what was not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import ReconcilerError
from reconciler.live import DEFAULT_WORKERS, LiveState
from reconciler.netlify.client import NetlifyClient
from reconciler.plan.model import Action, Change, OwnerRef, Plan
from reconciler.resources.base import ResourceKind


@dataclass
class Failure:
    change: Change
    cause: Exception


@dataclass
class ApplyReport:
    applied: list[Change] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    not_attempted: int = 0
    results: dict[str, Any] = field(default_factory=dict)  # change address -> the API's last answer
    ledgers_written: list[str] = field(default_factory=list)


class ApplyFailed(ReconcilerError):
    """Some changes were applied, some failed, the rest were not attempted."""

    def __init__(self, report: ApplyReport) -> None:
        self.report = report
        lines = [
            f"apply stopped at {f.change.address} ({f.change.action.value}): {f.cause}"
            for f in report.failures
        ]
        lines.append(
            f"  {len(report.applied)} change(s) were applied; "
            f"{report.not_attempted} change(s) were not attempted. Run `plan` again to see what is left."
        )
        super().__init__("\n".join(lines))


def apply_plan(
    client: NetlifyClient,
    plan: Plan,
    live: LiveState,
    kinds: Sequence[ResourceKind],
    on_applied: Callable[[Change], None] | None = None,
    workers: int = DEFAULT_WORKERS,
) -> ApplyReport:
    registry = {kind.name: kind for kind in kinds}
    report = ApplyReport()
    lock = threading.Lock()
    stop = threading.Event()

    def run(owner: OwnerRef) -> None:
        changes = by_owner.get(owner, [])
        for index, change in enumerate(changes):
            if stop.is_set():
                with lock:
                    report.not_attempted += len(changes) - index
                return
            target = live.owner(change.owner.kind, change.owner.name).target
            try:
                result = registry[change.kind].apply(client, change, target)
            except ReconcilerError as exc:
                stop.set()
                with lock:
                    report.failures.append(Failure(change, exc))
                    report.not_attempted += len(changes) - index - 1
                return
            with lock:
                report.applied.append(change)
                report.results[change.address] = result
            if on_applied:
                on_applied(change)
        try:
            _write_ledger(client, plan, live, owner, report, registry)
        except ReconcilerError as exc:
            stop.set()
            with lock:
                report.failures.append(Failure(Change(owner, "ledger", "ledger", Action.UPDATE), exc))

    by_owner: dict[OwnerRef, list[Change]] = {}
    for change in plan.changes:
        by_owner.setdefault(change.owner, []).append(change)
    owners = list(dict.fromkeys([*by_owner, *(ledger.owner for ledger in plan.ledger_writes)]))
    for owner in [o for o in owners if o.kind == "team"]:  # shared env feeds every site: settle it first
        run(owner)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(run, [o for o in owners if o.kind != "team"]))
    if report.failures:
        raise ApplyFailed(report)
    return report


def _write_ledger(
    client: NetlifyClient,
    plan: Plan,
    live: LiveState,
    owner: OwnerRef,
    report: ApplyReport,
    registry: dict[str, ResourceKind],
) -> None:
    """Record the owner's new inventory and what each kind learned while applying (ids, timestamps)."""
    planned = plan.ledgers.get(owner.address)
    owner_live = live.owner(owner.kind, owner.name)
    if planned is None or owner_live.ledger_store is None or not owner_live.target.exists:
        return
    after = planned.after
    for name, record in list(after.records.items()):
        prefix = f"{owner.address}.{name}."
        results = {a[len(prefix) :]: r for a, r in report.results.items() if a.startswith(prefix)}
        if name in registry:
            after.records[name] = registry[name].complete_record(record, client, owner_live.target, results)
    if after != planned.before:
        owner_live.ledger_store.write(client, owner_live.target, after)
        report.ledgers_written.append(owner.address)
