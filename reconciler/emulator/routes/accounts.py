"""Accounts (teams) visible to a token, and the token's user.

`minimal=true` is what netlify-cli asks for; it gets the identifying fields only, as on Netlify.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.emulator.auth import authenticate, store_of
from reconciler.emulator.data import accounts
from reconciler.emulator.errors import not_found
from reconciler.emulator.routes import route

_ROLES = ["Owner", "Developer", "Reviewer", "Publisher"]


def render_account(db: sqlite3.Connection, row: sqlite3.Row, *, minimal: bool = False) -> dict[str, Any]:
    """The swagger accountMembership object."""
    personal = row["type"] == "personal"
    account: dict[str, Any] = {
        "id": row["id"],
        "name": row["name"],
        "slug": row["slug"],
        "type": row["type"],
        "type_name": "Personal" if personal else "Team",
    }
    if minimal:
        return account
    account.update(
        {
            "capabilities": {
                "sites": {"included": 500, "used": accounts.count_sites(db, row["id"])},
                "collaborators": {
                    "included": 1 if personal else 50,
                    "used": accounts.count_members(db, row["id"]),
                },
            },
            "billing_name": row["name"],
            "billing_email": row["billing_email"],
            "billing_details": "",
            "billing_period": "monthly",
            "owner_ids": accounts.account_owner_ids(db, row["id"]),
            "roles_allowed": _ROLES,
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
        }
    )
    return account


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").lower() in ("1", "true", "yes")


async def list_accounts(request: Request) -> Response:
    principal = authenticate(request)
    minimal = _flag(request, "minimal")
    with store_of(request).tx() as db:
        rows = accounts.list_accounts(db, principal)
        body = [render_account(db, row, minimal=minimal) for row in rows]
    return JSONResponse(body)


async def get_account(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        row = accounts.find_account(db, principal, request.path_params["account_id"])
        if row is None:
            raise not_found()
        body = render_account(db, row)
    return JSONResponse(body)


async def current_user(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        row = db.execute("SELECT created_at FROM users WHERE id = ?", (principal.user_id,)).fetchone()
        site_count = sum(accounts.count_sites(db, a) for a in principal.account_ids)
    return JSONResponse(
        {
            "id": principal.user_id,
            "uid": principal.user_id,
            "full_name": principal.full_name,
            "email": principal.email,
            "avatar_url": "",
            "site_count": site_count,
            "created_at": row["created_at"],
            "last_login": row["created_at"],
            "login_providers": ["email"],
        }
    )


ROUTES = [
    route("/accounts", get=list_accounts),
    route("/accounts/{account_id}", get=get_account),
    route("/user", get=current_user),
]
