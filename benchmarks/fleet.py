"""A generated fleet of sites declaring every configuration kind, and an emulator to run it against: shared
by the budget tests and the fleet benchmarks."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.emulator.process import EmulatorProcess, spawn_emulator

LIMITS_OFF = ("--rate-limit-per-minute", "0", "--deploy-rate-limit-per-minute", "0")

SITE_TEMPLATE = """\
  {name}:
    team: demo
    custom_domain: {name}.fleet.example
    force_ssl: true
    metadata: {{owner: fleet, index: {index}}}
    env:
      API_URL: https://api.fleet.example/{index}
      FLAGS: {{scopes: [builds, functions], values: {{production: a, deploy-preview: b}}}}
    snippets:
      analytics: {{html: <script src="/a.js"></script>}}
    hooks:
      - {{type: email, event: deploy_failed, data: {{email: ops@fleet.example}}}}
    build_hooks:
      nightly: {{branch: main}}
    integrations:
      fleet-search: {{config: {{index: site-{index}}}}}
"""


def fleet_manifest(count: int) -> str:
    """A manifest with `count` sites in team `demo`, each using every kind."""
    sites = "".join(SITE_TEMPLATE.format(name=f"fleet-{i:04d}", index=i) for i in range(count))
    return "version: 1\nsites:\n" + sites


def read_log(log: Path, start: int = 0) -> list[dict[str, Any]]:
    """The emulator's logged requests (`--request-log`) from the `start`-th on; none before the first."""
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [json.loads(line) for line in lines[start:] if line.strip()]


@dataclass(frozen=True)
class FleetRun:
    """A fleet's manifest, the emulator serving it, its request log, and the environment pointing at it."""

    manifest: Path
    emulator: EmulatorProcess
    log: Path
    env: dict[str, str]

    def logged(self, start: int = 0) -> list[dict[str, Any]]:
        """The logged requests from the `start`-th on."""
        return read_log(self.log, start)


@contextmanager
def fleet_on_emulator(count: int, token: str) -> Iterator[FleetRun]:
    """A manifest of `count` sites and a fresh emulator process (rate limits off, every request logged),
    in a temporary directory removed afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        manifest = root / "fleet.yaml"
        manifest.write_text(fleet_manifest(count))
        log = root / "requests.jsonl"
        with spawn_emulator(root / "data", [token], *LIMITS_OFF, "--request-log", str(log)) as emu:
            env = {**os.environ, "NETLIFY_API_URL": emu.url, "NETLIFY_AUTH_TOKEN": token}
            yield FleetRun(manifest, emu, log, env)
