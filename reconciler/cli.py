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
from typing import Any

import click

from reconciler import __version__, commands
from reconciler.apply import DEFAULT_LEASE_WAIT
from reconciler.commands.output import FORMATS
from reconciler.export import Selection as ExportSelection
from reconciler.manifest.select import Selection, check_targets, parse_shard
from reconciler.model.errors import ReconcilerError

EXIT_ERROR = 1

manifest_path = click.argument("path", type=click.Path(path_type=Path), metavar="MANIFESTS")
api_url_option = click.option(
    "--api-url",
    metavar="URL",
    help="Netlify API base URL (default: $NETLIFY_API_URL, else https://api.netlify.com). "
    "http://host:port means http://host:port/api/v1.",
)

integration_api_url_option = click.option(
    "--integration-api-url",
    metavar="URL",
    help="Integration API base URL (default: $NETLIFY_INTEGRATION_API_URL, else Netlify's when the API is "
    "Netlify's, else the API's origin + /integrations-api, as the emulator serves it).",
)


report_options = [
    click.option(
        "--json-out", type=click.Path(path_type=Path, dir_okay=False), help="Also write the JSON report here."
    ),
    click.option(
        "--markdown-out",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Also write the Markdown report (for PR comments, job summaries) here.",
    ),
]


publish_status_option = click.option(
    "--publish-status",
    metavar="SLUG",
    help="Afterwards, write each team's and site's status (in sync, drifted or error; counts, never values) "
    "into this integration's context, for Netlify's UI.",
)


def with_reports(function: Any) -> Any:
    for option in reversed(report_options):
        function = option(function)
    return function


def examples(*lines: str) -> str:
    """The epilog of a command's --help: its examples, kept as written (\\b stops click rewrapping)."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


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


selection_options = [
    click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="ADDRESS",
        help="Only this team or site (site.NAME, team.SLUG; globs such as 'site.acme-*'). Repeatable.",
    ),
    click.option(
        "--changed-since",
        metavar="GIT_REF",
        help="Only the teams and sites declared in manifest files (or deploying files) changed since it.",
    ),
    click.option("--shard", metavar="K/N", help="Only shard K of N (owners split by a stable hash)."),
]


def with_selection(function: Any) -> Any:
    for option in reversed(selection_options):
        function = option(function)
    return function


def _selection(targets: tuple[str, ...], changed_since: str | None, shard: str | None) -> Selection:
    check_targets(targets)
    return Selection(targets, changed_since, parse_shard(shard))


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
        selection=_selection(targets, changed_since, shard),
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
        selection=_selection(targets, changed_since, shard),
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
    type=click.FloatRange(min=0),
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
        selection=_selection(targets, changed_since, shard),
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
EMULATOR_FLAGS: list[tuple[str, click.ParamType[Any], str]] = [
    (
        "--rate-limit-per-minute",
        click.IntRange(min=0),
        "Requests per minute per token; 429 past it (0: off). [500]",
    ),
    (
        "--deploy-rate-limit-per-minute",
        click.IntRange(min=0),
        "Deploy creations per minute per token (0: off). [3]",
    ),
    ("--max-body-bytes", click.IntRange(min=0), "Largest JSON request body; 413 above it (0: off). [10 MiB]"),
    ("--max-upload-bytes", click.IntRange(min=0), "Largest file/function upload or ZIP deploy body. [2 GiB]"),
    (
        "--upload-concurrency-limit",
        click.IntRange(min=0),
        "Uploads in flight per deploy (X-Concurrent-Limit); 429 past it (0: off). [10]",
    ),
    (
        "--processing-delay",
        click.FloatRange(min=0),
        "Seconds a deploy spends processing after its uploads. [0.2]",
    ),
    ("--prepare-delay", click.FloatRange(min=0), "Seconds an async deploy spends preparing. [0.1]"),
    (
        "--integration-prefix",
        click.STRING,
        "Path prefix of the emulated Integration API. [/integrations-api]",
    ),
    ("--error-rate", click.FloatRange(0, 1), "Fault: fraction of requests answered 500/502/503."),
    ("--burst-429-every", click.IntRange(min=0), "Fault: every Nth request starts a burst of 429s (0: off)."),
    ("--burst-429-length", click.IntRange(min=1), "Fault: how many 429s in a row a burst answers. [3]"),
    ("--latency-ms", click.IntRange(min=0), "Fault: added delay per request, in milliseconds."),
    ("--latency-jitter-ms", click.IntRange(min=0), "Fault: extra random delay of 0..N ms per request."),
    ("--drop-rate", click.FloatRange(0, 1), "Fault: fraction of connections closed without an answer."),
    (
        "--drop-after-rate",
        click.FloatRange(0, 1),
        "Fault: fraction of requests carried out whose answer is then lost (connection closed).",
    ),
    ("--fault-seed", click.INT, "Seed for fault decisions, to replay a run."),
    ("--fault-paths", click.STRING, 'Regex searched in "METHOD /path": faults only for matching requests.'),
]


def emulator_flags(function: Any) -> Any:
    for flag, kind, text in reversed(EMULATOR_FLAGS):
        function = click.option(flag, type=kind, default=None, help=text)(function)
    return function


@cli.command(
    epilog=examples(
        "netlify-reconciler emulator --port 8989 --data ./emu-data --token t",
        "netlify-reconciler emulator --port 0 --data ./emu-data --token t --error-rate 0.1 --fault-seed 7",
    )
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8989, show_default=True, help="0: a free port."
)
@click.option("--data", "data_dir", type=click.Path(path_type=Path), required=True, help="State directory.")
@click.option("--token", "tokens", multiple=True, help="Register a token (personal account + team `demo`).")
@click.option(
    "--seed", type=click.Path(path_type=Path, exists=True, dir_okay=False), help="Tokens/teams seed file."
)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Interface to bind (loopback by default)."
)
@click.option("--request-log", type=click.Path(path_type=Path), help="Append one JSON line per request here.")
@emulator_flags
def emulator(
    port: int,
    data_dir: Path,
    tokens: tuple[str, ...],
    seed: Path | None,
    host: str,
    request_log: Path | None,
    **behaviour: Any,
) -> int:
    """Run the local Netlify API emulator (serves /api/v1 until interrupted)."""
    chosen = {name: value for name, value in behaviour.items() if value is not None}
    return commands.emulator(port, data_dir, tokens, seed, host, request_log, chosen)


@cli.command(
    epilog=examples(
        "netlify-reconciler demo                          # the bundled examples",
        "netlify-reconciler demo netlify/ --data /tmp/netlify-demo",
    )
)
@click.argument("path", type=click.Path(path_type=Path), required=False, metavar="[MANIFESTS]")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path),
    default=Path(".netlify-reconciler/demo"),
    show_default=True,
    help="Emulator state directory (emptied first).",
)
def demo(path: Path | None, data_dir: Path) -> int:
    """Apply the examples (or MANIFESTS) to a fresh in-process emulator, then show that nothing is left to do.

    The examples ship with the package, so this runs in any folder. Needs the `emulator` extra.
    """
    return commands.demo(path, data_dir)


@cli.command(
    epilog=examples(
        "netlify-reconciler serve netlify/                 # http://127.0.0.1:8990/",
        "netlify-reconciler serve netlify/ --port 0 --interval 60 --concurrency 4",
    )
)
@manifest_path
@api_url_option
@integration_api_url_option
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Interface to bind (loopback by default)."
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8990, show_default=True, help="0: a free port."
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0),
    default=300.0,
    show_default=True,
    metavar="SECONDS",
    help="Check every team and site this often; a status answered from memory is never older (0: on demand).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 16),
    default=2,
    show_default=True,
    help="Teams and sites read from Netlify at once (all checks share one rate-limit budget).",
)
def serve(
    path: Path,
    api_url: str | None,
    integration_api_url: str | None,
    host: str,
    port: int,
    interval: float,
    concurrency: int,
) -> int:
    """Serve a fleet status page and the API handlers a Netlify Integration UI calls.

    `/` shows every declared team and site as in sync, drifted or error, with its plan (sign in with a
    Netlify token: you see what that token can see). `/.netlify/functions/handler/{status,plan,drift}`
    answer `surfaceState.fetch(...)` calls (header netlify-token, query siteId or teamId). Reads use
    NETLIFY_AUTH_TOKEN. Needs the `serve` extra.
    """
    return commands.serve(
        path, api_url, integration_api_url, host=host, port=port, interval=interval, concurrency=concurrency
    )


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; a known failure is one clear message and exit 1, never a traceback."""
    try:
        code = cli.main(args=argv, prog_name="netlify-reconciler", standalone_mode=False)
    except ReconcilerError as exc:
        click.echo(f"Error: {exc}", err=True)
        code = EXIT_ERROR
    except click.exceptions.Abort:
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
