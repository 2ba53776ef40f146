"""The parts one running service shares between its routes."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from reconciler.serve.access import Verifier
from reconciler.serve.checks import Checker

COOKIE = "_nf-auth"  # the cookie Netlify's API-handler convention accepts besides the header
TOKEN_HEADER = "netlify-token"


@dataclass(frozen=True)
class Service:
    checker: Checker
    verifier: Verifier
    max_age: float  # a status younger than this is answered from memory
    refresh: float  # how often the page's script asks for fresh statuses


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def caller_token(request: Request) -> str | None:
    """The caller's Netlify token: the `netlify-token` header, else the `_nf-auth` cookie."""
    token = request.headers.get(TOKEN_HEADER, "").strip() or request.cookies.get(COOKIE, "").strip()
    return token or None
