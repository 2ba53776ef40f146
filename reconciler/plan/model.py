"""Plan: the ordered changes (each with its requests) and what the reader should know beside them."""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.model.change import Action, Change
from reconciler.model.owner import OwnerRef
from reconciler.model.request import Api

# What the reader calls the changes of each action in the summary line, in its order.
SUMMARY_WORDS = (
    (Action.CREATE, "to add"),
    (Action.UPDATE, "to change"),
    (Action.DELETE, "to destroy"),
)


@dataclass(frozen=True)
class Unmanaged:
    """A live object nobody declared and we may not touch: reported, never changed."""

    owner: OwnerRef
    kind: str
    identity: str


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    unmanaged: list[Unmanaged] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # ambiguous live objects: nothing planned for them
    managed: dict[str, set[tuple[str, str]]] = field(
        default_factory=dict
    )  # owner -> (kind, id) in its ledger
    prefixes: dict[Api, str] = field(default_factory=dict)  # each API's path prefix, for showing calls
    mode: str = "plan"  # "drift": the same changes, read as how Netlify departs from the manifests
    shard: tuple[int, int] | None = None  # a drift report of shard K of N (`drift --shard K/N`)

    @property
    def config_changes(self) -> list[Change]:
        """Changes to Netlify objects; ledger writes are bookkeeping beside them."""
        return [c for c in self.changes if c.action is not Action.RECORD]

    @property
    def listed(self) -> list[Change]:
        """The changes a report shows: a drift report is about objects, not the ledger."""
        return self.config_changes if self.mode == "drift" else self.changes

    @property
    def has_changes(self) -> bool:
        """Anything apply would write. A drift is about objects only: a pending ledger write is not one."""
        return bool(self.listed)

    def counts(self) -> dict[str, int]:
        counts = {action.value: 0 for action in Action}
        for change in self.listed:
            counts[change.action.value] += 1
        return counts

    def calls(self, change: Change) -> list[str]:
        """What apply sends for a change, as `METHOD /api/v1/path?query` lines (placeholders in braces); for
        a change read back from a report (it carries no requests), the lines the report listed."""
        if not change.requests:
            return list(change.recorded_calls)
        return [
            line for request in change.requests for line in request.calls(self.prefixes.get(request.api, ""))
        ]

    def summary(self) -> str:
        if self.mode == "drift":
            return self._drift_summary()
        if not self.changes:
            return self._nothing_to_do("No changes")
        c = self.counts()
        text = "Plan: " + ", ".join(f"{c[action.value]} {words}" for action, words in SUMMARY_WORDS)
        if c["replace"]:
            text += f", {c['replace']} to replace"
        if c["deploy"]:
            text += f", {c['deploy']} deploy{'s' if c['deploy'] != 1 else ''}"
        if c["record"]:
            text += f", {c['record']} ledger write{'s' if c['record'] != 1 else ''}"
        return text + "."

    def _nothing_to_do(self, nothing: str) -> str:
        """An empty plan or drift: a match, unless conflicts kept objects out of the comparison."""
        if self.conflicts:
            conflicts = len(self.conflicts)
            return f"{nothing}, but live state does not match the manifests: {conflicts} conflict(s)."
        return f"{nothing}. Live state matches the manifests."

    def _drift_summary(self) -> str:
        changes = self.config_changes
        if not changes:
            return self._nothing_to_do("No drift")
        c = self.counts()
        return (
            f"Drift: {len(changes)} object(s) on Netlify differ from the manifests "
            f"({c['create']} missing, {c['update'] + c['replace'] + c['deploy']} changed, "
            f"{c['delete']} not declared)."
        )
