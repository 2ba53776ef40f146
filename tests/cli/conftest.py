"""CLI tests run the installed console script as a subprocess against an emulator subprocess."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
CLI_TOKEN = "cli-test-token-7f3a"


def console_script() -> str:
    """The `netlify-reconciler` installed next to this interpreter (the package must be installed)."""
    candidate = Path(sys.executable).with_name("netlify-reconciler")
    found = str(candidate) if candidate.exists() else shutil.which("netlify-reconciler")
    if not found:
        pytest.fail("the netlify-reconciler console script is not installed: pip install -e '.[dev]'")
    return found


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NETLIFY_")}
    env.pop("NO_COLOR", None)
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


class EmulatorProcess:
    def __init__(self, url: str, process: subprocess.Popen[str]) -> None:
        self.url = url
        self.process = process

    def env(self, **extra: str) -> dict[str, str]:
        return clean_env(**{"NETLIFY_API_URL": self.url, "NETLIFY_AUTH_TOKEN": CLI_TOKEN, **extra})


def start_emulator(data_dir: Path, *extra_args: str) -> EmulatorProcess:
    process = subprocess.Popen(
        [
            console_script(),
            "emulator",
            "--port",
            "0",
            "--data",
            str(data_dir),
            "--token",
            CLI_TOKEN,
            *extra_args,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
    )
    assert process.stderr is not None
    line = process.stderr.readline()
    match = re.search(r"(http://127\.0\.0\.1:\d+)/api/v1", line)
    if not match:
        process.kill()
        raise AssertionError(f"emulator did not start: {line!r} {process.stderr.read()!r}")
    return EmulatorProcess(match.group(1), process)


@pytest.fixture
def emulator_process(tmp_path: Path) -> Iterator[EmulatorProcess]:
    emu = start_emulator(tmp_path / "emu-data")
    try:
        yield emu
    finally:
        emu.process.terminate()
        try:
            emu.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            emu.process.kill()
