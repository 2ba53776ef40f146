"""Site snippets: list, create, get, update and delete; PUT and DELETE answer 204 as on Netlify."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.emulator.auth import authenticate, store_of
from reconciler.emulator.data import snippets
from reconciler.emulator.errors import not_found
from reconciler.emulator.json_body import read_json
from reconciler.emulator.models.snippet import FIELDS, apply_changes, new_snippet, render_snippet
from reconciler.emulator.routes import route
from reconciler.emulator.routes.sites import resolve_site

MAX_SNIPPET_ID = 2**63 - 1  # SQLite's largest integer


def _snippet_id(request: Request) -> int:
    """The integer path id; anything else (a word, a number too large to be stored) names no snippet, so
    it is a 404 like an unknown number."""
    raw = request.path_params["snippet_id"]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19 or int(raw) > MAX_SNIPPET_ID:
        raise not_found()
    return int(raw)


async def list_snippets(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        body = [render_snippet(row) for row in snippets.list_snippets(db, site["id"])]
    return JSONResponse(body)


async def create_snippet(request: Request) -> Response:
    principal = authenticate(request)
    body = await read_json(request, dict)
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        snippet_id = snippets.create(db, site["id"], new_snippet(body))
        created = render_snippet(snippets.get(db, site["id"], snippet_id))
    return JSONResponse(created, status_code=201)


async def get_snippet(request: Request) -> Response:
    principal = authenticate(request)
    snippet_id = _snippet_id(request)
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        row = snippets.get(db, site["id"], snippet_id)
        if row is None:
            raise not_found()
        body = render_snippet(row)
    return JSONResponse(body)


async def update_snippet(request: Request) -> Response:
    principal = authenticate(request)
    body = await read_json(request, dict)
    snippet_id = _snippet_id(request)
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        row = snippets.get(db, site["id"], snippet_id)
        if row is None:
            raise not_found()
        current = {field: row[field] for field in FIELDS}
        snippets.update(db, site["id"], snippet_id, apply_changes(current, body))
    return Response(status_code=204)


async def delete_snippet(request: Request) -> Response:
    principal = authenticate(request)
    snippet_id = _snippet_id(request)
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        if snippets.get(db, site["id"], snippet_id) is None:
            raise not_found()
        snippets.delete(db, site["id"], snippet_id)
    return Response(status_code=204)


ROUTES = [
    route("/sites/{site_id}/snippets", get=list_snippets, post=create_snippet),
    route(
        "/sites/{site_id}/snippets/{snippet_id}",
        get=get_snippet,
        put=update_snippet,
        delete=delete_snippet,
    ),
]
