"""What the service knows: each declared team's and site's latest check, its status and its plan.

Checks read live state with the service's own token through one `NetlifyClient`, so every check, on a
timer or asked for by a handler, shares the CLI's pacing and one rate-limit budget. Each owner is planned
on its own (a failure reading one site makes that site `error`, not the fleet); a round over the fleet
shares one site listing. At most `concurrency` owners are read at a time, and a check already running for
an owner is joined, not repeated, so a burst of handler calls cannot multiply the load on Netlify.
The manifests are loaded again for every check: the service follows the checkout it points at.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reconciler.live import MemoReader, read_live
from reconciler.manifest.model import DesiredState, Owner
from reconciler.model.errors import ReconcilerError
from reconciler.model.objects import Target
from reconciler.model.owner import OwnerRef
from reconciler.model.status import OwnerStatus, one_line
from reconciler.netlify.client import NetlifyClient
from reconciler.plan.model import Plan
from reconciler.plan.planner import build_plan
from reconciler.resources import Kinds
from reconciler.session import load_and_check
from reconciler.status.build import error_status, now, owner_statuses

log = logging.getLogger(__name__)
WAIT = 120.0  # how long a caller waits for a free check slot, or for a check someone else started
RELOCATE_AFTER = 30.0  # an unknown site id triggers a new round at most this often


class Busy(ReconcilerError):
    """Every check slot stayed taken for WAIT seconds: the caller should try again later."""


class Unknown(ReconcilerError):
    """No declared team or site by that name (the manifests changed since the caller looked)."""


@dataclass(frozen=True)
class OwnerCheck:
    ref: OwnerRef
    status: OwnerStatus
    plan: Plan | None  # None when the owner could not be read
    target: Target | None  # where it lives on Netlify, as last read
    team: str | None = None  # a site's declared team (for one that does not exist yet)
    unmanaged: int = 0


class Checker:
    def __init__(
        self,
        path: Path,
        client: NetlifyClient,
        *,
        concurrency: int = 2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self.concurrency = max(1, concurrency)
        self._client = client
        self._clock = clock
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._lock = threading.Lock()
        self._checks: dict[str, tuple[float, OwnerCheck]] = {}
        self._running: dict[str, Future[OwnerCheck]] = {}
        self._round: Future[None] | None = None
        self._round_at: float | None = None
        self.owners: list[OwnerRef] = []  # declared at the last load: teams, then sites, by name
        self.manifest_error: str | None = None
        self.last_round: datetime | None = None

    # -- reading what is known -------------------------------------------------------------------
    def latest(self) -> list[tuple[OwnerRef, OwnerCheck | None]]:
        """Every declared owner in plan order, with its latest check (None: not checked yet)."""
        with self._lock:
            checks = {address: check for address, (_, check) in self._checks.items()}
            return [(ref, checks.get(ref.address)) for ref in self.owners]

    def status(self, address: str, max_age: float) -> OwnerCheck:
        """The latest check when younger than `max_age` seconds, else a new one."""
        with self._lock:
            found = self._checks.get(address)
        if found is not None and self._clock() - found[0] < max_age:
            return found[1]
        return self.check(address)

    def locate(self, site_id: str | None, team: str | None) -> OwnerCheck | None:
        """The declared owner a handler call is about: the site with that id (in that team, when one is
        given), else the team with that id or slug. An unknown id waits for the round under way, or makes
        a new one (at most every 30 s): the site may have been created since."""
        found = self._find(site_id, team)
        with self._lock:
            under_way = self._round is not None
        stale = self._round_at is None or self._clock() - self._round_at > RELOCATE_AFTER
        if found is None and (under_way or stale):
            self.check_all()  # joins the round under way
            found = self._find(site_id, team)
        return found

    def _find(self, site_id: str | None, team: str | None) -> OwnerCheck | None:
        with self._lock:
            checks = [check for _, check in self._checks.values()]
        for check in checks:
            target = check.target
            if target is None:
                continue
            if site_id is not None:
                if target.site_id == site_id and (team is None or _in_team(target, team)):
                    return check
            elif target.kind == "team" and team in (target.account, target.name):
                return check
        return None

    # -- checking --------------------------------------------------------------------------------
    def check_all(self) -> None:
        """A round over the fleet: load the manifests again and check every owner (joined if running)."""
        with self._lock:
            running, mine = self._round, self._round is None
            if running is None:
                running = self._round = Future()
        if not mine:
            running.result(timeout=WAIT * 10)
            return
        try:
            self._round_at = self._clock()
            loaded = self._load()
            if loaded is not None:
                desired, kinds = loaded
                reader = MemoReader(self._client)  # one site listing for the whole round
                with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
                    list(pool.map(lambda owner: self._check(owner, kinds, reader), desired.owners()))
            self.last_round = now()
            running.set_result(None)
        except BaseException as exc:
            running.set_exception(exc)
            raise
        finally:
            with self._lock:
                self._round = None

    def check(self, address: str) -> OwnerCheck:
        """A new check of one owner, now."""
        loaded = self._load()
        if loaded is None:
            raise ReconcilerError(f"the manifests do not load: {self.manifest_error}")
        desired, kinds = loaded
        owner = next((o for o in desired.owners() if o.address == address), None)
        if owner is None:
            raise Unknown(f"{address} is not declared in the manifests any more")
        return self._check(owner, kinds, MemoReader(self._client))

    def _load(self) -> tuple[DesiredState, Kinds] | None:
        try:
            desired, kinds = load_and_check(self.path)
        except ReconcilerError as exc:
            self.manifest_error = one_line(str(exc).replace("\n", " "))
            return None
        self.manifest_error = None
        self.owners = sorted((owner.ref for owner in desired.owners()), key=lambda r: (r.phase, r.name))
        return desired, kinds

    def _check(self, owner: Owner, kinds: Kinds, reader: MemoReader) -> OwnerCheck:
        """One owner's check; joins one already running for it; waits for a free slot."""
        with self._lock:
            running, mine = self._running.get(owner.address), owner.address not in self._running
            if running is None:
                running = self._running[owner.address] = Future()
        if not mine:
            return running.result(timeout=WAIT * 2)
        try:
            if not self._slots.acquire(timeout=WAIT):
                raise Busy(f"every check slot ({self.concurrency}) stayed busy for {WAIT:.0f} s: try again")
            try:
                result = self._read_and_plan(owner, kinds, reader)
            finally:
                self._slots.release()
            with self._lock:
                self._checks[owner.address] = (self._clock(), result)
            running.set_result(result)
            return result
        except BaseException as exc:
            running.set_exception(exc)
            raise
        finally:
            with self._lock:
                self._running.pop(owner.address, None)

    def _read_and_plan(self, owner: Owner, kinds: Kinds, reader: MemoReader) -> OwnerCheck:
        desired = DesiredState.of(owner)
        team = None if owner.kind == "team" else owner.spec.get("team")
        try:
            live = read_live(self._client, desired, kinds, reader=reader)
            plan = build_plan(desired, live, kinds, self._client.prefixes())
        except ReconcilerError as exc:
            return self._failed(owner, str(exc), team)
        except Exception as exc:  # a bug: say where it happened, never the text (it could quote a value)
            log.error("internal error checking %s (%s)", owner.address, type(exc).__name__)
            log.debug("where: %s", "".join(traceback.format_list(traceback.extract_tb(exc.__traceback__))))
            return self._failed(owner, f"internal error ({type(exc).__name__}); see the service's log", team)
        status = owner_statuses(plan, [owner.ref], "serve")[owner.address]
        target = live.owner(owner.kind, owner.name).target
        return OwnerCheck(owner.ref, status, plan, target, team, len(plan.unmanaged))

    def _failed(self, owner: Owner, message: str, team: str | None) -> OwnerCheck:
        """An error status; the owner keeps where it was last seen, so its callers still find it."""
        with self._lock:
            found = self._checks.get(owner.address)
        target = found[1].target if found else None
        return OwnerCheck(owner.ref, error_status(owner.ref, message, "serve"), None, target, team)

    # -- on a timer ------------------------------------------------------------------------------
    def every(self, interval: float, stop: threading.Event) -> None:
        """Rounds every `interval` seconds until `stop` is set (a thread's target)."""
        while not stop.is_set():
            try:
                self.check_all()
            except Exception as exc:  # keep the timer alive; the page shows each owner's error
                log.error("a round of checks failed (%s)", type(exc).__name__)
            stop.wait(interval)


def _in_team(target: Target, team: str) -> bool:
    return team in (target.account, target.site.get("account_slug"), target.site.get("account_id"))
