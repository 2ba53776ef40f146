"""Command-line entry: parse arguments, call one function, map known errors to exit code 1.

Exit codes follow Terraform: 0 no changes / success, 1 error, 2 changes present (with
`plan --detailed-exitcode`). Plans go to stdout, progress and logs to stderr.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path

import click

from reconciler import __version__, commands
from reconciler.apply import DEFAULT_LEASE_WAIT
from reconciler.cli_local import demo, emulator, serve
from reconciler.cli_options import (
    FiniteFloat,
    api_url_option,
    examples,
    integration_api_url_option,
    manifest_path,
    publish_status_option,
    selection_of,
    with_reports,
    with_selection,
)
from reconciler.commands.output import FORMATS
from reconciler.export import Selection as ExportSelection
from reconciler.manifest.select import check_targets
from reconciler.model.errors import ReconcilerError

EXIT_ERROR = 1


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=examples(
        "netlify-reconciler plan netlify/          # what would change on Netlify",
        "netlify-reconciler demo                   # try it all against a local emulator",
    ),
)
@click.version_option(__version__, prog_name="netlify-reconciler")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for every request).")
def cli(verbose: int) -> None:
    """Declare Netlify teams and sites in YAML; plan and apply the difference.

    The token comes from NETLIFY_AUTH_TOKEN; the API from --api-url or NETLIFY_API_URL.
    """
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(message)s", stream=sys.stderr)


@cli.command(
    epilog=examples(
        "netlify-reconciler validate netlify/",
        "netlify-reconciler validate netlify/sites/docs.yaml",
    )
)
@manifest_path
def validate(path: Path) -> int:
    """Check manifests (schema, duplicates, ${VAR}s) without contacting Netlify."""
    return commands.validate(path)


@cli.command(
    epilog=examples(
        "netlify-reconciler plan netlify/ --out plan.json      # then: netlify-reconciler apply plan.json",
        "netlify-reconciler plan netlify/ --changed-since origin/main   # what a pull request touches",
    )
)
@manifest_path
@api_url_option
@integration_api_url_option
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when none, 1 on error."
)
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format."
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also save the plan (JSON, no secret values) for `apply FILE`.",
)
@with_selection
@with_reports
def plan(
    path: Path,
    api_url: str | None,
    integration_api_url: str | None,
    detailed_exitcode: bool,
    fmt: str,
    out: Path | None,
    targets: tuple[str, ...],
    changed_since: str | None,
    shard: str | None,
    json_out: Path | None,
    markdown_out: Path | None,
) -> int:
    """Show what apply would change, read from the live API."""
    return commands.plan(
        path,
        api_url,
        integration_api_url,
        detailed_exitcode=detailed_exitcode,
        fmt=fmt,
        out=out,
        json_out=json_out,
        markdown_out=markdown_out,
        selection=selection_of(targets, changed_since, shard),
    )


@cli.command(
    epilog=examples(
        "netlify-reconciler drift netlify/ --shard 2/3 --json-out drift-2.json   # one job of a matrix",
        "netlify-reconciler drift --merge-reports drift-*.json --markdown-out drift.md   # or a directory",
    )
)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="MANIFESTS | REPORT...")
@api_url_option
@integration_api_url_option
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format."
)
@click.option(
    "--fail-on",
    type=click.Choice(["drift", "none"]),
    default="drift",
    show_default=True,
    help="`drift`: exit 2 when live differs; `none`: exit 0 (report only). Errors always exit 1.",
)
@click.option(
    "--merge-reports",
    is_flag=True,
    help="Instead of reading Netlify: merge the JSON reports of shards (--json-out) given as arguments "
    "(a directory: every *.json in it).",
)
@with_selection
@with_reports
@publish_status_option
def drift(
    paths: tuple[Path, ...],
    api_url: str | None,
    integration_api_url: str | None,
    fmt: str,
    fail_on: str,
    merge_reports: bool,
    targets: tuple[str, ...],
    changed_since: str | None,
    shard: str | None,
    json_out: Path | None,
    markdown_out: Path | None,
    publish_status: str | None,
) -> int:
    """Report how live Netlify departs from the manifests (for scheduled jobs); changes nothing."""
    if merge_reports:
        if not paths:
            raise click.UsageError("--merge-reports needs the JSON reports to merge")
        if targets or changed_since or shard or publish_status:
            raise click.UsageError(
                "--merge-reports reads only the reports: select (--target, --changed-since, --shard) and "
                "publish (--publish-status) in the runs that write them"
            )
        return commands.merge_drift_reports(
            list(paths), fmt=fmt, fail_on=fail_on, json_out=json_out, markdown_out=markdown_out
        )
    if len(paths) != 1:
        raise click.UsageError("give one MANIFESTS path (or --merge-reports with reports)")
    return commands.drift(
        paths[0],
        api_url,
        integration_api_url,
        fmt=fmt,
        fail_on=fail_on,
        json_out=json_out,
        markdown_out=markdown_out,
        selection=selection_of(targets, changed_since, shard),
        publish_status=publish_status,
    )


@cli.command(
    epilog=examples(
        "netlify-reconciler apply netlify/                # shows the plan, asks for yes",
        "netlify-reconciler apply plan.json               # a saved plan (plan --out): no question",
    )
)
@click.argument("path", type=click.Path(path_type=Path), metavar="MANIFESTS|PLAN_FILE")
@api_url_option
@integration_api_url_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking (for CI).")
@click.option(
    "--allow-destroy",
    is_flag=True,
    help="Allow a plan that destroys a site or deletes/rewrites more than a site's safety threshold.",
)
@click.option(
    "--lease-timeout",
    type=FiniteFloat(min=0),
    default=DEFAULT_LEASE_WAIT,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for another apply that holds a team's or site's lease before giving up there.",
)
@with_selection
@with_reports
@publish_status_option
def apply(
    path: Path,
    api_url: str | None,
    integration_api_url: str | None,
    auto_approve: bool,
    allow_destroy: bool,
    lease_timeout: float,
    targets: tuple[str, ...],
    changed_since: str | None,
    shard: str | None,
    json_out: Path | None,
    markdown_out: Path | None,
    publish_status: str | None,
) -> int:
    """Show the plan, ask, then make Netlify match the manifests (or apply a saved plan)."""
    return commands.apply(
        path,
        api_url,
        integration_api_url,
        auto_approve=auto_approve,
        allow_destroy=allow_destroy,
        json_out=json_out,
        markdown_out=markdown_out,
        lease_timeout=lease_timeout,
        selection=selection_of(targets, changed_since, shard),
        publish_status=publish_status,
    )


@cli.command(
    "export",
    epilog=examples(
        "netlify-reconciler export --team acme --out netlify/",
        "netlify-reconciler export --all --integration acme-search --pin-deploys --out netlify/",
    ),
)
@click.option("--team", "teams", multiple=True, metavar="SLUG", help="A team to export (repeatable).")
@click.option("--site", "sites", multiple=True, metavar="NAME", help="A site to export (repeatable).")
@click.option("--all", "everything", is_flag=True, help="Every team and site the token can see.")
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="ADDRESS",
    help="Only teams and sites matching it (globs such as 'site.acme-*'; alone: out of all). Repeatable.",
)
@click.option(
    "--integration",
    "integrations",
    multiple=True,
    metavar="SLUG",
    help="Also export this integration's context on each team and site (Netlify cannot list them).",
)
@click.option(
    "--pin-deploys", is_flag=True, help="Declare each site's published deploy as `deploy: {pin: ...}`."
)
@click.option(
    "--out", type=click.Path(path_type=Path, file_okay=False), required=True, help="Directory to write to."
)
@click.option("--force", is_flag=True, help="Replace an earlier export in --out (teams/, sites/, README.md).")
@api_url_option
@integration_api_url_option
def export(
    teams: tuple[str, ...],
    sites: tuple[str, ...],
    everything: bool,
    targets: tuple[str, ...],
    integrations: tuple[str, ...],
    pin_deploys: bool,
    out: Path,
    force: bool,
    api_url: str | None,
    integration_api_url: str | None,
) -> int:
    """Write manifests from live Netlify that plan to nothing: adopt what exists.

    One file per team (teams/SLUG.yaml) and per site (sites/NAME.yaml). Values Netlify never shows (secret
    env values) become ${NAME} references, listed on stderr and in README.md beside them.
    """
    check_targets(targets)
    selection = ExportSelection(
        teams, sites, everything or bool(targets and not (teams or sites)), integrations, pin_deploys, targets
    )
    return commands.export_manifests(selection, out, api_url, integration_api_url, force=force)


# Emulator behaviour flags, one per EmulatorOptions field (None keeps the emulator's default).
cli.add_command(emulator)
cli.add_command(demo)
cli.add_command(serve)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; a known failure is one clear message and exit 1, never a traceback."""
    try:
        code = cli.main(args=argv, prog_name="netlify-reconciler", standalone_mode=False)
    except ReconcilerError as exc:
        click.echo(f"Error: {exc}", err=True)
        code = exc.exit_code
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):  # click turns Ctrl-C in a command into Abort
            click.echo("Interrupted.", err=True)
            code = 130
        else:  # a prompt answered with end of input
            click.echo("Aborted.", err=True)
            code = EXIT_ERROR
    except click.ClickException as exc:
        exc.show()
        code = EXIT_ERROR  # never 2, which means "changes" to every caller
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        code = 130
    except Exception as exc:  # a bug: say where, but not the message (it could quote a value)
        click.echo(f"Internal error ({type(exc).__name__}); please report it. Where it happened:", err=True)
        frames = traceback.extract_tb(exc.__traceback__)
        click.echo("".join(traceback.format_list(frames)), err=True, nl=False)
        if os.environ.get("NETLIFY_RECONCILER_DEBUG"):
            click.echo(repr(exc), err=True)
        code = EXIT_ERROR
    sys.exit(code if isinstance(code, int) else 0)
