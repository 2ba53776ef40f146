"""Taking an owner's lease: a claim written into the object that carries its ledger.

Netlify offers no conditional write, so the claim follows Fischer's timed mutual exclusion: read the
carrier; if no live lease of another run is there, write ours; wait longer than any contender's
read-to-write time; read again; the lease is ours only if our claim is still the one stored. "Longer than
any contender's" must hold for every contender, not only for this run: each claim that took longer than
`settle` seconds from read to write is made again, and each run pauses `settle` seconds, one value for
all (`NETLIFY_RECONCILER_LEASE_SETTLE`, default 2). A pause scaled to this run's own read-to-write time
let a contender that was slower than that (a loaded machine) write its claim after ours was confirmed,
and both applies went on. Another
run's live lease is waited for (bounded by `--lease-timeout`); a stale one (expired, or held by a dead
process of this machine) is taken over. The carrier is read and written whole each time, so whatever
else it holds (the site's other metadata, the integration's other config) is kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from reconciler.model.errors import ReconcilerError
from reconciler.model.lease import LEASE_FIELD, Lease
from reconciler.model.ledger import LEDGER_KEY, REPLACING_FIELD, Replacing, replacing_of
from reconciler.model.request import Api, Request
from reconciler.netlify.client import NetlifyClient
from reconciler.netlify.errors import ApiError
from reconciler.resources.base import Procedure, RunContext

PROCEDURE = "lease"
SETTLE = 2.0  # the longest a claim may take from read to write, and the pause before it is read back
SETTLE_VARIABLE = "NETLIFY_RECONCILER_LEASE_SETTLE"
POLL = 2.0  # how often a held lease is looked at again


def settle_seconds(environ: Mapping[str, str] = os.environ) -> float:
    """The settling time every apply must share: SETTLE, or the environment's (a loopback emulator's
    tests use less; applies that can meet must all use one value)."""
    text = environ.get(SETTLE_VARIABLE, "").strip()
    if not text:
        return SETTLE
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 60:
        raise ReconcilerError(
            f"{SETTLE_VARIABLE} must be a number of seconds above 0 and at most 60, not {text!r}"
        )
    return value


class LeaseHeld(ReconcilerError):
    """Another apply holds the owner's lease and did not give it back in time."""


def lease_request(
    owner: str,
    path: str,
    *,
    api: Api = "netlify",
    wrapped_in: str | None = None,
    uncontested: bool = False,
    shows: tuple[str, ...] = (),
    planned_ledger: Any = None,
    replacing: Replacing | None = None,
) -> Request:
    """The request that takes `owner`'s lease on the carrier at `path` (JSON object; with `wrapped_in`,
    the object under that key, as an integration context's `config`). `uncontested`: the owner is created
    by this very apply (a second apply creating it too fails on the taken name), so no one can contend
    and the settling pause is skipped. `planned_ledger`: the ledger as the plan read it; found otherwise
    when the lease is taken, another apply changed the owner since (it finished before this one looked),
    so the owner is read again, as when its lease had to be waited for. `replacing`: the live objects
    this apply's create-first replaces supersede, noted in the ledger with the claim (`Ledger.replacing`)."""
    options: dict[str, Any] = {"owner": owner, "api": api, "wrapped_in": wrapped_in}
    options.update(uncontested=uncontested, planned_ledger=ledger_digest(planned_ledger))
    if replacing:
        options["replacing"] = replacing
    return Request(
        "PUT",
        path,
        api=api,
        via=PROCEDURE,
        options=options,
        binds={ledger_binding(owner): "ledger"},
        shows=shows,
    )


def ledger_digest(ledger: Any) -> str:
    """What a ledger records, its lease and replace note aside (every claim rewrites them, a claim made
    again reads back its own), as one comparable value."""
    transient = (LEASE_FIELD, REPLACING_FIELD)
    content = {k: v for k, v in ledger.items() if k not in transient} if isinstance(ledger, Mapping) else {}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def ledger_binding(owner: str) -> str:
    """The placeholder for the owner's ledger as it stands during this apply (with its lease): writes of
    the carrier made meanwhile (a metadata change) must keep it."""
    return f"{owner}.ledger"


@dataclass(frozen=True)
class _Carrier:
    """The object the ledger lives in, read and written whole."""

    client: NetlifyClient
    path: str
    wrapped_in: str | None

    def read(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(the carrier without the ledger, the ledger) as stored now."""
        try:
            body = self.client.get(self.path) or {}
        except ApiError as exc:
            if exc.status != 404:
                raise
            body = {}
        inner = body.get(self.wrapped_in) if self.wrapped_in else body
        inner = dict(inner) if isinstance(inner, Mapping) else {}
        ledger = inner.pop(LEDGER_KEY, None)
        return inner, dict(ledger) if isinstance(ledger, Mapping) else {}

    def write(self, carrier: dict[str, Any], ledger: dict[str, Any]) -> None:
        inner = {**carrier, LEDGER_KEY: ledger}
        self.client.put(self.path, {self.wrapped_in: inner} if self.wrapped_in else inner)

    def lease(self) -> Lease | None:
        return Lease.from_json(self.read()[1].get(LEASE_FIELD))


class LeaseProcedure(Procedure):
    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        settle: float | None = None,
    ):
        self._clock = clock
        self._sleep = sleep
        self._settle = settle_seconds() if settle is None else settle

    def check(self, request: Request) -> None:
        return None

    def run(self, client: Any, request: Request, context: RunContext) -> Any:
        owner = str(request.options["owner"])
        api = client if request.options.get("api", "netlify") == "netlify" else client.integrations()
        carrier = _Carrier(api, request.path, request.options.get("wrapped_in"))
        deadline = self._clock() + context.lease_wait
        waited: Lease | None = None
        while True:
            started = self._clock()
            stored, ledger = carrier.read()
            held = Lease.from_json(ledger.get(LEASE_FIELD))
            if held is not None and held.run != context.run_id and not held.stale():
                waited = held
                if self._clock() + POLL > deadline:
                    since, expires = (t.isoformat(timespec="seconds") for t in (held.since, held.expires))
                    raise LeaseHeld(
                        f"another apply has held {owner} since {since} ({held.describe()}; it expires at "
                        f"{expires} unless renewed): nothing was changed there; apply again once it is done"
                    )
                self._sleep(POLL)
                continue
            ours = {**ledger, LEASE_FIELD: Lease.new(context.run_id).to_json()}
            _note_replacing(ours, request.options.get("replacing"))
            carrier.write(stored, ours)
            if not request.options.get("uncontested"):
                if self._clock() - started > self._settle:
                    if self._clock() > deadline:
                        _release(carrier, context.run_id)
                        raise LeaseHeld(
                            f"could not take the lease of {owner}: each claim took longer than "
                            f"{self._settle:g} s from read to write (a slow connection to the API?): "
                            "nothing was changed there; apply again"
                        )
                    continue  # too slow to be sure no contender read "free" in between: claim again
                self._sleep(self._settle)
                confirmed = carrier.lease()
                if confirmed is None or confirmed.run != context.run_id:
                    waited = confirmed or waited
                    continue  # someone else's claim came after ours: theirs stands, ours is not held
            context.holds(
                owner, partial(_renew, carrier, context.run_id), partial(_release, carrier, context.run_id)
            )
            planned = request.options.get("planned_ledger")
            if waited is not None or (planned is not None and ledger_digest(ledger) != planned):
                context.contended(owner)
            return {"ledger": ours}


def _note_replacing(ledger: dict[str, Any], replacing: Any) -> None:
    """Add this apply's replaces to those an earlier, interrupted apply noted (not yet cleaned up)."""
    ours = replacing_of(replacing)
    if not ours:
        return
    noted = replacing_of(ledger.get(REPLACING_FIELD))
    for kind, entries in ours.items():
        noted.setdefault(kind, {}).update(entries)
    ledger[REPLACING_FIELD] = noted


def _renew(carrier: _Carrier, run: str) -> None:
    stored, ledger = carrier.read()
    held = Lease.from_json(ledger.get(LEASE_FIELD))
    if held is None or held.run != run:
        raise LeaseHeld("this apply's lease was taken over by another run while it was changing the owner")
    carrier.write(stored, {**ledger, LEASE_FIELD: held.renewed().to_json()})


def _release(carrier: _Carrier, run: str) -> None:
    """Give the lease back after a failure: the ledger stays as it was, without our claim."""
    stored, ledger = carrier.read()
    held = Lease.from_json(ledger.get(LEASE_FIELD))
    if held is not None and held.run == run:
        ledger.pop(LEASE_FIELD, None)
        carrier.write(stored, ledger)
