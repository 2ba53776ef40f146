"""The emulator as a child process (CLI tests, benchmarks): started through the console script, ready once
it prints its listening line, stopped cleanly. One place for what several callers would otherwise repeat."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

LISTENING = re.compile(r"listening on (http://\S+)/api/v1")


def console_script() -> str:
    """`netlify-reconciler` next to this interpreter, else on PATH."""
    candidate = Path(sys.executable).with_name("netlify-reconciler")
    if candidate.exists():
        return str(candidate)
    return shutil.which("netlify-reconciler") or "netlify-reconciler"


class EmulatorProcess:
    """A running `netlify-reconciler emulator`; `url` is the base without `/api/v1`, as NETLIFY_API_URL."""

    def __init__(self, url: str, process: subprocess.Popen[str]) -> None:
        self.url = url
        self.process = process

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def spawn_emulator(
    data_dir: Path,
    tokens: Sequence[str],
    *extra_args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> EmulatorProcess:
    """Start the emulator on a free port and wait until it listens; its later stderr is drained."""
    command = [console_script(), "emulator", "--port", "0", "--data", str(data_dir)]
    command += [arg for token in tokens for arg in ("--token", token)]
    command += list(extra_args)
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=dict(env) if env else None
    )
    assert process.stderr is not None
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        seen.append(line)
        match = LISTENING.search(line)
        if match:
            threading.Thread(target=process.stderr.read, daemon=True).start()
            return EmulatorProcess(match.group(1), process)
    process.kill()
    raise RuntimeError(f"the emulator did not start: {' '.join(command)}: {''.join(seen)[-500:]}")
