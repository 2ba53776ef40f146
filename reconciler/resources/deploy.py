"""Deploys as part of the plan: the local digest of `deploy.dir` (and functions) against what Netlify serves.

Production deploys compare with the published deploy's files (`GET /sites/{id}/files`) and functions
(`available_functions` of the published deploy, which the site object already carries): an unchanged tree
plans nothing, so apply makes no deploy call at all. Draft and branch deploys never publish, so they are
compared with the ledger's record of the last tree this tool deployed that way and where (draft or which
branch: the same tree sent elsewhere is deployed again). `pin` publishes an earlier
deploy (a rollback made as a Git change).

The planned request carries the whole digest (every path's SHA-1, every function's SHA-256) and the
directories: the `deploy` procedure binds them to the files again, uploads what Netlify says it lacks
and waits until the deploy is ready, in whichever process applies the plan.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypedDict

from reconciler.deploy.engine import DeployOptions, create_body, zip_params
from reconciler.deploy.progress import human_bytes
from reconciler.deploy.scan import local_digest
from reconciler.manifest.model import Owner
from reconciler.model.change import ABSENT, Action, Change, FieldChange
from reconciler.model.diff import field_changes
from reconciler.model.errors import ManifestIssue
from reconciler.model.lease import Lease
from reconciler.model.objects import DesiredObject, LiveObject, Target
from reconciler.model.reader import Reader
from reconciler.model.request import Placeholder, Request
from reconciler.resources.base import (
    Declared,
    DiffsFromEmpty,
    Executes,
    Explains,
    Exported,
    KeepsRecord,
    PresentsAs,
    Procedure,
    Recovers,
    ResourceKind,
    Validates,
    Verifies,
)
from reconciler.resources.deploy_procedure import DeployProcedure

IDENTITY = "deploy"
PROCEDURE = "deploy"
DEFAULT_TITLE = "netlify-reconciler"  # the deploy message when the manifest gives none: ours are recognisable
PIN = re.compile(r"[0-9a-f]{24}")  # a Netlify deploy id
UNFINISHED = frozenset(
    {"new", "pending_review", "preparing", "prepared", "uploading", "uploaded", "processing"}
)
UNFINISHED_PREFIX = "unfinished-"


class Tree(TypedDict, total=False):
    files: dict[str, str]  # path -> SHA-1
    functions: dict[str, str]  # name -> SHA-256 of its zip
    published_deploy: str | None  # instead of the two above, for `pin`


def tree_hash(state: Tree) -> str:
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


def _options(spec: Mapping[str, Any]) -> DeployOptions:
    return DeployOptions(
        draft=bool(spec.get("draft")),
        branch=spec.get("branch"),
        title=spec.get("title") or DEFAULT_TITLE,
        method=spec.get("method", "digest"),
        timeout=float(spec.get("timeout", 1200)),
    )


def _base(owner: Owner) -> Path:
    """Deploy paths are relative to the manifest file that declares them."""
    location = owner.location("deploy")
    return Path(location.file).parent if location else Path.cwd()


class DeployKind(
    ResourceKind[Tree],
    PresentsAs,
    Validates,
    Verifies,
    Recovers[Tree],
    DiffsFromEmpty[Tree],
    Explains[Tree],
    KeepsRecord[Tree],
    Executes,
):
    name = "deploy"
    owners = frozenset({"site"})
    order = 80  # last: the site, its env and its settings are in place before new files go live
    singleton = True
    presents_as = Action.DEPLOY

    # -- desired -------------------------------------------------------------------------------
    def validate(self, owner: Owner) -> list[ManifestIssue]:
        spec = owner.spec.get("deploy") or {}
        issues = []
        for key in ("dir", "functions"):
            if key in spec and not (_base(owner) / spec[key]).is_dir():
                _, doc_path, where = owner.node("deploy", key)
                issues.append(
                    ManifestIssue(where, doc_path, f"{_base(owner) / spec[key]} is not a directory")
                )
        if "pin" in spec and not PIN.fullmatch(str(spec["pin"])):
            _, doc_path, where = owner.node("deploy", "pin")
            message = f"{spec['pin']!r} is not a deploy id (24 hexadecimal characters, as Netlify shows them)"
            issues.append(ManifestIssue(where, doc_path, message))
        if spec.get("method") == "zip" and spec.get("functions"):
            _, doc_path, where = owner.node("deploy", "method")
            message = (
                "the zip method deploys files only: drop `functions` or use the digest method (the default)"
            )
            issues.append(ManifestIssue(where, doc_path, message))
        return issues

    def desired(self, owner: Owner) -> dict[str, DesiredObject[Tree]] | None:
        spec = owner.spec.get("deploy")
        if spec is None:
            return None
        location = owner.location("deploy")
        if "pin" in spec:
            return {IDENTITY: DesiredObject(IDENTITY, Tree(published_deploy=spec["pin"]), location)}
        base = _base(owner)
        publish = (base / spec["dir"]).resolve()
        functions = (base / spec["functions"]).resolve() if spec.get("functions") else None
        with tempfile.TemporaryDirectory(prefix="netlify-reconciler-plan-") as workdir:
            digest = local_digest(publish, functions, Path(workdir))
        state = Tree(files=digest.file_shas(), functions=digest.function_shas())
        ref = {
            "preview": bool(spec.get("draft") or spec.get("branch")),
            "tree": tree_hash(state),
            "blob_sizes": {f.sha1: f.size for f in digest.files.values()},
            "function_sizes": {f.name: f.size for f in digest.functions.values()},
            "dir": str(publish),
            "functions_dir": str(functions) if functions else None,
            "spec": dict(spec),
        }
        return {IDENTITY: DesiredObject(IDENTITY, state, location, ref=ref)}

    # -- live ----------------------------------------------------------------------------------
    def read(self, reader: Reader, target: Target, owner: Owner) -> dict[str, LiveObject[Tree]]:
        spec = owner.spec.get("deploy")
        if spec is None:
            return {}
        published = target.site.get("published_deploy") or {}
        ref = {"published": published.get("id"), "site_id": target.site_id}
        if "pin" in spec:
            return {IDENTITY: LiveObject(IDENTITY, Tree(published_deploy=published.get("id")), ref)}
        files = reader.get(f"/sites/{target.site_id}/files") or [] if published else []
        state = Tree(
            files={str(item["path"]).lstrip("/"): item["sha"] for item in files},
            functions={f["n"]: f["d"] for f in published.get("available_functions") or []},
        )
        return {IDENTITY: LiveObject(IDENTITY, state, ref)}

    def verify(self, reader: Reader, declared: list[Declared]) -> list[ManifestIssue]:
        """A pinned deploy must be one of the site's: Netlify would refuse to publish anything else."""
        issues = []
        for owner, live, _ in declared:
            pin = (owner.spec.get("deploy") or {}).get("pin")
            if pin is None or not PIN.fullmatch(str(pin)):
                continue
            published = live.get(IDENTITY)
            if published is not None and published.state.get("published_deploy") == pin:
                continue  # published already: it is the site's, and nothing is asked of it
            site_id = published.ref.get("site_id") if published else None
            found = reader.find(f"/sites/{site_id}/deploys/{pin}") if site_id else None
            if found is None:
                _, doc_path, where = owner.node("deploy", "pin")
                whose = (
                    f"site {owner.name!r}"
                    if site_id
                    else f"the new site {owner.name!r} (it has no deploys yet)"
                )
                issues.append(ManifestIssue(where, doc_path, f"deploy {pin} is not a deploy of {whose}"))
        return issues

    def leftovers(
        self, reader: Reader, target: Target, owner: Owner, lease: Lease
    ) -> dict[str, LiveObject[Tree]]:
        """Deploys an apply that never finished started (ours by their title, made since its lease) and
        left unfinished: they would stay `uploading` for ever."""
        spec = owner.spec.get("deploy")
        if spec is None or "pin" in spec or not target.exists:
            return {}
        title = _options(spec).title
        out: dict[str, LiveObject[Tree]] = {}
        for item in reader.get(f"/sites/{target.site_id}/deploys", {"per_page": "100"}) or []:
            created = _instant(item.get("created_at"))
            if (
                item.get("state") in UNFINISHED
                and item.get("title") == title
                and created
                and created >= lease.since
            ):
                identity = f"{UNFINISHED_PREFIX}{item['id']}"
                state = Tree(published_deploy=None)
                out[identity] = LiveObject(identity, state, {"id": item["id"], "state": item.get("state")})
        return out

    def empty_live(self, desired: DesiredObject[Tree]) -> LiveObject[Tree]:
        """A new site serves nothing: its first deploy is a diff against an empty tree."""
        if "published_deploy" in desired.state:
            return LiveObject(IDENTITY, Tree(published_deploy=None))
        return LiveObject(IDENTITY, Tree(files={}, functions={}))

    def attach_record(self, record: Any, live: dict[str, LiveObject[Tree]], kept: bool) -> None:
        if IDENTITY in live:
            live[IDENTITY].ref["record"] = record

    # -- compare -------------------------------------------------------------------------------
    def diff(self, desired: DesiredObject[Tree], live: LiveObject[Tree]) -> list[FieldChange]:
        if "published_deploy" in desired.state:
            return field_changes({"published_deploy": live.state.get("published_deploy")}, desired.state)
        want: dict[str, dict[str, str]] = {
            "files": desired.state["files"],
            "functions": desired.state["functions"],
        }
        have: dict[str, dict[str, str]] = {"files": live.state["files"], "functions": live.state["functions"]}
        changes = [
            FieldChange((section, name), have[section].get(name, ABSENT), want[section].get(name, ABSENT))
            for section in ("functions", "files")
            for name in sorted(set(have[section]) | set(want[section]))
            if have[section].get(name) != want[section].get(name)
        ]
        if not desired.ref["preview"]:
            return changes
        record = live.ref.get("record") or {}
        target = _target(desired.ref["spec"])
        moved = record.get("target", target) != target  # a record from before targets were kept: unmoved
        if record.get("tree") == desired.ref["tree"] and not moved:
            return []  # this very tree was already deployed there as a draft/branch deploy
        if moved and not changes:
            return [FieldChange(("target",), record.get("target", ABSENT), target)]
        return changes or [FieldChange(("tree",), record.get("tree", ABSENT), desired.ref["tree"])]

    def explain(self, desired: DesiredObject[Tree], live: LiveObject[Tree]) -> str:
        if "published_deploy" in desired.state:
            return f"publish the earlier deploy {desired.state['published_deploy']} (pin)"
        fields = self.diff(desired, live)
        blobs, size = _uploads(desired.ref, desired.state["functions"], live.state)
        kind = "draft/branch deploy, never published" if desired.ref["preview"] else "production deploy"
        return (
            f"{kind}: {_tally(fields, 'files', 'file(s)')}; {_tally(fields, 'functions', 'function(s)')}; "
            f"~{human_bytes(size)} to upload in {blobs} blob(s)"
        )

    # -- apply ---------------------------------------------------------------------------------
    def requests(self, change: Change, target: Target) -> list[Request]:
        site = target.site_ref
        if change.action is Action.DELETE:  # a deploy an unfinished apply left: cancelled
            # 422: it finished (or failed) meanwhile, so it is not left unfinished any more either.
            cancel = f"/deploys/{change.live_ref['id']}/cancel"
            return [Request("POST", cancel, idempotent=True, accept=(422,))]
        if "published_deploy" in change.after:
            pin = change.after["published_deploy"]
            return [Request("POST", f"/sites/{site}/deploys/{pin}/restore", idempotent=True)]
        ref = change.desired_ref
        options = _options(ref["spec"])
        inputs: dict[str, Any] = {"site_id": site, "dir": ref["dir"], "functions_dir": ref["functions_dir"]}
        inputs["owner"] = change.owner.address
        inputs |= {"method": options.method, "timeout": options.timeout}
        binds = {change.binding("id"): "id"}
        if options.method == "zip":
            inputs["files"] = change.after["files"]
            deploys = f"/sites/{site}/deploys"
            return [Request("POST", deploys, zip_params(options), via=PROCEDURE, options=inputs, binds=binds)]
        blobs, _ = _uploads(ref, change.after["functions"], change.before or {})
        body = create_body(change.after["files"], change.after["functions"], options)
        shows = (f"{blobs} upload{'s' if blobs != 1 else ''}",)
        return [
            Request(
                "POST",
                f"/sites/{site}/deploys",
                body=body,
                via=PROCEDURE,
                shows=shows,
                options=inputs,
                binds=binds,
            )
        ]

    def procedures(self) -> Mapping[str, Procedure]:
        return {PROCEDURE: DeployProcedure()}

    def export(self, live: dict[str, LiveObject[Tree]], owner: Owner) -> Exported:
        """With `--pin-deploys`, the published deploy as a pin (the files themselves are not exported)."""
        found = live.get(IDENTITY)
        pin = found.state.get("published_deploy") if found is not None else None
        return Exported({self.name: {"pin": pin}} if pin else {})

    # -- ledger record: the last tree deployed as a draft/branch deploy, and where -------------------
    def next_record(
        self,
        owner: Owner,
        record: Any,
        desired: dict[str, DesiredObject[Tree]],
        live: dict[str, LiveObject[Tree]],
        changes: list[Change],
    ) -> Any:
        want = desired.get(IDENTITY)
        if want is None or not want.ref.get("preview"):
            return None
        deployed = [c for c in changes if c.kind == self.name]
        if deployed:
            deploy_id = Placeholder(deployed[0].binding("id"))
            return {"tree": want.ref["tree"], "target": _target(want.ref["spec"]), "deploy_id": deploy_id}
        return record


def _target(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Where a draft/branch deploy goes: the same tree sent to another branch is another deploy."""
    return {"draft": bool(spec.get("draft")), "branch": spec.get("branch")}


def _instant(value: Any) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _tally(fields: list[FieldChange], section: str, noun: str) -> str:
    """`2 file(s) added, 1 changed, 0 removed` for one section of a deploy's diff."""
    entries = [f for f in fields if f.path[0] == section]
    added, removed = (sum(1 for f in entries if getattr(f, end) is ABSENT) for end in ("before", "after"))
    return f"{added} {noun} added, {len(entries) - added - removed} changed, {removed} removed"


def _uploads(
    ref: Mapping[str, Any], functions: Mapping[str, str], live: Mapping[str, Any]
) -> tuple[int, int]:
    """Blobs (distinct file contents and function zips) Netlify is expected to lack, and their bytes:
    the plan's estimate; Netlify's `required` answer decides."""
    have_files = set((live.get("files") or {}).values())
    have_functions = live.get("functions") or {}
    blobs = {sha: size for sha, size in ref["blob_sizes"].items() if sha not in have_files}
    zips = [ref["function_sizes"][name] for name, sha in functions.items() if have_functions.get(name) != sha]
    return len(blobs) + len(zips), sum(blobs.values()) + sum(zips)
