"""The contract every resource kind implements, so the planner and apply stay generic.

The core is four methods: which objects an owner (team or site) declares, how to read the live ones,
how to compare the two (normalised: ids and timestamps never drive a diff), and which requests turn a
Change into reality. A kind is stateless: everything apply needs travels in the Change and its
requests, so any instance, in any process, can carry out a plan. The few kinds that need more
implement one of the small optional protocols below; the planner asks for them with `isinstance`.
"""

from __future__ import annotations

import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, NamedTuple, Protocol, TypeVar

from reconciler.manifest.model import Owner
from reconciler.model.change import Action, Change, FieldChange
from reconciler.model.diff import field_changes
from reconciler.model.errors import ManifestIssue
from reconciler.model.lease import Lease
from reconciler.model.ledger import Replacing
from reconciler.model.location import DocPath
from reconciler.model.objects import DesiredObject, LiveObject, LiveObjects, StoredLedger, Target
from reconciler.model.owner import OwnerKind
from reconciler.model.reader import Reader
from reconciler.model.request import ReadBack, Request

S = TypeVar("S")


class ResourceKind(ABC, Generic[S]):
    """One kind of Netlify object (site settings, env vars, metadata, ...) with state of type `S`."""

    name: ClassVar[str]
    owners: ClassVar[frozenset[OwnerKind]]  # which owners can declare it: {"site"}, {"team", "site"}
    order: ClassVar[int]  # position in the fixed per-owner apply order (docs/decisions.md)
    singleton: ClassVar[bool] = False  # one object per owner that always exists: never pruned or inventoried
    kept_undeclared: ClassVar[bool] = False  # deleted only when declared absent (a DNS zone): never pruned

    @property
    def inventoried(self) -> bool:
        """Whether the ledger tracks this kind's objects, so that undeclared ones may be deleted."""
        return not (self.singleton or self.kept_undeclared)

    @abstractmethod
    def desired(self, owner: Owner) -> dict[str, DesiredObject[S]] | None:
        """Declared objects by identity; None when the owner's manifest does not manage this kind."""

    @abstractmethod
    def read(self, reader: Reader, target: Target, owner: Owner) -> dict[str, LiveObject[S]]:
        """Live objects by identity, normalised like `desired` so that equal means unchanged."""

    def diff(self, desired: DesiredObject[S], live: LiveObject[S]) -> list[FieldChange]:
        return field_changes(live.state, desired.state)

    @abstractmethod
    def requests(self, change: Change, target: Target) -> list[Request]:
        """The requests that carry out a create, update or delete (the planner composes replaces)."""

    @abstractmethod
    def export(self, live: dict[str, LiveObject[S]], owner: Owner) -> Exported:
        """The manifest keys that declare these live objects exactly as they are, written as a person
        would (defaults left out, shorthands used), so that planning them changes nothing."""


@dataclass(frozen=True)
class SecretRef:
    """A secret value (one Netlify never shows, or one that must not be written into Git), exported as
    `${NAME}`; the exporter picks the names once it has them all (`wanted` when no other value wants it)."""

    wanted: str  # STRIPE_KEY__PRODUCTION
    owner: str  # site.docs
    what: str  # "the production value of the secret env var STRIPE_KEY"


def variable_part(text: str) -> str:
    """`text` as part of an environment variable name (`deploy-preview` → `DEPLOY_PREVIEW`), for the
    `${NAME}` a SecretRef is exported as."""
    return re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_")


@dataclass
class Exported:
    """A kind's share of an owner's exported manifest."""

    fields: dict[str, Any] = field(default_factory=dict)  # owner-level keys, in the order they are written
    unexpressed: list[str] = field(default_factory=list)  # live objects the format cannot declare, and why


# -- optional protocols ---------------------------------------------------------------------------
class IsOwner:
    """The kind whose object is the owner itself (the site): creating it gives everything else an id
    to attach to, deleting it takes everything with it."""


class Replaces:
    """Fields Netlify cannot change in place: a change to one is planned as a replace (`-/+`)."""

    replace_fields: ClassVar[frozenset[str]]
    create_before_delete: ClassVar[bool] = False  # True where old and new can exist side by side

    @property
    def replace_paths(self) -> frozenset[tuple[str, ...]]:
        """The replace fields as one-part field paths, to test a FieldChange's first part against."""
        return frozenset((name,) for name in self.replace_fields)

    def replaces(self, fields: list[FieldChange]) -> bool:
        """Whether these differences need a replace; a kind where it depends on the values decides here
        (a secret env var can be made plain only by deleting it)."""
        return any(f.path[:1] in self.replace_paths for f in fields)

    def creates_first(self, change: Change) -> bool:
        """Whether this replace creates the new object before deleting the old one; a kind whose objects
        can coexist only sometimes decides per object (a CNAME record must be alone at its name)."""
        return self.create_before_delete


class Locates(ABC, Generic[S]):
    """A kind whose declared objects need ids only live objects of the owner hold (a DNS record: its zone's
    id, or the placeholder the zone's creation binds; a member: the ids of the sites it may access).
    Called by the planner before it compares; writes what it finds into the declared objects' `ref`, where
    `requests` reads it."""

    @abstractmethod
    def locate(self, owner: Owner, desired: dict[str, DesiredObject[S]], live: LiveObjects) -> list[str]:
        """Give each declared object what it needs of `live` (every kind's live objects of the owner);
        answers plan warnings about what cannot be found yet."""


class NeedsConsent(ABC):
    """A kind some of whose deletions apply refuses without `--allow-destroy`, whatever the thresholds
    (a DNS zone takes every record in it; an Owner leaving the team)."""

    @abstractmethod
    def consent(self, change: Change) -> str:
        """Why deleting this object needs `--allow-destroy`; empty when it does not."""


class PresentsAs:
    """Creates and updates shown as another action (a deploy is `^`, counted as "1 deploy")."""

    presents_as: ClassVar[Action]


class Validates(ABC):
    @abstractmethod
    def validate(self, owner: Owner) -> list[ManifestIssue]:
        """Checks beyond the JSON Schema that need this kind's knowledge (offline: `validate` runs them)."""


class ValidatesAcross(ABC):
    @abstractmethod
    def validate_across(self, owners: list[Owner]) -> list[ManifestIssue]:
        """Checks that need every declared owner of this kind at once (offline, like `Validates`)."""


class OrdersChanges(ABC):
    """A kind whose changes must run in an order other than by identity (an Owner is added before the
    last one is removed or demoted, or Netlify refuses the removal)."""

    @abstractmethod
    def ordered(self, changes: list[Change]) -> list[Change]:
        """The same changes, in the order apply must carry them out."""


class Declared(NamedTuple):
    """One owner's share of a `Verifies` check: its manifest, this kind's live objects, and which of those
    the ledger manages (an undeclared one of those is deleted even without `prune`)."""

    owner: Owner
    live: dict[str, LiveObject[Any]]
    managed: frozenset[str]


class Verifies(ABC):
    @abstractmethod
    def verify(self, reader: Reader, declared: list[Declared]) -> list[ManifestIssue]:
        """Checks that need the API (hook types, forms), once per plan, after live state is read."""


class Explains(ABC, Generic[S]):
    @abstractmethod
    def explain(self, desired: DesiredObject[S], live: LiveObject[S]) -> str:
        """Why an update is planned, when the fields alone do not say it (secret drift, a deploy's size)."""


class DiffsFromEmpty(ABC, Generic[S]):
    @abstractmethod
    def empty_live(self, desired: DesiredObject[S]) -> LiveObject[S]:
        """What to diff against when nothing exists live (a first deploy lists its files)."""


class KeepsRecord(ABC, Generic[S]):
    """A kind that keeps its own record in the ledger (env: secret digests; deploy: its last tree)."""

    @abstractmethod
    def attach_record(self, record: Any, live: dict[str, LiveObject[S]], kept: bool) -> None:
        """Give the live objects what the ledger remembers about them, before they are diffed. `kept` is
        False when the owner has no ledger at all: then nothing will be remembered after apply either."""

    @abstractmethod
    def next_record(
        self,
        owner: Owner,
        record: Any,
        desired: dict[str, DesiredObject[S]],
        live: dict[str, LiveObject[S]],
        changes: list[Change],
    ) -> Any:
        """The record once this plan is applied; what only apply learns is a Placeholder that one of the
        kind's requests binds (None: no record)."""  # fmt: skip


class HostsLedger(ABC):
    """A kind whose objects can carry an owner's ledger (site metadata, an integration's context), and
    with it the lease an apply holds while it changes the owner."""

    @abstractmethod
    def ledger_home(self, owner: Owner) -> str | None:
        """Where this kind keeps the owner's ledger, in words; None when it does not keep it."""

    @abstractmethod
    def lease_requests(
        self, owner: Owner, target: Target, stored: StoredLedger, replacing: Replacing
    ) -> list[Request]:
        """The requests that take the owner's lease (a `lease` procedure over the carrier object), noting
        `replacing` with the claim."""

    @abstractmethod
    def read_ledger(self, reader: Reader, target: Target, owner: Owner) -> StoredLedger:
        """The stored ledger and the object around it."""

    @abstractmethod
    def ledger_requests(
        self, owner: Owner, target: Target, stored: StoredLedger, content: Any, changes: list[Change]
    ) -> list[Request]:
        """The writes that store `content`, keeping the carrier as this plan's `changes` leave it."""


class RunContext(Protocol):
    """What a procedure may ask of the apply that runs it."""

    run_id: str  # this apply, as its leases name it
    lease_wait: float  # seconds to wait for another apply's lease before giving up
    abandon: threading.Event  # set by a second Ctrl-C: a deploy under way stops and is cancelled

    def keep_alive(self, owner: str) -> None:
        """Renew the owner's lease if it is due; long procedures (deploys) call it now and then."""

    def holds(self, owner: str, renew: Callable[[], None], release: Callable[[], None]) -> None:
        """The owner's lease is taken: how to renew it, and how to give it back if the apply fails."""

    def contended(self, owner: str) -> None:
        """Another apply held the owner's lease first: check the plan still holds for it. Raises when it
        does not, or when that apply already left the owner as planned (its changes are not needed)."""


class Procedure(ABC):
    """How a request that needs more than one HTTP call is carried out."""

    @abstractmethod
    def check(self, request: Request) -> None:
        """Refuse, before apply sends anything at all, inputs that can no longer be carried out."""

    @abstractmethod
    def run(self, client: Any, request: Request, context: RunContext) -> Any:
        """Carry out the (placeholder-filled) request; the answer is what its `binds` read."""


class Executes(ABC):
    """A kind whose requests need more than one HTTP call to carry out (a deploy)."""

    @abstractmethod
    def procedures(self) -> Mapping[str, Procedure]:
        """Procedures by the `via` name its requests carry."""


class FindsManaged(ABC, Generic[S]):
    """A kind Netlify cannot list (integration contexts): what `read` cannot find by itself, the ledger
    names. Read after the ledger, so what this tool once created can still be found and deleted."""

    @abstractmethod
    def read_managed(
        self, reader: Reader, target: Target, owner: Owner, identities: set[str]
    ) -> dict[str, LiveObject[S]]:
        """Those of `identities` (managed, per the ledger, and not read yet) that exist."""


class Recovers(ABC, Generic[S]):
    """A kind that can find what an apply which never finished left behind (a deploy never completed)."""

    @abstractmethod
    def leftovers(
        self, reader: Reader, target: Target, owner: Owner, lease: Lease
    ) -> dict[str, LiveObject[S]]:
        """Objects that run (its lease, found stale) left unfinished; each is planned for deletion."""


class Advises(ABC):
    @abstractmethod
    def advice(self, owners: list[Owner]) -> list[str]:
        """Plan warnings about the manifests as a whole (a secret that cannot be compared, say)."""


# -- helpers shared by collection kinds -----------------------------------------------------------
def reads_for(owner: Owner, section: str, kind: str) -> bool:
    """Whether a kind most owners never use is read for this owner: where its manifest declares `section`
    or prunes `kind`, and for `export` (which declares nothing yet). A plan of owners that do not use it
    then costs no request and lists nothing of it as unmanaged; `FindsManaged` finds what this tool
    created once the section is gone."""
    return owner.exporting or section in owner.spec or kind in (owner.spec.get("prune") or ())


def site_listing(reader: Reader) -> list[dict[str, Any]]:
    """Every site the token sees: the listing each plan reads first (remembered, so no request more)."""
    return reader.get_all("/sites", {"filter": "all", "per_page": "100"})


def unexpressed(owner: Owner, kind: str, live: dict[str, LiveObject[S]]) -> list[str]:
    """The live objects whose identity is held by several (a manifest can declare only one of them)."""
    return [
        f"{owner.address}.{kind}.{identity}: {obj.conflict}"
        for identity, obj in sorted(live.items())
        if obj.conflict
    ]


def index_unique(objects: list[LiveObject[S]], what: str) -> dict[str, LiveObject[S]]:
    """Objects by identity; an identity held by several live objects becomes one conflicting entry."""
    out: dict[str, LiveObject[S]] = {}
    for obj in objects:
        first = out.get(obj.identity)
        if first is None:
            out[obj.identity] = obj
            continue
        first.others.append(obj)
        ids = [holder.ref.get("id") for holder in (first, *first.others)]
        first.conflict = (
            f"{len(ids)} live {what} share the identity {obj.identity!r} (ids {', '.join(map(str, ids))}); "
            "remove or rename all but one in Netlify"
        )
    return out


def read_collection(
    reader: Reader, path: str, parse: Callable[[dict[str, Any]], LiveObject[S]], what: str
) -> dict[str, LiveObject[S]]:
    """A listing endpoint's objects by identity, duplicates marked as conflicts (see index_unique)."""
    return index_unique([parse(item) for item in reader.get(path) or []], what)


def keyed_desired(
    owner: Owner, section: str, normalise: Callable[[Any, DocPath], S]
) -> dict[str, DesiredObject[S]] | None:
    """Declared objects of a map-shaped section (`env`, `snippets`, ...): key = identity, located.
    `normalise(spec, doc_path)` gets the node's document path, for the sensitive values it wraps."""
    entries = owner.spec.get(section)
    if entries is None:
        return None
    return {
        key: DesiredObject(
            key, normalise(spec, (*owner.doc_path, section, key)), owner.location(section, key)
        )
        for key, spec in entries.items()
    }


def collection_requests(
    change: Change, collection: str, body: Any, identity: Mapping[str, Any]
) -> list[Request]:
    """The usual REST trio: POST to the collection (read back by the fields in `identity` if its answer
    is lost), PUT or DELETE `collection/{live id}`."""
    if change.action is Action.CREATE:
        read_back = ReadBack(collection, match=identity, delete=collection + "/{id}")
        return [Request("POST", collection, body=body, read_back=read_back)]
    path = f"{collection}/{change.live_ref.get('id')}"
    if change.action is Action.DELETE:
        return [Request("DELETE", path)]
    return [Request("PUT", path, body=body)]
