"""Team members: `/{account_slug}/members` lists (200) and invites (200 with the new member in an array, as
swagger says); `/{account_slug}/members/{member_id}` reads, updates role and site access (200) and removes
(204). Only Owners may change members; a team keeps at least one Owner (422)."""

from __future__ import annotations

import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.emulator.auth import authenticate, store_of
from reconciler.emulator.data import accounts, members
from reconciler.emulator.data.accounts import Principal
from reconciler.emulator.errors import ApiError, not_found, unprocessable
from reconciler.emulator.json_body import read_json
from reconciler.emulator.models.member import member_update, new_member, render_member
from reconciler.emulator.routes import route

LAST_OWNER = "Validation failed: a team needs at least one Owner"


def _account(db: sqlite3.Connection, principal: Principal, request: Request, *, write: bool) -> sqlite3.Row:
    account = accounts.find_account(db, principal, request.path_params["account_slug"])
    if account is None:
        raise not_found()
    if account["type"] != "team":
        raise unprocessable("Validation failed: a personal account has no members to manage")
    me = members.get(db, account["id"], principal.user_id)
    if write and (me is None or me["role"] != "Owner"):
        raise ApiError(403, "Only team Owners can manage members")
    return account


def _member(db: sqlite3.Connection, account: sqlite3.Row, request: Request) -> sqlite3.Row:
    row = members.get(db, account["id"], request.path_params["member_id"])
    if row is None:
        raise not_found()
    return row


def _render(row: sqlite3.Row) -> dict[str, Any]:
    return render_member(row, members.site_ids(row))


async def list_members(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        account = _account(db, principal, request, write=False)
        body = [_render(row) for row in members.list_members(db, account["id"])]
    return JSONResponse(body)


async def add_member(request: Request) -> Response:
    principal = authenticate(request)
    email, role = new_member(await read_json(request, dict))
    store = store_of(request)
    with store.tx() as db:
        account = _account(db, principal, request, write=True)
        user_id = members.add(db, account["id"], email, role)
        if user_id is None:
            raise unprocessable(f"Validation failed: {email} is already a member of this team")
        body = [_render(_member_row(db, account["id"], user_id))]
    store.auth_generation += 1  # the email may be a token's user, who can now see the team
    return JSONResponse(body)


def _member_row(db: sqlite3.Connection, account_id: str, user_id: str) -> sqlite3.Row:
    row = members.get(db, account_id, user_id)
    if row is None:
        raise AssertionError(f"member {user_id} was just written and must exist")
    return row


async def get_member(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        body = _render(_member(db, _account(db, principal, request, write=False), request))
    return JSONResponse(body)


async def update_member(request: Request) -> Response:
    principal = authenticate(request)
    changes = member_update(await read_json(request, dict))
    with store_of(request).tx() as db:
        account = _account(db, principal, request, write=True)
        row = _member(db, account, request)
        demoted = row["role"] == "Owner" and changes.get("role", "Owner") != "Owner"
        if demoted and members.owners(db, account["id"]) == 1:
            raise unprocessable(LAST_OWNER)
        foreign = [i for i in changes.get("site_ids", []) if not _site_of(db, account["id"], i)]
        if foreign:
            raise unprocessable(f"Validation failed: site_ids names no site of this team: {foreign[0][:80]}")
        members.update(db, row, changes)
        body = _render(_member_row(db, account["id"], row["user_id"]))
    return JSONResponse(body)


def _site_of(db: sqlite3.Connection, account_id: str, site_id: str) -> bool:
    query = "SELECT 1 FROM sites WHERE id = ? AND account_id = ?"
    return db.execute(query, (site_id, account_id)).fetchone() is not None


async def remove_member(request: Request) -> Response:
    principal = authenticate(request)
    store = store_of(request)
    with store.tx() as db:
        account = _account(db, principal, request, write=True)
        row = _member(db, account, request)
        if row["role"] == "Owner" and members.owners(db, account["id"]) == 1:
            raise unprocessable(LAST_OWNER)
        members.remove(db, account["id"], row["user_id"])
    store.auth_generation += 1  # a token's user may have lost the team
    return Response(status_code=204)


# Registered with the account routes, last: `/{account_slug}/...` would shadow more specific paths.
ROUTES = [
    route("/{account_slug}/members", get=list_members, post=add_member),
    route("/{account_slug}/members/{member_id}", get=get_member, put=update_member, delete=remove_member),
]
