"""The emulator's request log: one JSON object per line, written by hand for speed, read back by json."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.emulator.clock import iso_from_ms
from reconciler.emulator.requestlog import RequestLog, wall_iso


def test_every_line_is_json_with_strings_escaped_and_credentials_redacted(tmp_path: Path) -> None:
    log = RequestLog(tmp_path / "log" / "requests.jsonl")
    odd_path = '/api/v1/deploys/d1/files/a "quoted" \\ back/ünï\tcode.html'
    log.write(1764576000.25, "PUT", odd_path, "access_token=s3cr3t&x=1", 200, 1.23456, 2048, 180)
    log.write(1764576001.5, "GET", "/api/v1/sites", "", 0, 0.5, 0, 0, fault="drop")
    log.close()
    log.write(1764576002.0, "GET", "/late", "", 200, 0.1, 0, 0)  # after close: dropped, not an error
    text = (tmp_path / "log" / "requests.jsonl").read_text(encoding="utf-8")
    assert "s3cr3t" not in text
    first, second = (json.loads(line) for line in text.splitlines())
    assert first == {
        "ts": "2025-12-01T08:00:00.250000Z",
        "method": "PUT",
        "path": odd_path,
        "query": "access_token=REDACTED&x=1",
        "status": 200,
        "duration_ms": 1.235,
        "bytes_in": 2048,
        "bytes_out": 180,
    }
    assert second["fault"] == "drop" and second["status"] == 0 and second["ts"] == wall_iso(1764576001.5)


def test_timestamps_keep_their_second_when_many_share_it() -> None:
    assert iso_from_ms(1764576000250) == "2025-12-01T08:00:00.250Z"
    assert iso_from_ms(1764576000999) == "2025-12-01T08:00:00.999Z"
    assert iso_from_ms(1764576001000) == "2025-12-01T08:00:01.000Z"
    assert wall_iso(1764576059.000001) == "2025-12-01T08:00:59.000001Z"
