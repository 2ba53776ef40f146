"""Site build hooks: list, create (201), get, update (204) and delete (204), as in Netlify's API."""

from __future__ import annotations

import sqlite3

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.emulator.auth import authenticate, store_of
from reconciler.emulator.data import build_hooks, sites
from reconciler.emulator.errors import not_found
from reconciler.emulator.json_body import read_json
from reconciler.emulator.models.build_hook import DEFAULT_BRANCH, apply_setup, render_build_hook
from reconciler.emulator.routes import route
from reconciler.emulator.routes.sites import resolve_site


def _origin(request: Request) -> str:
    """`scheme://host:port` the client used, so the trigger URL points back at this emulator."""
    return f"{request.url.scheme}://{request.url.netloc}"


def _production_branch(site: sqlite3.Row) -> str:
    branch = sites.settings_of(site).get("build_settings", {}).get("repo_branch")
    return branch if isinstance(branch, str) and branch else DEFAULT_BRANCH


def _hook(db: sqlite3.Connection, site_id: str, request: Request) -> sqlite3.Row:
    row = build_hooks.get(db, site_id, request.path_params["id"])
    if row is None:
        raise not_found()
    return row


async def list_build_hooks(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        rows = build_hooks.list_hooks(db, site["id"])
    return JSONResponse([render_build_hook(row, _origin(request)) for row in rows])


async def create_build_hook(request: Request) -> Response:
    principal = authenticate(request)
    body = await read_json(request, dict)
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        fields = apply_setup({}, body, _production_branch(site))
        hook_id = build_hooks.create(db, site["id"], fields["title"], fields["branch"])
        row = build_hooks.get(db, site["id"], hook_id)
    return JSONResponse(render_build_hook(row, _origin(request)), status_code=201)


async def get_build_hook(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        row = _hook(db, site["id"], request)
    return JSONResponse(render_build_hook(row, _origin(request)))


async def update_build_hook(request: Request) -> Response:
    principal = authenticate(request)
    body = await read_json(request, dict)
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        row = _hook(db, site["id"], request)
        current = {"title": row["title"], "branch": row["branch"]}
        fields = apply_setup(current, body, _production_branch(site))
        build_hooks.update(db, row["id"], fields["title"], fields["branch"])
    return Response(status_code=204)


async def delete_build_hook(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        build_hooks.delete(db, _hook(db, site["id"], request)["id"])
    return Response(status_code=204)


ROUTES = [
    route("/sites/{site_id}/build_hooks", get=list_build_hooks, post=create_build_hook),
    route(
        "/sites/{site_id}/build_hooks/{id}",
        get=get_build_hook,
        put=update_build_hook,
        delete=delete_build_hook,
    ),
]
