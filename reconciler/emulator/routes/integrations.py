"""The Integration API's per-site and per-team integration context, served beside the REST API.

On Netlify this is a separate host; here it lives under a configurable prefix (see `EmulatorOptions`).
Callers authenticate with the `netlify-token` header carrying an ordinary API token, and see only the
sites and teams of that token, exactly like the REST API. `{teamId}` is an account id or slug.

    POST   .../{slug}  enable, optional body {"config": {...}} -> 200 {"token": ...}; 409 if enabled
    GET    .../{slug}  -> 200 {"config": {...}}; 404 when not enabled
    PUT    .../{slug}  body {"config": {...}} replaces the config -> 200 {"config": {...}}
    DELETE .../{slug}  disable -> 204
"""

from __future__ import annotations

import secrets
import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from reconciler.emulator.auth import Authenticator, store_of
from reconciler.emulator.data import accounts, integrations
from reconciler.emulator.data.accounts import SLUG_RE, Principal
from reconciler.emulator.errors import ApiError, json_type, not_found, unprocessable
from reconciler.emulator.json_body import read_json
from reconciler.emulator.routes import route
from reconciler.emulator.routes.sites import resolve_site

TOKEN_HEADER = "netlify-token"


def _authenticate(request: Request) -> Principal:
    token = request.headers.get(TOKEN_HEADER, "").strip()
    auth: Authenticator = request.app.state.auth
    principal = auth.principal(token) if token else None
    if principal is None:
        raise ApiError(401)
    return principal


def _target(db: sqlite3.Connection, principal: Principal, request: Request) -> tuple[str, str | None, str]:
    """(account id, site id or None, "site"/"team") of the path's site or team, else 404."""
    if "site_id" in request.path_params:
        site = resolve_site(db, principal, request.path_params["site_id"])
        return site["account_id"], site["id"], "site"
    account = accounts.find_account(db, principal, request.path_params["team_id"])
    if account is None:
        raise not_found()
    return account["id"], None, "team"


def _config(body: dict[str, Any], required: bool) -> dict[str, Any]:
    config = body.get("config")
    if config is None and not required:
        return {}
    if not isinstance(config, dict):
        raise unprocessable(f"config is required and must be an object, not {json_type(config)}")
    return config


def _not_enabled(slug: str, scope: str) -> ApiError:
    return ApiError(404, f"Integration {slug} is not enabled for this {scope}")


async def get_context(request: Request) -> Response:
    principal = _authenticate(request)
    slug = request.path_params["slug"]
    with store_of(request).tx() as db:
        account_id, site_id, scope = _target(db, principal, request)
        config = integrations.get_config(db, account_id, site_id, slug)
    if config is None:
        raise _not_enabled(slug, scope)
    return JSONResponse({"config": config})


async def enable(request: Request) -> Response:
    principal = _authenticate(request)
    slug = request.path_params["slug"]
    body = await read_json(request, dict, empty={})
    with store_of(request).tx() as db:
        account_id, site_id, scope = _target(db, principal, request)
        if not SLUG_RE.match(slug):
            raise unprocessable("integration slug must be lowercase letters, digits and hyphens")
        if integrations.get_config(db, account_id, site_id, slug) is not None:
            raise ApiError(409, f"Integration {slug} is already enabled for this {scope}")
        token = secrets.token_urlsafe(32)
        integrations.enable(db, account_id, site_id, slug, _config(body, required=False), token)
    return JSONResponse({"token": token})


async def update_context(request: Request) -> Response:
    principal = _authenticate(request)
    slug = request.path_params["slug"]
    body = await read_json(request, dict)
    config = _config(body, required=True)
    with store_of(request).tx() as db:
        account_id, site_id, scope = _target(db, principal, request)
        if integrations.get_config(db, account_id, site_id, slug) is None:
            raise _not_enabled(slug, scope)
        integrations.set_config(db, account_id, site_id, slug, config)
    return JSONResponse({"config": config})


async def disable(request: Request) -> Response:
    principal = _authenticate(request)
    slug = request.path_params["slug"]
    with store_of(request).tx() as db:
        account_id, site_id, scope = _target(db, principal, request)
        if integrations.get_config(db, account_id, site_id, slug) is None:
            raise _not_enabled(slug, scope)
        integrations.disable(db, account_id, site_id, slug)
    return Response(status_code=204)


def mount_path(prefix: str) -> str:
    """`integrations-api/` and `/integrations-api` both mean `/integrations-api`; `/` or "" the root."""
    stripped = prefix.strip().strip("/")
    return f"/{stripped}" if stripped else ""


def integration_routes() -> list[BaseRoute]:
    """Routes relative to the Integration API prefix (not `/api/v1`)."""
    handlers = {"get": get_context, "put": update_context, "post": enable, "delete": disable}
    return [
        route("/site/{site_id}/integrations/{slug}", **handlers),
        route("/team/{team_id}/integrations/{slug}", **handlers),
    ]
