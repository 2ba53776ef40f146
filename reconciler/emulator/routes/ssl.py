"""Site TLS: `POST /sites/{id}/ssl` provisions (Let's Encrypt) or uploads a certificate, GET shows it.

Both answer the `sniCertificate`; GET is a 404 while the site has none.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.emulator.auth import authenticate, store_of
from reconciler.emulator.data import certificates, sites
from reconciler.emulator.errors import not_found
from reconciler.emulator.models.certificate import (
    CUSTOM_DAYS,
    LETS_ENCRYPT_DAYS,
    certificate_domains,
    custom_upload,
    render_certificate,
)
from reconciler.emulator.routes import route
from reconciler.emulator.routes.sites import resolve_site


async def provision_certificate(request: Request) -> Response:
    principal = authenticate(request)
    params = dict(request.query_params)
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        domains = certificate_domains(sites.settings_of(site))
        existing = certificates.get(db, site["id"]) is not None
        if custom_upload(params, existing):
            certificates.install(db, site["id"], "custom", domains, CUSTOM_DAYS)
        else:
            certificates.install(db, site["id"], "issued", domains, LETS_ENCRYPT_DAYS)
        body = render_certificate(certificates.get(db, site["id"]))
    return JSONResponse(body)


async def show_certificate(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        row = certificates.get(db, site["id"])
        if row is None:
            raise not_found()
        body = render_certificate(row)
    return JSONResponse(body)


ROUTES = [route("/sites/{site_id}/ssl", get=show_certificate, post=provision_certificate)]
