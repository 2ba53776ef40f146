"""Snippet injection, keyed by title: HTML for every page (`html`) and for form-success pages (`goal_html`).

Two live snippets with the same title are a conflict to resolve in Netlify, never a guess.
"""

from __future__ import annotations

from typing import Any

from reconciler.manifest.model import Owner
from reconciler.netlify.client import NetlifyClient
from reconciler.plan.model import Change
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

# Manifest field -> API field, and the default of each: plans speak the manifest's words.
API_FIELDS = {
    "html": "general",
    "position": "general_position",
    "goal_html": "goal",
    "goal_position": "goal_position",
}
DEFAULTS = {"html": "", "position": "head", "goal_html": "", "goal_position": "head"}


def desired_snippet(spec: dict[str, Any]) -> dict[str, Any]:
    return {field: spec.get(field, default) for field, default in DEFAULTS.items()}


def live_snippet(raw: dict[str, Any]) -> LiveObject:
    state = {field: raw.get(API_FIELDS[field]) or default for field, default in DEFAULTS.items()}
    return LiveObject(str(raw.get("title", "")), state, {"id": raw.get("id")})


class SnippetsKind(ResourceKind):
    name = "snippets"
    owners = frozenset({"site"})
    order = 40

    def desired(self, owner: Owner) -> dict[str, DesiredObject] | None:
        return keyed_desired(owner, self.name, desired_snippet)

    def read(self, client: NetlifyClient, target: Target, owner: Owner) -> dict[str, LiveObject]:
        return read_collection(client, f"/sites/{target.site_id}/snippets", live_snippet, "snippets")

    def requests(self, change: Change, target: Target) -> list[Request]:
        after = change.after or {}
        body = {"title": change.identity, **{API_FIELDS[field]: value for field, value in after.items()}}
        return collection_requests(change, f"/sites/{target.site_ref}/snippets", body)
