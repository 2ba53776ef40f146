"""Who may see what: a caller's Netlify token, checked against the Netlify API itself.

The service reads live state with its own token; a caller gets a team's or site's status or plan only
when the caller's token can see that team or site on Netlify (a missing or refused token is 401, a site
the token cannot see 404, whoever declared it). An answer is remembered for `ttl` seconds under a digest
of the token (never the token), so a page refreshing every few seconds does not ask Netlify each time.
Each caller's token paces itself by its own rate-limit budget: Netlify counts requests per token.
"""

from __future__ import annotations

import enum
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from reconciler.netlify.client import NetlifyClient
from reconciler.netlify.errors import ApiError
from reconciler.netlify.pacing import RateLimitBudget

Scope = Literal["site", "team"]
MAX_TOKENS = 256  # remembered callers; the least recently seen is forgotten first


class Access(enum.Enum):
    ALLOWED = "allowed"
    UNAUTHORIZED = "unauthorized"  # Netlify refused the token
    HIDDEN = "hidden"  # a valid token that cannot see this site or team (or it does not exist)


@dataclass(frozen=True)
class Visible:
    """What one token can see: site ids, and account ids and slugs."""

    sites: frozenset[str]
    teams: frozenset[str]


@dataclass
class _Caller:
    budget: RateLimitBudget
    seen: dict[tuple[Scope, str], float] = field(default_factory=dict)  # allowed until (clock)
    visible: tuple[float, Visible] | None = None


class Verifier:
    def __init__(self, api_url: str, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._api_url = api_url
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._callers: OrderedDict[str, _Caller] = OrderedDict()

    def check(self, token: str, scope: Scope, ident: str) -> Access:
        """Can this token see that site (by id) or team (by id or slug)? Netlify's errors other than
        401/403/404 are raised (ApiError): the caller answers that Netlify could not be asked."""
        caller = self._caller(token)
        with self._lock:
            until = caller.seen.get((scope, ident))
            visible = caller.visible
        if until is not None and until > self._clock():
            return Access.ALLOWED
        listed = visible is not None and visible[0] > self._clock()
        if listed and visible and ident in (visible[1].sites if scope == "site" else visible[1].teams):
            return Access.ALLOWED
        path = f"/sites/{ident}" if scope == "site" else f"/accounts/{ident}"
        try:
            with self._client(token, caller) as client:
                client.get(path)
        except ApiError as exc:
            if exc.status == 401:
                return Access.UNAUTHORIZED
            if exc.status in (403, 404):
                return Access.HIDDEN
            raise
        with self._lock:
            caller.seen[(scope, ident)] = self._clock() + self._ttl
        return Access.ALLOWED

    def visible(self, token: str) -> Visible | None:
        """Every site and team the token can see (one listing of each); None when Netlify refuses it."""
        caller = self._caller(token)
        with self._lock:
            known = caller.visible
        if known is not None and known[0] > self._clock():
            return known[1]
        try:
            with self._client(token, caller) as client:
                sites = client.get_all("/sites", {"filter": "all", "per_page": "100"})
                accounts = client.get_all("/accounts")
        except ApiError as exc:
            if exc.status == 401:
                return None
            raise
        keys = [a.get(key) for a in accounts if isinstance(a, dict) for key in ("id", "slug")]
        seen = Visible(
            frozenset(str(s["id"]) for s in sites if isinstance(s, dict) and "id" in s),
            frozenset(str(key) for key in keys if key),
        )
        with self._lock:
            caller.visible = (self._clock() + self._ttl, seen)
        return seen

    def _caller(self, token: str) -> _Caller:
        key = hashlib.sha256(b"netlify-reconciler/serve\0" + token.encode()).hexdigest()
        with self._lock:
            caller = self._callers.pop(key, None) or _Caller(RateLimitBudget())
            self._callers[key] = caller  # most recently seen last
            while len(self._callers) > MAX_TOKENS:
                self._callers.popitem(last=False)
            return caller

    def _client(self, token: str, caller: _Caller) -> NetlifyClient:
        """A short-lived client for the caller's token: few retries, short timeouts (someone is waiting)."""
        return NetlifyClient(
            self._api_url, token, timeout=(5.0, 20.0), max_attempts=3, max_throttled=3, budget=caller.budget
        )
