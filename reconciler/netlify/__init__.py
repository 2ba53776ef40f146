"""HTTP access to the Netlify API (or the local emulator)."""

from reconciler.netlify.client import NetlifyClient
from reconciler.netlify.errors import ApiError, NetworkError
from reconciler.netlify.urls import resolve_api_url

__all__ = ["ApiError", "NetlifyClient", "NetworkError", "resolve_api_url"]
