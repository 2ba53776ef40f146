"""Shared rate-limit budget: every thread of one run paces itself by the same X-RateLimit headers.

Netlify answers 429 for two different reasons, and they call for different waits: a spent rate-limit
budget (wait for `X-RateLimit-Reset`) and too many uploads in flight (`X-Concurrent-Limit` with budget
left: a slot frees up within one upload's time).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

CONCURRENT_LIMIT = "X-Concurrent-Limit"  # on Netlify's upload answers: uploads allowed in flight


def is_concurrency_refusal(headers: Mapping[str, str]) -> bool:
    """A 429 for too many uploads in flight, not for a spent rate-limit budget."""
    return CONCURRENT_LIMIT in headers and int_header(headers, "X-RateLimit-Remaining") != 0


class RateLimitBudget:
    """Waits before a request when the last answer said the budget is (nearly) spent.

    Netlify sends `X-RateLimit-Remaining` and `X-RateLimit-Reset` (Unix seconds). Keeping a small
    reserve lets concurrent threads stop before the server has to answer 429.
    """

    def __init__(
        self,
        reserve: int = 2,
        max_wait: float = 120.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._lock = threading.Lock()
        self._remaining: int | None = None
        self._reset_at: float = 0.0
        self._reserve = reserve
        self._max_wait = max_wait
        self._clock = clock
        self._sleep = sleep

    def wait_turn(self) -> float:
        """Wait when the budget is (nearly) spent; returns the seconds waited."""
        with self._lock:
            delay = self._delay_locked()
            if self._remaining is not None:
                self._remaining -= 1
        if delay > 0:
            self._sleep(delay)
        return delay

    def _delay_locked(self) -> float:
        if self._remaining is None or self._remaining > self._reserve:
            return 0.0
        return min(max(self._reset_at - self._clock(), 0.0), self._max_wait)

    def observe(self, headers: Mapping[str, str]) -> None:
        remaining = int_header(headers, "X-RateLimit-Remaining")
        reset = int_header(headers, "X-RateLimit-Reset")
        if remaining is None:
            return
        with self._lock:
            self._remaining = remaining
            if reset is not None:
                self._reset_at = float(reset)

    def seconds_until_reset(self, headers: Mapping[str, str], default: float) -> float:
        """How long a 429 asks us to wait: until the reset time, bounded."""
        reset = int_header(headers, "X-RateLimit-Reset")
        if reset is None:
            return default
        return min(max(reset - self._clock(), 0.0) + 0.05, self._max_wait)


def int_header(headers: Mapping[str, str], name: str) -> int | None:
    """A header's whole number (Netlify's limits and reset times); None when absent or not a number."""
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None
