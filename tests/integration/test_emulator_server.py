"""Running the emulator: restart persistence, the request log, seed files, and the foreground `serve`."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest
import requests

from reconciler.emulator import EmulatorOptions, EmulatorServer, EmulatorStartError, SeedError, load_seed
from reconciler.emulator.faults import FaultConfig
from reconciler.emulator.store import DB_FILENAME
from tests.support.http import api_session

REPO = Path(__file__).resolve().parents[2]


def test_state_survives_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with EmulatorServer(data, tokens=["test-token"]) as first:
        api = api_session(first)
        site = api.post("/demo/sites", json={"name": "kept", "custom_domain": "kept.example.com"}).json()
        api.post("/accounts/demo/env", params={"site_id": "kept"}, json=[{"key": "K", "is_secret": True}])
        api.put("/sites/kept/metadata", json={"owner": "me"})
        accounts = api.get("/accounts").json()
        first_port = first.port
    assert (data / DB_FILENAME).is_file()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{first_port}/api/v1/sites", timeout=2)
    with EmulatorServer(data, tokens=["test-token"]) as second:
        api = api_session(second)
        assert api.get("/accounts").json() == accounts, "re-registering a token is idempotent"
        assert api.get("/sites/kept.example.com").json() == site
        assert api.get("/sites/kept/env").json()[0]["is_secret"] is True
        assert api.get("/sites/kept/metadata").json() == {"owner": "me"}
    with EmulatorServer(data) as third:
        assert api_session(third).get("/sites/kept").status_code == 200, "tokens are persisted too"


def test_one_emulator_per_data_directory_and_a_failed_start_holds_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with EmulatorServer(data, tokens=["test-token"]) as first:
        with pytest.raises(EmulatorStartError, match="in use by another emulator"):
            EmulatorServer(data, tokens=["test-token"]).start()
        second = subprocess.run(
            [sys.executable, "-m", "reconciler", "emulator", "--port", "0", "--data", str(data)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert second.returncode == 1 and "in use by another emulator" in second.stderr, second.stderr
        assert "Traceback" not in second.stderr
        assert api_session(first).get("/sites").status_code == 200
        busy = first.port
    opened = len(os.listdir("/proc/self/fd"))
    for _ in range(5):
        with pytest.raises(EmulatorStartError, match="cannot listen"), socket_on(busy):
            EmulatorServer(data, tokens=["test-token"], port=busy).start()
    assert len(os.listdir("/proc/self/fd")) == opened, "nothing left open by the failed starts"
    with EmulatorServer(data, tokens=["test-token"]) as again:  # and nothing left locked
        assert api_session(again).get("/sites").status_code == 200


@contextmanager
def socket_on(port: int) -> Iterator[None]:
    """Holds `port` on loopback, so a server cannot listen there."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", port))
        held.listen()
        yield


def test_server_properties_and_double_stop(tmp_path: Path) -> None:
    server = EmulatorServer(tmp_path, tokens=["t"])
    with pytest.raises(RuntimeError):
        _ = server.port
    server.start()
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
        assert server.port > 0 and server.running()
        with pytest.raises(RuntimeError):
            server.start()
    finally:
        server.stop()
        server.stop()
    assert not server.running()


def test_start_errors_are_clear(tmp_path: Path, emulator: EmulatorServer) -> None:
    with pytest.raises(EmulatorStartError, match=f"cannot listen on 127.0.0.1:{emulator.port}"):
        EmulatorServer(tmp_path / "other", port=emulator.port).start()
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(EmulatorStartError, match="cannot open emulator data"):
        EmulatorServer(blocker / "data").start()
    with pytest.raises(SeedError, match="cannot read"):
        EmulatorServer(tmp_path / "third", seed=tmp_path / "missing.yaml").start()


def test_database_holds_no_token(emulator: EmulatorServer) -> None:
    emulator.register_token("plain-secret-token-123")
    assert b"plain-secret-token-123" not in (emulator.data_dir / DB_FILENAME).read_bytes()


def test_request_log_has_one_line_per_request_and_no_secrets(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    token = "very-secret-token-abc"
    with EmulatorServer(tmp_path / "data", tokens=[token], request_log=log) as server:
        api = api_session(server, token)
        api.post("/sites", json={"name": "logged"})
        api.post(
            "/accounts/demo/env", json=[{"key": "K", "values": [{"context": "all", "value": "hidden-value"}]}]
        )
        api.get("/sites", params={"name": "log", "per_page": "5"})
        requests.get(f"{server.url}/api/v1/accounts", params={"access_token": token}, timeout=5)
        api_session(server, None).get("/sites")
    text = log.read_text()
    assert token not in text and "hidden-value" not in text and "Bearer" not in text
    entries = [json.loads(line) for line in text.splitlines()]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("POST", "/api/v1/sites", 201),
        ("POST", "/api/v1/accounts/demo/env", 201),
        ("GET", "/api/v1/sites", 200),
        ("GET", "/api/v1/accounts", 200),
        ("GET", "/api/v1/sites", 401),
    ]
    assert entries[2]["query"] == "name=log&per_page=5"
    assert entries[3]["query"] == "access_token=REDACTED"
    for entry in entries:
        assert set(entry) == {
            "ts",
            "method",
            "path",
            "query",
            "status",
            "duration_ms",
            "bytes_in",
            "bytes_out",
        }
        assert entry["bytes_out"] > 0 and entry["duration_ms"] >= 0
    assert entries[0]["bytes_in"] == len(b'{"name": "logged"}')


def _epoch(ts: str) -> float:
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()


def test_request_log_records_real_start_times_and_durations(tmp_path: Path) -> None:
    """Overlapping requests are logged with their own start and duration, inside the wall-clock run: the
    log can time a benchmark (a clock forced 1 ms past the previous stamp ran ahead under load)."""
    log = tmp_path / "requests.jsonl"
    options = EmulatorOptions(faults=FaultConfig(latency_ms=40), rate_limit_per_minute=0)
    with EmulatorServer(tmp_path / "data", tokens=["test-token"], request_log=log, options=options) as server:
        api = api_session(server)
        began = time.time()
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: api.get("/sites").status_code, range(48)))
        ended = time.time()
    assert statuses == [200] * 48
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    spans = sorted((_epoch(e["ts"]), _epoch(e["ts"]) + e["duration_ms"] / 1000) for e in entries)
    assert len(spans) == 48
    assert all(began - 0.002 <= start and end <= ended + 0.002 for start, end in spans)
    assert all(end - start >= 0.040 for start, end in spans), "the injected latency is inside the duration"
    # 48 requests of >= 40 ms on 8 connections: ~6 waves, so the log must show them overlapping.
    overlapping = sum(1 for a, b in pairwise(spans) if b[0] < a[1])
    assert overlapping >= 24
    assert max(end for _, end in spans) - min(start for start, _ in spans) <= ended - began


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("tokens: nope", '"tokens" list'),
        ("[1, 2]", '"tokens" list'),
        ("tokens: [{email: a@b.c}]", "tokens[0].token: required"),
        ("tokens: [{token: t, teams: [Bad_Slug]}]", "tokens[0].teams[0]"),
        ("tokens: [{token: t, teams: demo}]", "tokens[0].teams: must be a list"),
        ("tokens: [{token: t, colour: red}]", "tokens[0].colour: unknown key"),
        ("tokens: [{token: t}, {token: t}]", "tokens[1].token: listed twice"),
        ("tokens: [{token: t, email: 5}]", "tokens[0].email: must be a string"),
        ("tokens: [", "not valid YAML or JSON"),
    ],
)
def test_bad_seed_files_are_rejected_clearly(tmp_path: Path, text: str, fragment: str) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(text)
    with pytest.raises(SeedError) as caught:
        load_seed(seed)
    assert fragment in str(caught.value) and str(seed) in str(caught.value)


def test_seed_json_and_missing_file(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"tokens": [{"token": "j", "teams": ["x", "y"]}]}))
    (entry,) = load_seed(seed)
    assert entry.token == "j" and entry.teams == ("x", "y")
    with pytest.raises(SeedError, match="cannot read"):
        load_seed(tmp_path / "absent.yaml")
    seed.write_text(json.dumps({"tokens": [{"token": "j", "teams": [f"user-{'0' * 8}"]}]}))
    with EmulatorServer(tmp_path / "data", seed=seed) as server:
        assert [a["slug"] for a in api_session(server, "j").get("/accounts").json()][1:] == ["user-00000000"]


def _serve(tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    code = (
        "import sys; from pathlib import Path; from reconciler.emulator import serve; "
        "serve(Path(sys.argv[1]), tokens=['cli-token'], port=0)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path / "data"), *extra],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_announces_itself_and_exits_cleanly_on_signal(tmp_path: Path, signum: int) -> None:
    process = _serve(tmp_path)
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        match = re.fullmatch(
            r"Netlify API emulator listening on (http://127\.0\.0\.1:\d+)/api/v1 \(data: (.+)\)\n", line
        )
        assert match, line
        assert match.group(2) == str(tmp_path / "data")
        response = requests.get(
            f"{match.group(1)}/api/v1/accounts", params={"access_token": "cli-token"}, timeout=5
        )
        assert response.status_code == 200
        process.send_signal(signum)
        assert process.wait(timeout=15) == 0
        assert process.stderr.read() == ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
