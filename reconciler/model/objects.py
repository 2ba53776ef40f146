"""Declared and live objects, the owner they live in, and the live state a plan is computed from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from reconciler.model.lease import Lease
from reconciler.model.ledger import Ledger
from reconciler.model.location import Location
from reconciler.model.owner import OwnerKind, OwnerRef
from reconciler.model.request import Placeholder

S = TypeVar("S")


@dataclass
class DesiredObject(Generic[S]):
    """One declared object, normalised like the live ones so that equal means unchanged."""

    identity: str
    state: S
    location: Location | None = None
    absent: bool = False  # declared, but must not exist (e.g. `state: absent`)
    ref: dict[str, Any] = field(default_factory=dict)  # derived data that is never diffed (digests)


@dataclass
class LiveObject(Generic[S]):
    identity: str
    state: S
    ref: dict[str, Any] = field(default_factory=dict)  # ids and timestamps: needed for calls, never diffed
    conflict: str | None = None  # set when the identity is ambiguous live: never guessed, never changed
    others: list[LiveObject[S]] = field(default_factory=list)  # the other holders of a conflicting identity


@dataclass(frozen=True)
class Target:
    """Where an owner lives on Netlify, as plan time knows it. What does not exist yet is a placeholder
    that apply fills from the answer of the request creating it."""

    kind: OwnerKind
    name: str
    account: str | None = None  # account id or slug (Netlify accepts both)
    site_id: str | None = None
    site: Mapping[str, Any] = field(default_factory=dict)  # the live site object, when there is one
    # A team's sites this plan renames (`previous_names`), live name -> declared name: what the team's
    # objects name a site by (a member's site access) follows the manifests, not the old name.
    renames: Mapping[str, str] = field(default_factory=dict)

    @property
    def ref(self) -> OwnerRef:
        return OwnerRef(self.kind, self.name)

    @property
    def exists(self) -> bool:
        return self.kind == "team" or self.site_id is not None

    @property
    def account_ref(self) -> str:
        """The account for a call: a personal site's account is learned when the site is created."""
        return self.account or "{" + f"{self.ref.address}.account_id" + "}"

    @property
    def site_ref(self) -> str:
        """The site's id for a path or query, or the placeholder its creation fills."""
        return self.site_id or str(self.site_placeholder)

    @property
    def site_value(self) -> str | Placeholder:
        """The site's id inside a request body (where only Placeholder objects are filled)."""
        return self.site_id or self.site_placeholder

    @property
    def site_placeholder(self) -> Placeholder:
        return Placeholder(f"{self.ref.address}.id")


@dataclass(frozen=True)
class StoredLedger:
    """An owner's ledger as read, with the object it is stored in (without the ledger), which a write
    must carry along unchanged: the site's other metadata, the integration's other config."""

    content: Any  # the ledger's JSON, or None
    carrier: Mapping[str, Any] = field(default_factory=dict)
    exists: bool = True  # False: the carrier itself must be created first (an integration not enabled)


LiveObjects = dict[str, dict[str, LiveObject[Any]]]  # kind name -> identity -> object


@dataclass
class OwnerLive:
    target: Target
    objects: LiveObjects = field(default_factory=dict)
    ledger: Ledger = field(default_factory=Ledger)
    stored_ledger: StoredLedger | None = None
    ledger_host: str | None = None  # the kind that stores this owner's ledger; None: no ledger
    lease: Lease | None = None  # an apply's claim found in the ledger (another one running, or one that died)
    lease_stale: bool = False  # ... and its run is known to be gone
    leftovers: LiveObjects = field(default_factory=dict)  # what a stale lease's run left unfinished


@dataclass
class LiveState:
    teams: dict[str, OwnerLive] = field(default_factory=dict)
    sites: dict[str, OwnerLive] = field(default_factory=dict)

    @classmethod
    def of(cls, owner_live: OwnerLive) -> LiveState:
        """A live state of that one owner."""
        state = cls()
        target = owner_live.target
        (state.teams if target.kind == "team" else state.sites)[target.name] = owner_live
        return state

    def owner(self, kind: OwnerKind, name: str) -> OwnerLive:
        return (self.teams if kind == "team" else self.sites)[name]

    def owners(self) -> list[OwnerLive]:
        """Teams, then sites, each by name: the order plans list them in."""
        return [self.teams[n] for n in sorted(self.teams)] + [self.sites[n] for n in sorted(self.sites)]
