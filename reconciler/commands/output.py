"""What every command prints: plans in the chosen format on stdout, progress on stderr."""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path

import click

from reconciler.apply import DEFAULT_LEASE_WAIT, ApplyReport, apply_plan
from reconciler.model.change import Action, Change
from reconciler.model.errors import ReconcilerError
from reconciler.netlify.client import NetlifyClient
from reconciler.plan.model import Plan
from reconciler.plan.render_json import render_json
from reconciler.plan.render_markdown import render_markdown
from reconciler.plan.render_text import SYMBOLS, render_text
from reconciler.resources.base import Procedure

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2
FORMATS = ("text", "json", "markdown")
DONE = {
    Action.CREATE: "created",
    Action.UPDATE: "updated",
    Action.DELETE: "deleted",
    Action.REPLACE: "replaced",
    Action.DEPLOY: "deployed",
    Action.RECORD: "recorded",
}


def colour() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def verbosity() -> int:
    """How many `-v` the command line had (0 outside the CLI)."""
    context = click.get_current_context(silent=True)
    root = context.find_root() if context else None
    return int((root.params.get("verbose") if root else 0) or 0)


def render(plan: Plan, fmt: str = "text") -> str:
    if fmt == "json":
        return render_json(plan)
    if fmt == "markdown":
        title = "netlify-reconciler drift report" if plan.mode == "drift" else "netlify-reconciler plan"
        hint = f"Run `netlify-reconciler {plan.mode}` for the full report; the job log has it too."
        return render_markdown(plan, title=title, full_plan_hint=hint)
    return render_text(plan, colour=colour(), calls=verbosity() > 0)


def show(plan: Plan, fmt: str = "text") -> None:
    click.echo(render(plan, fmt), nl=False)


def check_outputs(**outputs: Path | None) -> None:
    """Refuse an output file whose directory does not exist before anything is read: a run that reads a
    fleet for minutes should not end in a file it cannot write. Keywords name flags (json_out: --json-out)."""
    for name, path in outputs.items():
        if path is not None and not path.parent.is_dir():
            flag = "--" + name.replace("_", "-")
            raise ReconcilerError(f"{flag} {path}: {path.parent} is not an existing directory")


def write_output(path: Path, text: str, flag: str) -> None:
    """Write an output file; a failure (a full disk, no permission) is one line naming it."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ReconcilerError(f"{flag} {path}: cannot write it ({reason})") from None


def write_reports(plan: Plan, json_out: Path | None, markdown_out: Path | None) -> None:
    """Machine- and reviewer-readable copies for CI (the GitHub Action reads these), besides stdout."""
    if json_out is not None:
        write_output(json_out, render(plan, "json"), "--json-out")
    if markdown_out is not None:
        write_output(markdown_out, render(plan, "markdown"), "--markdown-out")


def run_apply(
    client: NetlifyClient,
    plan: Plan,
    procedures: Mapping[str, Procedure],
    revalidate: Callable[[str], bool] | None = None,
    lease_wait: float = DEFAULT_LEASE_WAIT,
) -> ApplyReport:
    def progress(change: Change) -> None:
        click.echo(f"  {SYMBOLS[change.action]} {change.address}: {DONE[change.action]}", err=True)

    def interrupted(again: bool) -> None:
        if again:
            click.echo(
                "Interrupted again: the deploys under way start no more uploads and are cancelled; the "
                "other changes under way still finish.",
                err=True,
            )
            return
        click.echo(
            "Interrupted: finishing the changes under way; no other starts. Press Ctrl-C again to "
            "abandon the deploys under way (they are cancelled).",
            err=True,
        )

    report = apply_plan(
        client,
        plan,
        procedures,
        on_applied=progress,
        revalidate=revalidate,
        lease_wait=lease_wait,
        on_interrupt=interrupted,
    )
    for owner, skipped in report.already_done.items():
        click.echo(
            f"  {owner}: another apply, which held its lease first, left it as planned: "
            f"its remaining {skipped} change(s) were not needed",
            err=True,
        )
    c = Counter(change.action for change in report.applied)  # what this apply did, not what it planned
    deploys = f", {c[Action.DEPLOY]} deployed" if c[Action.DEPLOY] else ""
    replaced = f", {c[Action.REPLACE]} replaced" if c[Action.REPLACE] else ""
    records = c[Action.RECORD]
    ledgers = f", {records} ledger write{'s' if records != 1 else ''}" if records else ""
    click.echo(
        f"Apply complete: {c[Action.CREATE]} added, {c[Action.UPDATE]} changed, {c[Action.DELETE]} destroyed"
        f"{replaced}{deploys}{ledgers}."
    )
    learned = outputs(report)
    if learned:
        click.echo("Outputs:")
        click.echo("".join(f"  {name} = {value}\n" for name, value in learned.items()), nl=False)
    return report


def outputs(report: ApplyReport) -> dict[str, str]:
    """What the applied changes learned that the user needs (a new deploy key's public key), by name."""
    return {
        name: str(report.values.get(name))
        for change in report.applied
        for name in change.outputs
        if report.values.get(name) is not None
    }


def write_applied_report(plan: Plan, report: ApplyReport, json_out: Path | None) -> None:
    """Once apply is done, its JSON report is the plan it applied plus the outputs it learned."""
    if json_out is not None:
        write_output(json_out, render_json(plan, extra={"outputs": outputs(report)}), "--json-out")
