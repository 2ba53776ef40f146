"""Diff desired against live into an ordered Plan. Pure: no I/O, every kind behind one contract.

Deletion rules (DESIGN "What we may delete"): a live object the manifests do not declare is deleted
when the ledger says this tool created or adopted it, or when its kind is listed under `prune:`;
otherwise it is reported as unmanaged and never touched. The plan also carries each owner's next
ledger, so apply can record adoptions and what it wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from reconciler.ledger import Ledger
from reconciler.live import LiveState, OwnerLive
from reconciler.manifest.model import DesiredState, Owner
from reconciler.plan.model import Action, Change, LedgerPlan, OwnerRef, Plan, Unmanaged
from reconciler.resources.base import DesiredObject, LiveObject, ResourceKind, Target


def build_plan(desired: DesiredState, live: LiveState, kinds: Sequence[ResourceKind]) -> Plan:
    """Teams first (their shared env feeds every site), then sites by name; kinds in their fixed order."""
    plan = Plan()
    ordered = sorted(kinds, key=lambda kind: kind.order)
    for slug in sorted(live.teams):
        _plan_owner(plan, desired.teams[slug], live.teams[slug], ordered)
    for name in sorted(live.sites):
        _plan_owner(plan, desired.sites[name], live.sites[name], ordered)
    return plan


def _plan_owner(plan: Plan, owner: Owner, owner_live: OwnerLive, kinds: Sequence[ResourceKind]) -> None:
    ref = OwnerRef(owner.kind, owner.name)
    prune = frozenset(owner.spec.get("prune", ()))
    ledger = owner_live.ledger
    next_ledger = Ledger()
    owner_changes: list[Change] = []
    for kind in kinds:
        if owner.kind not in kind.owners:
            continue
        declared = kind.desired(owner)
        live = owner_live.objects.get(kind.name, {})
        if kind.owns_target and declared and any(obj.absent for obj in declared.values()) and not live:
            return  # declared absent and already gone: nothing inside it to plan
        desired = declared or {}

        def ours(identity: str, kind: ResourceKind = kind) -> str:
            """Why an undeclared live object of this kind may be deleted; empty when it may not."""
            if not kind.prunable:
                return ""
            if kind.name in prune:
                return f"not declared, and `prune` lists {kind.name}"
            if ledger.manages(kind.name, identity):
                return "no longer declared (this tool created or adopted it)"
            return ""

        conflicted = {i for i, obj in live.items() if obj.conflict and (i in desired or ours(i))}
        plan.conflicts += [f"{ref.address}.{kind.name}: {live[i].conflict}" for i in sorted(conflicted)]
        live = {i: obj for i, obj in live.items() if i not in conflicted}
        desired = {i: obj for i, obj in desired.items() if i not in conflicted}
        changes = _plan_kind(kind, ref, owner_live.target, desired, live, ours)
        plan.unmanaged += [
            Unmanaged(ref, kind.name, i) for i in sorted(live) if i not in desired and not ours(i)
        ]
        owner_changes += changes
        if kind.prunable:
            _record_inventory(next_ledger, ledger, kind, desired, live, changes, plan, ref)
        record = kind.next_record(ledger.records.get(kind.name), desired, live, changes)
        if record is not None:
            next_ledger.records[kind.name] = record
        if kind.owns_target and any(c.action is Action.DELETE for c in changes):
            plan.changes += owner_changes
            return  # the owner goes away with everything in it: nothing else to plan for it
    plan.changes += owner_changes
    if owner_live.ledger_store is None:
        if any(k.prunable and owner.kind in k.owners and k.desired(owner) for k in kinds):
            plan.warnings.append(
                f"{ref.address}: no ledger (declare `ledger: {{integration: <slug>}}` to keep one): "
                "objects it created are deleted only for kinds listed under `prune:`, and secret values "
                "changed on Netlify are not detected"
            )
        return
    plan.ledgers[ref.address] = LedgerPlan(ref, owner_live.ledger_store.describe(), ledger, next_ledger)


def _plan_kind(
    kind: ResourceKind,
    ref: OwnerRef,
    target: Target,
    desired: dict[str, DesiredObject],
    live: dict[str, LiveObject],
    ours: Callable[[str], str],
) -> list[Change]:
    changes: list[Change] = []
    for identity in sorted(set(desired) | set(live)):
        want = desired.get(identity)
        have = live.get(identity)
        change: Change | None = None
        if want is not None and not want.absent:
            base = have if have is not None else kind.empty_live(want)
            if base is None:
                location = want.location
                change = Change(ref, kind.name, identity, Action.CREATE, after=want.state, location=location)
            elif fields := kind.diff(want, base):
                change = Change(
                    ref, kind.name, identity, Action.UPDATE, base.state, want.state, fields,
                    note=kind.explain(want, base), location=want.location, live_ref=base.ref,
                )  # fmt: skip
            if change is not None and kind.presents_as is not None:
                change.action = kind.presents_as
        elif have is not None and (want is not None or ours(identity)):
            location = want.location if want else None
            change = Change(
                ref,
                kind.name,
                identity,
                Action.DELETE,
                before=have.state,
                location=location,
                live_ref=have.ref,
            )
            change.note = "declared absent" if want is not None else ours(identity)
        if change is not None:
            change.calls = [request.describe() for request in kind.requests(change, target)]
            if kind.owns_target and change.action is Action.DELETE:
                change.note = f"destroys {ref.kind} {ref.name!r} and everything in it"
            changes.append(change)
    return changes


def _record_inventory(
    next_ledger: Ledger,
    ledger: Ledger,
    kind: ResourceKind,
    desired: dict[str, DesiredObject],
    live: dict[str, LiveObject],
    changes: list[Change],
    plan: Plan,
    ref: OwnerRef,
) -> None:
    """After apply, what is declared exists and is ours; what was ours and is gone is no longer tracked."""
    deleted = {c.identity for c in changes if c.action is Action.DELETE}
    declared = {i for i, obj in desired.items() if not obj.absent}
    still_there = (ledger.managed.get(kind.name, set()) & set(live)) - deleted
    next_ledger.managed[kind.name] = declared | still_there
    adopted = sorted(i for i in declared & set(live) if not ledger.manages(kind.name, i))
    plan.adoptions += [(ref.address, kind.name, i) for i in adopted]
