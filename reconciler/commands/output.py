"""What every command prints: plans in the chosen format on stdout, progress on stderr."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from reconciler.apply import ApplyReport, apply_plan
from reconciler.netlify.client import NetlifyClient
from reconciler.plan.model import Action, Change, Plan
from reconciler.plan.render_json import render_json
from reconciler.plan.render_markdown import render_markdown
from reconciler.plan.render_text import SYMBOLS, render_text
from reconciler.session import Planned

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2
FORMATS = ("text", "json", "markdown")
DONE = {
    Action.CREATE: "created",
    Action.UPDATE: "updated",
    Action.DELETE: "deleted",
    Action.REPLACE: "replaced",
    Action.DEPLOY: "deployed",
}


def colour() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def render(plan: Plan, fmt: str = "text") -> str:
    if fmt == "json":
        return render_json(plan)
    if fmt == "markdown":
        title = "netlify-reconciler drift report" if plan.mode == "drift" else "netlify-reconciler plan"
        hint = f"Run `netlify-reconciler {plan.mode}` for the full report; the job log has it too."
        return render_markdown(plan, title=title, full_plan_hint=hint)
    return render_text(plan, colour=colour())


def show(plan: Plan, fmt: str = "text") -> None:
    click.echo(render(plan, fmt), nl=False)


def write_reports(plan: Plan, json_out: Path | None, markdown_out: Path | None) -> None:
    """Machine- and reviewer-readable copies for CI (the GitHub Action reads these), besides stdout."""
    if json_out is not None:
        json_out.write_text(render(plan, "json"), encoding="utf-8")
    if markdown_out is not None:
        markdown_out.write_text(render(plan, "markdown"), encoding="utf-8")


def run_apply(client: NetlifyClient, planned: Planned) -> ApplyReport:
    def progress(change: Change) -> None:
        click.echo(f"  {SYMBOLS[change.action]} {change.address}: {DONE[change.action]}", err=True)

    report = apply_plan(client, planned.plan, planned.live, planned.kinds, on_applied=progress)
    for owner in report.ledgers_written:
        click.echo(f"  ledger of {owner} updated", err=True)
    c = planned.plan.counts()
    deploys = f", {c['deploy']} deployed" if c["deploy"] else ""
    click.echo(
        f"Apply complete: {c['create']} added, {c['update']} changed, {c['delete']} destroyed{deploys}."
    )
    return report
