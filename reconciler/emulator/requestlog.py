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

import os
from json.encoder import encode_basestring_ascii as json_string
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from reconciler.emulator.clock import utc_second

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
    return f"{utc_second(seconds)}.{fraction:06d}Z"


class RequestLog:
    """Appends to a file, each line in one write of its own (no buffer), so a crashed or killed emulator
    still leaves a complete log. Lines are formatted by hand: it runs on every request."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)

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
        if self._fd < 0:  # closed: a request outliving the server's shutdown
            return
        line = (
            f'{{"ts":"{wall_iso(started)}","method":{json_string(method)},"path":{json_string(path)},'
            f'"query":{json_string(redact_query(query))},"status":{int(status)},'
            f'"duration_ms":{round(duration_ms, 3)},"bytes_in":{int(bytes_in)},"bytes_out":{int(bytes_out)}'
        )
        if fault is not None:
            line += f',"fault":{json_string(fault)}'
        data = (line + "}\n").encode("ascii")
        while data:
            data = data[os.write(self._fd, data) :]

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
