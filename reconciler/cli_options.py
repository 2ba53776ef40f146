"""Options and help text several commands share: manifests, API URLs, reports, selection, examples."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click

from reconciler.manifest.select import Selection, check_ref, check_targets, parse_shard


class FiniteFloat(click.FloatRange):
    """A number in a range, and a number at all: click's FloatRange lets `nan` through (every comparison
    with it is false), and `--lease-timeout nan` would then wait on nothing sensible."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


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
    """`--json-out` and `--markdown-out`."""
    for option in reversed(report_options):
        function = option(function)
    return function


def examples(*lines: str) -> str:
    """The epilog of a command's --help: its examples, kept as written (\\b stops click rewrapping)."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


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
    """`--target`, `--changed-since` and `--shard`."""
    for option in reversed(selection_options):
        function = option(function)
    return function


def selection_of(targets: tuple[str, ...], changed_since: str | None, shard: str | None) -> Selection:
    """The selection flags as one `Selection`, checked before anything is read."""
    check_targets(targets)
    check_ref(changed_since)
    return Selection(targets, changed_since, parse_shard(shard))
