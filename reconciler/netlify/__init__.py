"""HTTP access to the Netlify API (or the local emulator)."""

from reconciler.netlify.client import NetlifyClient, resolve_api_url
from reconciler.netlify.errors import ApiError, NetworkError

__all__ = ["ApiError", "NetlifyClient", "NetworkError", "resolve_api_url"]
