"""A site's split test: its traffic shared between branches (`branches: {main: 80, next: 20}`), running
unless `active: false` (which unpublishes it). One per site. Netlify cannot delete a split test, so one
the manifest stops declaring is left as it is (stop it with `active: false` first). Percentages must sum
to 100; that is checked when the manifests are loaded. Read only for sites that declare one.
"""

from __future__ import annotations

from typing import Any, TypedDict, cast

from reconciler.manifest.model import Owner
from reconciler.model.change import Action, Change
from reconciler.model.errors import ManifestIssue
from reconciler.model.objects import DesiredObject, LiveObject, Target
from reconciler.model.reader import Reader
from reconciler.model.request import Placeholder, ReadBack, Request
from reconciler.resources.base import Exported, ResourceKind, Validates, index_unique, reads_for, unexpressed

IDENTITY = "split_test"


class SplitTest(TypedDict):
    branches: dict[str, int]  # branch -> percentage of the traffic
    active: bool


def desired_split_test(spec: dict[str, Any]) -> SplitTest:
    return SplitTest(branches=dict(spec["branches"]), active=bool(spec.get("active", True)))


def live_split_test(raw: dict[str, Any]) -> LiveObject[SplitTest]:
    branches = {
        str(item.get("branch")): int(item.get("percentage") or 0)
        for item in raw.get("branches") or []
        if isinstance(item, dict)
    }
    return LiveObject(
        IDENTITY, SplitTest(branches=branches, active=bool(raw.get("active"))), {"id": raw.get("id")}
    )


def _as_listed(branches: dict[str, int]) -> list[dict[str, Any]]:
    """The branches as Netlify lists them, to recognise a split test whose creation lost its answer."""
    return [{"branch": branch, "percentage": share} for branch, share in branches.items()]


class SplitTestKind(ResourceKind[SplitTest], Validates):
    name = IDENTITY
    owners = frozenset({"site"})
    order = 65  # after the site's build hooks, before integration context and the deploy
    singleton = True

    def desired(self, owner: Owner) -> dict[str, DesiredObject[SplitTest]] | None:
        spec = owner.spec.get(IDENTITY)
        if spec is None:
            return None
        return {IDENTITY: DesiredObject(IDENTITY, desired_split_test(spec), owner.location(IDENTITY))}

    def validate(self, owner: Owner) -> list[ManifestIssue]:
        branches = (owner.spec.get(IDENTITY) or {}).get("branches") or {}
        total = sum(branches.values())
        if branches and total != 100:
            _, path, where = owner.node(IDENTITY, "branches")
            return [ManifestIssue(where, path, f"the percentages sum to {total}, not 100")]
        return []

    def read(self, reader: Reader, target: Target, owner: Owner) -> dict[str, LiveObject[SplitTest]]:
        if not reads_for(owner, IDENTITY, self.name):
            return {}
        items = reader.get(f"/sites/{target.site_id}/traffic_splits") or []
        return index_unique([live_split_test(item) for item in items], "split tests")

    def export(self, live: dict[str, LiveObject[SplitTest]], owner: Owner) -> Exported:
        found = live.get(IDENTITY)
        if found is None or found.conflict:
            return Exported({}, unexpressed(owner, self.name, live))
        spec: dict[str, Any] = {"branches": dict(found.state["branches"])}
        if not found.state["active"]:
            spec["active"] = False
        return Exported({IDENTITY: spec})

    def requests(self, change: Change, target: Target) -> list[Request]:
        collection = f"/sites/{target.site_ref}/traffic_splits"
        after = cast(SplitTest, change.after)
        body = {"branch_tests": after["branches"]}
        if change.action is Action.CREATE:
            test_id = change.binding("id")
            read_back = ReadBack(collection, match={"branches": _as_listed(after["branches"])})
            create = Request("POST", collection, body=body, binds={test_id: "id"}, read_back=read_back)
            path = f"{collection}/{Placeholder(test_id)}"
            return [create, *([_publish(path, True)] if after["active"] else [])]
        path = f"{collection}/{change.live_ref.get('id')}"
        changed = {f.path[0] for f in change.fields}
        requests = [Request("PUT", path, body=body)] if "branches" in changed else []
        return requests + ([_publish(path, after["active"])] if "active" in changed else [])


def _publish(path: str, active: bool) -> Request:
    """Starting or stopping the test; doing it twice changes nothing."""
    return Request("POST", f"{path}/{'publish' if active else 'unpublish'}", idempotent=True)
