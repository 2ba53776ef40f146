"""Diff desired against live into an ordered Plan. Pure: no I/O, every kind behind one contract.

Deletion rules (DESIGN "What we may delete"): a live object the manifests do not declare is deleted
when the ledger says this tool created or adopted it, or when its kind is listed under `prune:`;
otherwise it is reported as unmanaged and never touched. An owner with changes is leased first and its
ledger written last (which gives the lease back); an owner without changes gets a ledger write only when
its content would change (or a dead run's lease is to be cleared), and no lease.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from reconciler.manifest.model import DesiredState, Owner
from reconciler.model.change import Action, Change
from reconciler.model.diff import field_changes
from reconciler.model.ledger import Ledger, Replacing
from reconciler.model.objects import DesiredObject, LiveObject, LiveState, OwnerLive, Target
from reconciler.model.request import Api, Request
from reconciler.plan.model import Plan, Unmanaged
from reconciler.resources import Kinds
from reconciler.resources.base import (
    Advises,
    DiffsFromEmpty,
    Explains,
    HostsLedger,
    IsOwner,
    KeepsRecord,
    Locates,
    NeedsConsent,
    OrdersChanges,
    PresentsAs,
    Replaces,
    ResourceKind,
)

Kind = ResourceKind[Any]
LEDGER = "ledger"  # the kind name and identity of ledger writes
LEASE = "lease"  # ... and of taking the owner's lease


def build_plan(
    desired: DesiredState, live: LiveState, kinds: Kinds, prefixes: dict[Api, str] | None = None
) -> Plan:
    """Teams first (their shared env feeds every site), then sites by name; kinds in their fixed order."""
    plan = Plan(prefixes=dict(prefixes or {}))
    ordered = sorted(kinds, key=lambda kind: kind.order)
    for owner_live in live.owners():
        owner = desired.owner(owner_live.target.kind, owner_live.target.name)
        _OwnerPlanner(plan, owner, owner_live, ordered).run()
    for kind in ordered:
        if isinstance(kind, Advises):
            plan.warnings += kind.advice(desired.owners())
    return plan


@dataclass
class _OwnerPlanner:
    """One owner's share of the plan: its changes kind by kind, then its ledger."""

    plan: Plan
    owner: Owner
    owner_live: OwnerLive
    kinds: Kinds
    changes: list[Change] = field(default_factory=list)
    next_ledger: Ledger = field(default_factory=Ledger)
    adopted: int = 0
    declares_inventory: bool = False

    @property
    def ledger(self) -> Ledger:
        return self.owner_live.ledger

    def run(self) -> None:
        for kind in self.kinds:
            if self.owner.kind in kind.owners and not self._plan_kind(kind):
                self.plan.changes += self.changes
                return  # the owner is gone or goes away with everything in it: nothing else to plan
        self.plan.managed[self.owner.address] = {
            (kind, identity) for kind, ids in self.ledger.managed.items() for identity in ids
        }
        self._plan_ledger()
        self.plan.changes += self.changes

    def _plan_kind(self, kind: Kind) -> bool:
        """Plan one kind; False when nothing more may be planned for this owner."""
        declared = kind.desired(self.owner)
        if declared and isinstance(kind, Locates):
            self.plan.warnings += kind.locate(self.owner, declared, self.owner_live.objects)
        live = self.owner_live.objects.get(kind.name, {})
        if isinstance(kind, IsOwner) and declared and any(o.absent for o in declared.values()) and not live:
            return False  # declared absent and already gone
        desired = declared or {}
        live, finishing = self._finish_replaces(kind, live)
        conflicted = {
            i for i, obj in live.items() if obj.conflict and (i in desired or self._deletable(kind, i))
        }
        self.plan.conflicts += [
            f"{self.owner.address}.{kind.name}: {live[i].conflict}" for i in sorted(conflicted)
        ]
        live = {i: obj for i, obj in live.items() if i not in conflicted}
        desired = {i: obj for i, obj in desired.items() if i not in conflicted}
        compared = [
            change
            for identity in sorted(set(desired) | set(live))
            if (change := self._change(kind, identity, desired.get(identity), live.get(identity))) is not None
        ]
        changes = self._leftovers(kind) + finishing + compared
        if isinstance(kind, OrdersChanges):
            changes = kind.ordered(changes)
        self.changes += changes
        self.plan.unmanaged += [
            Unmanaged(self.owner.ref, kind.name, i)
            for i, obj in sorted(live.items())
            if i not in desired and obj.state and not self._deletable(kind, i)
        ]  # an empty live object (metadata holding nothing but the ledger) is nothing to report
        if kind.inventoried:
            self.declares_inventory = self.declares_inventory or declared is not None
            self._record_inventory(kind, desired, live, changes, conflicted)
        if isinstance(kind, KeepsRecord):
            record = kind.next_record(self.owner, self.ledger.records.get(kind.name), desired, live, changes)
            if record is not None:
                self.next_ledger.records[kind.name] = record
        return not (isinstance(kind, IsOwner) and any(c.action is Action.DELETE for c in changes))

    def _leftovers(self, kind: Kind) -> list[Change]:
        """What an apply that never finished left of this kind (found when its lease was stale)."""
        lease = self.owner_live.lease
        found = self.owner_live.leftovers.get(kind.name, {})
        if lease is None or not found:
            return []
        note = f"left unfinished by {lease.describe()}, which never finished"
        return [self._leftover_delete(kind, identity, obj, note) for identity, obj in sorted(found.items())]

    def _leftover_delete(self, kind: Kind, identity: str, obj: LiveObject[Any], note: str) -> Change:
        """The deletion of an object a run that never finished left behind, under its own identity."""
        change = Change(self.owner.ref, kind.name, identity, Action.DELETE, obj.state, live_ref=obj.ref)
        change.note = note
        change.requests = kind.requests(change, self.owner_live.target)
        return change

    def _finish_replaces(
        self, kind: Kind, live: dict[str, LiveObject[Any]]
    ) -> tuple[dict[str, LiveObject[Any]], list[Change]]:
        """A create-first replace stopped between its create and its delete (killed, or the delete
        failed) leaves two live objects with one identity. The ledger names the old one (noted with the
        lease, before the replace began): it is planned for deletion and the other stands for the
        identity. Any other shape of duplicate stays a conflict."""
        finishing: list[Change] = []
        for identity, old_id in sorted(self.ledger.replacing.get(kind.name, {}).items()):
            obj = live.get(identity)
            holders = [obj, *obj.others] if obj is not None and obj.conflict else []
            old = [o for o in holders if str(o.ref.get("id")) == old_id]
            new = [o for o in holders if str(o.ref.get("id")) != old_id]
            if len(old) != 1 or len(new) != 1:
                continue
            live = {**live, identity: replace(new[0], conflict=None, others=[])}
            note = "the old object of a replace that stopped before deleting it"
            finishing.append(self._leftover_delete(kind, f"{identity} (id {old_id})", old[0], note))
        return live, finishing

    def _replacing(self) -> Replacing:
        """The live objects this plan's create-first replaces supersede, by kind and identity."""
        kinds = {kind.name: kind for kind in self.kinds}
        noted: Replacing = {}
        for change in self.changes:
            kind = kinds.get(change.kind)
            if change.action is Action.REPLACE and isinstance(kind, Replaces) and kind.creates_first(change):
                noted.setdefault(change.kind, {})[change.identity] = str(change.live_ref.get("id"))
        return noted

    def _deletable(self, kind: Kind, identity: str) -> str:
        """Why an undeclared live object of this kind may be deleted; empty when it may not."""
        if not kind.inventoried:
            return ""
        if kind.name in (self.owner.spec.get("prune") or ()):
            return f"not declared, and `prune` lists {kind.name}"
        if self.ledger.manages(kind.name, identity):
            return "no longer declared (this tool created or adopted it)"
        return ""

    def _change(
        self, kind: Kind, identity: str, want: DesiredObject[Any] | None, have: LiveObject[Any] | None
    ) -> Change | None:
        ref = self.owner.ref
        is_owner = isinstance(kind, IsOwner)
        if want is not None and not want.absent:
            base = have if have is not None or not isinstance(kind, DiffsFromEmpty) else kind.empty_live(want)
            if base is None:
                change = Change(
                    ref, kind.name, identity, Action.CREATE, after=want.state, location=want.location
                )
            elif fields := kind.diff(want, base):
                replaced = isinstance(kind, Replaces) and kind.replaces(fields)
                action = Action.REPLACE if replaced else Action.UPDATE
                note = kind.explain(want, base) if isinstance(kind, Explains) else ""
                change = Change(
                    ref, kind.name, identity, action, base.state, want.state, fields, note=note,
                    location=want.location, live_ref=base.ref,
                )  # fmt: skip
            else:
                return None
            if isinstance(kind, PresentsAs) and change.action in (Action.CREATE, Action.UPDATE):
                change.action = kind.presents_as
            change.desired_ref = want.ref
        elif have is not None and (want is not None or (reason := self._deletable(kind, identity))):
            note = "declared absent" if want is not None else reason
            if is_owner:
                note = f"destroys {ref.kind} {ref.name!r} and everything in it"
            change = Change(
                ref, kind.name, identity, Action.DELETE, before=have.state, note=note,
                location=want.location if want else None, live_ref=have.ref,
            )  # fmt: skip
            if isinstance(kind, NeedsConsent):
                change.consent = kind.consent(change)
        else:
            return None
        change.owner_itself = is_owner
        change.requests = _requests(kind, change, self.owner_live.target)
        return change

    def _record_inventory(
        self,
        kind: Kind,
        desired: dict[str, DesiredObject[Any]],
        live: dict[str, LiveObject[Any]],
        changes: list[Change],
        conflicted: set[str],
    ) -> None:
        """After apply, what is declared exists and is ours; what was ours and is gone is not tracked;
        what is in conflict stays as the ledger has it until the conflict is resolved."""
        deleted = {c.identity for c in changes if c.action is Action.DELETE}
        declared = {i for i, obj in desired.items() if not obj.absent}
        managed = self.ledger.managed.get(kind.name, set())
        still_there = (managed & (set(live) | conflicted)) - deleted
        self.next_ledger.managed[kind.name] = declared | still_there
        self.adopted += sum(1 for i in declared & set(live) if not self.ledger.manages(kind.name, i))

    def _plan_ledger(self) -> None:
        """With changes to make, the owner's lease first (after the site's creation, which it needs) and
        the ledger write last, which records what was done and gives the lease back. Without changes,
        a ledger write only when its content would change."""
        host = next((k for k in self.kinds if k.name == self.owner_live.ledger_host), None)
        stored = self.owner_live.stored_ledger
        if not isinstance(host, HostsLedger) or stored is None:
            if self.declares_inventory:
                self.plan.warnings.append(
                    f"{self.owner.address}: no ledger (declare `ledger: {{integration: <slug>}}` to keep "
                    "one): objects it created are deleted only for kinds listed under `prune:`, a secret "
                    "value changed on Netlify or in the manifests is not detected (never rewritten), and "
                    "no lease keeps two applies apart"
                )
            return
        self.next_ledger.managed = {k: ids for k, ids in self.next_ledger.managed.items() if ids}
        self.next_ledger.records = {k: record for k, record in self.next_ledger.records.items() if record}
        dead_lease = self.owner_live.lease is not None and self.owner_live.lease_stale
        if not self.changes and self.next_ledger == self.ledger and not dead_lease:
            return
        target = self.owner_live.target
        self._warn_if_held()
        lease = Change(self.owner.ref, LEASE, LEASE, Action.RECORD, note=self._lease_note())
        lease.requests = host.lease_requests(self.owner, target, stored, self._replacing())
        first = self.changes[:1]
        created = bool(first) and first[0].owner_itself and first[0].action is Action.CREATE
        self.changes.insert(1 if created else 0, lease)
        content = self.next_ledger.to_json()
        fields = field_changes(stored.content or {}, content)
        change = Change(self.owner.ref, LEDGER, LEDGER, Action.RECORD, stored.content, content, fields)
        adopted = f"; records {self.adopted} existing object(s) as adopted" if self.adopted else ""
        change.note = f"in the {host.ledger_home(self.owner)}{adopted}; gives the lease back"
        change.requests = host.ledger_requests(self.owner, target, stored, content, self.changes)
        self.changes.append(change)

    def _lease_note(self) -> str:
        held = self.owner_live.lease
        if held is not None and self.owner_live.lease_stale:
            return f"takes over the lease of {held.describe()}, which never finished"
        return "keeps other applies out while this one changes it"

    def _warn_if_held(self) -> None:
        held = self.owner_live.lease
        if held is not None and not self.owner_live.lease_stale:
            self.plan.warnings.append(
                f"{self.owner.address}: another apply holds its lease ({held.describe()}): apply waits for "
                "it (--lease-timeout), then refuses if that apply changed what this plan read"
            )


def _requests(kind: Kind, change: Change, target: Target) -> list[Request]:
    """A kind's requests for the change; a replace is its create and its delete, in the kind's order."""
    if change.action is not Action.REPLACE:
        return kind.requests(change, target)
    create = replace(change, action=Action.CREATE)
    delete = replace(change, action=Action.DELETE)
    first, then = (
        (create, delete) if isinstance(kind, Replaces) and kind.creates_first(change) else (delete, create)
    )
    return kind.requests(first, target) + kind.requests(then, target)
