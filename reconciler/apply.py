"""Carry out a Plan: teams first, then sites concurrently (bounded), each owner's changes in plan order.

A failure stops that owner's remaining changes and keeps any site not yet started from starting; sites
already under way finish their current change list. The error says what was applied and what was not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import groupby

from reconciler.errors import ReconcilerError
from reconciler.live import DEFAULT_WORKERS, LiveState
from reconciler.netlify.client import NetlifyClient
from reconciler.plan.model import Change, Plan
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

    def run(changes: list[Change]) -> None:
        for index, change in enumerate(changes):
            if stop.is_set():
                with lock:
                    report.not_attempted += len(changes) - index
                return
            target = live.owner(change.owner.kind, change.owner.name).target
            try:
                registry[change.kind].apply(client, change, target)
            except ReconcilerError as exc:
                stop.set()
                with lock:
                    report.failures.append(Failure(change, exc))
                    report.not_attempted += len(changes) - index - 1
                return
            with lock:
                report.applied.append(change)
            if on_applied:
                on_applied(change)

    groups = [list(group) for _, group in groupby(plan.changes, key=lambda c: c.owner)]
    teams = [g for g in groups if g[0].owner.kind == "team"]
    sites = [g for g in groups if g[0].owner.kind != "team"]
    for group in teams:  # shared env feeds every site: settle it before any site starts
        run(group)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(run, sites))
    if report.failures:
        raise ApplyFailed(report)
    return report
