"""The ASGI application: Netlify's API paths under `/api/v1`, backed by a Store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount

from reconciler.emulator.auth import Authenticator
from reconciler.emulator.errors import EXCEPTION_HANDLERS
from reconciler.emulator.middleware import EdgeMiddleware, RequestPolicy
from reconciler.emulator.requestlog import RequestLog
from reconciler.emulator.routes import all_routes
from reconciler.emulator.store import Store

API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class EmulatorOptions:
    """Behaviour switches; `policies` is the hook for rate limiting and fault injection."""

    request_log: Path | None = None
    policies: Sequence[RequestPolicy] = ()


def build_app(store: Store, options: EmulatorOptions | None = None) -> Starlette:
    """An app serving `store`. The request log (if any) is opened now and closed at lifespan shutdown."""
    options = options or EmulatorOptions()
    request_log = RequestLog(options.request_log) if options.request_log else None

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if request_log is not None:
                request_log.close()

    app = Starlette(
        routes=[Mount(API_PREFIX, routes=all_routes())],
        middleware=[Middleware(EdgeMiddleware, request_log=request_log, policies=options.policies)],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.auth = Authenticator(store)
    app.state.request_log = request_log
    return app
