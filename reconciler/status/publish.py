"""Writing owner statuses into an integration's site and team contexts, where Netlify's UI can show them.

This write belongs to no plan: it is a separate step after `drift` has reported, or after `apply` has
succeeded. Each context is read, our key (`STATUS_KEY`) set, and the whole config written back at once,
so the rest of it is kept: the integration's own settings and this tool's ledger under
`netlify-reconciler`. Netlify has no conditional write, so an owner whose context holds another apply's
live lease is skipped (that apply is about to write the ledger there), and the read and the write follow
each other directly; docs/decisions.md ("Publishing status") says what remains.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from reconciler.model.errors import ReconcilerError
from reconciler.model.lease import LEASE_FIELD, Lease
from reconciler.model.ledger import LEDGER_KEY
from reconciler.model.objects import Target
from reconciler.model.status import STATUS_KEY, OwnerStatus
from reconciler.netlify.client import NetlifyClient
from reconciler.netlify.errors import ApiError
from reconciler.resources.integrations import context_path

WORKERS = 4
Outcome = Literal["written", "skipped", "failed"]


@dataclass
class PublishReport:
    written: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (owner address, why)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (owner address, error)


def publish(
    client: NetlifyClient, slug: str, items: Sequence[tuple[Target, OwnerStatus]], workers: int = WORKERS
) -> PublishReport:
    """Write each status into `slug`'s context of its owner; report what was written, skipped, failed."""
    api = client.integrations()

    def one(item: tuple[Target, OwnerStatus]) -> tuple[str, Outcome, str]:
        target, status = item
        try:
            outcome, why = _publish_one(api, slug, target, status)
        except ReconcilerError as exc:
            return target.ref.address, "failed", str(exc)
        return target.ref.address, outcome, why

    report = PublishReport()
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for address, outcome, why in pool.map(one, items):
            if outcome == "written":
                report.written.append(address)
            else:
                (report.skipped if outcome == "skipped" else report.failed).append((address, why))
    return report


def _publish_one(api: NetlifyClient, slug: str, target: Target, status: OwnerStatus) -> tuple[Outcome, str]:
    if not target.exists:
        return "skipped", "the site does not exist on Netlify yet"
    path = context_path(target, slug)
    try:
        body = api.get(path)
    except ApiError as exc:
        if exc.status != 404:
            raise
        return "skipped", f"the integration {slug!r} is not enabled on it"
    config = body.get("config") if isinstance(body, Mapping) else None
    config = dict(config) if isinstance(config, Mapping) else {}
    lease = _live_lease(config)
    if lease is not None:
        return "skipped", f"another apply holds its lease ({lease.describe()}) and writes there next"
    api.put(path, {"config": {**config, STATUS_KEY: status.to_json()}})
    return "written", ""


def _live_lease(config: Mapping[str, Any]) -> Lease | None:
    ledger = config.get(LEDGER_KEY)
    lease = Lease.from_json(ledger.get(LEASE_FIELD)) if isinstance(ledger, Mapping) else None
    return lease if lease is not None and not lease.stale() else None


def find_sites(client: NetlifyClient, targets: Sequence[Target]) -> list[Target]:
    """Targets with the ids of sites that exist by now (created by the apply that just ran): one
    look-up by name each, for those the plan knew only by name."""
    out = []
    for target in targets:
        if not target.exists:
            found = [
                site
                for site in client.get_all("/sites", {"name": target.name, "filter": "all"})
                if isinstance(site, Mapping) and site.get("name") == target.name
            ]
            if len(found) == 1:
                site = found[0]
                target = Target("site", target.name, site.get("account_id"), str(site["id"]), site)
        out.append(target)
    return out
