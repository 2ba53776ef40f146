"""Apply's brakes (octoDNS's thresholds): a plan that destroys a site, deletes what its kind says needs
consent (a DNS zone, a team's Owner), or deletes or rewrites too large a share of a site's managed
objects, is refused unless the user says `--allow-destroy`."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.manifest.model import DesiredState
from reconciler.model.change import Action
from reconciler.plan.model import Plan

DEFAULT_MAX_CHANGE_PERCENT = 30
MIN_MANAGED_OBJECTS = 10
FLAG = "--allow-destroy"


@dataclass(frozen=True)
class Violation:
    rule: str
    owner: str
    message: str

    def __str__(self) -> str:
        return f"{self.owner}: {self.message}"


def violations(plan: Plan, desired: DesiredState) -> list[Violation]:
    """Every rule the plan breaks; empty when apply may go ahead without `--allow-destroy`."""
    found = [
        Violation(
            f"{c.owner.kind}-delete", c.address, f"the plan destroys this {c.owner.kind} and everything in it"
        )
        for c in plan.changes
        if c.owner_itself and c.action is Action.DELETE
    ]
    found += [
        Violation(f"{c.kind}-delete", c.address, c.consent)
        for c in plan.changes
        if c.consent and c.action is Action.DELETE
    ]
    for address, managed in sorted(plan.managed.items()):
        if len(managed) < MIN_MANAGED_OBJECTS:
            continue
        touched = sum(
            1
            for c in plan.changes
            if c.owner.address == address
            and not c.owner_itself
            and c.action in (Action.DELETE, Action.UPDATE, Action.REPLACE)
            and (c.kind, c.identity) in managed
        )
        limit = _limit(desired, address)
        if touched * 100 > limit * len(managed):
            percent = round(touched * 100 / len(managed))
            found.append(
                Violation(
                    "change-threshold",
                    address,
                    f"the plan deletes or rewrites {touched} of its {len(managed)} managed objects "
                    f"({percent}%), "
                    f"more than the {limit}% threshold",
                )
            )
    return found


def _limit(desired: DesiredState, address: str) -> int:
    owner = next((o for o in desired.owners() if o.address == address), None)
    safety = (owner.spec.get("safety") or {}) if owner else {}
    return int(safety.get("max_change_percent", DEFAULT_MAX_CHANGE_PERCENT))


def refusal(found: list[Violation]) -> str:
    lines = [f"refusing to apply: {len(found)} safety rule(s) would be broken:"]
    lines += [f"  [{v.rule}] {v}" for v in found]
    lines.append(f"  Review the plan above; if it is what you want, run apply again with {FLAG}.")
    return "\n".join(lines)
