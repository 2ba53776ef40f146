"""The desired state as loaded from manifests: plain data with source locations.

The loader stays generic: it checks structure against the JSON Schema, resolves `${VAR}` into
`Sensitive` values and keeps a location for every node. Each resource kind interprets its own
section of a team or site (`spec["env"]`, `spec["metadata"]`, ...), so adding a kind never
touches the loader's data model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

DocPath = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based position in a manifest file."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


def format_doc_path(path: DocPath) -> str:
    """`("sites", "acme-docs", "env", "API_URL")` -> `sites.acme-docs.env.API_URL`; list items as `[0]`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


@dataclass
class Owner:
    """A declared team or site: its manifest section and where each of its nodes came from."""

    kind: Literal["team", "site"]
    name: str
    spec: dict[str, Any]
    doc_path: DocPath
    locations: dict[DocPath, Location] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.name}"

    def location(self, *relative: str | int) -> Location | None:
        """Location of a node below this owner, falling back to the nearest ancestor that has one."""
        path: DocPath = self.doc_path + tuple(relative)
        while path:
            if path in self.locations:
                return self.locations[path]
            path = path[:-1]
        return None


@dataclass
class DesiredState:
    teams: dict[str, Owner] = field(default_factory=dict)
    sites: dict[str, Owner] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
