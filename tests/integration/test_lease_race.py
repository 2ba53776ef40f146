"""Two applies claiming one site's lease when one of them is slow between reading the carrier and writing
its claim (a loaded machine, a slow network): the lease must still go to one of them at a time.

Fischer's timed mutual exclusion is only as safe as its pause is long: every contender's read-to-write
time must fit in the pause of every other. This runs the real procedure against the emulator, with the
slow contender (in a process of its own) holding its writes back, as a descheduled process would.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from typing import Any

import pytest

from reconciler.model.errors import ReconcilerError
from reconciler.model.lease import LEASE_FIELD
from reconciler.model.ledger import LEDGER_KEY, REPLACING_FIELD
from reconciler.netlify.client import NetlifyClient
from reconciler.resources.lease import LeaseHeld, LeaseProcedure, lease_request, settle_seconds
from tests.cli.conftest import clean_env, run_cli

SETTLE = 1.0  # both contenders share it, as applies of one version do
# More than the old pause (a quarter second, scaled to the claimant's own speed), less than SETTLE.
SLOW_WRITE = 0.5


class SlowWrites:
    """The real client, with each write held back before it is sent; `about_to_write` is set when the
    first one is (the carrier has been read)."""

    def __init__(self, client: NetlifyClient, delay: float, about_to_write: Any = None) -> None:
        self._client, self._delay, self._about_to_write = client, delay, about_to_write

    def get(self, path: str) -> Any:
        return self._client.get(path)

    def put(self, path: str, body: Any) -> Any:
        if self._about_to_write is not None:
            self._about_to_write.set()
        time.sleep(self._delay)
        return self._client.put(path, body)


class Apply:
    """What a procedure may ask of its apply, with a record of when the lease was held."""

    def __init__(self, run_id: str, lease_wait: float) -> None:
        self.run_id, self.lease_wait = run_id, lease_wait
        self.held_at: float | None = None
        self.release: Callable[[], None] | None = None
        self.was_contended = False

    def holds(self, owner: str, renew: Callable[[], None], release: Callable[[], None]) -> None:
        self.held_at, self.release = time.monotonic(), release

    def keep_alive(self, owner: str) -> None:
        return None

    def contended(self, owner: str) -> None:
        self.was_contended = True


def slow_contender(url: str, path: str, about_to_write: Any, report: Any) -> None:
    """Another apply, in a process of its own (a lease held by this very process would count as a dead
    run's): it takes the lease with slow writes, keeps it half a second, gives it back."""
    with NetlifyClient(url, "test-token") as client:
        apply = Apply("slow-run", lease_wait=30)
        LeaseProcedure(settle=SETTLE).run(
            SlowWrites(client, SLOW_WRITE, about_to_write), lease_request("site.race", path), apply
        )
        time.sleep(0.5)  # its changes
        released_at = time.monotonic()
        assert apply.release is not None
        apply.release()
        report.put((apply.held_at, released_at))


def test_a_contender_slower_than_the_claimant_does_not_hold_the_lease_at_the_same_time(emulator) -> None:
    spawn = multiprocessing.get_context("spawn")
    with NetlifyClient(emulator.url, "test-token") as client:
        site = client.request("POST", "/sites", json={"name": "race"}).json()
        path = f"/sites/{site['id']}/metadata"
        about_to_write, report = spawn.Event(), spawn.Queue()
        other = spawn.Process(target=slow_contender, args=(emulator.url, path, about_to_write, report))
        other.start()
        try:
            assert about_to_write.wait(60), "the other apply never claimed"
            # It read "free"; its claim lands SLOW_WRITE from now, after ours is written.
            fast = Apply("fast-run", lease_wait=30)
            LeaseProcedure(settle=SETTLE).run(client, lease_request("site.race", path), fast)
            other_held_at, other_released_at = report.get(timeout=60)
        finally:
            other.join(timeout=60)
        assert other.exitcode == 0
        assert fast.held_at is not None and other_held_at is not None
        assert fast.held_at > other_released_at, "both applies held the lease at once"
        assert fast.was_contended, "the later holder checks its plan against what the first one did"
        ledger = client.get(path)[LEDGER_KEY]
        assert ledger[LEASE_FIELD]["run"] == "fast-run"


def test_the_settling_time_is_one_value_for_every_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settle_seconds({}) == 2.0
    assert settle_seconds({"NETLIFY_RECONCILER_LEASE_SETTLE": "0.5"}) == 0.5
    for bad in ("0", "-1", "soon", "61"):
        with pytest.raises(ReconcilerError, match="NETLIFY_RECONCILER_LEASE_SETTLE must be"):
            settle_seconds({"NETLIFY_RECONCILER_LEASE_SETTLE": bad})
    monkeypatch.setenv("NETLIFY_RECONCILER_LEASE_SETTLE", "0.75")
    assert LeaseProcedure()._settle == 0.75


def test_a_claim_that_is_always_too_slow_gives_up_at_the_deadline_and_leaves_no_claim(emulator) -> None:
    with NetlifyClient(emulator.url, "test-token") as client:
        site = client.request("POST", "/sites", json={"name": "slow-net"}).json()
        path = f"/sites/{site['id']}/metadata"
        procedure = LeaseProcedure(settle=0.2)
        started = time.monotonic()
        with pytest.raises(LeaseHeld, match=r"each claim took longer than 0\.2 s"):
            procedure.run(
                SlowWrites(client, 0.3), lease_request("site.slow-net", path), Apply("r", lease_wait=1)
            )
        assert time.monotonic() - started < 5
        assert LEASE_FIELD not in (client.get(path).get(LEDGER_KEY) or {})


def test_apply_refuses_a_bad_settling_time_before_reading_anything(tmp_path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text("version: 1\nsites:\n  web:\n    team: demo\n")
    # No API is reachable at this address: the refusal must come before any request.
    env = clean_env(
        NETLIFY_API_URL="http://127.0.0.1:9", NETLIFY_AUTH_TOKEN="t", NETLIFY_RECONCILER_LEASE_SETTLE="soon"
    )
    result = run_cli("apply", str(manifest), "--auto-approve", env=env)
    assert result.returncode == 1
    assert "NETLIFY_RECONCILER_LEASE_SETTLE must be a number of seconds" in result.stderr
    assert "Traceback" not in result.stderr


class SlowFirstWrite(SlowWrites):
    """A claim too slow once (it is made again), then writes at full speed."""

    def put(self, path: str, body: Any) -> Any:
        result = super().put(path, body)
        self._delay = 0.0
        return result


def test_a_claim_made_again_is_not_mistaken_for_another_apply_by_its_own_replace_note(emulator) -> None:
    """The first claim wrote this apply's `replacing` note; the second reads it back. That is not another
    apply's change, so the owner is not read again."""
    with NetlifyClient(emulator.url, "test-token") as client:
        site = client.request("POST", "/sites", json={"name": "noted"}).json()
        path = f"/sites/{site['id']}/metadata"
        note = {"dns_records": {"acme.dev/acme.dev/TXT/x": "rec-1"}}
        claim = lease_request("site.noted", path, planned_ledger=None, replacing=note)
        apply = Apply("noting-run", lease_wait=10)
        LeaseProcedure(settle=0.2).run(SlowFirstWrite(client, 0.3), claim, apply)
        assert apply.held_at is not None and not apply.was_contended
        assert client.get(path)[LEDGER_KEY][REPLACING_FIELD] == note
