"""Bearer-token authentication: token → user and the accounts it may see.

Lookups are cached in memory because every request authenticates; the cache is dropped whenever the store
reports a change to tokens or memberships (`Store.auth_generation`).
"""

from __future__ import annotations

from starlette.requests import Request

from reconciler.emulator.data.accounts import Principal, principal_for_token
from reconciler.emulator.errors import ApiError
from reconciler.emulator.store import Store

_CACHE_LIMIT = 10_000


class Authenticator:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: dict[str, Principal | None] = {}
        self._generation = store.auth_generation

    def principal(self, token: str) -> Principal | None:
        if self._generation != self.store.auth_generation:
            self._cache.clear()
            self._generation = self.store.auth_generation
        try:
            return self._cache[token]
        except KeyError:
            pass
        with self.store.tx() as db:
            found = principal_for_token(db, token)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[token] = found
        return found


def request_token(request: Request) -> str | None:
    """`Authorization: Bearer <token>`, else the `access_token` query parameter (both accepted by Netlify)."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        return None
    return request.query_params.get("access_token") or None


def authenticate(request: Request) -> Principal:
    """The caller's principal, or a 401 in Netlify's shape."""
    token = request_token(request)
    auth: Authenticator = request.app.state.auth
    principal = auth.principal(token) if token else None
    if principal is None:
        raise ApiError(401)
    return principal


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store
