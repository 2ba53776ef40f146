"""The catalogue of outgoing hook types served by `GET /hooks/types` and used to validate hooks.

Each type lists the events it can be attached to and the `data` fields it needs. Event names are
Netlify's: `deploy_created` is the "deploy succeeded" notification, `deploy_building` "deploy started".
Commit-status hooks only follow a deploy's progress, so they accept the three deploy-progress events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEPLOY_EVENTS = (
    "deploy_building",
    "deploy_created",
    "deploy_failed",
    "deploy_deleted",
    "deploy_locked",
    "deploy_unlocked",
    "deploy_request_pending",
    "deploy_request_accepted",
    "deploy_request_rejected",
)
SUBMISSION_EVENT = "submission_created"
SPLIT_TEST_EVENTS = ("split_test_activated", "split_test_deactivated", "split_test_modified")
_PROGRESS_EVENTS = ("deploy_building", "deploy_created", "deploy_failed")


@dataclass(frozen=True)
class Field:
    """One `data` key of a hook type; `kind` (url, email, string) decides how its value is checked."""

    name: str
    title: str
    kind: str
    required: bool = True

    def render(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "type": self.kind, "required": self.required}


@dataclass(frozen=True)
class HookType:
    name: str
    events: tuple[str, ...]
    fields: tuple[Field, ...] = ()

    def render(self) -> dict[str, Any]:
        """The swagger `hookType` object."""
        return {"name": self.name, "events": list(self.events), "fields": [f.render() for f in self.fields]}


HOOK_TYPES: dict[str, HookType] = {
    t.name: t
    for t in (
        HookType(
            "url",
            (*DEPLOY_EVENTS, SUBMISSION_EVENT, *SPLIT_TEST_EVENTS),
            (
                Field("url", "URL to notify", "url"),
                Field("signature_secret", "JWS secret token", "string", required=False),
            ),
        ),
        HookType("email", (*DEPLOY_EVENTS, SUBMISSION_EVENT), (Field("email", "Email to notify", "email"),)),
        HookType(
            "slack",
            (*DEPLOY_EVENTS, SUBMISSION_EVENT),
            (Field("url", "Slack incoming webhook URL", "url"),),
        ),
        HookType("github_commit_status", _PROGRESS_EVENTS),
        HookType("gitlab_commit_status", _PROGRESS_EVENTS),
        HookType("bitbucket_commit_status", _PROGRESS_EVENTS),
    )
}


def actor_of(event: str) -> str:
    """The kind of object whose lifecycle fires the event (`deploy`, `submission`, `split_test`)."""
    if event.startswith("split_test_"):
        return "split_test"
    return event.partition("_")[0]
