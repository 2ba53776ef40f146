"""Request log: one JSON line per request, for counting API calls in benchmarks and tests.

Only method, path, query, status, timing and sizes are written, plus `fault` when an edge policy made
the answer ("rate_limited", "burst_429", "error_rate", "drop"; a drop is logged with status 0), so tests
can count injected faults. `ts` is the wall-clock moment the request reached the emulator (to the
microsecond) and `duration_ms` runs until its answer was sent, so overlapping requests can be told apart
and a benchmark can be timed from the log. The line is written just before the answer's last part is
sent, so a client that has its whole answer finds the line already there (a test counting requests right
after a command exits used to miss the last one now and then). Headers and bodies are never logged since
tokens and secret values travel there, and an `access_token` in the query string is redacted.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, urlencode

_SENSITIVE_PARAMS = frozenset({"access_token", "token"})
REDACTED = "REDACTED"


def redact_query(query: str) -> str:
    """The query string with credential parameters blanked; cheap when there is nothing to redact."""
    if not query or ("token" not in query.lower() and "%" not in query):
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(k.lower() in _SENSITIVE_PARAMS for k, _ in pairs):
        return query
    return urlencode([(k, REDACTED if k.lower() in _SENSITIVE_PARAMS else v) for k, v in pairs])


def wall_iso(epoch_seconds: float) -> str:
    """`2024-05-01T12:00:00.123456Z`. Not `clock.now_iso`: that one is made strictly increasing for
    `updated_at`, so under load it runs ahead of the wall clock and cannot be used for timing."""
    micros = round(epoch_seconds * 1_000_000)
    seconds, fraction = divmod(micros, 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{fraction:06d}Z"


class RequestLog:
    """Appends to a file, flushing each line so a crashed or killed emulator still leaves a complete log."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file: IO[str] = path.open("a", encoding="utf-8")

    def write(
        self,
        started: float,
        method: str,
        path: str,
        query: str,
        status: int,
        duration_ms: float,
        bytes_in: int,
        bytes_out: int,
        fault: str | None = None,
    ) -> None:
        entry: dict[str, Any] = {
            "ts": wall_iso(started),
            "method": method,
            "path": path,
            "query": redact_query(query),
            "status": status,
            "duration_ms": round(duration_ms, 3),
            "bytes_in": bytes_in,
            "bytes_out": bytes_out,
        }
        if fault is not None:
            entry["fault"] = fault
        self._file.write(json.dumps(entry, separators=(",", ":")) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()
