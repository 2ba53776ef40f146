"""Shared helpers for plan/apply tests against the in-process emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from reconciler.apply import apply_plan
from reconciler.netlify.client import NetlifyClient
from reconciler.session import Planned, make_plan

TOKEN = "test-token"


@pytest.fixture
def client(emulator) -> Iterator[NetlifyClient]:
    """Our client on the emulator with rate limits off: these tests are about plans, not pacing
    (the pacing tests set limits themselves)."""
    limits = {"rate_limit_per_minute": 0, "deploy_rate_limit_per_minute": 0}
    requests.patch(f"{emulator.url}/_emulator/limits", json=limits, timeout=5).raise_for_status()
    c = NetlifyClient(emulator.url, TOKEN, integration_api_url=integration_url(emulator))
    yield c
    c.close()


def integration_url(emulator) -> str:
    prefix = getattr(emulator.options, "integration_prefix", "/integrations-api")
    return emulator.url + prefix


def write(tmp_path: Path, text: str, name: str = "m.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def converge(client: NetlifyClient, path: Path) -> Planned:
    """Apply the plan, then prove the next plan is empty; returns what was applied."""
    planned = make_plan(client, path)
    apply_plan(client, planned.plan, planned.procedures)
    again = make_plan(client, path)
    assert again.plan.changes == [], [c.address for c in again.plan.changes]
    return planned
