"""Leases: which apply is changing an owner right now, stored inside that owner's ledger.

Netlify has no conditional write, so two applies could interleave their changes to one site. A lease
is a claim written into the ledger's carrier (`{"holder", "run", "since", "expires"}`) before an
apply's first write to the owner, confirmed by reading it back after a settling pause, renewed during
long deploys and removed by the owner's last (ledger) write. A lease whose run is known to be gone
(past its expiry, or held by a process of this machine that no longer exists) is stale and may be
taken over; whatever that run left unfinished is then planned for clean-up.
"""

from __future__ import annotations

import getpass
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

LEASE_FIELD = "lease"  # the key inside the ledger's JSON
TTL = timedelta(minutes=10)


def now() -> datetime:
    return datetime.now(UTC)


def this_holder() -> str:
    """Who holds a lease this process takes: user, host and process id (to tell a dead local holder)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Lease:
    holder: str
    run: str
    since: datetime
    expires: datetime

    @classmethod
    def new(cls, run: str, at: datetime | None = None) -> Lease:
        start = at or now()
        return cls(this_holder(), run, start, start + TTL)

    def renewed(self, at: datetime | None = None) -> Lease:
        return Lease(self.holder, self.run, self.since, (at or now()) + TTL)

    @classmethod
    def from_json(cls, data: Any) -> Lease | None:
        """Tolerant: anything that is not a well-formed lease is no lease."""
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                str(data["holder"]),
                str(data["run"]),
                datetime.fromisoformat(str(data["since"])),
                datetime.fromisoformat(str(data["expires"])),
            )
        except (KeyError, ValueError):
            return None

    def to_json(self) -> dict[str, str]:
        return {
            "holder": self.holder,
            "run": self.run,
            "since": self.since.isoformat(timespec="seconds"),
            "expires": self.expires.isoformat(timespec="seconds"),
        }

    def stale(self, at: datetime | None = None) -> bool:
        """Past its expiry, or held by a process of this machine that has gone (a `kill -9`, a crash)."""
        if (at or now()) >= self.expires:
            return True
        user_host, _, pid = self.holder.rpartition(":")
        here = this_holder().rpartition(":")[0]
        if user_host.partition("@")[2] != here.partition("@")[2] or not pid.isdigit():
            return False
        # This very process cannot be the holder of another run's lease: its pid was reused.
        return int(pid) == os.getpid() or not _process_exists(int(pid))

    def describe(self) -> str:
        return f"run {self.run} ({self.holder}), since {self.since.isoformat(timespec='seconds')}"


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    return True
