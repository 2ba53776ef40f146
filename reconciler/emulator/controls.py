"""The emulator's run-time controls: limits, the rate limiter and the fault injector, built from options.

One `Controls` per app (in `app.state.controls`), shared by the edge policies and the admin endpoint, so a
change made through `/_emulator/...` applies to the next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from reconciler.emulator.faults import FaultPolicy
from reconciler.emulator.limits import Limits
from reconciler.emulator.middleware import RequestPolicy
from reconciler.emulator.ratelimit import RateLimiter
from reconciler.emulator.upload_limit import UploadConcurrency
from reconciler.model.errors import ReconcilerError

if TYPE_CHECKING:
    from reconciler.emulator.app import EmulatorOptions


LIMIT_OPTIONS = (
    "rate_limit_per_minute",
    "deploy_rate_limit_per_minute",
    "max_body_bytes",
    "upload_concurrency_limit",
)


class EmulatorOptionError(ReconcilerError, ValueError):
    """An emulator option is out of range; the message names it."""


def check_options(options: EmulatorOptions) -> None:
    """Raise EmulatorOptionError for an out-of-range limit (faults are checked by `FaultConfig` itself)."""
    for name in LIMIT_OPTIONS:
        if getattr(options, name) < 0:
            raise EmulatorOptionError(f"emulator option {name}: must not be negative (0 disables)")


@dataclass
class Controls:
    limits: Limits
    rate_limiter: RateLimiter
    faults: FaultPolicy
    uploads: UploadConcurrency

    @classmethod
    def from_options(cls, options: EmulatorOptions) -> Controls:
        check_options(options)
        limits = Limits(**{name: getattr(options, name) for name in LIMIT_OPTIONS})
        return cls(
            limits,
            RateLimiter(limits),
            FaultPolicy(options.faults, limits),
            UploadConcurrency(limits),
        )

    @property
    def policies(self) -> list[RequestPolicy]:
        """Rate limiting first, so every answer (injected faults included) carries the limit headers; the
        upload slots before the faults, so injected latency counts as time an upload is in flight."""
        return [self.rate_limiter, self.uploads, self.faults]
