"""Carry out a Plan, change by change, in plan order; stop at the first failure and say what was done."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from reconciler.errors import ReconcilerError
from reconciler.live import LiveState
from reconciler.netlify.client import NetlifyClient
from reconciler.plan.model import Change, Plan
from reconciler.resources.base import ResourceKind


class ApplyFailed(ReconcilerError):
    """Some changes were applied, one failed, the rest were not attempted."""

    def __init__(self, done: list[Change], failed: Change, cause: Exception, remaining: int) -> None:
        self.done = done
        self.failed = failed
        super().__init__(
            f"apply stopped at {failed.address} ({failed.action.value}): {cause}\n"
            f"  {len(done)} change(s) were applied before it; "
            f"{remaining} change(s) after it were not attempted.\n"
            "  Run `plan` again to see what is left."
        )


@dataclass
class ApplyReport:
    applied: list[Change] = field(default_factory=list)


def apply_plan(
    client: NetlifyClient,
    plan: Plan,
    live: LiveState,
    kinds: Sequence[ResourceKind],
    on_applied: Callable[[Change], None] | None = None,
) -> ApplyReport:
    registry = {kind.name: kind for kind in kinds}
    report = ApplyReport()
    for index, change in enumerate(plan.changes):
        target = live.owner(change.owner.kind, change.owner.name).target
        try:
            registry[change.kind].apply(client, change, target)
        except ReconcilerError as exc:
            raise ApplyFailed(report.applied, change, exc, len(plan.changes) - index - 1) from None
        report.applied.append(change)
        if on_applied:
            on_applied(change)
    return report
