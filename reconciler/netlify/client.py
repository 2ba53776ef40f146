"""One pooled session to the Netlify API with pacing, safe retries and Link pagination."""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from reconciler import __version__
from reconciler.model.errors import ReconcilerError
from reconciler.model.request import Api
from reconciler.model.sensitive import masked_path
from reconciler.netlify.errors import ApiError, ForeignOrigin, NetworkError, OutcomeUnknown
from reconciler.netlify.pacing import RateLimitBudget, is_concurrency_refusal
from reconciler.netlify.transport import DirectTransport, ca_bundle, direct, proxy_for
from reconciler.netlify.urls import resolve_api_url, resolve_integration_api_url

log = logging.getLogger(__name__)

# PATCH too: every PATCH this tool sends sets fields to given values, so sending it twice changes nothing.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({500, 502, 503, 504})
CONCURRENCY_PAUSE_CAP = 1.0  # the longest pause after a 429 for too many uploads in flight
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class NetlifyClient:
    """Thread-safe for a pool of workers: each thread sends on its own keep-alive connection
    (`transport.DirectTransport`), or through the shared requests.Session when a proxy is configured."""

    def __init__(
        self,
        api_url: str | None,
        token: str,
        *,
        timeout: tuple[float, float] = (10.0, 60.0),
        max_attempts: int = 8,
        max_throttled: int = 30,
        backoff_cap: float = 10.0,
        budget: RateLimitBudget | None = None,
        sleep: Callable[[float], None] = time.sleep,
        pool_size: int = 16,
        integration_api_url: str | None = None,
        auth_header: str = "Authorization",
    ) -> None:
        self.base_url = resolve_api_url(api_url) if auth_header == "Authorization" else api_url or ""
        self._token = token
        self._integration_api_url = integration_api_url
        self._integrations: NetlifyClient | None = None
        self._integrations_lock = threading.Lock()
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._max_throttled = max_throttled
        self._backoff_cap = backoff_cap
        self._sleep = sleep
        self.budget = budget or RateLimitBudget(sleep=sleep)
        # The environment is read once, here: requests would read it (proxies, netrc, CA bundle) on every
        # call, and a netrc entry for the API host would even replace the token. See `transport`.
        self.session = requests.Session()
        self.session.trust_env = False
        proxy = proxy_for(self.base_url) if self.base_url else None
        self.session.proxies = {urlsplit(self.base_url).scheme: proxy} if proxy else {}
        self.session.verify = ca_bundle() or True
        self.pool_size = pool_size
        adapter = requests.adapters.HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        credential = f"Bearer {token}" if auth_header == "Authorization" else token
        self.session.headers.update(
            {
                auth_header: credential,
                "User-Agent": f"netlify-reconciler/{__version__}",
                "Accept": "application/json",
            }
        )
        reached_directly = bool(self.base_url) and direct(self.base_url)
        self._direct = DirectTransport(self.session.headers) if reached_directly else None

    def __enter__(self) -> NetlifyClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ensure_pool(self, size: int) -> None:
        """Keep at least `size` connections per host, for callers that run that many requests at once
        (parallel uploads): beyond the pool, urllib3 opens and discards a connection per request."""
        if size <= self.pool_size:
            return
        self.pool_size = size
        adapter = requests.adapters.HTTPAdapter(pool_connections=size, pool_maxsize=size)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def release_thread(self) -> None:
        """Close the connections of the calling thread (a worker thread about to end)."""
        if self._direct is not None:
            self._direct.release_thread()

    def close(self) -> None:
        self.session.close()
        if self._direct is not None:
            self._direct.close()
        if self._integrations is not None:
            self._integrations.close()

    def integrations(self) -> NetlifyClient:
        """The Integration API client (its own host, `netlify-token` header, same token)."""
        with self._integrations_lock:
            if self._integrations is None:
                if self._integration_api_url is None:
                    raise ReconcilerError(
                        "the manifests use integration context, but no Integration API URL is known for this "
                        "API: pass --integration-api-url (or set NETLIFY_INTEGRATION_API_URL)"
                    )
                self._integrations = NetlifyClient(
                    resolve_integration_api_url(self._integration_api_url),
                    self._token,
                    timeout=self._timeout,
                    max_attempts=self._max_attempts,
                    max_throttled=self._max_throttled,
                    backoff_cap=self._backoff_cap,
                    sleep=self._sleep,
                    auth_header="netlify-token",
                )
            return self._integrations

    def prefixes(self) -> dict[Api, str]:
        """The path prefix of each API (`/api/v1`, the Integration API's), for showing calls in full."""
        integration = self._integration_api_url
        integration = resolve_integration_api_url(integration) if integration else ""
        return {"netlify": urlsplit(self.base_url).path, "integrations": urlsplit(integration).path}

    # -- verbs -----------------------------------------------------------------------------
    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return _json(self.request("GET", path, params=params))

    def get_all(self, path: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        """Every item of a paginated list, following `Link: <...>; rel="next"`."""
        items: list[Any] = []
        for page in self._pages(path, params):
            body = _json(page)
            if not isinstance(body, list):
                raise ApiError("GET", path, page.status_code, "expected a JSON array")
            items.extend(body)
        return items

    def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        idempotent: bool | None = None,
        accept: Collection[int] = (),
    ) -> Any:
        response = self.request(method, path, params=params, json=body, idempotent=idempotent, accept=accept)
        return None if response.status_code in accept else _json(response)

    def post(self, path: str, body: Any = None, params: Mapping[str, Any] | None = None) -> Any:
        return _json(self.request("POST", path, json=body, params=params))

    def put(self, path: str, body: Any = None, params: Mapping[str, Any] | None = None) -> Any:
        return _json(self.request("PUT", path, json=body, params=params))

    def patch(
        self,
        path: str,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        return _json(self.request("PATCH", path, json=body, params=params, idempotent=idempotent))

    def delete(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return _json(self.request("DELETE", path, params=params))

    # -- core ------------------------------------------------------------------------------
    def _pages(self, path: str, params: Mapping[str, Any] | None) -> Iterator[requests.Response]:
        response = self.request("GET", path, params=params)
        yield response
        seen: set[str] = set()
        while (next_url := _next_link(response.headers.get("Link", ""))) and next_url not in seen:
            seen.add(next_url)
            response = self.request("GET", next_url)
            yield response

    def url_for(self, path: str) -> str:
        """A path below the API, or an absolute URL the API gave us (a next-page link) on the same origin:
        the token goes nowhere else."""
        if not path.startswith(("http://", "https://")):
            return self.base_url + "/" + path.lstrip("/")
        if _origin(path) != _origin(self.base_url):
            raise ForeignOrigin(
                f"the API at {_origin(self.base_url)} pointed to {_origin(path)} ({_display_path(path)}); "
                "not following it: your token is only sent to the API you configured"
            )
        return path

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        accept: Collection[int] = (),
        data_factory: Callable[[], Any] | None = None,
        on_response: Callable[[int, Mapping[str, str]], None] | None = None,
    ) -> requests.Response:
        """Send one call: 429s are waited out (the server did nothing) within their own budget; server
        errors and lost connections are retried within another when the call is safe to repeat, and
        raise OutcomeUnknown when it is not (the caller reads back). A retried DELETE answered 404 is done.

        `accept` lists statuses that mean the wanted state already holds (409 on enabling what is enabled):
        they are returned, not raised. A streamed body (a file, a generator) is used up by the first
        attempt, so `data_factory` builds a fresh body for every attempt instead of `data` (closed after each
        attempt when it has `close`). `on_response(status, headers)` sees every attempt's answer (status 0
        and no headers when none came), so a caller can adapt its concurrency to 429s.
        """
        method = method.upper()
        safe = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        url = self.url_for(path)
        shown = _Shown(url)
        failures = throttled = 0
        while True:
            self._pace(method, shown)
            body = data_factory() if data_factory is not None else data
            try:
                response = self._send(
                    method, url, params=params, json=json, data=body, headers=headers, timeout=self._timeout
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if on_response is not None:
                    on_response(0, {})
                failures += 1
                refused = _tls_refusal(exc)
                if refused is not None:  # no request was sent, and another try would end the same way
                    raise NetworkError(method, str(shown), refused) from None
                lost = NetworkError(method, str(shown), _reason(exc))
                if safe and failures < self._max_attempts:
                    self._backoff(failures, f"{method} {shown}: {type(exc).__name__}")
                    continue
                raise lost if safe else OutcomeUnknown(lost) from None
            finally:
                if data_factory is not None and hasattr(body, "close"):
                    body.close()
            self.budget.observe(response.headers)
            if on_response is not None:
                on_response(response.status_code, response.headers)
            status = response.status_code
            log.debug("%s %s -> %s", method, shown, status)
            if status == 429 and throttled < self._max_throttled:
                throttled += 1
                self._sleep(self._throttle_wait(response.headers, throttled, f"{method} {shown}"))
                continue
            if status in RETRY_STATUSES:
                failures += 1
                if safe and failures < self._max_attempts:
                    self._backoff(failures, f"{method} {shown}: HTTP {status}")
                    continue
                if not safe:
                    raise OutcomeUnknown(ApiError(method, str(shown), status, _error_message(response)))
            if status in accept or (method == "DELETE" and status == 404 and failures):
                return response  # already so (a retried DELETE whose first attempt went through)
            if 300 <= status < 400:
                where = response.headers.get("Location", "?")
                refusal = f"redirected to {where}; redirects are not followed"
                raise ApiError(method, str(shown), status, refusal)
            if status >= 400:
                raise ApiError(method, str(shown), status, _error_message(response))
            return response

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One attempt: the direct transport when there is no proxy, else requests through the proxy.
        Neither follows redirects (a redirect could carry the token away)."""
        if self._direct is not None:
            return self._direct(method, url, **kwargs)
        return self.session.request(method, url, allow_redirects=False, **kwargs)

    def _pace(self, method: str, shown: _Shown) -> None:
        waited = self.budget.wait_turn()
        if waited > 1:
            log.info("rate limit: waited %.0f s until the window reset before %s %s", waited, method, shown)

    def _throttle_wait(self, headers: Mapping[str, str], attempt: int, what: str) -> float:
        """How long a 429 asks us to wait. Too many uploads in flight is not a spent budget: a slot frees
        up within one upload's time, so the pause is short (a second at most) whatever reset time the
        answer names, which may be the rate-limit window's, up to a minute away."""
        if is_concurrency_refusal(headers):
            wait = min(CONCURRENCY_PAUSE_CAP, self._delay(attempt))
            log.debug("too many uploads in flight: waiting %.2f s (%s)", wait, what)
            return wait
        wait = self.budget.seconds_until_reset(headers, default=self._delay(attempt))
        say = log.info if wait > 1 else log.debug
        say("rate limit: waiting %.0f s until the window resets (%s)", wait, what)
        return wait

    def _delay(self, attempt: int) -> float:
        return min(self._backoff_cap, 0.25 * 2.0 ** (attempt - 1)) * (0.5 + random.random() / 2)

    def _backoff(self, attempt: int, what: str) -> None:
        delay = self._delay(attempt)
        log.info("retrying %s in %.2fs (attempt %d of %d)", what, delay, attempt + 1, self._max_attempts)
        self._sleep(delay)


def _json(response: requests.Response) -> Any:
    """The answer's JSON; None when there is none, or when an error status was accepted ("already so")."""
    if response.status_code == 204 or response.status_code >= 400 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _next_link(header: str) -> str | None:
    match = _LINK_NEXT.search(header)
    return match.group(1) if match else None


class _Shown:
    """A call's path for messages (`_display_path`), worked out when a message first needs it: most calls
    never do, and it costs a URL parse and a masking pass, on every upload of a deploy."""

    __slots__ = ("_text", "_url")

    def __init__(self, url: str) -> None:
        self._url = url
        self._text: str | None = None

    def __str__(self) -> str:
        if self._text is None:
            self._text = _display_path(self._url)
        return self._text


def _display_path(url: str) -> str:
    """The path and query of a call, for messages: no host noise, and never a credential."""
    parts = urlsplit(url)
    query = "&".join(p for p in parts.query.split("&") if p and not p.startswith("access_token="))
    return masked_path(parts.path) + (f"?{query}" if query else "")


def _error_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("message", "error", "errors"):
            if body.get(key):
                return str(body[key])[:500]
    text = response.text.strip()
    return text[:200] if text else (response.reason or "error")


def _reason(exc: Exception) -> str:
    """A short cause without the URL (requests puts the whole URL and pool details in its text)."""
    if isinstance(exc, requests.Timeout):
        return "timed out"
    text = str(exc)
    markers = ("Connection refused", "Connection reset", "Name or service not known", "Remote end closed")
    for marker in markers:
        if marker in text:
            return marker.lower()
    return type(exc).__name__


def _tls_refusal(exc: Exception) -> str | None:
    """Why the TLS handshake failed, when it is a verdict: the server speaks no TLS, or its certificate
    is not trusted."""
    text = str(exc)
    return next((reason for marker, reason in _TLS_REFUSALS.items() if marker in text), None)


_TLS_REFUSALS = {
    "WRONG_VERSION_NUMBER": "TLS handshake failed: the server does not speak HTTPS there (an http:// URL?)",
    "CERTIFICATE_VERIFY_FAILED": (
        "TLS certificate not trusted (REQUESTS_CA_BUNDLE can name a CA bundle that holds its issuer)"
    ),
}
