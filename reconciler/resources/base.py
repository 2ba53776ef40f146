"""The contract every resource kind implements, so the planner stays generic.

A kind knows four things: which objects an owner (team or site) declares, how to read the live
ones, how to compare the two (normalised: ids and timestamps never drive a diff), and which API
calls turn a Change into reality. The planner, renderers and apply only talk to this interface.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from reconciler.errors import ManifestIssue
from reconciler.manifest.model import Location, Owner
from reconciler.netlify.client import NetlifyClient
from reconciler.plan.diff import field_changes
from reconciler.plan.model import Action, Change, FieldChange
from reconciler.sensitive import reveal


@dataclass
class Target:
    """Where an owner lives on Netlify. For a site still to be created, `site_id` is None until apply."""

    kind: str  # "team" | "site"
    name: str
    account: str | None = None  # account id or slug (Netlify accepts both)
    site_id: str | None = None
    site: dict[str, Any] = field(default_factory=dict)  # the live site object, when there is one
    cache: dict[str, Any] = field(default_factory=dict)  # raw objects one kind read and another part reuses

    @property
    def exists(self) -> bool:
        return self.kind == "team" or self.site_id is not None

    @property
    def account_ref(self) -> str:
        """The account for a call; a placeholder while a personal site's account is not known yet."""
        return self.account or "{account}"

    @property
    def site_ref(self) -> str:
        """The site's id for a call; its name while it does not exist yet (plan display only)."""
        return self.site_id or self.name


@dataclass
class DesiredObject:
    identity: str
    state: Any
    location: Location | None = None
    absent: bool = False  # declared, but must not exist (e.g. `state: absent`)
    ref: dict[str, Any] = field(default_factory=dict)  # derived data that is never diffed (secret digests)


@dataclass
class LiveObject:
    identity: str
    state: Any
    ref: dict[str, Any] = field(default_factory=dict)  # ids and timestamps: needed for calls, never diffed
    conflict: str | None = None  # set when the identity is ambiguous live: never guessed, never changed


def index_unique(objects: list[LiveObject], what: str) -> dict[str, LiveObject]:
    """Objects by identity; an identity held by several live objects becomes one conflicting entry."""
    out: dict[str, LiveObject] = {}
    for obj in objects:
        first = out.get(obj.identity)
        if first is None:
            out[obj.identity] = obj
            continue
        ids = [*first.ref.get("ids", [first.ref.get("id")]), obj.ref.get("id")]
        first.ref["ids"] = ids
        first.conflict = (
            f"{len(ids)} live {what} share the identity {obj.identity!r} (ids {', '.join(map(str, ids))}); "
            "remove or rename all but one in Netlify"
        )
    return out


@dataclass(frozen=True)
class Request:
    """One API call a change implies; rendered in plans and executed by apply."""

    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    body: Any = None
    idempotent: bool | None = None  # None: by HTTP method
    api: str = "netlify"  # or "integrations": the Integration API, its own host and auth header

    def describe(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.method} {self.path}" + (f"?{query}" if query else "")


class ResourceKind(ABC):
    """One kind of Netlify object (site settings, env vars, metadata, ...)."""

    name: ClassVar[str]
    owners: ClassVar[frozenset[str]]  # which owners can declare it: {"site"}, {"team", "site"}
    order: ClassVar[int]  # position in the fixed per-owner apply order (docs/decisions.md)
    owns_target: ClassVar[bool] = False  # True for the kind whose create/delete is the owner itself
    prunable: ClassVar[bool] = True  # False for singletons that always exist (metadata, the site)
    presents_as: ClassVar[Action | None] = None  # shows its creates/updates as this action (deploy)

    @abstractmethod
    def desired(self, owner: Owner) -> dict[str, DesiredObject] | None:
        """Declared objects by identity; None when the owner's manifest does not manage this kind."""

    @abstractmethod
    def read(self, client: NetlifyClient, target: Target, owner: Owner) -> dict[str, LiveObject]:
        """Live objects by identity, normalised like `desired` so that equal means unchanged."""

    def empty_live(self, desired: DesiredObject) -> LiveObject | None:
        """What to diff against when nothing exists live (None: plan a plain create)."""
        return None

    def validate(self, owner: Owner) -> list[ManifestIssue]:
        """Checks beyond the JSON Schema that need this kind's knowledge (offline)."""
        return []

    def verify(
        self, client: NetlifyClient, declared: list[tuple[Owner, dict[str, LiveObject]]]
    ) -> list[ManifestIssue]:
        """Checks that need the API (e.g. hook types), run once per plan after live state is read."""
        return []

    def diff(self, desired: DesiredObject, live: LiveObject) -> list[FieldChange]:
        return field_changes(live.state, desired.state)

    # -- the kind's own ledger record (optional) ------------------------------------------------
    def attach_record(self, record: Any, live: dict[str, LiveObject]) -> None:
        """Give the live objects what the ledger remembers about them, before they are diffed."""
        return None

    def next_record(
        self,
        record: Any,
        desired: dict[str, DesiredObject],
        live: dict[str, LiveObject],
        changes: list[Change],
    ) -> Any:
        """The record after this plan is applied (None: the kind keeps none). Pure: part of planning."""
        return None

    def complete_record(
        self, record: Any, client: NetlifyClient, target: Target, results: dict[str, Any]
    ) -> Any:
        """Fill in what only apply learns (ids, timestamps Netlify returned), from `results` by identity."""
        return record

    def explain(self, desired: DesiredObject, live: LiveObject) -> str:
        """Why an update is planned, when the fields alone do not say it (e.g. secret drift)."""
        return ""

    @abstractmethod
    def requests(self, change: Change, target: Target) -> list[Request]:
        """The calls that carry out `change`, used both to show the plan and to apply it."""

    def apply(self, client: NetlifyClient, change: Change, target: Target) -> Any:
        """Send the change's requests in order; the last answer is returned (the ledger reads it)."""
        result = None
        for request in self.requests(change, target):
            result = send(client, request)
        return result


def read_collection(
    client: NetlifyClient, path: str, parse: Callable[[dict[str, Any]], LiveObject], what: str
) -> dict[str, LiveObject]:
    """A listing endpoint's objects by identity, duplicates marked as conflicts (see index_unique)."""
    return index_unique([parse(item) for item in client.get(path) or []], what)


def keyed_desired(
    owner: Owner, section: str, normalise: Callable[[Any], Any]
) -> dict[str, DesiredObject] | None:
    """Declared objects of a map-shaped section (`env`, `snippets`, ...): key = identity, located."""
    entries = owner.spec.get(section)
    if entries is None:
        return None
    return {
        key: DesiredObject(key, normalise(spec), owner.location(section, key))
        for key, spec in entries.items()
    }


def collection_requests(change: Change, collection: str, body: Any) -> list[Request]:
    """The usual REST trio: POST to the collection, PUT or DELETE `collection/{live id}`."""
    if change.action is Action.CREATE:
        return [Request("POST", collection, body=body)]
    path = f"{collection}/{change.live_ref.get('id')}"
    if change.action is Action.DELETE:
        return [Request("DELETE", path)]
    return [Request("PUT", path, body=body)]


def send(client: NetlifyClient, request: Request) -> Any:
    if request.api == "integrations":
        client = client.integrations()
    return client.request_json(
        request.method,
        request.path,
        params=request.params or None,
        body=reveal(request.body),
        idempotent=request.idempotent,
    )
