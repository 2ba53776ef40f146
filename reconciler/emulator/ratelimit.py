"""Netlify's rate limits: `X-RateLimit-*` headers on every answer and 429 past the limit.

Fixed windows aligned to the wall-clock minute: every bucket empties at the next whole minute, which is
exactly the `X-RateLimit-Reset` sent (Unix seconds), so a client that waits until Reset is never refused
for the same window twice. The cost is that a client may spend two windows' worth in the seconds around a
minute boundary; a sliding window would avoid that but could not give a Reset that is both exact and simple.

Buckets are per token (`Authorization: Bearer`, `netlify-token`, or `?access_token=`), counted on the raw
token so no database lookup is needed: an unknown token gets its own bucket and its 401s count against it.
Requests without a token are counted per client address. Every request counts, including ones answered
with an error or a 429. Deploy creation (`POST /api/v1/sites/{site_id}/deploys`) also draws from a second,
stricter bucket; its answers carry the general bucket's headers (so a client pacing all its calls by one
budget is not stalled by the deploy bucket), except a 429 from the deploy bucket, which carries that
bucket's headers so the client waits for the right Reset.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import parse_qsl

from starlette.types import Scope

from reconciler.emulator.errors import error_response
from reconciler.emulator.limits import DEPLOY_CREATE_PATH, Limits, is_admin_path
from reconciler.emulator.middleware import Verdict

WINDOW_SECONDS = 60
RATE_LIMITED = "rate_limited"


def rate_limit_headers(limit: int, used: int, reset: int) -> list[tuple[str, str]]:
    return [
        ("X-RateLimit-Limit", str(limit)),
        ("X-RateLimit-Remaining", str(max(limit - used, 0))),
        ("X-RateLimit-Reset", str(reset)),
    ]


def too_many_requests(message: str) -> Verdict:
    """The 429 body; the caller adds the rate-limit headers."""
    return Verdict(response=error_response(429, message), fault=RATE_LIMITED)


def client_key(scope: Scope) -> str:
    """The bucket a request draws from: its token if it carries one, else its client address."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = bytes(value).decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return "token:" + token.strip()
        elif name == b"netlify-token" and value.strip():
            return "token:" + bytes(value).decode("latin-1").strip()
    query: bytes = scope.get("query_string", b"")
    if b"access_token=" in query:
        for key, value in parse_qsl(query.decode("latin-1")):
            if key == "access_token" and value:
                return "token:" + value
    client = scope.get("client")
    return "addr:" + (client[0] if client else "")


class RateLimiter:
    """A `RequestPolicy`; reads the limits on every request so changes apply at once."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.time) -> None:
        self.limits = limits
        self._clock = clock
        self._window = -1
        self._used: dict[str, int] = {}
        self._deploys: dict[str, int] = {}

    def reset(self) -> None:
        """Forget all counts (`POST /_emulator/reset-limits`): every bucket is full again."""
        self._used.clear()
        self._deploys.clear()

    async def __call__(self, scope: Scope) -> Verdict | None:
        return self.check(scope)

    def check(self, scope: Scope) -> Verdict | None:
        limit = self.limits.rate_limit_per_minute
        deploy_limit = self.limits.deploy_rate_limit_per_minute
        if (limit <= 0 and deploy_limit <= 0) or is_admin_path(scope["path"]):
            return None
        window = int(self._clock() // WINDOW_SECONDS)
        if window != self._window:
            # Windows are global and aligned, so rolling over simply empties every bucket at once.
            self._window = window
            self.reset()
        reset = (window + 1) * WINDOW_SECONDS
        key = client_key(scope)
        headers: list[tuple[str, str]] = []
        if limit > 0:
            used = self._used[key] = self._used.get(key, 0) + 1
            headers = rate_limit_headers(limit, used, reset)
            if used > limit:
                verdict = too_many_requests(
                    f"API rate limit surpassed: {limit} requests per minute; retry after X-RateLimit-Reset"
                )
                verdict.headers = headers
                return verdict
        if deploy_limit > 0 and scope["method"] == "POST" and DEPLOY_CREATE_PATH.fullmatch(scope["path"]):
            used = self._deploys[key] = self._deploys.get(key, 0) + 1
            if used > deploy_limit:
                verdict = too_many_requests(
                    f"Deploy rate limit surpassed: {deploy_limit} deploys per minute; "
                    "retry after X-RateLimit-Reset"
                )
                verdict.headers = rate_limit_headers(deploy_limit, used, reset)
                return verdict
            if not headers:
                headers = rate_limit_headers(deploy_limit, used, reset)
        return Verdict(headers) if headers else None
