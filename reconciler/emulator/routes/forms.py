"""Forms and submissions: list a site's forms, delete one (204), list submissions per site or per form.

Submission lists are paginated like sites (`page`, `per_page` ≤ 100, `Link`); form lists are not, as on
Netlify.
"""

from __future__ import annotations

import sqlite3

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.emulator.auth import authenticate, store_of
from reconciler.emulator.data import forms, sites
from reconciler.emulator.errors import not_found
from reconciler.emulator.models.form import render_form, render_submission
from reconciler.emulator.models.site import render_site
from reconciler.emulator.pagination import link_header, page_of
from reconciler.emulator.routes import route
from reconciler.emulator.routes.sites import resolve_site


def _site_url(site: sqlite3.Row) -> str:
    url: str = render_site(site)["ssl_url"]
    return url


async def list_forms(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        body = [render_form(row) for row in forms.list_forms(db, site["id"])]
    return JSONResponse(body)


async def delete_form(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        form = forms.get(db, site["id"], request.path_params["form_id"])
        if form is None:
            raise not_found()
        forms.delete_form(db, form["id"])
    return Response(status_code=204)


def _submissions(request: Request, db: sqlite3.Connection, column: str, value: str, site_id: str) -> Response:
    page = page_of(request)
    rows, total = forms.list_submissions(db, column, value, page.offset, page.size)
    site_url = _site_url(sites.get(db, site_id))
    body = [render_submission(row, site_url) for row in rows]
    return JSONResponse(body, headers=link_header(request, page, total))


async def list_site_submissions(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        return _submissions(request, db, "site_id", site["id"], site["id"])


async def list_form_submissions(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        form = forms.visible_form(db, request.path_params["form_id"], principal.account_ids)
        if form is None:
            raise not_found()
        return _submissions(request, db, "form_id", form["id"], form["site_id"])


ROUTES = [
    route("/sites/{site_id}/forms", get=list_forms),
    route("/sites/{site_id}/forms/{form_id}", delete=delete_form),
    route("/sites/{site_id}/submissions", get=list_site_submissions),
    route("/forms/{form_id}/submissions", get=list_form_submissions),
]
