"""Build hooks, keyed by title. The trigger URL is a credential (anyone holding it can start builds):
it is never compared, shown only as `(known after apply)` for a new hook and masked everywhere else.
"""

from __future__ import annotations

from typing import Any

from reconciler.manifest.model import Owner
from reconciler.netlify.client import NetlifyClient
from reconciler.plan.diff import field_changes
from reconciler.plan.model import KNOWN_AFTER_APPLY, Action, Change, FieldChange
from reconciler.resources.base import (
    DesiredObject,
    LiveObject,
    Request,
    ResourceKind,
    Target,
    index_unique,
)
from reconciler.sensitive import Sensitive

DEFAULT_BRANCH = "main"


def live_build_hook(raw: dict[str, Any]) -> LiveObject:
    state = {"branch": raw.get("branch") or DEFAULT_BRANCH, "url": Sensitive(str(raw.get("url", "")))}
    return LiveObject(str(raw.get("title", "")), state, {"id": raw.get("id")})


class BuildHooksKind(ResourceKind):
    name = "build_hooks"
    owners = frozenset({"site"})
    order = 60

    def desired(self, owner: Owner) -> dict[str, DesiredObject] | None:
        section = owner.spec.get("build_hooks")
        if section is None:
            return None
        return {
            title: DesiredObject(
                title,
                {"branch": (spec or {}).get("branch", DEFAULT_BRANCH), "url": KNOWN_AFTER_APPLY},
                owner.location("build_hooks", title),
            )
            for title, spec in section.items()
        }

    def read(self, client: NetlifyClient, target: Target, owner: Owner) -> dict[str, LiveObject]:
        items = client.get(f"/sites/{target.site_id}/build_hooks") or []
        return index_unique([live_build_hook(item) for item in items], "build hooks")

    def diff(self, desired: DesiredObject, live: LiveObject) -> list[FieldChange]:
        """Only the branch is ours to set; the URL is Netlify's (shown as known after apply when new)."""
        return field_changes({"branch": live.state["branch"]}, {"branch": desired.state["branch"]})

    def requests(self, change: Change, target: Target) -> list[Request]:
        base = f"/sites/{target.site_ref}/build_hooks"
        body = {"title": change.identity, "branch": (change.after or {}).get("branch")}
        if change.action is Action.CREATE:
            return [Request("POST", base, body=body)]
        path = f"{base}/{change.live_ref.get('id')}"
        if change.action is Action.DELETE:
            return [Request("DELETE", path)]
        return [Request("PUT", path, body=body)]
