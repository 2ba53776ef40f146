"""The ASGI application: Netlify's API paths under `/api/v1`, backed by a Store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount

from reconciler.emulator.admin import admin_routes
from reconciler.emulator.auth import Authenticator
from reconciler.emulator.blobs import BlobStore
from reconciler.emulator.controls import Controls, EmulatorOptionError, check_options
from reconciler.emulator.deploy_options import check_deploy_options
from reconciler.emulator.errors import EXCEPTION_HANDLERS
from reconciler.emulator.faults import FaultConfig
from reconciler.emulator.limits import (
    ADMIN_PREFIX,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_UPLOAD_CONCURRENCY_LIMIT,
    BodyLimitMiddleware,
)
from reconciler.emulator.manifest_cache import ManifestCache
from reconciler.emulator.middleware import EdgeMiddleware, RequestPolicy
from reconciler.emulator.models.deploy import Timing
from reconciler.emulator.requestlog import RequestLog
from reconciler.emulator.routes import all_routes
from reconciler.emulator.routes.deploy_common import DEFAULT_MAX_UPLOAD_BYTES
from reconciler.emulator.routes.integrations import integration_routes, mount_path
from reconciler.emulator.store import Store

API_PREFIX = "/api/v1"
DEFAULT_INTEGRATION_PREFIX = "/integrations-api"


@dataclass(frozen=True)
class EmulatorOptions:
    """Behaviour switches; `policies` is the hook for rate limiting and fault injection."""

    request_log: Path | None = None
    policies: Sequence[RequestPolicy] = ()
    # Limits (0 disables; changeable at run time through /_emulator/limits): see ratelimit.py, limits.py.
    rate_limit_per_minute: int = 500
    deploy_rate_limit_per_minute: int = 3
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    # Uploads in flight per deploy (X-Concurrent-Limit; 429 past it): see upload_limit.py.
    upload_concurrency_limit: int = DEFAULT_UPLOAD_CONCURRENCY_LIMIT
    # Faults (all off by default; changeable through /_emulator/faults): see faults.py.
    faults: FaultConfig = field(default_factory=FaultConfig)
    # Path prefix of the Integration API (its own host on Netlify); see routes/integrations.py.
    integration_prefix: str = DEFAULT_INTEGRATION_PREFIX
    # Deploys (see routes/deploys.py): async diffing time, post-upload processing time, upload size cap.
    prepare_delay: float = 0.1
    processing_delay: float = 0.2
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES

    def __post_init__(self) -> None:
        check_options(self)  # fail when the options are made, not halfway through starting a server
        check_deploy_options(self)

    @classmethod
    def from_flags(cls, flags: Mapping[str, Any]) -> EmulatorOptions:
        """Options from the `emulator` command's flags, which name faults flat (`--error-rate`,
        `--fault-seed`): those make the `FaultConfig`. EmulatorOptionError names a bad value."""
        fault_fields = {item.name for item in fields(FaultConfig)}
        faults: dict[str, Any] = {}
        rest: dict[str, Any] = {}
        for name, value in flags.items():
            key = name.removeprefix("fault_")  # --fault-seed and --fault-paths are its `seed` and `paths`
            if key in fault_fields:
                faults[key] = value
            else:
                rest[name] = value
        try:
            config = FaultConfig(**faults)
        except ValueError as exc:  # "<field>: <problem>", named here as the flag was
            name, _, problem = str(exc).partition(":")
            flag = f"fault_{name}" if f"fault_{name}" in flags else name
            raise EmulatorOptionError(f"emulator option {flag}:{problem}") from None
        return cls(faults=config, **rest)


def build_app(store: Store, blobs: BlobStore, options: EmulatorOptions | None = None) -> Starlette:
    """An app serving `store` and `blobs` (their owner closes them). The request log (if any) is opened
    now and closed at lifespan shutdown."""
    options = options or EmulatorOptions()
    controls = Controls.from_options(options)
    request_log = RequestLog(options.request_log) if options.request_log else None

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if request_log is not None:
                request_log.close()

    app = Starlette(
        routes=[
            Mount(API_PREFIX, routes=all_routes()),
            Mount(ADMIN_PREFIX, routes=admin_routes()),
            Mount(mount_path(options.integration_prefix), routes=integration_routes()),
        ],
        middleware=[
            Middleware(
                EdgeMiddleware, request_log=request_log, policies=[*controls.policies, *options.policies]
            ),
            Middleware(BodyLimitMiddleware, limits=controls.limits),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.blobs = blobs
    app.state.auth = Authenticator(store)
    app.state.manifests = ManifestCache()
    app.state.request_log = request_log
    app.state.controls = controls
    app.state.options = options
    app.state.timing = Timing(round(options.prepare_delay * 1000), round(options.processing_delay * 1000))
    return app
