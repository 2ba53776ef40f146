"""DNS zones and records: zones listed per account (`account_slug`), created (201), read and deleted (204);
records listed, created (201), read and deleted (204). Netlify offers no update of either."""

from __future__ import annotations

import sqlite3

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.emulator.auth import authenticate, store_of
from reconciler.emulator.data import accounts, dns, sites
from reconciler.emulator.data.accounts import Principal
from reconciler.emulator.errors import not_found, unprocessable
from reconciler.emulator.json_body import read_json
from reconciler.emulator.models.dns import check_fits, new_record, render_record, render_zone, zone_name
from reconciler.emulator.routes import route


def _zone(db: sqlite3.Connection, principal: Principal, request: Request) -> sqlite3.Row:
    row = dns.get_zone(db, request.path_params["zone_id"], principal.account_ids)
    if row is None:
        raise not_found()
    return row


def _missing(object_id: str) -> sqlite3.Row:
    raise AssertionError(f"{object_id} was just created and must exist")


def _rendered(db: sqlite3.Connection, row: sqlite3.Row) -> dict[str, object]:
    return render_zone(row, dns.list_records(db, row["id"]))


async def list_zones(request: Request) -> Response:
    """Every zone the token can see, or one account's (`account_slug`: an account it cannot see has none)."""
    principal = authenticate(request)
    slug = request.query_params.get("account_slug")
    with store_of(request).tx() as db:
        visible: set[str] | frozenset[str] = principal.account_ids
        if slug:
            account = accounts.find_account(db, principal, slug)
            visible = {account["id"]} if account is not None else set()
        body = [_rendered(db, row) for row in dns.list_zones(db, visible)]
    return JSONResponse(body)


async def create_zone(request: Request) -> Response:
    """In `account_slug` (else the personal account); a domain has one zone across all accounts (422)."""
    principal = authenticate(request)
    body = await read_json(request, dict)
    name = zone_name(body)
    with store_of(request).tx() as db:
        slug = body.get("account_slug")
        if slug is None:
            account_id = principal.personal_account_id
        else:
            account = accounts.find_account(db, principal, str(slug))
            if account is None:
                raise unprocessable(f"Validation failed: account {str(slug)[:80]!r} not found")
            account_id = account["id"]
        site_id = None
        if body.get("site_id") is not None:
            site = sites.resolve(db, str(body["site_id"]), principal.account_ids)
            if site is None:
                raise unprocessable("Validation failed: site_id names no site of yours")
            site_id = site["id"]
        if dns.zone_named(db, name) is not None:
            raise unprocessable(f"Validation failed: a DNS zone for {name} already exists")
        zone_id = dns.create_zone(db, account_id, principal.user_id, name, site_id)
        created = _rendered(db, dns.zone_named(db, name) or _missing(zone_id))
    return JSONResponse(created, status_code=201)


async def get_zone(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        body = _rendered(db, _zone(db, principal, request))
    return JSONResponse(body)


async def delete_zone(request: Request) -> Response:
    """The zone and every record in it."""
    principal = authenticate(request)
    with store_of(request).tx() as db:
        dns.delete_zone(db, _zone(db, principal, request)["id"])
    return Response(status_code=204)


async def list_records(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        zone = _zone(db, principal, request)
        body = [render_record(row) for row in dns.list_records(db, zone["id"])]
    return JSONResponse(body)


async def create_record(request: Request) -> Response:
    principal = authenticate(request)
    body = await read_json(request, dict)
    with store_of(request).tx() as db:
        zone = _zone(db, principal, request)
        record = new_record(zone["name"], body)
        check_fits(record, [dict(row) for row in dns.list_records(db, zone["id"], record["hostname"])])
        record_id = dns.create_record(db, zone["id"], record)
        created = render_record(dns.get_record(db, zone["id"], record_id) or _missing(record_id))
    return JSONResponse(created, status_code=201)


def _record(db: sqlite3.Connection, zone: sqlite3.Row, request: Request) -> sqlite3.Row:
    row = dns.get_record(db, zone["id"], request.path_params["dns_record_id"])
    if row is None:
        raise not_found()
    return row


async def get_record(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        body = render_record(_record(db, _zone(db, principal, request), request))
    return JSONResponse(body)


async def delete_record(request: Request) -> Response:
    """Records Netlify manages itself (its name servers) cannot be deleted (422)."""
    principal = authenticate(request)
    with store_of(request).tx() as db:
        zone = _zone(db, principal, request)
        row = _record(db, zone, request)
        if row["managed"]:
            raise unprocessable("Validation failed: this record is managed by Netlify and cannot be deleted")
        dns.delete_record(db, zone["id"], row["id"])
    return Response(status_code=204)


ROUTES = [
    route("/dns_zones", get=list_zones, post=create_zone),
    route("/dns_zones/{zone_id}", get=get_zone, delete=delete_zone),
    route("/dns_zones/{zone_id}/dns_records", get=list_records, post=create_record),
    route("/dns_zones/{zone_id}/dns_records/{dns_record_id}", get=get_record, delete=delete_record),
]
