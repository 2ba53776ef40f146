"""Body size limits (413 in Netlify's shape) and the warning for a non-loopback bind."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from reconciler.emulator import EmulatorOptions, EmulatorServer
from reconciler.emulator.server import is_loopback_host
from tests.support.http import api_session

REPO = Path(__file__).resolve().parents[2]
LIMIT = 4096


@pytest.fixture
def small_bodies(tmp_path: Path) -> Iterator[EmulatorServer]:
    options = EmulatorOptions(max_body_bytes=LIMIT, rate_limit_per_minute=0, deploy_rate_limit_per_minute=0)
    with EmulatorServer(tmp_path / "data", tokens=["test-token"], options=options) as server:
        yield server


def chunks(data: bytes, size: int = 1000) -> Iterator[bytes]:
    """A generator body: requests sends it chunked, without Content-Length."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def json_body(total: int) -> bytes:
    body = json.dumps({"name": "big", "ignored_padding": ""}).encode()
    return body.replace(b'""', b'"' + b"x" * (total - len(body)) + b'"')


def assert_too_large(response: requests.Response) -> None:
    assert response.status_code == 413
    assert response.json() == {
        "code": 413,
        "message": f"Payload Too Large: the request body exceeds {LIMIT} bytes",
    }


def test_declared_oversize_body_is_413_and_the_connection_stays_usable(small_bodies: EmulatorServer) -> None:
    api = api_session(small_bodies)
    assert_too_large(
        api.post("/sites", data=json_body(LIMIT + 1), headers={"Content-Type": "application/json"})
    )
    assert_too_large(api.put("/sites/x/metadata", data=b"{" + b" " * 1_000_000 + b"}"))
    assert api.get("/sites").status_code == 200, "same session, next request answered"
    exact = api.post("/sites", data=json_body(LIMIT), headers={"Content-Type": "application/json"})
    assert exact.status_code == 201, "a body of exactly the limit is accepted"


def test_chunked_oversize_body_is_413(small_bodies: EmulatorServer) -> None:
    api = api_session(small_bodies)
    assert_too_large(api.post("/sites", data=chunks(json_body(LIMIT + 1))))
    assert_too_large(api.post("/sites", data=chunks(b"x" * 5_000_000, 65536)))
    small = api.post("/sites", data=chunks(json.dumps({"name": "chunked"}).encode(), 4), headers={"Content-Type": "application/json"})
    assert small.status_code == 201 and small.json()["name"] == "chunked"


def test_upload_and_zip_deploy_paths_are_left_to_the_deploy_routes(small_bodies: EmulatorServer) -> None:
    api = api_session(small_bodies)
    big = b"z" * (LIMIT * 3)
    octets = {"Content-Type": "application/octet-stream"}
    assert api.put("/deploys/d1/files/assets/app.js", data=big, headers=octets).status_code != 413
    assert api.put("/deploys/d1/functions/hello", data=chunks(big), headers=octets).status_code != 413
    zipped = api.post("/sites/x/deploys", data=big, headers={"Content-Type": "application/zip"})
    assert zipped.status_code != 413
    assert_too_large(api.post("/sites/x/deploys", json={"files": {"a": "b" * LIMIT}}))
    assert_too_large(api.post("/deploys/d1/files/a.js", data=big, headers=octets))  # only PUT uploads


def test_zero_disables_the_body_limit(tmp_path: Path) -> None:
    with EmulatorServer(tmp_path, tokens=["test-token"], options=EmulatorOptions(max_body_bytes=0)) as server:
        body = json_body(11 * 1024 * 1024)
        response = api_session(server).post("/sites", data=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 201


def test_default_limit_is_ten_mebibytes(emulator: EmulatorServer) -> None:
    api = api_session(emulator)
    response = api.post(
        "/sites", data=json_body(10 * 1024 * 1024 + 1), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413 and "10485760 bytes" in response.json()["message"]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.1.1", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("", False), ("192.0.2.2", False), ("example.com", False)],
)  # fmt: skip
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_serve_warns_when_not_bound_to_loopback(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from reconciler.emulator import serve; "
        "serve(Path(sys.argv[1]), tokens=['cli-token'], host='0.0.0.0', port=0)"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path / "data")],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert process.stderr is not None
        assert re.fullmatch(r"Netlify API emulator listening on http://127\.0\.0\.1:\d+/api/v1 .*\n",
                            process.stderr.readline())  # fmt: skip
        warning = process.stderr.readline()
        assert warning.startswith("Warning: the emulator is bound to 0.0.0.0, not loopback")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
