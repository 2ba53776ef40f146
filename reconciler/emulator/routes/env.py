"""Environment variable endpoints (`/accounts/{account_id}/env...`, `?site_id=` selects the site level).

The account may be given by id or slug; a `site_id` must name a site of that account, else 404. Without
`site_id` only team-level variables are seen; with it only that site's own (no merging), as documented.
"""

from __future__ import annotations

import sqlite3

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.emulator.auth import authenticate, store_of
from reconciler.emulator.data import accounts, env, sites
from reconciler.emulator.data.accounts import Principal
from reconciler.emulator.errors import not_found, unprocessable
from reconciler.emulator.json_body import read_json
from reconciler.emulator.models.env import FILTER_CONTEXTS, matches, normalize_scope, parse_value, parse_var
from reconciler.emulator.routes import route


def _level(db: sqlite3.Connection, principal: Principal, request: Request) -> tuple[str, str]:
    """(account id, site id or '') addressed by the path and the `site_id` query parameter."""
    account = accounts.find_account(db, principal, request.path_params["account_id"])
    if account is None:
        raise not_found()
    site_ref = request.query_params.get("site_id")
    if not site_ref:
        return account["id"], ""
    site = sites.resolve(db, site_ref, {account["id"]})
    if site is None:
        raise not_found()
    return account["id"], site["id"]


def _var(db: sqlite3.Connection, principal: Principal, request: Request) -> sqlite3.Row:
    account_id, site_id = _level(db, principal, request)
    row = env.find(db, account_id, site_id, request.path_params["key"])
    if row is None:
        raise not_found()
    return row


def _filters(request: Request) -> tuple[str | None, str | None]:
    context = request.query_params.get("context_name") or None
    if context is not None and context not in FILTER_CONTEXTS:
        raise unprocessable(
            f"context_name: unknown context {context!r}; expected one of {', '.join(FILTER_CONTEXTS)}"
        )
    scope = request.query_params.get("scope") or None
    return context, (normalize_scope(scope) if scope is not None else None)


def _filtered(request: Request, db: sqlite3.Connection, account_id: str, site_id: str) -> Response:
    context, scope = _filters(request)
    found = [v for v in env.list_vars(db, account_id, site_id) if matches(v, context, scope)]
    return JSONResponse(found)


async def list_env(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        return _filtered(request, db, *_level(db, principal, request))


async def list_site_env(request: Request) -> Response:
    """getSiteEnvVars: the same list for a site addressed by id or domain, without its account."""
    principal = authenticate(request)
    with store_of(request).tx() as db:
        site = sites.resolve(db, request.path_params["site_id"], principal.account_ids)
        if site is None:
            raise not_found()
        return _filtered(request, db, site["account_id"], site["id"])


async def create_env(request: Request) -> Response:
    principal = authenticate(request)
    body = await read_json(request, list)
    wanted = [parse_var(item, f"[{i}]") for i, item in enumerate(body)]
    keys = [v.key for v in wanted]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise unprocessable(f"duplicate keys in request: {', '.join(duplicates)}")
    with store_of(request).tx() as db:
        account_id, site_id = _level(db, principal, request)
        seqs = [env.create(db, account_id, site_id, var, principal.user_id) for var in wanted]
        created = [env.render(db, seq) for seq in seqs]
    return JSONResponse(created, status_code=201)


async def get_env(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        body = env.render(db, _var(db, principal, request)["seq"])
    return JSONResponse(body)


async def replace_env(request: Request) -> Response:
    principal = authenticate(request)
    wanted = parse_var(await read_json(request, dict), "body", key_required=False)
    with store_of(request).tx() as db:
        row = _var(db, principal, request)
        env.replace(db, row, wanted, principal.user_id)
        body = env.render(db, row["seq"])
    return JSONResponse(body)


async def set_env_value(request: Request) -> Response:
    principal = authenticate(request)
    value = parse_value(await read_json(request, dict), "body")
    with store_of(request).tx() as db:
        row = _var(db, principal, request)
        env.set_value(db, row, value, principal.user_id)
        body = env.render(db, row["seq"])
    return JSONResponse(body, status_code=201)


async def delete_env(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        env.delete(db, _var(db, principal, request))
    return Response(status_code=204)


async def delete_env_value(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        row = _var(db, principal, request)
        if not env.delete_value(db, row, request.path_params["value_id"], principal.user_id):
            raise not_found()
    return Response(status_code=204)


ROUTES = [
    route("/accounts/{account_id}/env", get=list_env, post=create_env),
    route(
        "/accounts/{account_id}/env/{key}",
        get=get_env,
        put=replace_env,
        patch=set_env_value,
        delete=delete_env,
    ),
    route("/accounts/{account_id}/env/{key}/value/{value_id}", delete=delete_env_value),
    route("/sites/{site_id}/env", get=list_site_env),
]
