"""A requests session bound to one emulator and token, so tests write `api.get("/sites")`."""

from __future__ import annotations

from typing import Any

import requests

from tests.support.openapi import validate_response


class ApiSession(requests.Session):
    """Paths are relative to `<base>/api/v1`; every call has a timeout so a hung emulator fails fast."""

    def __init__(self, base_url: str, token: str | None) -> None:
        super().__init__()
        self.api_url = base_url.rstrip("/") + "/api/v1"
        if token is not None:
            self.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        target = url.decode() if isinstance(url, bytes) else url
        if target.startswith("/"):
            target = self.api_url + target
        kwargs.setdefault("timeout", 10)
        return super().request(method, target, *args, **kwargs)


def api_session(server: Any, token: str | None = "test-token") -> ApiSession:
    """A session for `server` (anything with a `url`) authenticated with `token` (None: anonymous)."""
    return ApiSession(server.url, token)


def checked(response: requests.Response, operation: str | tuple[str, str], status: int) -> Any:
    """Assert the status, validate the body against the spec, and return the decoded body."""
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"
    body = response.json() if response.content else None
    validate_response(operation, status, body)
    return body
