"""Deploy endpoints: create (digest or ZIP), the manifest PUT, reads, cancel, restore, rollback, lock.

Status codes follow swagger: create/update/get/lock 200, cancel and restore 201, rollback and delete 204.
Rollback is PUT in swagger; POST is accepted too, since some clients and docs use it.
"""

from __future__ import annotations

import secrets
import sqlite3

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.emulator.auth import authenticate, store_of
from reconciler.emulator.data import deploys
from reconciler.emulator.data.accounts import Principal
from reconciler.emulator.errors import not_found, unprocessable
from reconciler.emulator.json_body import read_json
from reconciler.emulator.models.deploy import STATES, context_of, derive_state, parse_spec
from reconciler.emulator.pagination import link_header, page_of
from reconciler.emulator.routes import route
from reconciler.emulator.routes.deploy_common import apply_manifest, now_ms, render, visible_deploy
from reconciler.emulator.routes.sites import resolve_site
from reconciler.emulator.routes.zip_deploys import is_zip, zip_deploy

# swagger's enum for the `state` filter; states the emulator never produces simply match nothing.
_FILTER_STATES = (
    *STATES,
    *("pending_review", "accepted", "rejected", "enqueued", "building", "processed", "retrying"),
)


def new_deploy_id() -> str:
    """24 hex characters, the shape of Netlify's deploy ids."""
    return secrets.token_hex(12)


def _site_deploy(db: sqlite3.Connection, principal: Principal, request: Request) -> sqlite3.Row:
    """`{deploy_id}` under `{site_id}`: a deploy of another site is as absent as a missing one."""
    site = resolve_site(db, principal, request.path_params["site_id"])
    row = visible_deploy(db, principal, request.path_params["deploy_id"])
    if row["site_id"] != site["id"]:
        raise not_found()
    return row


async def create_deploy(request: Request) -> Response:
    principal = authenticate(request)
    if is_zip(request):
        return await zip_deploy(request, principal, new_deploy_id())
    spec = parse_spec(await read_json(request, dict, empty={}), manifest_required=False)
    title = request.query_params.get("title") or spec.title
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        deploy_id = new_deploy_id()
        deploys.insert(
            db,
            deploy_id,
            site["id"],
            principal.user_id,
            draft=bool(spec.draft),
            branch=spec.branch,
            title=title,
            framework=spec.framework,
        )
        row = deploys.get(db, deploy_id)
        assert row is not None
        if spec.files is not None:
            apply_manifest(request, db, row, spec)
        body = render(db, visible_deploy(db, principal, deploy_id))
    return JSONResponse(body)


async def update_deploy(request: Request) -> Response:
    """The manifest for an empty deploy (netlify-cli's create-then-PUT); title and framework left out keep
    the values given at creation.

    `draft` and `branch` in the body are ignored: a deploy's context is fixed when it is created, as on
    Netlify. netlify-cli creates a draft with `{"draft": true}` and then PUTs the manifest with
    `"draft": false`; letting the PUT win would publish what the user asked to keep a draft.
    """
    principal = authenticate(request)
    spec = parse_spec(await read_json(request, dict), manifest_required=True)
    with store_of(request).tx() as db:
        row = _site_deploy(db, principal, request)
        if row["phase"] != "new":
            raise unprocessable(f"Deploy {row['id']} already has its files; create a new deploy instead")
        db.execute(
            "UPDATE deploys SET title = ?, framework = ?, commit_ref = ? WHERE seq = ?",
            (
                spec.title or row["title"],
                spec.framework or row["framework"],
                request.query_params.get("commit_ref") or row["commit_ref"],
                row["seq"],
            ),
        )
        apply_manifest(request, db, row, spec)
        body = render(db, visible_deploy(db, principal, row["id"]))
    return JSONResponse(body)


async def get_site_deploy(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        body = render(db, _site_deploy(db, principal, request))
    return JSONResponse(body)


async def get_deploy(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        body = render(db, visible_deploy(db, principal, request.path_params["deploy_id"]))
    return JSONResponse(body)


def _flag(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() not in ("true", "false", "1", "0"):
        raise unprocessable(f"{name} must be true or false, got {raw!r}")
    return raw.lower() in ("true", "1")


def _keep(row: sqlite3.Row, at: int, request: Request, published: str | None) -> bool:
    query = request.query_params
    if query.get("state") and derive_state(row, at) != query["state"]:
        return False
    if query.get("branch") and row["branch"] != query["branch"]:
        return False
    if _flag(request, "production") and context_of(row) != "production":
        return False
    if _flag(request, "deploy-previews") and context_of(row) != "deploy-preview":
        return False
    return not (_flag(request, "latest-published") and row["id"] != published)


async def list_site_deploys(request: Request) -> Response:
    principal = authenticate(request)
    page = page_of(request)
    state = request.query_params.get("state")
    if state and state not in _FILTER_STATES:
        raise unprocessable(f"state must be one of {', '.join(_FILTER_STATES)}")
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        at = now_ms()
        deploys.settle(db, site["id"], at)
        published = deploys.published_id(db, site["id"])
        rows = [r for r in deploys.site_rows(db, site["id"]) if _keep(r, at, request, published)]
        body = [render(db, r, at) for r in rows[page.offset : page.offset + page.size]]
    return JSONResponse(body, headers=link_header(request, page, len(rows)))


async def cancel_deploy(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        row = visible_deploy(db, principal, request.path_params["deploy_id"])
        state = derive_state(row, now_ms())
        if state == "ready":
            raise unprocessable(f"Deploy {row['id']} is already ready and cannot be canceled")
        if state != "error":
            deploys.cancel(db, row["seq"])
        body = render(db, visible_deploy(db, principal, row["id"]))
    return JSONResponse(body, status_code=201)


async def restore_deploy(request: Request) -> Response:
    """Publish a ready deploy of the site now (drafts and branch deploys too: this is an explicit act)."""
    principal = authenticate(request)
    with store_of(request).tx() as db:
        row = _site_deploy(db, principal, request)
        if derive_state(row, now_ms()) != "ready":
            raise unprocessable(f"Deploy {row['id']} is not ready and cannot be published")
        deploys.publish(db, row["site_id"], row["id"])
        body = render(db, visible_deploy(db, principal, row["id"]))
    return JSONResponse(body, status_code=201)


async def rollback(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        site = resolve_site(db, principal, request.path_params["site_id"])
        deploys.settle(db, site["id"], now_ms())
        previous = deploys.previous_published(db, site["id"])
        if previous is None:
            raise unprocessable("There is no previously published deploy to roll back to")
        deploys.publish(db, site["id"], previous)
    return Response(status_code=204)


async def _set_lock(request: Request, locked: bool) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        row = visible_deploy(db, principal, request.path_params["deploy_id"])
        deploys.set_locked(db, row["seq"], locked)
        body = render(db, visible_deploy(db, principal, row["id"]))
    return JSONResponse(body)


async def lock_deploy(request: Request) -> Response:
    return await _set_lock(request, True)


async def unlock_deploy(request: Request) -> Response:
    return await _set_lock(request, False)


def _delete(db: sqlite3.Connection, row: sqlite3.Row) -> None:
    if deploys.published_id(db, row["site_id"]) == row["id"]:
        raise unprocessable(f"Deploy {row['id']} is the published deploy and cannot be deleted")
    deploys.delete(db, row["seq"])


async def delete_site_deploy(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        _delete(db, _site_deploy(db, principal, request))
    return Response(status_code=204)


async def delete_deploy(request: Request) -> Response:
    principal = authenticate(request)
    with store_of(request).tx() as db:
        _delete(db, visible_deploy(db, principal, request.path_params["deploy_id"]))
    return Response(status_code=204)


ROUTES = [
    route("/sites/{site_id}/deploys", get=list_site_deploys, post=create_deploy),
    route(
        "/sites/{site_id}/deploys/{deploy_id}",
        get=get_site_deploy,
        put=update_deploy,
        delete=delete_site_deploy,
    ),
    route("/sites/{site_id}/deploys/{deploy_id}/restore", post=restore_deploy),
    route("/sites/{site_id}/rollback", put=rollback, post=rollback),
    route("/deploys/{deploy_id}", get=get_deploy, delete=delete_deploy),
    route("/deploys/{deploy_id}/cancel", post=cancel_deploy),
    route("/deploys/{deploy_id}/lock", post=lock_deploy),
    route("/deploys/{deploy_id}/unlock", post=unlock_deploy),
]
