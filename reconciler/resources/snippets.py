"""Snippet injection, keyed by title: HTML for every page (`html`) and for form-success pages (`goal_html`).

Two live snippets with the same title are a conflict to resolve in Netlify, never a guess.
"""

from __future__ import annotations

from typing import Any, TypedDict, cast

from reconciler.manifest.model import Owner
from reconciler.model.change import Change
from reconciler.model.location import DocPath
from reconciler.model.objects import DesiredObject, LiveObject, Target
from reconciler.model.reader import Reader
from reconciler.model.request import Request
from reconciler.resources.base import (
    Exported,
    ResourceKind,
    collection_requests,
    keyed_desired,
    read_collection,
    unexpressed,
)


class Snippet(TypedDict):
    html: Any
    position: str
    goal_html: Any
    goal_position: str


# Manifest field -> API field, and the default of each: plans speak the manifest's words.
API_FIELDS = {
    "html": "general",
    "position": "general_position",
    "goal_html": "goal",
    "goal_position": "goal_position",
}
DEFAULTS = {"html": "", "position": "head", "goal_html": "", "goal_position": "head"}


def desired_snippet(spec: dict[str, Any], doc_path: DocPath = ()) -> Snippet:
    return cast(Snippet, {field: spec.get(field, default) for field, default in DEFAULTS.items()})


def live_snippet(raw: dict[str, Any]) -> LiveObject[Snippet]:
    state = {field: raw.get(API_FIELDS[field]) or default for field, default in DEFAULTS.items()}
    return LiveObject(str(raw.get("title", "")), cast(Snippet, state), {"id": raw.get("id")})


class SnippetsKind(ResourceKind[Snippet]):
    name = "snippets"
    owners = frozenset({"site"})
    order = 40

    def desired(self, owner: Owner) -> dict[str, DesiredObject[Snippet]] | None:
        return keyed_desired(owner, self.name, desired_snippet)

    def read(self, reader: Reader, target: Target, owner: Owner) -> dict[str, LiveObject[Snippet]]:
        return read_collection(reader, f"/sites/{target.site_id}/snippets", live_snippet, "snippets")

    def export(self, live: dict[str, LiveObject[Snippet]], owner: Owner) -> Exported:
        out = {
            title: {field: value for field, value in obj.state.items() if value != DEFAULTS[field]}
            for title, obj in sorted(live.items())
            if not obj.conflict
        }
        return Exported({self.name: out} if out else {}, unexpressed(owner, self.name, live))

    def requests(self, change: Change, target: Target) -> list[Request]:
        after = change.after or {}
        body = {"title": change.identity, **{API_FIELDS[field]: value for field, value in after.items()}}
        return collection_requests(
            change, f"/sites/{target.site_ref}/snippets", body, {"title": change.identity}
        )
