"""Where the APIs are: the base URLs a run talks to, checked before any request is made."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from reconciler.model.errors import ReconcilerError

DEFAULT_API_URL = "https://api.netlify.com/api/v1"
DEFAULT_INTEGRATION_API_URL = "https://api.netlifysdk.com"


def resolve_integration_api_url(url: str | None) -> str:
    """The Integration API base: used as given (no `/api/v1`), without a trailing slash."""
    if not url:
        return DEFAULT_INTEGRATION_API_URL
    return _checked_url(url).rstrip("/")


def _checked_url(url: str) -> str:
    """The URL without query or fragment; refused (never echoed when it carries a password) unless it is
    http(s) with a host and a valid port."""
    try:
        parts = urlsplit(url.strip())
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        port_ok = parts.port is None or parts.port > 0  # `.port` raises for text or out of range
    except ValueError:
        valid = port_ok = False
    if valid and "@" in parts.netloc:
        # Credentials belong in NETLIFY_AUTH_TOKEN; a URL is printed (`Target: ...`) and logged.
        raise ReconcilerError("an API URL must not carry a user name or password (the token is sent for you)")
    if not (valid and port_ok):
        raise ReconcilerError(f"API URL {url!r} is not an http(s) URL like http://127.0.0.1:8989")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def resolve_api_url(url: str | None) -> str:
    """Give `http://host:port` the `/api/v1` prefix, as netlify-cli's NETLIFY_API_URL does.

    Unlike netlify-cli, a trailing slash does not drop the prefix (a known pitfall there);
    a URL that already has a path (a proxy, say) is used as given.
    """
    if not url:
        return DEFAULT_API_URL
    parts = urlsplit(_checked_url(url))
    path = parts.path.rstrip("/")
    if not path:
        path = "/api/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
