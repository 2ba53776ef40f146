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

DEFAULTS = {"general": "", "general_position": "head", "goal": "", "goal_position": "head"}


def desired_snippet(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "general": spec.get("html", ""),
        "general_position": spec.get("position", "head"),
        "goal": spec.get("goal_html", ""),
        "goal_position": spec.get("goal_position", "head"),
    }


def live_snippet(raw: dict[str, Any]) -> LiveObject:
    state = {key: raw.get(key) or default for key, default in DEFAULTS.items()}
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
        body = {"title": change.identity, **(change.after or {})}
        return collection_requests(change, f"/sites/{target.site_ref}/snippets", body)
