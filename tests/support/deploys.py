"""Helpers for deploy tests: an emulator without rate limits, digests, uploads encoded like netlify-cli's,
and polling for deploy states."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from reconciler.emulator import EmulatorOptions, EmulatorServer
from tests.support.http import ApiSession, api_session, checked

TOKEN = "test-token"
# JavaScript's encodeURI leaves these literal; everything else (space, non-ASCII, %) is escaped.
_ENCODE_URI_SAFE = "/;,?:@&=+$-_.!~*'()#"


def deploy_options(**overrides: Any) -> EmulatorOptions:
    """Deploy tests create many deploys quickly: Netlify's deploy rate limit would get in the way."""
    values: dict[str, Any] = {
        "rate_limit_per_minute": 0,
        "deploy_rate_limit_per_minute": 0,
        "prepare_delay": 0.2,
        "processing_delay": 0.2,
    }
    values.update(overrides)
    return EmulatorOptions(**values)


@contextmanager
def deploy_emulator(data_dir: Path, **overrides: Any) -> Iterator[EmulatorServer]:
    with EmulatorServer(data_dir, tokens=[TOKEN], options=deploy_options(**overrides)) as server:
        yield server


def sha1(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def digests(files: dict[str, bytes]) -> dict[str, str]:
    return {path: sha1(content) for path, content in files.items()}


def encode_uri(path: str) -> str:
    return quote(path, safe=_ENCODE_URI_SAFE)


def make_site(api: ApiSession, name: str, account: str | None = "demo") -> dict[str, Any]:
    """A site in team `account` (None: the token's personal account)."""
    response = api.post(f"/{account}/sites" if account else "/sites", json={"name": name})
    site: dict[str, Any] = checked(response, "createSiteInTeam" if account else "createSite", 201)
    return site


def upload(
    api: ApiSession, deploy_id: str, path: str, content: bytes, *, chunked: bool = False
) -> requests.Response:
    """PUT one file; `chunked` sends a generator body, so requests uses chunked transfer encoding."""
    body: bytes | Iterable[bytes] = _chunks(content) if chunked else content
    return api.put(
        f"/deploys/{deploy_id}/files/{encode_uri(path.lstrip('/'))}",
        data=body,
        headers={"Content-Type": "application/octet-stream"},
    )


def _chunks(content: bytes, size: int = 3) -> Iterator[bytes]:
    for start in range(0, len(content), size):
        yield content[start : start + size]


def get_deploy(api: ApiSession, site_id: str, deploy_id: str) -> dict[str, Any]:
    deploy: dict[str, Any] = checked(api.get(f"/sites/{site_id}/deploys/{deploy_id}"), "getSiteDeploy", 200)
    return deploy


def wait_state(
    api: ApiSession, site_id: str, deploy_id: str, wanted: str | tuple[str, ...], timeout: float = 10.0
) -> tuple[dict[str, Any], list[str]]:
    """Poll until the deploy is in (one of) `wanted`; returns it and the distinct states seen on the way."""
    targets = (wanted,) if isinstance(wanted, str) else wanted
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        deploy = get_deploy(api, site_id, deploy_id)
        if not seen or seen[-1] != deploy["state"]:
            seen.append(deploy["state"])
        if deploy["state"] in targets:
            return deploy, seen
        assert deploy["state"] != "error", deploy
        assert time.monotonic() < deadline, f"deploy stuck; states seen: {seen}"
        time.sleep(0.02)


def deploy_files(api: ApiSession, site_id: str, files: dict[str, bytes], **body: Any) -> dict[str, Any]:
    """A full digest deploy: create, upload what is required (once per digest), wait until ready."""
    created = checked(
        api.post(f"/sites/{site_id}/deploys", json={"files": digests(files), **body}), "createSiteDeploy", 200
    )
    if body.get("async"):
        created, _ = wait_state(api, site_id, created["id"], ("prepared", "processing", "ready"))
    by_sha = {sha1(content): (path, content) for path, content in files.items()}
    for digest in created["required"]:
        path, content = by_sha[digest]
        checked(upload(api, created["id"], path, content), "uploadDeployFile", 200)
    ready, _ = wait_state(api, site_id, created["id"], "ready")
    return {**ready, "required_at_create": created["required"]}


def session(server: EmulatorServer, token: str = TOKEN) -> ApiSession:
    return api_session(server, token)
