"""Uploads of required blobs: `PUT /deploys/{id}/files/{path}` and `PUT /deploys/{id}/functions/{name}`.

This is the emulator's hot path (a deploy uploads thousands of files), so it stays lean: what the manifest
expects comes from the cached manifest (`manifest_cache`; one read statement when it is not there), the
body is streamed into the blob store while hashing (small bodies in memory, large ones spilled to disk,
never the whole of a large body in memory), and one short write transaction of three statements credits
it. No transaction spans an await. The path comes from the raw request target, decoded exactly once,
because the router's already-decoded path cannot tell `a%2Fb` from `a/b`.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.emulator.auth import authenticate, store_of
from reconciler.emulator.blobs import BlobTooLarge, Kind
from reconciler.emulator.data import deploy_files, deploys
from reconciler.emulator.data.accounts import Principal
from reconciler.emulator.errors import not_found, unprocessable
from reconciler.emulator.models.deploy import render_file, render_function
from reconciler.emulator.models.deploy_paths import decode_function_name, decode_url_path
from reconciler.emulator.routes import route
from reconciler.emulator.routes.deploy_common import (
    blobs_of,
    manifests_of,
    max_upload_bytes,
    now_ms,
    stream_body,
    timing_of,
    too_large,
)

_RUNTIMES = ("js", "go", "rs")
_TAIL_RE = {
    kind: re.compile(rb"/deploys/[^/]+/" + kind.encode() + rb"/(.*)$") for kind in ("files", "functions")
}


def _raw_tail(request: Request, kind: str) -> bytes:
    """What follows `/deploys/{id}/files/` (or `/functions/`) in the request target, still encoded."""
    raw = request.scope.get("raw_path")
    if isinstance(raw, bytes | bytearray):
        match = _TAIL_RE[kind].search(bytes(raw).split(b"?", 1)[0])
        if match:
            return match.group(1)
    # Servers that do not pass the raw target: the decoded path is all there is.
    return str(request.path_params.get("path") or request.path_params.get("name", "")).encode("utf-8")


def _open_deploy(
    db: sqlite3.Connection, principal: Principal, deploy_id: str, kind: Kind, key: str
) -> sqlite3.Row:
    """A visible deploy that accepts uploads (it has a manifest and is neither finished nor failed), with
    the digest its manifest expects for `key` as `expected` (None when the manifest lacks it)."""
    row = deploy_files.upload_target(db, deploy_id, kind, key)
    if row is None or row["account_id"] not in principal.account_ids:
        raise not_found()
    if row["phase"] == "new":
        raise unprocessable(f"Deploy {deploy_id} has no files yet: send its manifest first")
    if row["phase"] != "active":
        state = "ready" if row["phase"] == "ready" else "failed or canceled"
        raise unprocessable(f"Deploy {deploy_id} is {state} and accepts no more uploads")
    return row


@dataclass(frozen=True)
class _Target:
    """What an upload is for: the deploy (`seq`, its team) and the digest its manifest expects for `key`."""

    principal: Principal
    deploy_id: str
    key: str
    seq: int
    account_id: str
    expected: str
    site_settings: str | None = None  # read for function uploads only (their answer names the region)


def _target(request: Request, principal: Principal, deploy_id: str, kind: Kind, key: str) -> _Target:
    """The upload's target from the cached manifest when it names `key`, else from the database, which
    refuses a deploy that is not visible, has no manifest yet or accepts no more uploads."""
    cached = manifests_of(request).get(deploy_id) if kind == "file" else None
    expected = cached.files.get(key) if cached is not None else None
    if cached is not None and expected is not None:
        if cached.account_id not in principal.account_ids:
            raise not_found()
        return _Target(principal, deploy_id, key, cached.seq, cached.account_id, expected)
    with store_of(request).read() as db:
        row = _open_deploy(db, principal, deploy_id, kind, key)
    if row["expected"] is None:
        what = f"File {key}" if kind == "file" else f"Function {key}"
        raise unprocessable(f"{what} is not part of deploy {deploy_id}")
    return _Target(
        principal, deploy_id, key, row["seq"], row["account_id"], row["expected"], row["site_settings"]
    )


async def _receive(request: Request, kind: Kind, expected: str, what: str) -> int:
    """Stream the body into a blob; 422 when its digest is not the one the manifest announced."""
    limit = max_upload_bytes(request)
    writer = blobs_of(request).writer(kind, limit)
    try:
        size = await stream_body(request, writer.write, limit)
    except BlobTooLarge:
        raise too_large(limit) from None
    except BaseException:
        writer.discard()
        raise
    if writer.digest != expected:
        writer.discard()
        algorithm = "SHA1" if kind == "file" else "SHA256"
        raise unprocessable(
            f"{algorithm} mismatch for {what}: the manifest says {expected}, "
            f"the body hashes to {writer.digest}"
        )
    writer.commit()
    return size


class _Closed(Exception):
    """The deploy left `active` (or went) while the body was arriving: the credit is rolled back."""


def _record(
    request: Request,
    target: _Target,
    kind: Kind,
    digest: str,
    size: int,
    runtime: tuple[str, str | None] | None = None,
) -> None:
    """Credit the upload to the team and the deploy (`target`); refused, with nothing written, when the
    deploy no longer accepts uploads: the database names why (gone, ready, failed or canceled)."""
    try:
        with store_of(request).tx() as db:
            cleared = deploy_files.record_blob(db, target.seq, target.account_id, kind, digest, size)
            if not deploys.mark_uploaded(db, target.seq, cleared, now_ms(), timing_of(request)):
                raise _Closed
            if runtime is not None:
                deploy_files.set_function_runtime(db, target.seq, *runtime)
    except _Closed:
        with store_of(request).read() as db:
            _open_deploy(db, target.principal, target.deploy_id, kind, target.key)
        raise unprocessable(f"Deploy {target.deploy_id} accepts no more uploads") from None


async def upload_file(request: Request) -> Response:
    principal = authenticate(request)
    deploy_id = request.path_params["deploy_id"]
    path = decode_url_path(_raw_tail(request, "files"))
    target = _target(request, principal, deploy_id, "file", path)
    size = await _receive(request, "file", target.expected, path)
    _record(request, target, "file", target.expected, size)
    return JSONResponse(render_file(path, target.expected, size, deploy_id))


async def upload_function(request: Request) -> Response:
    principal = authenticate(request)
    deploy_id = request.path_params["deploy_id"]
    name = decode_function_name(_raw_tail(request, "functions"))
    runtime = request.query_params.get("runtime") or None
    if runtime is not None and runtime not in _RUNTIMES:
        raise unprocessable(f"runtime must be one of {', '.join(_RUNTIMES)}")
    target = _target(request, principal, deploy_id, "function", name)
    size = await _receive(request, "function", target.expected, f"function {name}")
    _record(request, target, "function", target.expected, size, (name, runtime))
    settings = json.loads(target.site_settings or "{}")
    region = settings.get("functions_region") if isinstance(settings, dict) else None
    return JSONResponse(render_function(name, target.expected, str(region or "us-east-2")))


ROUTES = [
    route("/deploys/{deploy_id}/files/{path:path}", put=upload_file),
    route("/deploys/{deploy_id}/functions/{name:path}", put=upload_function),
]
