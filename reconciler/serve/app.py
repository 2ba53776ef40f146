"""The service's routes: the status page (with sign-in), its assets, and the API handlers.

The page needs a Netlify token as much as the handlers do (it shows what that token can see), so a
viewer signs in once with a personal access token, kept in the `_nf-auth` cookie the handler convention
accepts: HttpOnly (the page's script cannot read it) and SameSite=Strict (no other site's page sends
it). Forms post to the same origin only. Every HTML answer carries a Content-Security-Policy that allows
this origin's script and style and nothing else.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from reconciler.model.errors import ReconcilerError
from reconciler.serve.access import Visible
from reconciler.serve.checks import OwnerCheck
from reconciler.serve.handlers import PREFIX, api_handler
from reconciler.serve.page import View, sign_in_page, status_page
from reconciler.serve.service import COOKIE, Service, service_of

log = logging.getLogger(__name__)
ASSETS = Path(__file__).resolve().parent / "assets"
ASSET_TYPES = {
    "status.js": "text/javascript; charset=utf-8",
    "status.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # no-referrer would make the browser send `Origin: null` on posts
    "Cache-Control": "no-store",
}
MAX_FORM = 4096
_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{1,512}")


def build_app(service: Service) -> Starlette:
    routes = [
        Route("/", index, methods=["GET"]),
        Route("/sign-in", sign_in, methods=["POST"]),
        Route("/sign-out", sign_out, methods=["POST"]),
        Route("/check", check_now, methods=["POST"]),
        Route("/assets/{name}", asset, methods=["GET"]),
        Route(PREFIX + "/{name}", api_handler, methods=["GET", "POST", "OPTIONS"]),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(RequestLog)])
    app.state.service = service
    return app


class RequestLog(BaseHTTPMiddleware):
    """One line per request at -v: method, path (no query string), status, time. Never a header."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        started = time.monotonic()
        response = await call_next(request)
        took = (time.monotonic() - started) * 1000
        log.info("%s %s -> %d (%.0f ms)", request.method, request.url.path, response.status_code, took)
        return response


def page(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers=PAGE_HEADERS)


async def index(request: Request) -> Response:
    token = request.cookies.get(COOKIE, "").strip()
    if not token:
        return page(sign_in_page())
    service = service_of(request)
    try:
        view = await run_in_threadpool(_view, service, token)
    except ReconcilerError:
        return page(sign_in_page("Netlify could not be asked what your token can see; try again."), 502)
    if view is None:
        response = page(sign_in_page("Netlify refused the token this browser signed in with; sign in again."))
        response.delete_cookie(COOKIE, path="/")
        return response
    return page(status_page(view))


def _view(service: Service, token: str) -> View | None:
    visible = service.verifier.visible(token)
    if visible is None:
        return None
    checker = service.checker
    rows = checker.latest()
    if not rows or any(check is None for _, check in rows):
        checker.check_all()  # the first visit before the first round: wait for it
        rows = checker.latest()
    shown = [(ref, check) for ref, check in rows if check is not None and _sees(visible, check)]
    return View(shown, len(rows) - len(shown), checker.manifest_error, checker.last_round, service.refresh)


def _sees(visible: Visible, check: OwnerCheck) -> bool:
    """Shown to a viewer whose token sees the site (or, for one not created yet, its team) or team."""
    target = check.target
    if target is None:
        return (check.ref.name if check.ref.kind == "team" else check.team or "") in visible.teams
    if target.site_id:
        return target.site_id in visible.sites
    return (target.account or "") in visible.teams


async def sign_in(request: Request) -> Response:
    if not _same_origin(request):
        return page(sign_in_page("Sign in from this page."), 403)
    token = (await _form(request)).get("token", "").strip()
    if not _TOKEN.fullmatch(token):
        return page(sign_in_page("That is not a Netlify token: paste a personal access token."), 400)
    try:
        visible = await run_in_threadpool(service_of(request).verifier.visible, token)
    except ReconcilerError:
        return page(sign_in_page("Netlify could not be asked whether the token is valid; try again."), 502)
    if visible is None:
        return page(sign_in_page("Netlify refused that token."), 401)
    response = RedirectResponse("/", status_code=303)
    secure = request.url.scheme == "https"
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/")
    return response


async def sign_out(request: Request) -> Response:
    response = RedirectResponse("/", status_code=303)
    if _same_origin(request):
        response.delete_cookie(COOKIE, path="/")
    return response


async def check_now(request: Request) -> Response:
    """Check every owner now (the page's button; without JavaScript a form post and a redirect)."""
    token = request.cookies.get(COOKIE, "").strip()
    if not token or not _same_origin(request):
        return RedirectResponse("/", status_code=303)
    service = service_of(request)
    try:
        allowed = await run_in_threadpool(service.verifier.visible, token)
    except ReconcilerError:
        allowed = None
    if allowed is not None:
        await run_in_threadpool(service.checker.check_all)
    return RedirectResponse("/", status_code=303)


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in ASSET_TYPES:
        return Response("not found\n", status_code=404, media_type="text/plain")
    body = (ASSETS / name).read_bytes()
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    return Response(body, media_type=ASSET_TYPES[name], headers=headers)


def _same_origin(request: Request) -> bool:
    """A form post from this service's own page: no other site may sign a browser in, out, or make it
    start checks. Clients that send no Origin (not a browser) have no cookie to abuse either."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.headers.get('host', '')}"


async def _form(request: Request) -> dict[str, str]:
    """A small urlencoded form, read without a multipart parser (the page's forms have one field)."""
    declared = request.headers.get("content-length") or "0"
    if not declared.isdigit() or int(declared) > MAX_FORM:
        return {}
    body = await request.body()
    try:
        fields = parse_qs(body[:MAX_FORM].decode("utf-8", "replace"), max_num_fields=8)
    except ValueError:  # more fields than any of the page's forms has
        return {}
    return {key: values[0] for key, values in fields.items() if values}
