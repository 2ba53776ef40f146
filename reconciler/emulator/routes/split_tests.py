"""Split tests: `/sites/{site_id}/traffic_splits` lists and creates (201; one per site, 422 for a second),
`/{split_test_id}` reads and changes the branches (PUT answers 201, as swagger says), `/publish` and
`/unpublish` start and stop it (204). Netlify has no way to delete one."""

from __future__ import annotations

import sqlite3

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.emulator.auth import authenticate, store_of
from reconciler.emulator.data import split_tests
from reconciler.emulator.data.accounts import Principal
from reconciler.emulator.errors import not_found, unprocessable
from reconciler.emulator.json_body import read_json
from reconciler.emulator.models.split_test import branch_tests, render_split_test
from reconciler.emulator.routes import route
from reconciler.emulator.routes.sites import resolve_site


def _split_test(db: sqlite3.Connection, principal: Principal, request: Request) -> sqlite3.Row:
    site = resolve_site(db, principal, request.path_params["site_id"])
    row = split_tests.get(db, site["id"], request.path_params["split_test_id"])
    if row is None:
        raise not_found()
    return row


def _reread(db: sqlite3.Connection, row: sqlite3.Row) -> sqlite3.Row:
    found = split_tests.get(db, row["site_id"], row["id"])
    if found is None:
        raise AssertionError(f"split test {row['id']} was just written and must exist")
    return found


async def list_split_tests(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        row = split_tests.of_site(db, site["id"])
        body = [render_split_test(row)] if row is not None else []
    return JSONResponse(body)


async def create_split_test(request: Request) -> Response:
    principal = authenticate(request)
    branches = branch_tests(await read_json(request, dict))
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        if split_tests.of_site(db, site["id"]) is not None:
            raise unprocessable("Validation failed: this site already has a split test")
        test_id = split_tests.create(db, site["id"], branches)
        body = render_split_test(split_tests.get(db, site["id"], test_id))
    return JSONResponse(body, status_code=201)


async def get_split_test(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        body = render_split_test(_split_test(db, principal, request))
    return JSONResponse(body)


async def update_split_test(request: Request) -> Response:
    principal = authenticate(request)
    branches = branch_tests(await read_json(request, dict))
    with store_of(request).tx() as db:
        row = _split_test(db, principal, request)
        split_tests.set_branches(db, row["id"], branches)
        body = render_split_test(_reread(db, row))
    return JSONResponse(body, status_code=201)


async def publish(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        split_tests.set_active(db, _split_test(db, principal, request)["id"], True)
    return Response(status_code=204)


async def unpublish(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        split_tests.set_active(db, _split_test(db, principal, request)["id"], False)
    return Response(status_code=204)


ROUTES = [
    route("/sites/{site_id}/traffic_splits", get=list_split_tests, post=create_split_test),
    route("/sites/{site_id}/traffic_splits/{split_test_id}", get=get_split_test, put=update_split_test),
    route("/sites/{site_id}/traffic_splits/{split_test_id}/publish", post=publish),
    route("/sites/{site_id}/traffic_splits/{split_test_id}/unpublish", post=unpublish),
]
