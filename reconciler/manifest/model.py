"""The desired state as loaded from manifests: plain data with source locations.

The loader stays generic: it checks structure against the JSON Schema, resolves `${VAR}` into
`Sensitive` values and keeps a location for every node. Each resource kind interprets its own
section of a team or site (`spec["env"]`, `spec["metadata"]`, ...), so adding a kind never
touches the loader's data model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reconciler.model.location import DocPath, Location, format_doc_path
from reconciler.model.owner import OwnerKind, OwnerRef


@dataclass
class Owner:
    """A declared team or site: its manifest section and where each of its nodes came from."""

    kind: OwnerKind
    name: str
    spec: dict[str, Any]
    doc_path: DocPath
    locations: dict[DocPath, Location] = field(default_factory=dict)
    exporting: bool = False  # made by `export` from live state: kinds read all they can, declared or not

    @property
    def ref(self) -> OwnerRef:
        return OwnerRef(self.kind, self.name)

    @property
    def address(self) -> str:
        return self.ref.address

    def location(self, *relative: str | int) -> Location | None:
        """Location of a node below this owner, falling back to the nearest ancestor that has one."""
        path: DocPath = self.doc_path + tuple(relative)
        while path:
            if path in self.locations:
                return self.locations[path]
            path = path[:-1]
        return None

    def node(self, *relative: str | int) -> tuple[DocPath, str, Location | None]:
        """A node below this owner: its document path, that path as text, and its location."""
        path: DocPath = self.doc_path + tuple(relative)
        return path, format_doc_path(path), self.location(*relative)


@dataclass
class DesiredState:
    teams: dict[str, Owner] = field(default_factory=dict)
    sites: dict[str, Owner] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, owner: Owner) -> DesiredState:
        """A desired state of that one owner."""
        state = cls()
        (state.teams if owner.kind == "team" else state.sites)[owner.name] = owner
        return state

    def owners(self) -> list[Owner]:
        return [*self.teams.values(), *self.sites.values()]

    def owner(self, kind: OwnerKind, name: str) -> Owner:
        return (self.teams if kind == "team" else self.sites)[name]

    def value_at(self, path: DocPath) -> Any:
        """The loaded value of a node (`("sites", "x", "env", "K", "value")`), or KeyError."""
        section, name, *rest = path
        owners = {"teams": self.teams, "sites": self.sites}[str(section)]
        value: Any = owners[str(name)].spec
        for part in rest:
            value = value[part]
        return value
