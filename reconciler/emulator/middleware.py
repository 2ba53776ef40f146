"""The edge of the emulator: every HTTP request passes here before routing.

This is where cross-cutting behaviour plugs in: the request log, and `RequestPolicy` objects for rate
limiting (`ratelimit.py`) and fault injection (`faults.py`), so routes never need to know about them.
Written as plain ASGI (not BaseHTTPMiddleware) because it runs on every request and must stay cheap.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reconciler.emulator.requestlog import RequestLog


@dataclass
class Verdict:
    """A policy's decision for one request: headers to add, optionally a response replacing the app's.

    `response` is any ASGI app (a Starlette Response, or one that drops the connection); `wrap` instead lets
    the app run inside another (one that loses its answer); `fault` names what produced either
    ("rate_limited", "burst_429", "error_rate", "drop", "drop_after", "upload_concurrency") for the request
    log. A header set by a later policy replaces the same header from an earlier one. `on_finish` runs once
    the request is over, however it ended (a policy counting requests in flight releases its slot there).
    """

    headers: list[tuple[str, str]] = field(default_factory=list)
    response: Response | ASGIApp | None = None
    wrap: Callable[[ASGIApp], ASGIApp] | None = None  # runs the app, but changes what the client gets
    fault: str | None = None
    on_finish: Callable[[], None] | None = None


class RequestPolicy(Protocol):
    """Consulted in order before the app runs; the first verdict with a response short-circuits the rest."""

    async def __call__(self, scope: Scope) -> Verdict | None: ...


class EdgeMiddleware:
    def __init__(
        self, app: ASGIApp, request_log: RequestLog | None = None, policies: Sequence[RequestPolicy] = ()
    ) -> None:
        self.app = app
        self.request_log = request_log
        self.policies = tuple(policies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.request_log is None and not self.policies):
            await self.app(scope, receive, send)
            return
        started_wall = time.time()
        started = time.perf_counter()
        extra, target, fault, finishers = await self._consult(scope)
        counts = {"status": 500, "in": 0, "out": 0}
        logged = False

        def log() -> None:
            nonlocal logged
            if self.request_log is None or logged:
                return
            logged = True
            self.request_log.write(
                started_wall,
                scope["method"],
                scope["path"],
                scope.get("query_string", b"").decode("latin-1"),
                0 if fault in ("drop", "drop_after") else counts["status"],  # 0: no answer was sent
                (time.perf_counter() - started) * 1000,
                max(counts["in"], _content_length(scope)),
                counts["out"],
                fault=fault,
            )

        async def counting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                counts["in"] += len(message.get("body", b""))
            return message

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                counts["status"] = message["status"]
                if extra:
                    message = {**message, "headers": [*message.get("headers", []), *extra]}
            elif message["type"] == "http.response.body":
                counts["out"] += len(message.get("body", b""))
                if not message.get("more_body", False):
                    log()  # before the last byte leaves: a client holding its answer finds the line
            await send(message)

        try:
            await target(scope, counting_receive, counting_send)
        finally:
            for finish in finishers:
                finish()
            log()  # no complete answer was sent (a dropped connection, an error): logged at the end

    async def _consult(
        self, scope: Scope
    ) -> tuple[list[tuple[bytes, bytes]], ASGIApp, str | None, list[Callable[[], None]]]:
        """Ask the policies: extra headers, what answers, the fault that answered, and what to run at the
        end. If a policy fails (or the client goes away while one sleeps), the earlier ones' `on_finish`
        still run, so no slot counted in flight is leaked."""
        extra: list[tuple[bytes, bytes]] = []
        target: ASGIApp = self.app
        fault: str | None = None
        finishers: list[Callable[[], None]] = []
        try:
            for policy in self.policies:
                verdict = await policy(scope)
                if verdict is None:
                    continue
                if verdict.on_finish is not None:
                    finishers.append(verdict.on_finish)
                for key, value in verdict.headers:
                    name = key.lower().encode("latin-1")
                    extra = [pair for pair in extra if pair[0] != name]
                    extra.append((name, value.encode("latin-1")))
                if verdict.response is not None:
                    target = verdict.response
                elif verdict.wrap is not None:
                    target = verdict.wrap(target)
                else:
                    continue
                fault = verdict.fault
                break
        except BaseException:
            for finish in finishers:
                finish()
            raise
        return extra, target, fault, finishers


def _content_length(scope: Scope) -> int:
    """Declared body size, for requests answered before their body was read (e.g. a 401)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0
