"""Client errors that name the call and Netlify's answer, never the credentials."""

from __future__ import annotations

from reconciler.model.errors import ReconcilerError


class ApiError(ReconcilerError):
    """Netlify answered with an error status."""

    def __init__(self, method: str, path: str, status: int, message: str) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.api_message = message
        hint = ""
        if status == 401:
            hint = " (check NETLIFY_AUTH_TOKEN: it is missing, expired or for another API)"
        elif status == 404:
            hint = " (not found, or not visible to this token)"
        super().__init__(f"{method} {path}: HTTP {status}: {message}{hint}")


class NetworkError(ReconcilerError):
    """No answer at all: connection refused, reset or timed out, after retries."""

    def __init__(self, method: str, path: str, reason: str) -> None:
        self.method = method
        self.path = path
        super().__init__(f"{method} {path}: no answer from the API: {reason}")


class OutcomeUnknown(ReconcilerError):
    """A request that may not be repeated blindly (a create) failed in a way that does not say whether
    Netlify carried it out: a server error, a timeout, a dropped connection. The caller reads back."""

    def __init__(self, cause: ApiError | NetworkError) -> None:
        self.cause = cause
        super().__init__(f"{cause} (it may or may not have been carried out)")


class ForeignOrigin(ReconcilerError):
    """A URL the API handed us (a next-page link, a redirect) points at another host: the token is not
    sent there."""
