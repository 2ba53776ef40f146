"""Fault injection for reliability tests: server errors, 429 bursts, latency, dropped connections.

Decisions come from one `random.Random(seed)`, drawn when a request arrives (before any await), so the same
seed, configuration and sequence of requests give the same faults: a failing test can be replayed by
passing the seed it printed (`GET /_emulator/faults` shows the seed in use, chosen at random if none was
given). Concurrent clients make the arrival order, and so the outcome, vary.

Per matching request, in order: latency is added (`latency_ms` plus 0..`latency_jitter_ms`); a 429 burst
answers if one is running or starting; else a drop (`drop_rate`) closes the connection without an answer;
else a lost answer (`drop_after_rate`) lets the request be carried out and then closes the connection
instead of answering (the client cannot tell it happened: "created, but the answer was lost"); else an
error (`error_rate`) answers 500, 502 or 503 in Netlify's shape. Bursts are counted, not random:
with `burst_429_every=N` and `burst_429_length=K`, N-1 requests pass, then K are refused, and so on. A burst
429 says `X-RateLimit-Remaining: 0` and a Reset at the next whole second, so a client that waits until
Reset and retries rides a burst out with at most K retries. Faults never touch the admin endpoint, and
`fault_paths` (a regex searched in "METHOD /path") narrows them, e.g. `^PUT /api/v1/deploys/`.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from starlette.types import Scope

from reconciler.emulator.abort import answer_lost, drop_connection
from reconciler.emulator.errors import ApiError, error_response, json_type
from reconciler.emulator.limits import Limits, is_admin_path
from reconciler.emulator.middleware import Verdict
from reconciler.emulator.ratelimit import rate_limit_headers

ERROR_STATUSES = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
_STATUS_CHOICES = tuple(ERROR_STATUSES)


@dataclass(frozen=True)
class FaultConfig:
    """What to inject; all off by default. Rates are probabilities per matching request."""

    error_rate: float = 0.0
    burst_429_every: int = 0
    burst_429_length: int = 3
    latency_ms: int = 0
    latency_jitter_ms: int = 0
    drop_rate: float = 0.0
    drop_after_rate: float = 0.0
    seed: int | None = None
    paths: str | None = None

    def __post_init__(self) -> None:
        for name in ("error_rate", "drop_rate", "drop_after_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name}: must be between 0 and 1, not {value!r}")
        for name in ("burst_429_every", "latency_ms", "latency_jitter_ms"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: must not be negative")
        if self.burst_429_length < 1:
            raise ValueError("burst_429_length: must be at least 1")
        if self.paths is not None:
            try:
                re.compile(self.paths)
            except re.error as exc:
                raise ValueError(f"paths: not a valid regular expression: {exc}") from None

    @property
    def active(self) -> bool:
        delays = self.latency_ms or self.latency_jitter_ms
        dropping = self.drop_rate or self.drop_after_rate
        return bool(self.error_rate or dropping or self.burst_429_every or delays)

    def with_json(self, data: Mapping[str, Any]) -> FaultConfig:
        """This configuration with the given JSON keys changed; 422 (ApiError) on a bad key or value."""
        kinds: dict[str, tuple[type, ...]] = {
            "error_rate": (int, float),
            "drop_rate": (int, float),
            "drop_after_rate": (int, float),
            "seed": (int, type(None)),
            "paths": (str, type(None)),
        }
        changes: dict[str, Any] = {}
        known = {f.name for f in fields(self)}
        for key, value in data.items():
            if key not in known:
                raise ApiError(422, f"{key}: unknown fault setting (known: {', '.join(sorted(known))})")
            allowed = kinds.get(key, (int,))
            if isinstance(value, bool) or not isinstance(value, allowed):
                raise ApiError(422, f"{key}: wrong type {json_type(value)}")
            changes[key] = float(value) if isinstance(value, int | float) and key.endswith("_rate") else value
        try:
            return replace(self, **changes)
        except ValueError as exc:
            raise ApiError(422, str(exc)) from None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class FaultPolicy:
    """A `RequestPolicy` applying a `FaultConfig`; `configure` swaps it at run time and restarts the dice."""

    def __init__(self, config: FaultConfig, limits: Limits) -> None:
        self.limits = limits
        self.configure(config)

    def configure(self, config: FaultConfig) -> None:
        """Use `config` from now on: reseed, restart burst counting, zero the injected counts."""
        self.config = config
        self.seed = config.seed if config.seed is not None else random.SystemRandom().randrange(2**32)
        self._rng = random.Random(self.seed)
        self._paths = re.compile(config.paths) if config.paths is not None else None
        self._passed = 0
        self._burst_left = 0
        self.injected: Counter[str] = Counter()

    def state(self) -> dict[str, Any]:
        """The configuration, the seed actually in use, and how many faults of each kind were injected."""
        return {**self.config.to_json(), "seed_in_use": self.seed, "injected": dict(self.injected)}

    async def __call__(self, scope: Scope) -> Verdict | None:
        config = self.config
        if not config.active or is_admin_path(scope["path"]):
            return None
        if self._paths is not None and not self._paths.search(f"{scope['method']} {scope['path']}"):
            return None
        delay = config.latency_ms
        if config.latency_jitter_ms:
            delay += self._rng.randint(0, config.latency_jitter_ms)
        verdict = self._decide(config)
        if verdict is not None and verdict.fault is not None:
            self.injected[verdict.fault] += 1
        if delay:
            await asyncio.sleep(delay / 1000)
        return verdict

    def _decide(self, config: FaultConfig) -> Verdict | None:
        if config.burst_429_every:
            if self._burst_left:
                self._burst_left -= 1
                return self._burst()
            self._passed += 1
            if self._passed % config.burst_429_every == 0:
                self._burst_left = config.burst_429_length - 1
                return self._burst()
        if config.drop_rate and self._rng.random() < config.drop_rate:
            return Verdict(response=drop_connection, fault="drop")
        if config.drop_after_rate and self._rng.random() < config.drop_after_rate:
            return Verdict(wrap=answer_lost, fault="drop_after")
        if config.error_rate and self._rng.random() < config.error_rate:
            status = self._rng.choice(_STATUS_CHOICES)
            return Verdict(response=error_response(status, ERROR_STATUSES[status]), fault="error_rate")
        return None

    def _burst(self) -> Verdict:
        limit = self.limits.rate_limit_per_minute or 500
        return Verdict(
            headers=rate_limit_headers(limit, limit, int(time.time()) + 1),
            response=error_response(429, "API rate limit surpassed (injected burst)"),
            fault="burst_429",
        )
