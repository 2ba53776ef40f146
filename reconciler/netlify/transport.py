"""A lean HTTP transport: one keep-alive `http.client` connection per thread and origin, for every call.

Why not requests for the sending: measured against the emulator on loopback, requests spends most of a
millisecond of client CPU per call (environment, netrc and CA-bundle look-ups on every call, cookie jars,
hooks, adapters) against about a fifth of that for `http.client`. A 5,000-file deploy on two cores is
CPU-bound, and so is reading a fleet of 1000 sites (6,000 calls), so that difference decides how long
both take. Only the sending is replaced: `NetlifyClient.request` still paces every attempt with the shared
`RateLimitBudget`, retries 429 until the reset and 5xx/connection errors with capped backoff, and builds
the same errors. Each attempt hands back a real `requests.Response`, and raises requests' `ConnectionError`/
`Timeout` when no answer came, so the client cannot tell the difference.

The environment is read once, when the client is made (`proxy_for`, `ca_bundle`), not on every call.
Used only when the API is reached directly: with a proxy from the environment (HTTPS_PROXY, ALL_PROXY, not
excluded by NO_PROXY) the client sends through requests and that proxy instead. Certificates are checked
against `REQUESTS_CA_BUNDLE`/`CURL_CA_BUNDLE` when set, else certifi's bundle, as requests does.
"""

from __future__ import annotations

import http.client
import json as jsonlib
import os
import select
import socket
import ssl
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from requests.structures import CaseInsensitiveDict
from requests.utils import DEFAULT_CA_BUNDLE_PATH

SEND_CHUNK = 256 * 1024
_METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
_Connection = http.client.HTTPConnection


def proxy_for(url: str) -> str | None:
    """The proxy the environment names for `url` (HTTPS_PROXY, ALL_PROXY, ... unless NO_PROXY excludes
    its host), as requests would pick it."""
    proxies = requests.utils.get_environ_proxies(url)
    return requests.utils.select_proxy(url, proxies) if proxies else None


def ca_bundle() -> str | None:
    """The CA bundle the environment names, as requests reads it."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None


def direct(url: str) -> bool:
    """Whether `url` is reached without a proxy, so this transport may send to it."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and proxy_for(url) is None


def _dropped(connection: _Connection) -> bool:
    """Whether an idle keep-alive connection was closed by the server (it is readable: EOF or junk).
    Checked before reuse, because a request sent on it would fail after its body was streamed, and a
    streamed body cannot simply be sent again here."""
    sock = connection.sock
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class DirectTransport:
    """Callable like `requests.Session.request` for the calls the client makes; safe across threads."""

    def __init__(self, headers: Mapping[str, str | bytes]) -> None:
        self._headers = {str(k): str(v) for k, v in headers.items() if k.lower() != "accept-encoding"}
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: set[_Connection] = set()
        self._tls: ssl.SSLContext | None = None

    # -- connections ----------------------------------------------------------------------------
    def _context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context(cafile=ca_bundle() or DEFAULT_CA_BUNDLE_PATH)
        return self._tls

    def _connection(self, scheme: str, netloc: str, timeout: tuple[float, float]) -> _Connection:
        key = (scheme, netloc)
        connections: dict[tuple[str, str], _Connection] = getattr(self._local, "connections", None) or {}
        self._local.connections = connections
        connection = connections.get(key)
        if connection is not None and _dropped(connection):
            self._drop(scheme, netloc)
            connection = None
        if connection is None:
            if scheme == "https":
                connection = http.client.HTTPSConnection(netloc, timeout=timeout[0], context=self._context())
            else:
                connection = http.client.HTTPConnection(netloc, timeout=timeout[0])
            connection.connect()
            connection.sock.settimeout(timeout[1])
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connections[key] = connection
            with self._lock:
                self._open.add(connection)
        return connection

    def _drop(self, scheme: str, netloc: str) -> None:
        connections: dict[tuple[str, str], _Connection] = getattr(self._local, "connections", None) or {}
        connection = connections.pop((scheme, netloc), None)
        if connection is not None:
            connection.close()
            with self._lock:
                self._open.discard(connection)

    def release_thread(self) -> None:
        """Close this thread's connections: for a worker thread about to end (an upload worker), whose
        connections no other thread can use."""
        connections: dict[tuple[str, str], _Connection] = getattr(self._local, "connections", None) or {}
        for scheme, netloc in list(connections):
            self._drop(scheme, netloc)

    def close(self) -> None:
        """Close every connection (of any thread)."""
        with self._lock:
            for connection in self._open:
                connection.close()
            self._open.clear()

    # -- one attempt ----------------------------------------------------------------------------
    def __call__(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | tuple[float, float] = (10.0, 60.0),
    ) -> requests.Response:
        parts = urlsplit(url)
        target = parts.path or "/"
        given = {k: v for k, v in (params or {}).items() if v is not None}  # requests drops None too
        query = "&".join(q for q in (parts.query, urlencode(given, doseq=True)) if q)
        if query:
            target += "?" + query
        all_headers = {**self._headers, **(headers or {})}
        if json is not None:
            data = jsonlib.dumps(json, allow_nan=False).encode("utf-8")
            all_headers.setdefault("Content-Type", "application/json")
        if data is None:
            data = b""
        if len(data) or method in _METHODS_WITH_BODY:  # not on a bodiless GET or DELETE (RFC 9110)
            all_headers["Content-Length"] = str(len(data))
        timeouts = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        try:
            connection = self._connection(parts.scheme, parts.netloc, timeouts)
            connection.putrequest(method, target, skip_host=False, skip_accept_encoding=True)
            for name, value in all_headers.items():
                connection.putheader(name, value)
            connection.endheaders()
            self._send_body(connection, data)
            answer = connection.getresponse()
            content = answer.read()
        except TimeoutError as exc:
            self._drop(parts.scheme, parts.netloc)
            raise requests.Timeout(str(exc)) from None
        except (OSError, http.client.HTTPException) as exc:
            self._drop(parts.scheme, parts.netloc)
            raise requests.ConnectionError(f"{type(exc).__name__}: {exc}") from None
        except BaseException:
            self._drop(parts.scheme, parts.netloc)  # mid-request (a changed file): the connection is unusable
            raise
        if answer.will_close:
            self._drop(parts.scheme, parts.netloc)
        response = requests.Response()
        response.status_code = answer.status
        response.reason = answer.reason
        response.headers = CaseInsensitiveDict(answer.getheaders())
        response._content = content
        response.url = url
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        return response

    @staticmethod
    def _send_body(connection: _Connection, data: Any) -> None:
        if isinstance(data, bytes | bytearray | memoryview):
            if data:
                connection.send(data)
            return
        while chunk := data.read(SEND_CHUNK):
            connection.send(chunk)
