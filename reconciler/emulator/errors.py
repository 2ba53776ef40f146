"""Netlify's error shape `{"code": int, "message": str}` for every failure.

Clients (ours, netlify-cli, the Go client) parse that shape on any 4xx/5xx, so even routing errors (404, 405)
and crashes use it. Request bodies are read by `json_body.read_json`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger(__name__)

_REASONS = {
    400: "Bad Request",
    401: "Access Denied: Invalid token",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


class ApiError(Exception):
    """An expected failure that becomes an error response; raising it inside a transaction rolls it back."""

    def __init__(self, status: int, message: str | None = None) -> None:
        self.status = status
        self.message = message or _REASONS.get(status, "Error")
        super().__init__(f"{status}: {self.message}")


def not_found() -> ApiError:
    """The one answer for missing objects and other teams' objects alike, so existence never leaks."""
    return ApiError(404)


def unprocessable(message: str) -> ApiError:
    return ApiError(422, message)


def error_response(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return JSONResponse({"code": status, "message": message}, status_code=status, headers=headers)


async def _api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message)


async def _http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = _REASONS.get(exc.status_code) or exc.detail
    return error_response(exc.status_code, message, headers=exc.headers)


async def _crash_handler(request: Request, exc: Exception) -> Response:
    log.error("emulator: unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, _REASONS[500])


EXCEPTION_HANDLERS: dict[Any, Any] = {
    ApiError: _api_error_handler,
    HTTPException: _http_error_handler,
    Exception: _crash_handler,
}


def json_type(value: object) -> str:
    """JSON type name of a decoded value, for validation messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"
