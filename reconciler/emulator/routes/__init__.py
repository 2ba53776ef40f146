"""HTTP routes, one module per API area, all relative to `/api/v1`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

Handler = Callable[[Request], Awaitable[Response]]


def route(path: str, **handlers: Handler) -> Route:
    """One route per path with a handler per method, so a 405 lists every allowed method in `Allow`."""
    table = {method.upper(): handler for method, handler in handlers.items()}
    if "GET" in table:
        table["HEAD"] = table["GET"]

    async def dispatch(request: Request) -> Response:
        return await table[request.method](request)

    dispatch.__name__ = "_".join(h.__name__ for h in handlers.values())
    return Route(path, dispatch, methods=list(table))


def all_routes() -> list[BaseRoute]:
    """Every emulated route, most specific first (`/{account_slug}/sites` is a catch-all, so it goes last)."""
    from reconciler.emulator.routes import (
        accounts,
        build_hooks,
        deploy_keys,
        dns,
        env,
        forms,
        hooks,
        members,
        metadata,
        sites,
        snippets,
        split_tests,
        ssl,
    )

    config_routes = [*snippets.ROUTES, *build_hooks.ROUTES, *ssl.ROUTES, *forms.ROUTES, *hooks.ROUTES]
    config_routes += split_tests.ROUTES
    from reconciler.emulator.routes import deploys, files, uploads

    deploy_routes = [*deploys.ROUTES, *files.ROUTES]
    return [
        *uploads.ROUTES,  # the hot path (thousands of requests per deploy) is matched first
        *accounts.ROUTES,
        *env.ROUTES,
        *metadata.ROUTES,
        *config_routes,
        *deploy_routes,
        *dns.ROUTES,
        *deploy_keys.ROUTES,
        *sites.ROUTES,
        *sites.ACCOUNT_ROUTES,
        *members.ROUTES,
    ]
