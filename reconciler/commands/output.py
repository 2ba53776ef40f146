"""What every command prints: plans in the chosen format on stdout, progress on stderr."""

from __future__ import annotations

import os
import sys

import click

from reconciler.apply import ApplyReport, apply_plan
from reconciler.netlify.client import NetlifyClient
from reconciler.plan.model import Change, Plan
from reconciler.plan.render_json import render_json
from reconciler.plan.render_markdown import render_markdown
from reconciler.plan.render_text import SYMBOLS, render_text
from reconciler.session import Planned

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2
FORMATS = ("text", "json", "markdown")


def colour() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def render(plan: Plan, fmt: str = "text") -> str:
    if fmt == "json":
        return render_json(plan)
    if fmt == "markdown":
        return render_markdown(plan, full_plan_hint="Run `netlify-reconciler plan` for the full plan.")
    return render_text(plan, colour=colour())


def show(plan: Plan, fmt: str = "text") -> None:
    click.echo(render(plan, fmt), nl=False)


def run_apply(client: NetlifyClient, planned: Planned) -> ApplyReport:
    def progress(change: Change) -> None:
        click.echo(f"  {SYMBOLS[change.action]} {change.address}: {change.action.value}d", err=True)

    report = apply_plan(client, planned.plan, planned.live, planned.kinds, on_applied=progress)
    for owner in report.ledgers_written:
        click.echo(f"  ledger of {owner} updated", err=True)
    c = planned.plan.counts()
    click.echo(f"Apply complete: {c['create']} added, {c['update']} changed, {c['delete']} destroyed.")
    return report
