"""Build hooks, keyed by title. The trigger URL is a credential (anyone holding it can start builds):
it is never compared, shown only as `(known after apply)` for a new hook and masked everywhere else.
"""

from __future__ import annotations

from typing import Any

from reconciler.manifest.model import Owner
from reconciler.netlify.client import NetlifyClient
from reconciler.plan.diff import field_changes
from reconciler.plan.model import KNOWN_AFTER_APPLY, Change, FieldChange
from reconciler.resources.base import (
    DesiredObject,
    LiveObject,
    Request,
    ResourceKind,
    Target,
    collection_requests,
    keyed_desired,
    read_collection,
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
        return keyed_desired(
            owner,
            self.name,
            lambda spec: {"branch": (spec or {}).get("branch", DEFAULT_BRANCH), "url": KNOWN_AFTER_APPLY},
        )

    def read(self, client: NetlifyClient, target: Target, owner: Owner) -> dict[str, LiveObject]:
        return read_collection(client, f"/sites/{target.site_id}/build_hooks", live_build_hook, "build hooks")

    def diff(self, desired: DesiredObject, live: LiveObject) -> list[FieldChange]:
        """Only the branch is ours to set; the URL is Netlify's (shown as known after apply when new)."""
        return field_changes({"branch": live.state["branch"]}, {"branch": desired.state["branch"]})

    def requests(self, change: Change, target: Target) -> list[Request]:
        body = {"title": change.identity, "branch": (change.after or {}).get("branch")}
        return collection_requests(change, f"/sites/{target.site_ref}/build_hooks", body)
