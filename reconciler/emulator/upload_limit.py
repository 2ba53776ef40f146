"""Netlify's limit on concurrent uploads: `X-Concurrent-Limit` on every upload answer, 429 past it.

Netlify answers file and function uploads with `x-concurrent-limit` (5 on Starter, 10 on paid plans) and
refuses uploads beyond it with 429. The emulator counts uploads **per deploy**: every official client
(netlify-cli, the Go client, ours) sizes one upload pool per deploy, and the header comes on the answers
to that deploy's uploads, so it is the only count a client can act on; counted per token, two deploys of
a fleet running side by side would refuse each other's uploads without either being able to tell from
its own answers.

An upload holds its slot from the moment it reaches the emulator (injected latency included: this policy
runs before the fault injector) until its answer is sent. The refusal carries the limit and, because
clients wait for `X-RateLimit-Reset` after a 429 (netlify-cli's API client does; ours tells this refusal
apart and pauses briefly whatever Reset says), a Reset at the next whole second with the token's real
`X-RateLimit-Remaining` left alone: a slot frees up within one upload's time, so a refused client should
wait a moment, not until the rate-limit window ends. Counts live on the event loop thread (policies and
`on_finish` run there), so they need no lock.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from starlette.types import Scope

from reconciler.emulator.errors import error_response
from reconciler.emulator.limits import UPLOAD_PATH, Limits
from reconciler.emulator.middleware import Verdict

HEADER = "X-Concurrent-Limit"
REFUSED = "upload_concurrency"


class UploadConcurrency:
    """A `RequestPolicy`; reads the limit on every request, so `/_emulator/limits` changes apply at once."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.time) -> None:
        self.limits = limits
        self._clock = clock
        self.in_flight: Counter[str] = Counter()
        self.peak = 0

    async def __call__(self, scope: Scope) -> Verdict | None:
        limit = self.limits.upload_concurrency_limit
        if limit <= 0 or scope["method"] != "PUT":
            return None
        match = UPLOAD_PATH.match(scope["path"])
        if match is None:
            return None
        deploy_id = match.group(1)
        headers = [(HEADER, str(limit))]
        if self.in_flight[deploy_id] >= limit:
            reset = ("X-RateLimit-Reset", str(int(self._clock()) + 1))
            message = (
                f"Too many concurrent uploads for deploy {deploy_id}: at most {limit} at a time "
                f"({HEADER}); retry when one has finished"
            )
            return Verdict(headers=[*headers, reset], response=error_response(429, message), fault=REFUSED)
        self.in_flight[deploy_id] += 1
        self.peak = max(self.peak, self.in_flight[deploy_id])
        return Verdict(headers=headers, on_finish=lambda: self._release(deploy_id))

    def _release(self, deploy_id: str) -> None:
        self.in_flight[deploy_id] -= 1
        if self.in_flight[deploy_id] <= 0:
            del self.in_flight[deploy_id]
