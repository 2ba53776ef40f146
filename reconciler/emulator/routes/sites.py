"""Site endpoints: list (all accounts or one), create (personal or team), get, update, delete.

PATCH and PUT behave the same (both update only the writable fields given), as Netlify's handlers do.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.emulator.auth import authenticate, store_of
from reconciler.emulator.data import accounts, deploy_keys, sites
from reconciler.emulator.data.accounts import Principal
from reconciler.emulator.errors import not_found, unprocessable
from reconciler.emulator.json_body import read_json
from reconciler.emulator.models.site import apply_setup, render_site, validate_name
from reconciler.emulator.pagination import link_header, page_of
from reconciler.emulator.routes import route
from reconciler.emulator.routes.deploy_common import published_deploy

_FILTERS = ("all", "owner", "guest")


def resolve_site(db: sqlite3.Connection, principal: Principal, ref: str) -> sqlite3.Row:
    """The `{site_id}` path parameter as a visible site, else 404 (also for other teams' sites)."""
    row = sites.resolve(db, ref, principal.account_ids)
    if row is None:
        raise not_found()
    return row


def _check_deploy_key(db: sqlite3.Connection, before: dict[str, Any], after: dict[str, Any]) -> None:
    """A repository's `deploy_key_id` must name a deploy key (anyone's: a teammate may have linked it)."""
    key_id = after.get("build_settings", {}).get("deploy_key_id")
    changed = key_id and key_id != before.get("build_settings", {}).get("deploy_key_id")
    if changed and deploy_keys.get(db, str(key_id)) is None:
        raise unprocessable(f"Validation failed: deploy key {str(key_id)[:80]} not found")


def _render(db: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    """The site object plus `published_deploy` once the site has one (netlify-cli reads its `locked`)."""
    site = render_site(row)
    deploy = published_deploy(db, row["id"])
    if deploy is not None:
        site["published_deploy"] = deploy
    return site


def _list(request: Request, account_ids: frozenset[str] | set[str]) -> Response:
    page = page_of(request)
    name = request.query_params.get("name") or None
    with store_of(request).tx() as db:
        rows, total = sites.list_sites(db, account_ids, name, page.offset, page.size)
        body = [_render(db, row) for row in rows]
    return JSONResponse(body, headers=link_header(request, page, total))


async def list_sites(request: Request) -> Response:
    principal = authenticate(request)
    site_filter = request.query_params.get("filter") or "all"
    if site_filter not in _FILTERS:
        raise unprocessable(f"filter must be one of {', '.join(_FILTERS)}")
    # Every membership is an owner membership here, so guest access (sites shared without membership)
    # does not exist: `guest` lists nothing and `owner` lists the same as `all`.
    return _list(request, set() if site_filter == "guest" else principal.account_ids)


async def list_account_sites(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        account = accounts.find_account(db, principal, request.path_params["account_slug"])
    if account is None:
        raise not_found()
    return _list(request, {account["id"]})


async def _create(request: Request, account_ref: str | None) -> Response:
    principal = authenticate(request)
    body = await read_json(request, dict, empty={})
    name = body.get("name")
    if name is not None:
        validate_name(name)
    settings = apply_setup({}, body)
    with store_of(request).tx() as db:
        if account_ref is None:
            account_id = principal.personal_account_id
        else:
            account = accounts.find_account(db, principal, account_ref)
            if account is None:
                raise not_found()
            account_id = account["id"]
        _check_deploy_key(db, {}, settings)
        site_id = sites.create(db, account_id, principal.user_id, name, settings)
        created = render_site(sites.get(db, site_id))
    return JSONResponse(created, status_code=201)


async def create_site(request: Request) -> Response:
    return await _create(request, None)


async def create_account_site(request: Request) -> Response:
    return await _create(request, request.path_params["account_slug"])


async def get_site(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        body = _render(db, resolve_site(db, principal, request.path_params["site_id"]))
    return JSONResponse(body)


async def update_site(request: Request) -> Response:
    principal = authenticate(request)
    body: dict[str, Any] = await read_json(request, dict)
    name = body.get("name")
    if name is not None:
        validate_name(name)
    with store_of(request).tx() as db:
        row = resolve_site(db, principal, request.path_params["site_id"])
        settings = apply_setup(sites.settings_of(row), body)
        _check_deploy_key(db, sites.settings_of(row), settings)
        sites.update(db, row["id"], name or row["name"], settings)
        updated = _render(db, sites.get(db, row["id"]))
    return JSONResponse(updated)


async def delete_site(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        row = resolve_site(db, principal, request.path_params["site_id"])
        sites.delete(db, row["id"])
    return Response(status_code=204)


ROUTES = [
    route("/sites", get=list_sites, post=create_site),
    route("/sites/{site_id}", get=get_site, patch=update_site, put=update_site, delete=delete_site),
]

# Registered last by the app: `/{account_slug}/sites` would otherwise shadow more specific paths.
ACCOUNT_ROUTES = [route("/{account_slug}/sites", get=list_account_sites, post=create_account_site)]
