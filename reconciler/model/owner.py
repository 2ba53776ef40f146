"""Owners: the teams and sites that hold every other object, and the order apply visits them in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

OwnerKind = Literal["team", "site"]
# Apply settles each phase before the next starts: a team's shared env feeds every site of it.
APPLY_PHASE: dict[OwnerKind, int] = {"team": 0, "site": 1}


@dataclass(frozen=True)
class OwnerRef:
    """The team or site a change belongs to."""

    kind: OwnerKind
    name: str

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.name}"

    @property
    def phase(self) -> int:
        return APPLY_PHASE[self.kind]
