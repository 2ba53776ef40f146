"""`netlify-reconciler serve` as a child process of the installed console script, and calls shaped like
those an Integration UI makes with `surfaceState.fetch(name)`: the service's base URL, the handler path,
`siteId`/`teamId` in the query string and the `netlify-token` header."""

from __future__ import annotations

import re
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import requests

from reconciler.emulator.process import console_script

LISTENING = re.compile(r"listening on (http://\S+?)/?$")


class ServeProcess:
    def __init__(self, url: str, process: subprocess.Popen[str], log: list[str]) -> None:
        self.url = url
        self.process = process
        self.log = log  # the service's stderr, line by line (read to scan for leaks)

    def fetch(
        self,
        name: str,
        token: str | None,
        *,
        site_id: str | None = None,
        team_id: str | None = None,
        method: str = "GET",
        cookies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """What `surfaceState.fetch(name)` sends: base URL + handler path, query, `netlify-token`."""
        query = {key: value for key, value in (("siteId", site_id), ("teamId", team_id)) if value}
        headers = {"netlify-token": token} if token is not None else {}
        return requests.request(
            method, f"{self.url}/.netlify/functions/handler/{name}", params=query, headers=headers,
            cookies=dict(cookies or {}), timeout=120,
        )  # fmt: skip


@contextmanager
def spawn_serve(
    manifests: Path, env: Mapping[str, str], *args: str, timeout: float = 60.0
) -> Iterator[ServeProcess]:
    """`serve MANIFESTS --port 0 ARGS`, once its `listening on` line is out; stopped (SIGTERM) afterwards."""
    command = [console_script(), "-v", "serve", str(manifests), "--port", "0", *args]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=dict(env))
    assert process.stderr is not None
    log: list[str] = []
    match = None
    deadline = time.monotonic() + timeout
    while match is None and time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        log.append(line)
        match = LISTENING.search(line.strip())
    if match is None:
        process.kill()
        process.wait()
        raise AssertionError(f"serve did not start: {' '.join(command)}\n{''.join(log)[-2000:]}")
    threading.Thread(target=_drain, args=(process, log), daemon=True).start()
    try:
        yield ServeProcess(match.group(1), process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _drain(process: subprocess.Popen[str], log: list[str]) -> None:
    assert process.stderr is not None
    for line in process.stderr:
        log.append(line)
