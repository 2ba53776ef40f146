"""Site metadata: a free-form object; PUT replaces it whole and answers 204, as Netlify does."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.emulator.auth import authenticate, store_of
from reconciler.emulator.data import metadata
from reconciler.emulator.json_body import read_json
from reconciler.emulator.routes import route
from reconciler.emulator.routes.sites import resolve_site


async def get_metadata(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        body = metadata.get(db, site["id"])
    return JSONResponse(body)


async def put_metadata(request: Request) -> Response:
    principal = authenticate(request)
    body = await read_json(request, dict)
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        metadata.replace(db, site["id"], body)
    return Response(status_code=204)


ROUTES = [route("/sites/{site_id}/metadata", get=get_metadata, put=put_metadata)]
