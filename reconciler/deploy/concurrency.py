"""How many uploads run at once: a congestion window, grown and shrunk by what the server's answers say.

A fixed number is wrong in both directions: 5 at a time (netlify-cli) leaves a fast, far server idle,
while more requests than a busy server can work on only wait in its queue (and, against a rate limit,
turn into a storm of 429s). So the limit starts moderate and:
- grows by one per success ("slow start"), then by about one per window of `limit` successes;
- stops growing when requests start queueing: with the smallest round-trip time seen as the unloaded one,
  `limit * (1 - min_rtt / rtt)` estimates how many requests wait on the server (TCP Vegas's estimate);
  above `QUEUE_HIGH` the limit shrinks by about one per window (never below where it started), below
  `QUEUE_LOW` it grows. Far servers (Netlify: ~100 ms away, many workers) keep round trips flat, so the
  limit climbs to the maximum; a saturated one (the emulator on loopback) settles it where adding more
  only adds waiting;
- halves on a 429 (once per `cooldown`: one burst answers many requests in flight at once);
- never exceeds what the last `X-RateLimit-Remaining` said is left;
- never exceeds the server's own limit on uploads in flight, `X-Concurrent-Limit` (Netlify: 5 on Starter,
  10 on paid plans; more get 429): once announced it caps the limit and its growth. Until the first
  answer, `run_uploads` holds the first wave to `FIRST_WAVE` (the smallest limit Netlify announces), so
  even a Starter account never sees a 429 for it; an answer without the header lifts that cap.
Only quick single-attempt requests with small bodies are timed, so a big file or a retry does not read
as queueing. The client's shared `RateLimitBudget` still paces each request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

FIRST_WAVE = 5  # Netlify's smallest X-Concurrent-Limit (Starter)
QUEUE_LOW = 2.0
QUEUE_HIGH = 4.0
RTT_SMOOTHING = 0.1


class AdaptiveLimit:
    def __init__(
        self,
        start: int,
        maximum: int,
        *,
        cooldown: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.maximum = max(1, maximum)
        self._limit = float(min(max(1, start), self.maximum))
        self._ceiling = self.maximum  # from X-RateLimit-Remaining
        self._server_cap: int | None = None  # X-Concurrent-Limit, or FIRST_WAVE until an answer says
        self._announced = True  # False between `await_announcement` and the first answer
        self._in_flight = 0
        self._slow_start = True
        self._cooldown = cooldown
        self._clock = clock
        self._last_cut = -float("inf")
        self._cond = threading.Condition()
        self._floor = self._limit
        self._min_rtt: float | None = None
        self._rtt: float | None = None
        self.peak = int(self._limit)
        self.cuts = 0

    @property
    def limit(self) -> int:
        cap = self.maximum if self._server_cap is None else self._server_cap
        return max(1, min(int(self._limit), self._ceiling, cap))

    def acquire(self) -> None:
        with self._cond:
            while self._in_flight >= self.limit:
                self._cond.wait()
            self._in_flight += 1

    def release(self, *, success: bool = False, rtt: float | None = None) -> None:
        """A request ended; with `success`, also count it (one lock round trip for both)."""
        with self._cond:
            self._in_flight -= 1
            if success:
                self._succeeded(rtt)
            if self._in_flight < self.limit:
                self._cond.notify()

    def renew(self, *, rtt: float | None = None) -> bool:
        """A request succeeded and its thread has another to send: it keeps its slot (True) unless the
        limit has shrunk below what is in flight. Handing the slot to a waiting thread instead would wake
        a thread, and move the GIL, on every request for nothing: that was a fifth of the client's time
        in a 20,000-file upload."""
        with self._cond:
            self._succeeded(rtt)
            if self._in_flight <= self.limit:
                return True
            self._in_flight -= 1
            return False

    def success(self, rtt: float | None = None) -> None:
        """A request succeeded; `rtt` is its round trip when it is a fair sample of queueing."""
        with self._cond:
            self._succeeded(rtt)

    def _succeeded(self, rtt: float | None) -> None:
        """Called with the lock held."""
        if rtt is not None:
            self._min_rtt = rtt if self._min_rtt is None else min(self._min_rtt, rtt)
            self._rtt = rtt if self._rtt is None else self._rtt + RTT_SMOOTHING * (rtt - self._rtt)
        before = self.limit
        queued = self.queued()
        if queued is not None and queued > QUEUE_HIGH:
            self._slow_start = False
            self._limit = max(self._floor, self._limit - 1.0 / self._limit)
        elif queued is None or queued < QUEUE_LOW or self._slow_start:
            step = 1.0 if self._slow_start else 1.0 / self._limit
            self._limit = min(self._grow_cap, self._limit + step)
        self.peak = max(self.peak, self.limit)
        self._wake(before)

    def _wake(self, before: int) -> None:
        """Wake only as many waiting workers as there are new slots: waking them all on every success
        makes dozens of threads fight over the GIL for nothing."""
        if self.limit > before:
            self._cond.notify(self.limit - before)

    def queued(self) -> float | None:
        """Estimated requests waiting on the server (None before any sample)."""
        if self._min_rtt is None or not self._rtt:
            return None
        return self._limit * max(0.0, 1.0 - self._min_rtt / self._rtt)

    def throttled(self) -> None:
        """A 429: halve, unless this burst already halved the limit."""
        with self._cond:
            now = self._clock()
            self._slow_start = False
            if now - self._last_cut < self._cooldown:
                return
            self._last_cut = now
            self._limit = max(1.0, self._limit / 2)
            self.cuts += 1

    def await_announcement(self, first_wave: int = FIRST_WAVE) -> None:
        """Until `observe_concurrency_limit` is first called, keep at most `first_wave` in flight."""
        with self._cond:
            if self._server_cap is None:
                self._server_cap = max(1, first_wave)
            self._announced = False

    def observe_concurrency_limit(self, announced: int | None) -> None:
        """An upload answer's `X-Concurrent-Limit` (None: the answer had none, so no server cap)."""
        with self._cond:
            before = self.limit
            self._announced = True
            self._server_cap = None if announced is None else max(1, announced)
            if self._server_cap is not None:
                self._limit = min(self._limit, float(self._server_cap))
                self._floor = min(self._floor, float(self._server_cap))
            self._wake(before)

    @property
    def _grow_cap(self) -> float:
        """Growth stops at the maximum, and at the server's announced limit (not at the first wave's)."""
        if self._server_cap is not None and self._announced:
            return float(min(self.maximum, self._server_cap))
        return float(self.maximum)

    def observe_remaining(self, remaining: int | None) -> None:
        """The rate-limit budget left: no point having more requests in flight than it allows. An answer
        without the header lifts the ceiling (that server, or that endpoint, is not rate limited)."""
        with self._cond:
            before = self.limit
            self._ceiling = self.maximum if remaining is None else max(1, min(self.maximum, remaining))
            self._wake(before)
