"""Changes: one object to create, update, delete, replace or deploy, with the requests that do it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reconciler.model.location import Location
from reconciler.model.owner import OwnerRef
from reconciler.model.request import Request
from reconciler.model.sensitive import is_sensitive


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE = "replace"  # delete and create again: a field Netlify cannot change in place changed
    DEPLOY = "deploy"  # publish new files/functions (or an earlier deploy) on a site
    RECORD = "record"  # write the owner's ledger (inventory, secret digests): bookkeeping, not config


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


@dataclass
class Change:
    """One object to change, with everything the renderers show and every request apply sends.

    `requests` is the contract: apply sends exactly these, in order, filling placeholders from the
    answers of earlier ones. `before`/`after`/`fields` are for people; apply never reads them.
    """

    owner: OwnerRef
    kind: str
    identity: str
    action: Action
    before: Any = None
    after: Any = None
    fields: list[FieldChange] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    note: str = ""
    location: Location | None = None
    live_ref: dict[str, Any] = field(default_factory=dict)  # ids and timestamps of the live object
    desired_ref: dict[str, Any] = field(default_factory=dict)  # derived declared data (deploy inputs)
    owner_itself: bool = False  # the change creates, changes or destroys the team or site itself
    consent: str = ""  # why apply needs --allow-destroy for it, whatever the thresholds (a zone's deletion)
    recorded_calls: tuple[str, ...] = ()  # the calls a report listed, for a change read back from it

    @property
    def address(self) -> str:
        if self.owner_itself:
            return self.owner.address
        suffix = f".{self.identity}" if self.identity and self.identity != self.kind else ""
        return f"{self.owner.address}.{self.kind}{suffix}"

    @property
    def outputs(self) -> list[str]:
        """What apply learns for this change that the user needs afterwards (see `Request.outputs`)."""
        return [name for request in self.requests for name in request.outputs]

    def binding(self, name: str) -> str:
        """The placeholder name for a value apply learns from this change's answers (`site.x.id`)."""
        return f"{self.address}.{name}"
