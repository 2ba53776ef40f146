"""The repository a site builds from (continuous deployment), with a deploy key when asked for.

Netlify keeps the link in the site object: written as `repo` by `PATCH /sites/{id}`, read back in
`build_settings` (`provider`, `repo_path`, `repo_branch`, `deploy_key_id`), so reading it costs nothing.
`deploy_key: true` asks for a key to be attached: when the site has none, apply creates one
(`POST /deploy_keys`, the user's), attaches it with the link, records its id and public key in the ledger
and prints the public key, to be added to the repository as a read-only deploy key. A site that already
has a key keeps it, whoever made it: the key is never made again, and never deleted by this tool (the
repository may still trust it). Only declared fields are compared; a link the manifest does not declare
is left alone (a repository link is never removed).
"""

from __future__ import annotations

from typing import Any, TypedDict, cast

from reconciler.manifest.model import Owner
from reconciler.model.change import ABSENT, KNOWN_AFTER_APPLY, Change, FieldChange
from reconciler.model.diff import field_changes, project
from reconciler.model.objects import DesiredObject, LiveObject, Target
from reconciler.model.reader import Reader
from reconciler.model.request import Placeholder, Request
from reconciler.resources.base import Exported, KeepsRecord, ResourceKind

IDENTITY = "repo"
# Manifest field -> the field of Netlify's repository link (`repo` written, `build_settings` read).
API_FIELDS = {"provider": "provider", "path": "repo_path", "branch": "repo_branch"}


class Repo(TypedDict, total=False):
    provider: str
    path: str
    branch: str
    deploy_key: bool  # a key is attached (declared only as true: false leaves the key alone)


def desired_repo(spec: dict[str, Any]) -> Repo:
    repo = cast(Repo, {field: spec[field] for field in API_FIELDS if field in spec})
    if spec.get("deploy_key"):
        repo["deploy_key"] = True
    return repo


def live_repo(build: dict[str, Any]) -> LiveObject[Repo] | None:
    if not build.get("repo_path"):
        return None
    repo = cast(Repo, {field: build[api] for field, api in API_FIELDS.items() if build.get(api)})
    repo["deploy_key"] = bool(build.get("deploy_key_id"))
    return LiveObject(IDENTITY, repo, {"deploy_key_id": build.get("deploy_key_id")})


def _needs_key(change: Change) -> bool:
    return bool(change.after.get("deploy_key")) and not (change.before or {}).get("deploy_key")


class RepoKind(ResourceKind[Repo], KeepsRecord[Repo]):
    name = "repo"
    owners = frozenset({"site"})
    order = 5  # right after the site: builds and deploy previews depend on it
    singleton = True

    def desired(self, owner: Owner) -> dict[str, DesiredObject[Repo]] | None:
        spec = owner.spec.get(IDENTITY)
        if spec is None:
            return None
        return {IDENTITY: DesiredObject(IDENTITY, desired_repo(spec), owner.location(IDENTITY))}

    def read(self, reader: Reader, target: Target, owner: Owner) -> dict[str, LiveObject[Repo]]:
        """From the site object (no request of its own)."""
        found = live_repo(dict(target.site.get("build_settings") or {}))
        return {IDENTITY: found} if found is not None else {}

    def diff(self, desired: DesiredObject[Repo], live: LiveObject[Repo]) -> list[FieldChange]:
        """The declared fields; a key asked for and missing shows its public key as known after apply."""
        fields = field_changes(project(dict(live.state), dict(desired.state)), dict(desired.state))
        if desired.state.get("deploy_key") and not live.state.get("deploy_key"):
            fields.append(FieldChange(("public_key",), ABSENT, KNOWN_AFTER_APPLY))
        return fields

    def export(self, live: dict[str, LiveObject[Repo]], owner: Owner) -> Exported:
        found = live.get(IDENTITY)
        if found is None:
            return Exported()
        repo = {key: value for key, value in found.state.items() if key != "deploy_key" or value}
        return Exported({IDENTITY: repo})

    def requests(self, change: Change, target: Target) -> list[Request]:
        """Link (or relink) the repository; first make the deploy key when one is asked for and missing.
        Making a key twice (a retry after a lost answer) leaves an unused key, which grants nothing."""
        state = cast(dict[str, Any], change.after)
        link: dict[str, Any] = {API_FIELDS[field]: state[field] for field in API_FIELDS if field in state}
        requests = []
        if _needs_key(change):
            key_id, public_key = change.binding("deploy_key_id"), change.binding("public_key")
            binds = {key_id: "id", public_key: "public_key"}
            requests.append(
                Request("POST", "/deploy_keys", binds=binds, idempotent=True, outputs=(public_key,))
            )
            link["deploy_key_id"] = Placeholder(key_id)
        return [*requests, Request("PATCH", f"/sites/{target.site_ref}", body={"repo": link})]

    # -- ledger record: the deploy key this tool made (its id and public key) ----------------------
    def attach_record(self, record: Any, live: dict[str, LiveObject[Repo]], kept: bool) -> None:
        if IDENTITY in live:
            live[IDENTITY].ref["record"] = record

    def next_record(
        self,
        owner: Owner,
        record: Any,
        desired: dict[str, DesiredObject[Repo]],
        live: dict[str, LiveObject[Repo]],
        changes: list[Change],
    ) -> Any:
        made = [c for c in changes if c.kind == self.name and _needs_key(c)]
        if made:
            key_id, public_key = made[0].binding("deploy_key_id"), made[0].binding("public_key")
            return {"deploy_key_id": Placeholder(key_id), "public_key": Placeholder(public_key)}
        return record
