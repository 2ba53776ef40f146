"""validate, plan and apply: the commands that compare manifests with Netlify and close the gap."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reconciler.commands.output import EXIT_CHANGES, EXIT_OK, run_apply, show, write_reports
from reconciler.errors import ReconcilerError
from reconciler.plan import saved
from reconciler.plan.model import Plan
from reconciler.plan.safety import refusal, violations
from reconciler.session import ApiTarget, Planned, load_and_check, make_plan, resolve_target


def validate(path: Path) -> int:
    desired, _ = load_and_check(path)
    teams, sites, files = len(desired.teams), len(desired.sites), len(desired.files)
    click.echo(f"Valid: {teams} team(s) and {sites} site(s) in {files} file(s).")
    return EXIT_OK


def _target(api_url: str | None, integration_api_url: str | None) -> ApiTarget:
    target = resolve_target(api_url, integration_api_url)
    click.echo(f"Target: {target.describe()}", err=True)
    return target


def _read_and_plan(path: Path, target: ApiTarget) -> Planned:
    """Plan from live state, then let go of the connection: plan and drift change nothing."""
    with target.client() as client:
        return make_plan(client, path)


def plan(
    path: Path,
    api_url: str | None,
    integration_api_url: str | None,
    *,
    detailed_exitcode: bool,
    fmt: str = "text",
    out: Path | None = None,
    json_out: Path | None = None,
    markdown_out: Path | None = None,
) -> int:
    target = _target(api_url, integration_api_url)
    planned = _read_and_plan(path, target)
    show(planned.plan, fmt)
    write_reports(planned.plan, json_out, markdown_out)
    if out is not None:
        saved.save(out, planned.plan, planned.live, path, target.url, target.fingerprint_key())
        click.echo(f"Saved plan: {out} (no secret values; `apply {out}` re-reads them)", err=True)
    _warn_safety(planned)
    _refuse_conflicts(planned.plan)
    return EXIT_CHANGES if detailed_exitcode and planned.plan.has_changes else EXIT_OK


def drift(
    path: Path,
    api_url: str | None,
    integration_api_url: str | None,
    *,
    fmt: str = "text",
    fail_on: str = "drift",
    json_out: Path | None = None,
    markdown_out: Path | None = None,
) -> int:
    """A plan read the other way round: exit 2 when Netlify departs from the manifests (unless told)."""
    planned = _read_and_plan(path, _target(api_url, integration_api_url))
    planned.plan.mode = "drift"
    show(planned.plan, fmt)
    write_reports(planned.plan, json_out, markdown_out)
    _refuse_conflicts(planned.plan)
    return EXIT_CHANGES if planned.plan.has_changes and fail_on == "drift" else EXIT_OK


def apply(
    path: Path,
    api_url: str | None,
    integration_api_url: str | None,
    *,
    auto_approve: bool,
    allow_destroy: bool = False,
    json_out: Path | None = None,
    markdown_out: Path | None = None,
) -> int:
    target = _target(api_url, integration_api_url)
    plan_file = saved.load(path) if saved.is_saved_plan(path) else None
    with target.client() as client:
        planned = make_plan(client, plan_file.manifests if plan_file else path)
        if plan_file is not None:
            saved.check_fresh(plan_file, planned.plan, planned.live, target.url, target.fingerprint_key())
        show(planned.plan)
        write_reports(planned.plan, json_out, markdown_out)
        _refuse_conflicts(planned.plan)
        if not planned.plan.has_changes and not planned.plan.ledger_writes:
            return EXIT_OK
        found = violations(planned.plan, planned.desired)
        if found and not allow_destroy:
            raise ReconcilerError(refusal(found))
        if planned.plan.has_changes and not auto_approve and plan_file is None:
            _confirm()  # a saved plan was reviewed when it was made, as with Terraform
        run_apply(client, planned)
    return EXIT_OK


def _warn_safety(planned: Planned) -> None:
    for violation in violations(planned.plan, planned.desired):
        click.echo(
            f"Warning: apply will refuse this without --allow-destroy: [{violation.rule}] {violation}",
            err=True,
        )


def _refuse_conflicts(plan: Plan) -> None:
    if plan.conflicts:
        raise ReconcilerError(
            f"{len(plan.conflicts)} conflict(s) in live state (listed above): resolve them in Netlify, "
            "then plan again; nothing is guessed"
        )


def _confirm() -> None:
    if not sys.stdin.isatty():
        raise ReconcilerError(
            "refusing to apply without confirmation: there is no terminal to ask on. "
            "Review the plan above and pass --auto-approve to apply it."
        )
    answer = click.prompt("Apply these changes? Only 'yes' is accepted", default="", show_default=False)
    if answer.strip() != "yes":
        raise ReconcilerError("apply cancelled: nothing was changed")
