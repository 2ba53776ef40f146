"""ZIP deploys: `POST /sites/{site_id}/deploys` with `Content-Type: application/zip`.

The body is spooled to a temporary file (never held in memory), unpacked into blobs in a worker thread so
the event loop keeps serving, and the deploy goes straight to processing: everything it needs arrived
with the request, so `required` is empty. `title`, `draft` and `branch` come from the query string.
"""

from __future__ import annotations

import tempfile

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.emulator.auth import store_of
from reconciler.emulator.data import deploy_files, deploys
from reconciler.emulator.data.accounts import Principal
from reconciler.emulator.errors import unprocessable
from reconciler.emulator.models.deploy import DeploySpec
from reconciler.emulator.routes.deploy_common import (
    apply_manifest,
    blobs_of,
    max_upload_bytes,
    render,
    stream_body,
    visible_deploy,
)
from reconciler.emulator.routes.sites import resolve_site
from reconciler.emulator.zip_extract import ZipLimits, extract

ZIP_TYPES = ("application/zip", "application/x-zip-compressed")


def is_zip(request: Request) -> bool:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media in ZIP_TYPES


def _query_flag(request: Request, name: str) -> bool:
    raw = request.query_params.get(name, "").lower()
    if raw not in ("", "true", "false", "1", "0"):
        raise unprocessable(f"{name} must be true or false, got {raw!r}")
    return raw in ("true", "1")


async def zip_deploy(request: Request, principal: Principal, deploy_id: str) -> Response:
    draft = _query_flag(request, "draft")
    branch = request.query_params.get("branch") or None
    with store_of(request).tx() as db:  # a missing site is a 404 before a large body is read
        site_id = resolve_site(db, principal, request.path_params["site_id"])["id"]
    blobs = blobs_of(request)
    limit = max_upload_bytes(request)
    with tempfile.TemporaryFile(dir=blobs.root / "tmp") as spool:

        def sink(chunk: bytes) -> None:
            spool.write(chunk)

        size = await stream_body(request, sink, limit)
        if size == 0:
            raise unprocessable("Invalid ZIP body: the request body is empty")
        spool.seek(0)
        files, sizes = await run_in_threadpool(extract, spool, blobs, ZipLimits(max_total_bytes=limit))
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, site_id)
        deploys.insert(
            db,
            deploy_id,
            site["id"],
            principal.user_id,
            draft=draft,
            branch=branch,
            title=request.query_params.get("title") or None,
            framework=None,
        )
        deploy_files.record_team_blobs(db, site["account_id"], sizes)
        row = deploys.get(db, deploy_id)
        assert row is not None
        apply_manifest(request, db, row, DeploySpec(files=files))
        body = render(db, visible_deploy(db, principal, deploy_id))
    return JSONResponse(body)
