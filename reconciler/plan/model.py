"""Plan and Change: plain data shared by the planner, the renderers and apply."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reconciler.ledger import Ledger
from reconciler.manifest.model import Location
from reconciler.sensitive import is_sensitive


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE = "replace"
    DEPLOY = "deploy"  # publish new files/functions (or an earlier deploy) on a site


class _Absent:
    """Marks a field that does not exist on one side of a change."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT: Any = _Absent()


class _KnownAfterApply:
    """A value Netlify generates on create (a build hook's URL): shown, never compared or sent."""

    def __repr__(self) -> str:
        return "(known after apply)"


KNOWN_AFTER_APPLY: Any = _KnownAfterApply()
FieldPath = tuple[str, ...]


@dataclass(frozen=True)
class FieldChange:
    """One changed leaf (or atomic list) of an object; ABSENT on the side where it is missing."""

    path: FieldPath
    before: Any
    after: Any

    @property
    def sensitive(self) -> bool:
        return is_sensitive(self.before) or is_sensitive(self.after)

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class OwnerRef:
    """The team or site a change belongs to."""

    kind: str  # "team" | "site"
    name: str

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.name}"


@dataclass
class Change:
    """One object to create, update or delete, with everything apply and the renderers need."""

    owner: OwnerRef
    kind: str
    identity: str
    action: Action
    before: Any = None
    after: Any = None
    fields: list[FieldChange] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    note: str = ""
    location: Location | None = None
    live_ref: dict[str, Any] = field(default_factory=dict)

    @property
    def address(self) -> str:
        if self.kind == "site":
            return self.owner.address
        suffix = f".{self.identity}" if self.identity and self.identity != self.kind else ""
        return f"{self.owner.address}.{self.kind}{suffix}"


@dataclass(frozen=True)
class Unmanaged:
    """A live object nobody declared and we may not touch: reported, never changed."""

    owner: OwnerRef
    kind: str
    identity: str


@dataclass
class LedgerPlan:
    """An owner's ledger before and after apply (secret `updated_at`s still to be filled in by apply)."""

    owner: OwnerRef
    store: str
    before: Ledger
    after: Ledger

    @property
    def changed(self) -> bool:
        return self.after != self.before


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    unmanaged: list[Unmanaged] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # ambiguous live objects: nothing planned for them
    ledgers: dict[str, LedgerPlan] = field(default_factory=dict)  # by owner address
    adoptions: list[tuple[str, str, str]] = field(default_factory=list)  # (owner, kind, identity) to record
    mode: str = "plan"  # "drift": the same changes, read as how Netlify departs from the manifests

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def ledger_writes(self) -> list[LedgerPlan]:
        """Ledgers apply must write even without a change (adoptions): never shown as user changes."""
        return [ledger for ledger in self.ledgers.values() if ledger.changed]

    def counts(self) -> dict[str, int]:
        counts = {action.value: 0 for action in Action}
        for change in self.changes:
            counts[change.action.value] += 1
        return counts

    def summary(self) -> str:
        if self.mode == "drift":
            return self._drift_summary()
        if not self.changes:
            return "No changes. Live state matches the manifests."
        c = self.counts()
        add = c["create"]
        change = c["update"]
        destroy = c["delete"]
        text = f"Plan: {add} to add, {change} to change, {destroy} to destroy"
        if c["replace"]:
            text += f", {c['replace']} to replace"
        if c["deploy"]:
            text += f", {c['deploy']} deploy{'s' if c['deploy'] != 1 else ''}"
        return text + "."

    def _drift_summary(self) -> str:
        if not self.changes:
            return "No drift. Live state matches the manifests."
        c = self.counts()
        return (
            f"Drift: {len(self.changes)} object(s) on Netlify differ from the manifests "
            f"({c['create']} missing, {c['update'] + c['replace'] + c['deploy']} changed, "
            f"{c['delete']} not declared)."
        )
