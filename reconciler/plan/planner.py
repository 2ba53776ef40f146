"""Diff desired against live into an ordered Plan. Pure: no I/O, every kind behind one contract."""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.live import LiveState
from reconciler.manifest.model import DesiredState, Owner
from reconciler.plan.model import Action, Change, OwnerRef, Plan, Unmanaged
from reconciler.resources.base import DesiredObject, LiveObject, ResourceKind, Target


def build_plan(desired: DesiredState, live: LiveState, kinds: Sequence[ResourceKind]) -> Plan:
    """Teams first (their shared env feeds every site), then sites by name; kinds in their fixed order."""
    plan = Plan()
    ordered = sorted(kinds, key=lambda kind: kind.order)
    for slug in sorted(live.teams):
        _plan_owner(plan, desired.teams[slug], live.teams[slug].target, live.teams[slug].objects, ordered)
    for name in sorted(live.sites):
        _plan_owner(plan, desired.sites[name], live.sites[name].target, live.sites[name].objects, ordered)
    return plan


def _plan_owner(
    plan: Plan,
    owner: Owner,
    target: Target,
    live_objects: dict[str, dict[str, LiveObject]],
    kinds: Sequence[ResourceKind],
) -> None:
    ref = OwnerRef(owner.kind, owner.name)
    prune = frozenset(owner.spec.get("prune", ()))
    for kind in kinds:
        if owner.kind not in kind.owners:
            continue
        desired = kind.desired(owner)
        live = live_objects.get(kind.name, {})
        if kind.owns_target and desired and any(obj.absent for obj in desired.values()) and not live:
            return  # declared absent and already gone: nothing inside it to plan
        if desired is None:
            plan.unmanaged.extend(Unmanaged(ref, kind.name, identity) for identity in sorted(live))
            continue
        conflicted = {i for i, obj in live.items() if obj.conflict and (i in desired or kind.name in prune)}
        plan.conflicts += [f"{ref.address}.{kind.name}: {live[i].conflict}" for i in sorted(conflicted)]
        live = {i: obj for i, obj in live.items() if i not in conflicted}
        desired = {i: obj for i, obj in desired.items() if i not in conflicted}
        changes = _plan_kind(kind, ref, target, desired, live, prune)
        plan.unmanaged.extend(
            Unmanaged(ref, kind.name, identity)
            for identity in sorted(live)
            if identity not in desired and kind.name not in prune
        )
        plan.changes.extend(changes)
        if kind.owns_target and any(c.action is Action.DELETE for c in changes):
            return  # the owner goes away with everything in it: nothing else to plan for it


def _plan_kind(
    kind: ResourceKind,
    ref: OwnerRef,
    target: Target,
    desired: dict[str, DesiredObject],
    live: dict[str, LiveObject],
    prune: frozenset[str],
) -> list[Change]:
    changes: list[Change] = []
    for identity in sorted(set(desired) | set(live)):
        want = desired.get(identity)
        have = live.get(identity)
        change: Change | None = None
        if want is not None and not want.absent:
            if have is None:
                change = Change(
                    ref, kind.name, identity, Action.CREATE, after=want.state, location=want.location
                )
            else:
                fields = kind.diff(want, have)
                if fields:
                    change = Change(
                        ref,
                        kind.name,
                        identity,
                        Action.UPDATE,
                        have.state,
                        want.state,
                        fields,
                        location=want.location,
                        live_ref=have.ref,
                    )
        elif have is not None and (want is not None or kind.name in prune):
            change = Change(
                ref,
                kind.name,
                identity,
                Action.DELETE,
                before=have.state,
                location=want.location if want else None,
                live_ref=have.ref,
            )
        if change is not None:
            change.calls = [request.describe() for request in kind.requests(change, target)]
            if kind.owns_target and change.action is Action.DELETE:
                change.note = f"destroys {ref.kind} {ref.name!r} and everything in it"
            changes.append(change)
    return changes
