"""Build hooks, keyed by title. The trigger URL is a credential (anyone holding it can start builds):
it is never compared, shown only as `(known after apply)` for a new hook and masked everywhere else.
"""

from __future__ import annotations

from typing import Any, TypedDict

from reconciler.manifest.model import Owner
from reconciler.model.change import KNOWN_AFTER_APPLY, Change, FieldChange
from reconciler.model.diff import field_changes
from reconciler.model.location import DocPath
from reconciler.model.objects import DesiredObject, LiveObject, Target
from reconciler.model.reader import Reader
from reconciler.model.request import Request
from reconciler.model.sensitive import Sensitive
from reconciler.resources.base import (
    Exported,
    ResourceKind,
    collection_requests,
    keyed_desired,
    read_collection,
    unexpressed,
)

DEFAULT_BRANCH = "main"


class BuildHook(TypedDict):
    branch: str
    url: Any  # Sensitive live, KNOWN_AFTER_APPLY declared


def desired_build_hook(spec: Any, doc_path: DocPath = ()) -> BuildHook:
    return BuildHook(branch=(spec or {}).get("branch", DEFAULT_BRANCH), url=KNOWN_AFTER_APPLY)


def live_build_hook(raw: dict[str, Any]) -> LiveObject[BuildHook]:
    state = BuildHook(branch=raw.get("branch") or DEFAULT_BRANCH, url=Sensitive(str(raw.get("url", ""))))
    return LiveObject(str(raw.get("title", "")), state, {"id": raw.get("id")})


class BuildHooksKind(ResourceKind[BuildHook]):
    name = "build_hooks"
    owners = frozenset({"site"})
    order = 60

    def desired(self, owner: Owner) -> dict[str, DesiredObject[BuildHook]] | None:
        return keyed_desired(owner, self.name, desired_build_hook)

    def read(self, reader: Reader, target: Target, owner: Owner) -> dict[str, LiveObject[BuildHook]]:
        return read_collection(reader, f"/sites/{target.site_id}/build_hooks", live_build_hook, "build hooks")

    def diff(self, desired: DesiredObject[BuildHook], live: LiveObject[BuildHook]) -> list[FieldChange]:
        """Only the branch is ours to set; the URL is Netlify's (shown as known after apply when new)."""
        return field_changes({"branch": live.state["branch"]}, {"branch": desired.state["branch"]})

    def export(self, live: dict[str, LiveObject[BuildHook]], owner: Owner) -> Exported:
        """Keyed by title; the branch only when it is not the default. The URL is Netlify's to give."""
        out = {
            title: {"branch": obj.state["branch"]} if obj.state["branch"] != DEFAULT_BRANCH else {}
            for title, obj in sorted(live.items())
            if not obj.conflict
        }
        return Exported({self.name: out} if out else {}, unexpressed(owner, self.name, live))

    def requests(self, change: Change, target: Target) -> list[Request]:
        body = {"title": change.identity, "branch": (change.after or {}).get("branch")}
        collection = f"/sites/{target.site_ref}/build_hooks"
        return collection_requests(change, collection, body, {"title": change.identity})
