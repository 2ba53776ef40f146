"""CLI tests run the installed console script as a subprocess against an emulator subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from reconciler.emulator.process import EmulatorProcess as BaseEmulatorProcess
from reconciler.emulator.process import console_script as spawn_console_script
from reconciler.emulator.process import spawn_emulator
from reconciler.resources.lease import SETTLE_VARIABLE

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
CLI_TOKEN = "cli-test-token-7f3a"


def console_script() -> str:
    """The `netlify-reconciler` installed next to this interpreter (the package must be installed)."""
    found = spawn_console_script()
    if not shutil.which(found):
        pytest.fail("the netlify-reconciler console script is not installed: pip install -e '.[dev]'")
    return found


# Leases settle for half a second in tests, not the default two: every apply here talks to a loopback
# emulator, where a claim takes milliseconds. The test of applies at once uses the default.
TEST_LEASE_SETTLE = "0.5"


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NETLIFY_")}
    env.pop("NO_COLOR", None)
    env[SETTLE_VARIABLE] = TEST_LEASE_SETTLE
    env.update(extra)
    return env


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [console_script(), *args],
        env=env if env is not None else clean_env(),
        cwd=cwd or REPO,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )


class EmulatorProcess(BaseEmulatorProcess):
    """The emulator subprocess, registered with CLI_TOKEN; `env()` is a CLI environment pointing at it."""

    def env(self, **extra: str) -> dict[str, str]:
        return clean_env(**{"NETLIFY_API_URL": self.url, "NETLIFY_AUTH_TOKEN": CLI_TOKEN, **extra})

    def api(self, method: str, path: str, **kwargs: object) -> requests.Response:
        """A call to the emulator's REST API as CLI_TOKEN (a change behind the tool's back); must succeed."""
        response = requests.request(
            method, f"{self.url}/api/v1{path}", headers={"Authorization": f"Bearer {CLI_TOKEN}"}, timeout=10,
            **kwargs,  # type: ignore[arg-type]
        )
        response.raise_for_status()
        return response


def start_emulator(data_dir: Path, *extra_args: str) -> EmulatorProcess:
    emu = spawn_emulator(data_dir, [CLI_TOKEN], *extra_args, env=clean_env())
    return EmulatorProcess(emu.url, emu.process)
