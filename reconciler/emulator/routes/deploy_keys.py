"""Deploy keys of the token's user: list, create (201, no body needed), get, delete (204)."""

from __future__ import annotations

import sqlite3

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.emulator.auth import authenticate, store_of
from reconciler.emulator.data import deploy_keys
from reconciler.emulator.data.accounts import Principal
from reconciler.emulator.errors import not_found
from reconciler.emulator.routes import route


def _key(db: sqlite3.Connection, principal: Principal, request: Request) -> sqlite3.Row:
    row = deploy_keys.get(db, request.path_params["key_id"], principal.user_id)
    if row is None:
        raise not_found()
    return row


async def list_keys(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        body = [deploy_keys.render(row) for row in deploy_keys.list_keys(db, principal.user_id)]
    return JSONResponse(body)


async def create_key(request: Request) -> Response:
    principal = authenticate(request)
    await request.body()  # any body is ignored: a key has nothing to choose
    with store_of(request).tx() as db:
        key_id = deploy_keys.create(db, principal.user_id)
        body = deploy_keys.render(deploy_keys.get(db, key_id))
    return JSONResponse(body, status_code=201)


async def get_key(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        body = deploy_keys.render(_key(db, principal, request))
    return JSONResponse(body)


async def delete_key(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        deploy_keys.delete(db, _key(db, principal, request)["id"])
    return Response(status_code=204)


ROUTES = [
    route("/deploy_keys", get=list_keys, post=create_key),
    route("/deploy_keys/{key_id}", get=get_key, delete=delete_key),
]
