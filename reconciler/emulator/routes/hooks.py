"""Outgoing hooks (`/hooks?site_id=`, `/hooks/{id}`, `/hooks/{id}/enable`) and the type catalogue.

`site_id` may come in the query string (as swagger declares) or in the body (as many clients send it);
when both are given they must name the same site. Hooks are validated against `GET /hooks/types`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.emulator.auth import authenticate, store_of
from reconciler.emulator.data import forms, hooks
from reconciler.emulator.data.accounts import Principal
from reconciler.emulator.errors import json_type, not_found, unprocessable
from reconciler.emulator.json_body import read_json
from reconciler.emulator.models.hook import HookSpec, apply_body, render_hook, spec_of
from reconciler.emulator.models.hook_types import HOOK_TYPES
from reconciler.emulator.routes import route
from reconciler.emulator.routes.sites import resolve_site


def _site_of(
    db: sqlite3.Connection, principal: Principal, request: Request, body: dict[str, Any] | None = None
) -> sqlite3.Row:
    """The site named by `?site_id=` and/or the body's `site_id`; a missing one is a 422, as Netlify says."""
    refs = [request.query_params.get("site_id") or None]
    if body is not None:
        value = body.get("site_id")
        if value is not None and not isinstance(value, str):
            raise unprocessable(f"Validation failed: site_id must be a string, not {json_type(value)}")
        refs.append(value or None)
    given = [ref for ref in refs if ref]
    if not given:
        raise unprocessable("Validation failed: site_id is required")
    found = [resolve_site(db, principal, ref) for ref in given]
    if len({site["id"] for site in found}) > 1:
        raise unprocessable("Validation failed: site_id in the query string and in the body differ")
    return found[0]


def _bind_form(db: sqlite3.Connection, site_id: str, spec: HookSpec) -> HookSpec:
    """Turn the body's `form_id`/`form_name` into the id of a form of the hook's site."""
    if spec.form_ref is None:
        return spec
    kind, value = spec.form_ref
    form = forms.get(db, site_id, value) if kind == "form_id" else forms.by_name(db, site_id, value)
    if form is None:
        raise unprocessable(f"Validation failed: {kind} {value!r} does not name a form of this site")
    return replace(spec, form_id=form["id"], form_ref=None)


def _hook(db: sqlite3.Connection, principal: Principal, request: Request) -> sqlite3.Row:
    row = hooks.visible(db, request.path_params["hook_id"], principal.account_ids)
    if row is None:
        raise not_found()
    return row


async def list_hook_types(request: Request) -> Response:
    authenticate(request)
    return JSONResponse([hook_type.render() for hook_type in HOOK_TYPES.values()])


async def list_hooks(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        site = _site_of(db, principal, request)
        body = [render_hook(row) for row in hooks.list_hooks(db, site["id"])]
    return JSONResponse(body)


async def create_hook(request: Request) -> Response:
    principal = authenticate(request)
    body = await read_json(request, dict)
    with store_of(request).tx() as db:
        site = _site_of(db, principal, request, body)
        spec = _bind_form(db, site["id"], apply_body(None, body))
        hook_id = hooks.create(db, site["id"], principal.user_id, spec)
        created = render_hook(hooks.get(db, hook_id))
    return JSONResponse(created, status_code=201)


async def get_hook(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        body = render_hook(_hook(db, principal, request))
    return JSONResponse(body)


async def update_hook(request: Request) -> Response:
    principal = authenticate(request)
    body = await read_json(request, dict)
    with store_of(request).tx() as db:
        row = _hook(db, principal, request)
        spec = _bind_form(db, row["site_id"], apply_body(spec_of(row), body))
        hooks.update(db, row["id"], spec)
        updated = render_hook(hooks.get(db, row["id"]))
    return JSONResponse(updated)


async def delete_hook(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        hooks.delete(db, _hook(db, principal, request)["id"])
    return Response(status_code=204)


async def enable_hook(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        row = _hook(db, principal, request)
        hooks.set_disabled(db, row["id"], False)
        body = render_hook(hooks.get(db, row["id"]))
    return JSONResponse(body)


# `/hooks/types` comes before `/hooks/{hook_id}`, which would otherwise take "types" for an id.
ROUTES = [
    route("/hooks/types", get=list_hook_types),
    route("/hooks", get=list_hooks, post=create_hook),
    route("/hooks/{hook_id}", get=get_hook, put=update_hook, delete=delete_hook),
    route("/hooks/{hook_id}/enable", post=enable_hook),
]
