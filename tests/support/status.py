"""Reading what `--publish-status` wrote, the way an integration does: through the emulator's
Integration API (`netlify-token` header), and checking it against `schemas/status.schema.json`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import requests

REPO = Path(__file__).resolve().parents[2]
STATUS_SCHEMA = json.loads((REPO / "schemas" / "status.schema.json").read_text(encoding="utf-8"))
STATUS_KEY = "netlify-reconciler-status"
LEDGER_KEY = "netlify-reconciler"


def context(base_url: str, token: str, scope: str, ident: str, slug: str) -> dict[str, Any]:
    """The config of `slug` on a site (`scope="site"`, its id) or team (`"team"`, id or slug)."""
    response = requests.get(
        f"{base_url}/integrations-api/{scope}/{ident}/integrations/{slug}",
        headers={"netlify-token": token},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    config: dict[str, Any] = response.json()["config"]
    return config


def put_context(base_url: str, token: str, scope: str, ident: str, slug: str, config: dict[str, Any]) -> None:
    response = requests.put(
        f"{base_url}/integrations-api/{scope}/{ident}/integrations/{slug}",
        headers={"netlify-token": token},
        json={"config": config},
        timeout=10,
    )
    assert response.status_code == 200, response.text


def valid_status(document: Any) -> dict[str, Any]:
    """The document, after checking it against the published schema."""
    jsonschema.validate(document, STATUS_SCHEMA, format_checker=jsonschema.FormatChecker())
    assert isinstance(document, dict)
    return document


def publishing_manifest(slug: str) -> str:
    """A team and a site that keep their ledgers in the integration `slug`'s context (enabled by apply),
    where the status is published too; the site has a plain and a secret (`${PUB_SECRET}`) env var."""
    return f"""\
version: 1
teams:
  demo:
    integrations:
      {slug}: {{config: {{theme: dark}}}}
    ledger: {{integration: {slug}}}
sites:
  pub-site:
    team: demo
    env:
      API_URL: https://api.example.org
      TOKEN:
        secret: true
        values: {{production: "${{PUB_SECRET}}"}}
    integrations:
      {slug}: {{config: {{theme: light}}}}
    ledger: {{integration: {slug}}}
    prune: [env]
"""
