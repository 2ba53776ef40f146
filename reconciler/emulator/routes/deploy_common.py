"""Helpers shared by the deploy, upload and published-file routes (and the site routes, for
`published_deploy`): options, the blob store, visibility checks and rendering after settling.

Kept free of imports from `routes.sites` so that module can import `published_deploy` from here.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from reconciler.emulator.blobs import BlobStore
from reconciler.emulator.data import deploy_files, deploys
from reconciler.emulator.data.accounts import Principal
from reconciler.emulator.errors import ApiError, not_found
from reconciler.emulator.manifest_cache import ManifestCache
from reconciler.emulator.models.deploy import DeploySpec, Timing, render_deploy

if TYPE_CHECKING:
    from reconciler.emulator.app import EmulatorOptions

BLOB_DIRNAME = "blobs"
DEFAULT_MAX_UPLOAD_BYTES = 2 << 30


def now_ms() -> int:
    """Wall-clock milliseconds; state derivation compares stored moments with this, so it must survive
    restarts (hence not a monotonic clock)."""
    return time.time_ns() // 1_000_000


def options_of(request: Request) -> EmulatorOptions | None:
    return getattr(request.app.state, "options", None)


def timing_of(request: Request) -> Timing:
    """The deploy timeline's delays, made once from the options by `build_app` (every upload needs them)."""
    timing: Timing = getattr(request.app.state, "timing", None) or Timing()
    return timing


def max_upload_bytes(request: Request) -> int:
    return int(getattr(options_of(request), "max_upload_bytes", DEFAULT_MAX_UPLOAD_BYTES))


def blobs_of(request: Request) -> BlobStore:
    """The app's blob store (beside the database; see `build_app`)."""
    blobs: BlobStore = request.app.state.blobs
    return blobs


def visible_deploy(db: sqlite3.Connection, principal: Principal, deploy_id: str) -> sqlite3.Row:
    """A deploy of a site the caller may see, settled to the present; 404 for others' and missing ones."""
    row = deploys.get(db, deploy_id)
    if row is None or row["account_id"] not in principal.account_ids:
        raise not_found()
    deploys.settle(db, row["site_id"], now_ms())
    fresh = deploys.get(db, deploy_id)
    assert fresh is not None
    return fresh


def render(db: sqlite3.Connection, row: sqlite3.Row, at_ms: int | None = None) -> dict[str, Any]:
    files, functions = deploys.required_of(db, row["seq"])
    return render_deploy(row, files, functions, now_ms() if at_ms is None else at_ms)


def published_deploy(db: sqlite3.Connection, site_id: str) -> dict[str, Any] | None:
    """The site's published deploy as swagger's `site.published_deploy`, after settling its deploys.

    Its `required` lists are rendered empty: they are upload history by now, and a 25,000-file deploy
    would otherwise add a megabyte to every site object in every site listing.
    """
    at = now_ms()
    deploys.settle(db, site_id, at)
    deploy_id = deploys.published_id(db, site_id)
    if deploy_id is None:
        return None
    row = deploys.get(db, deploy_id)
    return None if row is None else render_deploy(row, [], [], at)


def manifests_of(request: Request) -> ManifestCache:
    """The manifests of deploys awaiting uploads, kept for the upload route (see `manifest_cache`)."""
    manifests: ManifestCache = request.app.state.manifests
    return manifests


def apply_manifest(request: Request, db: sqlite3.Connection, row: sqlite3.Row, spec: DeploySpec) -> None:
    """Store the manifest of a `new` deploy, compute what the team must upload and start its timeline."""
    blobs = blobs_of(request)
    files = spec.files or {}
    pending = deploy_files.store_manifest(db, row["seq"], row["account_id"], files, spec.functions, blobs.has)
    if pending and files:
        # Before the commit: should the transaction fail after all, a cached manifest of a deploy that is
        # not `active` is harmless, as every upload's own write checks the deploy's phase.
        manifests_of(request).remember(row["id"], row["seq"], row["account_id"], files)
    db.execute(
        "UPDATE deploys SET function_schedules = ?, functions_config = ? WHERE seq = ?",
        (json.dumps(spec.function_schedules), json.dumps(spec.functions_config), row["seq"]),
    )
    deploys.start_timeline(
        db, row["seq"], is_async=spec.is_async, pending=pending, now_ms=now_ms(), timing=timing_of(request)
    )


def too_large(limit: int) -> ApiError:
    return ApiError(413, f"Request body is larger than the upload limit of {limit} bytes")


async def stream_body(request: Request, sink: Callable[[bytes], object], limit: int) -> int:
    """Feed the body to `sink` chunk by chunk (sized or chunked transfer alike) and return its size.

    A declared Content-Length over the limit is refused before reading; a chunked body when it crosses it.
    """
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    total = 0
    async for chunk in request.stream():
        if chunk:
            total += len(chunk)
            if total > limit:
                raise too_large(limit)
            sink(chunk)
    return total
