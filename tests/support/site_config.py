"""Helpers for the site-configuration tests (snippets, hooks, build hooks, TLS, forms, integrations)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jsonschema

from reconciler.emulator import EmulatorServer
from tests.support.http import ApiSession, api_session, checked
from tests.support.openapi import load_spec

OTHER_TOKEN = "other-token"


@contextmanager
def seeded_emulator(root: Path, seed_text: str) -> Iterator[EmulatorServer]:
    """An emulator started on a seed file with this YAML text (sites, forms, integrations)."""
    seed = root / "seed.yaml"
    seed.write_text(seed_text)
    with EmulatorServer(root / "data", seed=seed) as server:
        yield server


def validate_definition(name: str, body: Any) -> None:
    """Validate against `#/definitions/<name>`, for responses the spec lists without a schema
    (deleteHook declares no error response at all; the TLS 422 has a description only)."""
    definitions = load_spec()["definitions"]
    jsonschema.Draft4Validator({"$ref": f"#/definitions/{name}", "definitions": definitions}).validate(body)


def error_of(response: Any, status: int) -> dict[str, Any]:
    """The error body of a response the spec does not describe, checked against its `error` shape."""
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"
    body: dict[str, Any] = response.json()
    validate_definition("error", body)
    assert body["code"] == status
    return body


def other_team(emulator: EmulatorServer) -> ApiSession:
    """A session for a token of another team ("elsewhere"), which must see none of test-token's objects."""
    emulator.register_token(OTHER_TOKEN, ["elsewhere"])
    return api_session(emulator, OTHER_TOKEN)


def new_site(api: ApiSession, name: str, **settings: Any) -> dict[str, Any]:
    site: dict[str, Any] = checked(api.post("/sites", json={"name": name, **settings}), "createSite", 201)
    return site


def rows_for_site(emulator: EmulatorServer, table: str, site_id: str) -> int:
    """Rows of `table` still referring to a site, read straight from the store."""
    assert emulator.store is not None
    with emulator.store.tx() as db:
        return int(db.execute(f"SELECT COUNT(*) FROM {table} WHERE site_id = ?", (site_id,)).fetchone()[0])
