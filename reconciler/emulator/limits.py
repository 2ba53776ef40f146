"""Run-time adjustable limits, and the request body size limit.

`Limits` is one mutable object shared by the rate limiter, the body limit and the admin endpoint, so a test
can change a limit with `PUT /_emulator/limits` and the very next request obeys it. Everything that reads
or writes it runs on the server's event loop thread, so plain attribute access needs no lock.

The body limit protects the emulator's memory from a runaway client without reading the body: a declared
`Content-Length` above the limit is refused before any byte is read, and a chunked body is counted while the
route streams it. Upload paths are exempt, since the deploy routes apply their own, larger limit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reconciler.emulator.errors import ApiError, error_response, json_type

ADMIN_PREFIX = "/_emulator"
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024

# `POST /api/v1/sites/{site_id}/deploys`: deploy creation, rate limited on its own and, as a ZIP, exempt
# from the JSON body limit.
DEPLOY_CREATE_PATH = re.compile(r"/api/v1/sites/[^/]+/deploys/?")
# File and function uploads (`PUT /api/v1/deploys/{deploy_id}/files/...` and `.../functions/...`); group 1
# is the deploy id.
UPLOAD_PATH = re.compile(r"/api/v1/deploys/([^/]+)/(?:files|functions)/")
DEFAULT_UPLOAD_CONCURRENCY_LIMIT = 10
_ZIP_TYPES = (b"application/zip", b"application/octet-stream")


def is_admin_path(path: str) -> bool:
    """The admin endpoint is never rate limited, faulted or counted: tests must always reach it."""
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


@dataclass
class Limits:
    """Current limits; 0 disables a limit."""

    rate_limit_per_minute: int = 500
    deploy_rate_limit_per_minute: int = 3
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    upload_concurrency_limit: int = DEFAULT_UPLOAD_CONCURRENCY_LIMIT  # uploads in flight per deploy

    def to_json(self) -> dict[str, int]:
        return asdict(self)

    def update(self, data: Mapping[str, Any]) -> None:
        """Apply the given keys (validated all first, so a bad body changes nothing); 422 on bad input."""
        known = {f.name for f in fields(self)}
        for key, value in data.items():
            if key not in known:
                raise ApiError(422, f"{key}: unknown limit (known: {', '.join(sorted(known))})")
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ApiError(
                    422, f"{key}: must be a non-negative integer, not {json_type(value)} {value!r}"
                )
        for key, value in data.items():
            setattr(self, key, value)


def _body_headers(scope: Scope) -> tuple[int | None, bool, bytes]:
    """Declared Content-Length (None if absent or unreadable), whether the body is chunked, content type."""
    length: int | None = None
    chunked = False
    content_type = b""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                length = None
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"content-type":
            content_type = value.lower()
    return length, chunked, content_type


def _exempt(scope: Scope, content_type: bytes) -> bool:
    method, path = scope["method"], scope["path"]
    if method == "PUT" and UPLOAD_PATH.match(path):
        return True
    return (
        method == "POST"
        and DEPLOY_CREATE_PATH.fullmatch(path) is not None
        and content_type.startswith(_ZIP_TYPES)
    )


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"Payload Too Large: the request body exceeds {limit} bytes")


class BodyLimitMiddleware:
    """413 in Netlify's shape for bodies above `limits.max_body_bytes`, never holding more than the limit."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limits.max_body_bytes
        if scope["type"] != "http" or limit <= 0:
            await self.app(scope, receive, send)
            return
        declared, chunked, content_type = _body_headers(scope)
        if declared is not None and declared > limit and not _exempt(scope, content_type):
            # Answered without reading: the server discards the unread body and keeps the connection.
            error = _too_large(limit)
            await error_response(error.status, error.message)(scope, receive, send)
            return
        if declared is not None or not chunked or _exempt(scope, content_type):
            # A Content-Length body is held to its length by the server, and no header means no body.
            await self.app(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Raised inside the route's body read, so the ApiError handler answers the 413.
                    raise _too_large(limit)
            return message

        await self.app(scope, limited_receive, send)
