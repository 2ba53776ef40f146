"""Commands that run a server on this machine: the emulator, the demo built on it, and `serve`. Each needs
its extra (`emulator`, `serve`), which the command itself checks for; `cli` registers them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from reconciler import commands
from reconciler.cli_options import (
    FiniteFloat,
    api_url_option,
    examples,
    integration_api_url_option,
    manifest_path,
)

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
        FiniteFloat(min=0),
        "Seconds a deploy spends processing after its uploads. [0.2]",
    ),
    ("--prepare-delay", FiniteFloat(min=0), "Seconds an async deploy spends preparing. [0.1]"),
    (
        "--integration-prefix",
        click.STRING,
        "Path prefix of the emulated Integration API. [/integrations-api]",
    ),
    ("--error-rate", FiniteFloat(0, 1), "Fault: fraction of requests answered 500/502/503."),
    ("--burst-429-every", click.IntRange(min=0), "Fault: every Nth request starts a burst of 429s (0: off)."),
    ("--burst-429-length", click.IntRange(min=1), "Fault: how many 429s in a row a burst answers. [3]"),
    ("--latency-ms", click.IntRange(min=0), "Fault: added delay per request, in milliseconds."),
    ("--latency-jitter-ms", click.IntRange(min=0), "Fault: extra random delay of 0..N ms per request."),
    ("--drop-rate", FiniteFloat(0, 1), "Fault: fraction of connections closed without an answer."),
    (
        "--drop-after-rate",
        FiniteFloat(0, 1),
        "Fault: fraction of requests carried out whose answer is then lost (connection closed).",
    ),
    ("--fault-seed", click.INT, "Seed for fault decisions, to replay a run."),
    ("--fault-paths", click.STRING, 'Regex searched in "METHOD /path": faults only for matching requests.'),
]


def emulator_flags(function: Any) -> Any:
    for flag, kind, text in reversed(EMULATOR_FLAGS):
        function = click.option(flag, type=kind, default=None, help=text)(function)
    return function


@click.command(
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


@click.command(
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


@click.command(
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
    type=FiniteFloat(min=0),
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
