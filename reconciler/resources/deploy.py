"""Deploys as part of the plan: the local digest of `deploy.dir` (and functions) against what Netlify serves.

Production deploys compare with the published deploy's files (`GET /sites/{id}/files`) and functions
(`available_functions` of the published deploy, which the site object already carries): an unchanged tree
plans nothing, so apply makes no deploy call at all. Draft and branch deploys never publish, so they are
compared with the ledger's record of the last tree this tool deployed that way. `pin` publishes an earlier
deploy (a rollback made as a Git change).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from reconciler.deploy.engine import DeployOptions, deploy, restore
from reconciler.deploy.progress import Progress, human_bytes
from reconciler.deploy.scan import LocalDigest, local_digest
from reconciler.errors import ManifestIssue
from reconciler.manifest.model import Owner, format_doc_path
from reconciler.netlify.client import NetlifyClient
from reconciler.plan.diff import field_changes
from reconciler.plan.model import ABSENT, Action, Change, FieldChange
from reconciler.resources.base import DesiredObject, LiveObject, Request, ResourceKind, Target

IDENTITY = "deploy"


def tree_hash(state: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


class DeployKind(ResourceKind):
    name = "deploy"
    owners = frozenset({"site"})
    order = 80  # last: the site, its env and its settings are in place before new files go live
    prunable = False
    presents_as = Action.DEPLOY

    def __init__(self, workdir: Path | None = None) -> None:
        self._workdir = workdir  # function zips; a private temporary directory unless given
        self._digests: dict[str, LocalDigest] = {}
        self._specs: dict[str, dict[str, Any]] = {}  # per site, for apply (a Change carries no options)

    # -- desired -------------------------------------------------------------------------------
    @staticmethod
    def _base(owner: Owner) -> Path:
        """Deploy paths are relative to the manifest file that declares them."""
        location = owner.location("deploy")
        return Path(location.file).parent if location else Path.cwd()

    def validate(self, owner: Owner) -> list[ManifestIssue]:
        spec = owner.spec.get("deploy") or {}
        issues = []
        for key in ("dir", "functions"):
            if key in spec and not (self._base(owner) / spec[key]).is_dir():
                doc_path = format_doc_path((*owner.doc_path, "deploy", key))
                message = f"{self._base(owner) / spec[key]} is not a directory"
                issues.append(ManifestIssue(owner.location("deploy", key), doc_path, message))
        return issues

    def _digest(self, owner: Owner, spec: dict[str, Any]) -> LocalDigest:
        """Scan and hash once per run, however often the planner asks."""
        if owner.name not in self._digests:
            base = self._base(owner)
            functions = base / spec["functions"] if spec.get("functions") else None
            if self._workdir is None:
                self._workdir = Path(tempfile.mkdtemp(prefix="netlify-reconciler-deploy-"))
                atexit.register(shutil.rmtree, self._workdir, True)
            workdir = self._workdir / owner.name
            workdir.mkdir(parents=True, exist_ok=True)
            self._digests[owner.name] = local_digest(base / spec["dir"], functions, workdir)
        return self._digests[owner.name]

    def desired(self, owner: Owner) -> dict[str, DesiredObject] | None:
        spec = owner.spec.get("deploy")
        if spec is None:
            return None
        location = owner.location("deploy")
        self._specs[owner.name] = dict(spec)
        if "pin" in spec:
            return {IDENTITY: DesiredObject(IDENTITY, {"published_deploy": spec["pin"]}, location)}
        digest = self._digest(owner, spec)
        state = {"files": digest.file_shas(), "functions": digest.function_shas()}
        preview = bool(spec.get("draft") or spec.get("branch"))
        ref = {"digest": digest, "preview": preview, "tree": tree_hash(state)}
        return {IDENTITY: DesiredObject(IDENTITY, state, location, ref=ref)}

    # -- live ----------------------------------------------------------------------------------
    def read(self, client: NetlifyClient, target: Target, owner: Owner) -> dict[str, LiveObject]:
        spec = owner.spec.get("deploy")
        if spec is None:
            return {}
        published = target.site.get("published_deploy") or {}
        ref = {"published": published.get("id")}
        if "pin" in spec:
            return {IDENTITY: LiveObject(IDENTITY, {"published_deploy": published.get("id")}, ref)}
        files = client.get(f"/sites/{target.site_id}/files") or [] if published else []
        state = {
            "files": {str(item["path"]).lstrip("/"): item["sha"] for item in files},
            "functions": {f["n"]: f["d"] for f in published.get("available_functions") or []},
        }
        return {IDENTITY: LiveObject(IDENTITY, state, ref)}

    def empty_live(self, desired: DesiredObject) -> LiveObject | None:
        """A new site serves nothing: its first deploy is a diff against an empty tree."""
        if "published_deploy" in desired.state:
            return LiveObject(IDENTITY, {"published_deploy": None})
        return LiveObject(IDENTITY, {"files": {}, "functions": {}})

    def attach_record(self, record: Any, live: dict[str, LiveObject]) -> None:
        if IDENTITY in live:
            live[IDENTITY].ref["record"] = record

    # -- compare -------------------------------------------------------------------------------
    def diff(self, desired: DesiredObject, live: LiveObject) -> list[FieldChange]:
        if "published_deploy" in desired.state:
            return field_changes({"published_deploy": live.state.get("published_deploy")}, desired.state)
        changes = [
            FieldChange(
                (section, name),
                live.state[section].get(name, ABSENT),
                desired.state[section].get(name, ABSENT),
            )
            for section in ("functions", "files")
            for name in sorted(set(live.state[section]) | set(desired.state[section]))
            if live.state[section].get(name) != desired.state[section].get(name)
        ]
        if not desired.ref["preview"]:
            return changes
        record = live.ref.get("record") or {}
        if record.get("tree") == desired.ref["tree"]:
            return []  # this very tree was already deployed as a draft/branch deploy
        return changes or [FieldChange(("tree",), record.get("tree", ABSENT), desired.ref["tree"])]

    def explain(self, desired: DesiredObject, live: LiveObject) -> str:
        if "published_deploy" in desired.state:
            return f"publish the earlier deploy {desired.state['published_deploy']} (pin)"
        fields = self.diff(desired, live)
        files = [f for f in fields if f.path[0] == "files"]
        added = sum(1 for f in files if f.before is ABSENT)
        removed = sum(1 for f in files if f.after is ABSENT)
        functions = sum(1 for f in fields if f.path[0] == "functions")
        digest: LocalDigest = desired.ref["digest"]
        have = set(live.state["files"].values())
        blobs = {f.sha1: f.size for f in digest.files.values() if f.sha1 not in have}
        kind = "draft/branch deploy, never published" if desired.ref["preview"] else "production deploy"
        upload = f"~{human_bytes(sum(blobs.values()))} to upload in {len(blobs)} blob(s)"
        return (
            f"{kind}: {added} file(s) added, {len(files) - added - removed} changed, {removed} removed; "
            f"{functions} function(s) changed; {upload}"
        )

    # -- apply ---------------------------------------------------------------------------------
    def requests(self, change: Change, target: Target) -> list[Request]:
        site = target.site_ref
        if "published_deploy" in change.after:
            return [Request("POST", f"/sites/{site}/deploys/{change.after['published_deploy']}/restore")]
        return [
            Request("POST", f"/sites/{site}/deploys"),
            Request("PUT", "/deploys/{new deploy}/files/{path} (each blob Netlify lacks, once)"),
            Request("PUT", "/deploys/{new deploy}/functions/{name} (each function Netlify lacks)"),
        ]

    def apply(self, client: NetlifyClient, change: Change, target: Target) -> Any:
        if "published_deploy" in change.after:
            return restore(client, str(target.site_id), change.after["published_deploy"])
        owner_spec = self._specs[change.owner.name]
        options = DeployOptions(
            draft=bool(owner_spec.get("draft")),
            branch=owner_spec.get("branch"),
            title=owner_spec.get("title"),
            method=owner_spec.get("method", "digest"),
            timeout=float(owner_spec.get("timeout", 1200)),
        )
        digest = self._digests[change.owner.name]
        result = deploy(client, str(target.site_id), digest, options, Progress.for_stream(sys.stderr))
        return result.deploy

    # -- ledger record: the last tree deployed as a draft/branch deploy --------------------------
    def next_record(
        self,
        record: Any,
        desired: dict[str, DesiredObject],
        live: dict[str, LiveObject],
        changes: list[Change],
    ) -> Any:
        want = desired.get(IDENTITY)
        if want is None or not want.ref.get("preview"):
            return None
        if any(c.kind == self.name for c in changes):
            return {"tree": want.ref["tree"], "deploy_id": None}
        return record

    def complete_record(
        self, record: Any, client: NetlifyClient, target: Target, results: dict[str, Any]
    ) -> Any:
        if record and record.get("deploy_id") is None and isinstance(results.get(IDENTITY), dict):
            record["deploy_id"] = results[IDENTITY].get("id")
        return record
