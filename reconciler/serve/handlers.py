"""The API-handler convention at `/.netlify/functions/handler/{name}`: what an Integration UI's
`surfaceState.fetch("status")` calls, with the caller's token in the `netlify-token` header (or the
`_nf-auth` cookie) and `siteId`/`teamId` in the query string.

`status` answers the owner's status document (from memory while younger than the service's interval);
`plan` and `drift` check the owner now and answer its plan as `--format json` does. Cross-origin calls are
allowed (an Integration UI runs on Netlify's origin) because the credential is the header the caller
sends itself: the page's cookie is `SameSite=Strict` and never travels with another site's request.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from reconciler.model.errors import ReconcilerError
from reconciler.plan.render_json import render_json
from reconciler.serve.access import Access, Scope
from reconciler.serve.checks import Busy, OwnerCheck, Unknown
from reconciler.serve.service import Service, caller_token, service_of

PREFIX = "/.netlify/functions/handler"
NAMES = ("status", "plan", "drift")
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "netlify-token, content-type",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Max-Age": "600",
}
HEADERS = {**CORS, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


async def api_handler(request: Request) -> Response:
    name = request.path_params["name"]
    if request.method == "OPTIONS":
        return Response(status_code=204, headers=CORS)
    if name not in NAMES:
        return error(404, f"no handler {name!r} here: this service answers {', '.join(NAMES)}")
    token = caller_token(request)
    if token is None:
        return error(401, "no token: send the netlify-token header (or the _nf-auth cookie)")
    site_id = request.query_params.get("siteId") or None
    team_id = request.query_params.get("teamId") or None
    scope: Scope = "site" if site_id else "team"
    ident = site_id or team_id
    if ident is None:
        return error(400, "say which site or team: the siteId or teamId query parameter")
    service = service_of(request)
    try:
        access = await run_in_threadpool(service.verifier.check, token, scope, ident)
    except ReconcilerError:
        return error(502, "Netlify could not be asked whether this token may see that site or team")
    if access is Access.UNAUTHORIZED:
        return error(401, "Netlify refused this token")
    if access is Access.HIDDEN:
        return error(404, f"no {scope} {ident!r} for this token")
    try:
        return await run_in_threadpool(_answer, service, name, site_id, team_id)
    except Busy as exc:
        return error(503, str(exc), {"Retry-After": "30"})
    except Unknown as exc:
        return error(404, str(exc))
    except ReconcilerError as exc:
        return error(503, str(exc))


def _answer(service: Service, name: str, site_id: str | None, team_id: str | None) -> Response:
    located = service.checker.locate(site_id, team_id)
    if located is None:
        return error(404, "not a team or site declared in the manifests this service watches")
    address = located.ref.address
    if name == "status":
        return _json(service.checker.status(address, service.max_age).status.to_json())
    check = service.checker.check(address)
    return plan_answer(check, "drift" if name == "drift" else "plan")


def plan_answer(check: OwnerCheck, mode: str) -> Response:
    """The owner's plan as `--format json` prints it (in drift mode, read as drift)."""
    if check.plan is None:
        return error(502, check.status.summary)
    text = render_json(replace(check.plan, mode=mode))
    return Response(text, media_type="application/json", headers=HEADERS)


def _json(document: Any, status: int = 200, extra: dict[str, str] | None = None) -> Response:
    body = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    headers = {**HEADERS, **(extra or {})}
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def error(status: int, message: str, extra: dict[str, str] | None = None) -> Response:
    return _json({"error": message}, status, extra)
