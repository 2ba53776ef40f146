"""The admin endpoint `/_emulator/...`: tests change faults and limits while the emulator runs.

Outside `/api/v1` so it can never be mistaken for (or collide with) a Netlify path, never rate limited or
faulted, and needing no token. Instead it answers loopback clients only: the emulator may be bound to a
network interface on purpose, and nobody on the network should be able to switch its faults or limits.
Handlers are `async` so they run on the event loop thread, like the policies whose state they change.
"""

from __future__ import annotations

import ipaddress

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute
from starlette.types import Scope

from reconciler.emulator.controls import Controls
from reconciler.emulator.errors import ApiError
from reconciler.emulator.faults import FaultConfig
from reconciler.emulator.json_body import read_json
from reconciler.emulator.routes import route


def is_loopback_client(scope: Scope) -> bool:
    """Whether the request comes from this machine (127.0.0.0/8, ::1, or IPv4-mapped loopback)."""
    client = scope.get("client")
    if not client:
        return False
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _controls(request: Request) -> Controls:
    if not is_loopback_client(request.scope):
        raise ApiError(403, "The emulator admin endpoint answers loopback clients only")
    controls: Controls = request.app.state.controls
    return controls


async def health(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def get_faults(request: Request) -> Response:
    return JSONResponse(_controls(request).faults.state())


async def put_faults(request: Request) -> Response:
    """Replace the whole fault configuration (absent keys: off); reseeds and restarts counting."""
    controls = _controls(request)
    body = await read_json(request, dict)
    controls.faults.configure(FaultConfig().with_json(body))
    return JSONResponse(controls.faults.state())


async def patch_faults(request: Request) -> Response:
    """Change only the given keys; like PUT, it reseeds and restarts counting."""
    controls = _controls(request)
    body = await read_json(request, dict)
    controls.faults.configure(controls.faults.config.with_json(body))
    return JSONResponse(controls.faults.state())


async def get_limits(request: Request) -> Response:
    return JSONResponse(_controls(request).limits.to_json())


async def put_limits(request: Request) -> Response:
    """Change the given limits (absent ones are kept: limits have no "off" default to fall back to)."""
    controls = _controls(request)
    body = await read_json(request, dict)
    controls.limits.update(body)
    return JSONResponse(controls.limits.to_json())


async def get_uploads(request: Request) -> Response:
    """Uploads in flight per deploy now, and the most one deploy ever had at once."""
    uploads = _controls(request).uploads
    return JSONResponse({"in_flight": dict(uploads.in_flight), "peak": uploads.peak})


async def reset_limits(request: Request) -> Response:
    """Empty every rate-limit counter, so a test starts with full buckets."""
    _controls(request).rate_limiter.reset()
    return Response(status_code=204)


def admin_routes() -> list[BaseRoute]:
    """Routes relative to `ADMIN_PREFIX`."""
    return [
        route("/health", get=health),
        route("/faults", get=get_faults, put=put_faults, patch=patch_faults),
        route("/limits", get=get_limits, put=put_limits, patch=put_limits),
        route("/reset-limits", post=reset_limits),
        route("/uploads", get=get_uploads),
    ]
