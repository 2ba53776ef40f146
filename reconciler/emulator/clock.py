"""Timestamps in Netlify's format (ISO 8601 UTC, milliseconds, `Z`).

They are strictly increasing within a process, so two writes in the same millisecond still get different
`updated_at` values: the reconciler's ledger compares them to detect changes made by someone else.
"""

from __future__ import annotations

import functools
import threading
import time

_lock = threading.Lock()
_last_ms = 0


def now_ms() -> int:
    """Current time in epoch milliseconds, never equal to or below the previous call's result."""
    global _last_ms
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            ms = _last_ms + 1
        _last_ms = ms
        return ms


@functools.lru_cache(maxsize=16)
def utc_second(epoch_seconds: int) -> str:
    """`2024-05-01T12:00:00`, remembered: thousands of requests a second share a handful of seconds."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_seconds))


def iso_from_ms(ms: int) -> str:
    """`2024-05-01T12:00:00.123Z`: the shape Netlify's API uses for every timestamp."""
    seconds, millis = divmod(ms, 1000)
    return f"{utc_second(seconds)}.{millis:03d}Z"


def now_iso() -> str:
    """A fresh, strictly increasing timestamp string."""
    return iso_from_ms(now_ms())
