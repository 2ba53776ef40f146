"""`--publish-status SLUG` of drift and apply: each owner's status written into that integration's
context, where Netlify's UI (and the example extension in examples/extension/) shows it.

For `drift` it is a separate step after the report, with a client of its own; for `apply`, after success.
Statuses are counts and one line of text (`reconciler/model/status.py`), never a value of the plan. What
goes wrong while publishing is a warning: the exit code is the command's own (see docs/decisions.md).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

import click

from reconciler.model.errors import ReconcilerError
from reconciler.model.objects import LiveState, Target
from reconciler.model.status import OwnerStatus, Source
from reconciler.netlify.client import NetlifyClient
from reconciler.plan.model import Plan
from reconciler.session import ApiTarget, Planned
from reconciler.status.build import owner_statuses
from reconciler.status.ci import ci_run_url
from reconciler.status.publish import PublishReport, find_sites, publish

_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def check_slug(slug: str | None) -> None:
    """Refuse a slug the Integration API could not have, before anything is read or written."""
    if slug is not None and not _SLUG.fullmatch(slug):
        raise ReconcilerError(
            f"--publish-status {slug!r}: not an integration slug (lowercase letters, digits and hyphens, "
            "as in the integration's URL on Netlify)"
        )


def publish_after_drift(planned: Planned, target: ApiTarget, slug: str | None) -> None:
    """After the drift report: every owner's drift, published (the report's exit code is kept)."""
    if slug is None:
        return
    targets = [owner.target for owner in planned.live.owners()]
    with target.client() as client:
        _publish(client, slug, targets, planned.plan, "drift")


def publish_after_apply(client: NetlifyClient, live: LiveState, slug: str | None) -> None:
    """After a successful apply every owner is as the manifests declare (apply checked each on the way)."""
    if slug is None:
        return
    targets = find_sites(client, [owner.target for owner in live.owners()])
    _publish(client, slug, targets, Plan(), "apply")


def _publish(client: NetlifyClient, slug: str, targets: Sequence[Target], plan: Plan, source: Source) -> None:
    if not targets:
        return
    statuses = owner_statuses(plan, [t.ref for t in targets], source, run_url=ci_run_url(os.environ))
    report = publish(client, slug, [(t, statuses[t.ref.address]) for t in targets])
    _say(report, slug, statuses)


def _say(report: PublishReport, slug: str, statuses: dict[str, OwnerStatus]) -> None:
    """What was published, on stderr. Publishing reports; it never changes the command's exit code, which
    keeps saying what drift found (or that apply succeeded): a failure here is a warning."""
    total = len(statuses)
    if report.written:
        click.echo(
            f"Status published to the integration {slug!r} for {len(report.written)} of {total} "
            f"team(s) and site(s): {', '.join(sorted(report.written))}.",
            err=True,
        )
    for address, why in report.skipped:
        click.echo(f"  {address}: status not published: {why}", err=True)
    for address, error in report.failed:
        click.echo(f"Warning: {address}: publishing the status failed: {error}", err=True)
    if not report.written:
        click.echo(
            f"Warning: no status published to the integration {slug!r} (all {total} team(s) and site(s) "
            "skipped or failed, see above); is it enabled on them, and is the slug right?",
            err=True,
        )
