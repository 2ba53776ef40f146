"""Carry out a Plan: exactly the requests each change carries, in order, nothing else that writes.

Owners are visited phase by phase (teams, then sites), each phase's owners concurrently (bounded); an
owner's changes run in plan order, and placeholders (`{site.x.id}`) are filled from the answers of
earlier requests. A create whose outcome is unknown is settled by reading back (`readback`). A failure
stops that owner's remaining changes, gives its lease back, and keeps any owner not yet started from
starting; owners already under way stop after the change they are carrying out. Ctrl-C stops an apply
the same way. The error says what was applied.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from reconciler.apply.interrupts import CtrlC
from reconciler.apply.readback import settle
from reconciler.model.change import Change
from reconciler.model.errors import ReconcilerError
from reconciler.model.lease import TTL
from reconciler.model.owner import OwnerRef
from reconciler.model.request import Request, fill, learned
from reconciler.model.sensitive import reveal, scrubbed
from reconciler.netlify.client import NetlifyClient
from reconciler.netlify.errors import OutcomeUnknown
from reconciler.plan.model import Plan
from reconciler.resources.base import Procedure

DEFAULT_WORKERS = 4
DEFAULT_LEASE_WAIT = 120.0
RENEW_EVERY = TTL.total_seconds() / 5
_WAKE_EVERY = 0.25  # seconds: how soon the waiting main thread acts on a Ctrl-C (see interrupts.py)


@dataclass
class Failure:
    change: Change
    cause: Exception


@dataclass
class ApplyReport:
    applied: list[Change] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    not_attempted: int = 0
    values: dict[str, Any] = field(default_factory=dict)  # placeholder -> what an answer gave it
    requests: int = 0  # planned requests sent (a procedure counts once)
    already_done: dict[str, int] = field(default_factory=dict)  # owner -> changes another apply made first


def _counts(report: ApplyReport) -> str:
    return (
        f"{len(report.applied)} change(s) were applied; {report.not_attempted} change(s) were not "
        "attempted. Run `plan` again to see what is left."
    )


def _stops(report: ApplyReport) -> list[str]:
    """Why each failed change stopped; a server's message may echo the request, so the change's sensitive
    values are masked in it."""
    return [
        f"apply stopped at {f.change.address} ({f.change.action.value}): "
        + scrubbed(str(f.cause), [(r.body, r.params) for r in f.change.requests])
        for f in report.failures
    ]


class ApplyFailed(ReconcilerError):
    """Some changes were applied, some failed, the rest were not attempted."""

    def __init__(self, report: ApplyReport) -> None:
        self.report = report
        super().__init__("\n".join([*_stops(report), f"  {_counts(report)}"]))


class ApplyInterrupted(ReconcilerError):
    """Ctrl-C: the changes under way were finished, none was started after; 130 like any interrupt. A
    second Ctrl-C abandoned the deploys under way: each is a failure here, saying it was cancelled."""

    exit_code = 130

    def __init__(self, report: ApplyReport) -> None:
        self.report = report
        super().__init__(
            "\n".join(
                [
                    *_stops(report),
                    "apply interrupted: the changes under way were finished and no other was started. "
                    + _counts(report),
                ]
            )
        )


class _AlreadyDone(Exception):
    """Another apply, holding the owner's lease first, left it exactly as this plan wants it."""


@dataclass
class _Held:
    renew: Callable[[], None]
    release: Callable[[], None]
    renewed_at: float


class _Run:
    """One apply: the shared report, placeholder values and leases, each behind one lock. Also the
    RunContext the procedures see."""

    def __init__(
        self,
        client: NetlifyClient,
        procedures: Mapping[str, Procedure],
        on_applied: Callable[[Change], None] | None,
        revalidate: Callable[[str], bool] | None,
        lease_wait: float,
    ) -> None:
        self.client = client
        self.procedures = procedures
        self.on_applied = on_applied
        self.revalidate = revalidate
        self.lease_wait = lease_wait
        self.run_id = uuid.uuid4().hex[:16]
        self.report = ApplyReport()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.abandon = threading.Event()
        self._held: dict[str, _Held] = {}

    # -- the RunContext procedures see ---------------------------------------------------------------
    def holds(self, owner: str, renew: Callable[[], None], release: Callable[[], None]) -> None:
        with self.lock:
            self._held[owner] = _Held(renew, release, time.monotonic())

    def keep_alive(self, owner: str) -> None:
        with self.lock:
            held = self._held.get(owner)
            due = held is not None and time.monotonic() - held.renewed_at > RENEW_EVERY
            if held is not None and due:
                held.renewed_at = time.monotonic()
        if held is not None and due:
            held.renew()

    def contended(self, owner: str) -> None:
        if self.revalidate is not None and self.revalidate(owner):
            raise _AlreadyDone(owner)

    # -- carrying out ------------------------------------------------------------------------------
    def owner(self, changes: list[Change]) -> None:
        address = changes[0].owner.address
        for index, change in enumerate(changes):
            if self.stop.is_set():
                with self.lock:
                    self.report.not_attempted += len(changes) - index
                self._give_back(address)
                return
            try:
                for request in change.requests:
                    self.send(request)
            except _AlreadyDone:
                with self.lock:
                    self.report.already_done[address] = len(changes) - index
                self._give_back(address)
                return
            except ReconcilerError as exc:
                self.stop.set()
                with self.lock:
                    self.report.failures.append(Failure(change, exc))
                    self.report.not_attempted += len(changes) - index - 1
                self._give_back(address)
                return
            except Exception:
                self.stop.set()
                self._give_back(address)
                raise
            with self.lock:
                self.report.applied.append(change)
            if self.on_applied:
                self.on_applied(change)
        with self.lock:
            self._held.pop(address, None)  # its ledger write (the last change) gave it back

    def _give_back(self, owner: str) -> None:
        """After a failure, the lease goes back, so the next apply need not wait for it to expire."""
        with self.lock:
            held = self._held.pop(owner, None)
        if held is not None:
            with contextlib.suppress(ReconcilerError):  # it expires on its own; the failure is what matters
                held.release()

    def send(self, planned: Request) -> None:
        with self.lock:
            request = fill(planned, self.report.values)
        try:
            answer = self._carry_out(request)
        except OutcomeUnknown as unknown:
            answer = settle(self.client, request, self._carry_out, unknown)
        values = learned(request, answer)
        with self.lock:
            self.report.values.update(values)
            self.report.requests += 1

    def _carry_out(self, request: Request) -> Any:
        if request.via is not None:
            return self.procedures[request.via].run(self.client, request, self)
        api = self.client if request.api == "netlify" else self.client.integrations()
        return api.request_json(
            request.method,
            request.path,
            params=request.params or None,
            body=reveal(request.body),
            idempotent=request.idempotent,
            accept=request.accept,
        )


def _check(plan: Plan, procedures: Mapping[str, Procedure]) -> None:
    """Everything that can be refused without Netlify is refused before the first request."""
    for change in plan.changes:
        for request in change.requests:
            if request.via is None:
                continue
            procedure = procedures.get(request.via)
            if procedure is None:
                raise ReconcilerError(
                    f"{request.call()}: no procedure {request.via!r} is known to this version"
                )
            procedure.check(request)


def apply_plan(
    client: NetlifyClient,
    plan: Plan,
    procedures: Mapping[str, Procedure],
    on_applied: Callable[[Change], None] | None = None,
    workers: int = DEFAULT_WORKERS,
    revalidate: Callable[[str], bool] | None = None,
    lease_wait: float = DEFAULT_LEASE_WAIT,
    on_interrupt: Callable[[bool], None] | None = None,
) -> ApplyReport:
    """`on_interrupt(again)` runs when Ctrl-C comes: the first time, while the changes under way finish;
    again (`True`) when a later one abandons the deploys under way.

    `revalidate(owner)` runs only where another apply held the owner's lease first (and so may have
    changed it): it raises when the owner moved away from what this plan read, and answers True when that
    other apply left it exactly as this plan wants it (its remaining changes are then not needed)."""
    _check(plan, procedures)
    run = _Run(client, procedures, on_applied, revalidate, lease_wait)
    by_owner: dict[OwnerRef, list[Change]] = {}
    for change in plan.changes:
        by_owner.setdefault(change.owner, []).append(change)
    with CtrlC(run.stop, run.abandon, on_interrupt) as ctrl_c:
        for phase in sorted({owner.phase for owner in by_owner}):
            owners = [changes for owner, changes in by_owner.items() if owner.phase == phase]
            ctrl_c.notice()
            if run.stop.is_set():
                run.report.not_attempted += sum(map(len, owners))
                continue
            with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
                # Not map: it would cancel the queued owners on Ctrl-C, and they must run to count
                # themselves as not attempted.
                started = [pool.submit(run.owner, changes) for changes in owners]
                _await(started, ctrl_c)
    if ctrl_c.interrupted:
        raise ApplyInterrupted(run.report)
    if run.report.failures:
        raise ApplyFailed(run.report)
    return run.report


def _await(started: list[Future[None]], ctrl_c: CtrlC) -> None:
    """Wait for every owner of a phase, looking for Ctrl-C presses now and then."""
    for future in started:
        while not wait([future], timeout=_WAKE_EVERY).done:
            ctrl_c.notice()
        future.result()
