"""Creates whose outcome is unknown: read back before trying again, and leave exactly one.

A create (POST) that met a server error, a timeout or a dropped connection may or may not have happened.
Sending it again blindly could make a duplicate; giving up would fail an apply that in fact worked. So:
read what exists with the create's identity. One object: that is ours. None: the create is sent again.
More than one (a lost answer, then a retry that went through too): the oldest is kept, the others are
deleted, so whoever races for the same object keeps the same one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from reconciler.model.request import ReadBack, Request
from reconciler.model.sensitive import reveal
from reconciler.netlify.client import NetlifyClient
from reconciler.netlify.errors import ApiError, OutcomeUnknown

ATTEMPTS = 6  # creates sent in all, counting the first, as many as the client's attempts of a safe call
BACKOFF = (0.25, 0.5, 1.0, 2.0, 4.0)  # seconds before each read-back: a failing server gets a moment


def settle(
    client: NetlifyClient,
    request: Request,
    send: Callable[[Request], Any],
    first: OutcomeUnknown,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """The answer the create would have given, found by reading back or by sending it again."""
    read_back = request.read_back
    if read_back is None:
        raise first
    last = first
    for pause in BACKOFF[: ATTEMPTS - 1]:
        sleep(pause)
        found = _find(client, read_back)
        if found:
            return _answer(read_back, _keep_one(client, read_back, found))
        try:
            answer = send(request)
        except OutcomeUnknown as again:
            last = again
            continue
        found = _find(client, read_back)  # a lost attempt may have landed after all
        return _answer(read_back, _keep_one(client, read_back, found)) if len(found) > 1 else answer
    found = _find(client, read_back)
    if found:
        return _answer(read_back, _keep_one(client, read_back, found))
    raise last


def _find(client: NetlifyClient, read_back: ReadBack) -> list[dict[str, Any]]:
    api = client if read_back.api == "netlify" else client.integrations()
    try:
        body = api.get(read_back.path, read_back.params or None)
    except ApiError as exc:
        if exc.status == 404 and read_back.single:
            return []
        raise
    items = [body] if read_back.single else body if isinstance(body, list) else []
    wanted = reveal(dict(read_back.match))
    return [item for item in items if isinstance(item, dict) and _matches(item, wanted)]


def _matches(item: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """Every field named in `wanted` is equal; for a mapping, the keys it names."""
    for key, value in wanted.items():
        have = item.get(key)
        if isinstance(value, Mapping):
            if not isinstance(have, Mapping) or not _matches(have, value):
                return False
        elif have != value:
            return False
    return True


def _keep_one(client: NetlifyClient, read_back: ReadBack, found: list[dict[str, Any]]) -> dict[str, Any]:
    ordered = sorted(found, key=lambda item: (str(item.get("created_at") or ""), str(item.get("id"))))
    api = client if read_back.api == "netlify" else client.integrations()
    if read_back.delete is not None:
        for extra in ordered[1:]:
            api.request("DELETE", read_back.delete.replace("{id}", str(extra.get("id"))), accept=(404,))
    return ordered[0]


def _answer(read_back: ReadBack, item: dict[str, Any]) -> Any:
    return [item] if read_back.wrap else item
