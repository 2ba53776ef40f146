"""A site's published files: `GET /sites/{site_id}/files` and `GET /sites/{site_id}/files/{path}`.

These answer from the published deploy only (drafts and unpublished deploys are invisible here), after
settling the site's deploys so a deploy that just became ready is what is served. One file is JSON
metadata by default, and its raw bytes when the client asks for Netlify's custom media type
`application/vnd.bitballoon.v1.raw`.
"""

from __future__ import annotations

import os
import re

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from reconciler.emulator.auth import authenticate, store_of
from reconciler.emulator.data import deploy_files, deploys
from reconciler.emulator.errors import not_found
from reconciler.emulator.models.deploy import mime_type, render_file
from reconciler.emulator.models.deploy_paths import decode_url_path
from reconciler.emulator.routes import route
from reconciler.emulator.routes.deploy_common import blobs_of, now_ms
from reconciler.emulator.routes.sites import resolve_site

RAW_MEDIA_TYPE = "application/vnd.bitballoon.v1.raw"
_TAIL_RE = re.compile(rb"/sites/[^/]+/files/(.*)$")


def _raw_path(request: Request) -> bytes:
    raw = request.scope.get("raw_path")
    if isinstance(raw, bytes | bytearray):
        match = _TAIL_RE.search(bytes(raw).split(b"?", 1)[0])
        if match:
            return match.group(1)
    return str(request.path_params["path"]).encode("utf-8")


async def list_site_files(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        deploys.settle(db, site["id"], now_ms())
        deploy_id = deploys.published_id(db, site["id"])
        if deploy_id is None:
            return JSONResponse([])
        row = deploys.get(db, deploy_id)
        assert row is not None
        files = deploy_files.deploy_files(db, row["seq"], site["account_id"])
        body = [render_file(f["path"], f["sha1"], f["size"], deploy_id) for f in files]
    return JSONResponse(body)


async def get_site_file(request: Request) -> Response:
    principal = authenticate(request)
    path = decode_url_path(_raw_path(request))
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        deploys.settle(db, site["id"], now_ms())
        deploy_id = deploys.published_id(db, site["id"])
        row = deploys.get(db, deploy_id) if deploy_id else None
        found = deploy_files.deploy_file(db, row["seq"], site["account_id"], path) if row else None
    if found is None or deploy_id is None:
        raise not_found()
    if RAW_MEDIA_TYPE in request.headers.get("accept", ""):
        blobs = blobs_of(request)
        packed = blobs.packed("file", found["sha1"])
        if packed is not None:
            return Response(packed, media_type=mime_type(path))
        blob = blobs.path("file", found["sha1"])
        if not os.path.isfile(blob):
            raise not_found()
        return FileResponse(blob, media_type=mime_type(path))
    return JSONResponse(render_file(found["path"], found["sha1"], found["size"], deploy_id))


ROUTES = [
    route("/sites/{site_id}/files", get=list_site_files),
    route("/sites/{site_id}/files/{path:path}", get=get_site_file),
]
