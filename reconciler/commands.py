"""Each command as a plain function returning its exit code; the CLI only parses arguments."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from reconciler.apply import apply_plan
from reconciler.errors import ReconcilerError
from reconciler.netlify.client import NetlifyClient
from reconciler.plan.model import Change, Plan
from reconciler.plan.render_text import SYMBOLS, render_text
from reconciler.session import ApiTarget, Planned, load_and_check, make_plan, resolve_target

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2
DEMO_TOKEN = "demo-token"  # a local, throwaway emulator's token: not a secret


def _colour() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _open_client(api_url: str | None, integration_api_url: str | None) -> NetlifyClient:
    target = resolve_target(api_url, integration_api_url)
    click.echo(f"Target: {target.describe()}", err=True)
    return target.client()


def validate(path: Path) -> int:
    desired, _ = load_and_check(path)
    teams, sites, files = len(desired.teams), len(desired.sites), len(desired.files)
    click.echo(f"Valid: {teams} team(s) and {sites} site(s) in {files} file(s).")
    return EXIT_OK


def plan(path: Path, api_url: str | None, integration_api_url: str | None, *, detailed_exitcode: bool) -> int:
    client = _open_client(api_url, integration_api_url)
    try:
        planned = make_plan(client, path)
    finally:
        client.close()
    click.echo(render_text(planned.plan, colour=_colour()), nl=False)
    _refuse_conflicts(planned.plan)
    return EXIT_CHANGES if detailed_exitcode and planned.plan.has_changes else EXIT_OK


def _refuse_conflicts(plan: Plan) -> None:
    if plan.conflicts:
        raise ReconcilerError(
            f"{len(plan.conflicts)} conflict(s) in live state (listed above): resolve them in Netlify, "
            "then plan again; nothing is guessed"
        )


def apply(path: Path, api_url: str | None, integration_api_url: str | None, *, auto_approve: bool) -> int:
    client = _open_client(api_url, integration_api_url)
    try:
        planned = make_plan(client, path)
        click.echo(render_text(planned.plan, colour=_colour()), nl=False)
        _refuse_conflicts(planned.plan)
        if not planned.plan.has_changes and not planned.plan.ledger_writes:
            return EXIT_OK
        if planned.plan.has_changes and not auto_approve:
            _confirm()
        _apply(client, planned)
    finally:
        client.close()
    return EXIT_OK


def _confirm() -> None:
    if not sys.stdin.isatty():
        raise ReconcilerError(
            "refusing to apply without confirmation: there is no terminal to ask on. "
            "Review the plan above and pass --auto-approve to apply it."
        )
    answer = click.prompt("Apply these changes? Only 'yes' is accepted", default="", show_default=False)
    if answer.strip() != "yes":
        raise ReconcilerError("apply cancelled: nothing was changed")


def _apply(client: NetlifyClient, planned: Planned) -> None:
    def report(change: Change) -> None:
        click.echo(f"  {SYMBOLS[change.action]} {change.address}: {change.action.value}d", err=True)

    result = apply_plan(client, planned.plan, planned.live, planned.kinds, on_applied=report)
    for owner in result.ledgers_written:
        click.echo(f"  ledger of {owner} updated", err=True)
    click.echo(_apply_summary(planned.plan))


def _apply_summary(plan: Plan) -> str:
    c = plan.counts()
    return f"Apply complete: {c['create']} added, {c['update']} changed, {c['delete']} destroyed."


def emulator(
    port: int,
    data_dir: Path,
    tokens: Sequence[str],
    seed: Path | None,
    host: str,
    request_log: Path | None,
    behaviour: dict[str, Any],
) -> int:
    from reconciler.emulator.app import EmulatorOptions
    from reconciler.emulator.server import serve

    options = EmulatorOptions(**behaviour)
    serve(data_dir, tokens, seed, host, port, request_log, options)
    return EXIT_OK


def demo(path: Path, data_dir: Path) -> int:
    """Everything a newcomer needs to see, with no account and no second terminal."""
    from reconciler.emulator.server import EmulatorServer

    if not path.exists():
        raise ReconcilerError(
            f"{path} does not exist: run the demo from a clone of the repository, or pass a path"
        )
    load_and_check(path)  # bad manifests fail before anything starts
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    with EmulatorServer(data_dir, tokens=[DEMO_TOKEN]) as server:
        click.echo(f"Started a local Netlify API emulator at {server.url}/api/v1 (data in {data_dir}).\n")
        integration_url = server.url + server.options.integration_prefix
        client = ApiTarget(server.api_url, DEMO_TOKEN, integration_url).client()
        try:
            click.echo(f"== Plan for {path} against the empty emulator ==")
            planned = make_plan(client, path)
            click.echo(render_text(planned.plan, colour=_colour()))
            click.echo("== Applying ==")
            _apply(client, planned)
            click.echo("\n== Planning again: live now matches the manifests ==")
            again = make_plan(client, path)
            click.echo(render_text(again.plan, colour=_colour()), nl=False)
        finally:
            client.close()
    click.echo(
        "\nTry it yourself:\n"
        f"  netlify-reconciler emulator --port 8989 --data {data_dir} --token {DEMO_TOKEN} &\n"
        f"  NETLIFY_API_URL=http://127.0.0.1:8989 NETLIFY_AUTH_TOKEN={DEMO_TOKEN} \\\n"
        f"    netlify-reconciler plan {path}"
    )
    return EXIT_CHANGES if again.plan.has_changes else EXIT_OK
