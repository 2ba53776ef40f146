"""`serve`: the API handlers for a Netlify Integration UI and the fleet status page, in one service."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.commands.extras import require_web_stack
from reconciler.commands.output import EXIT_OK
from reconciler.session import load_and_check, resolve_target

DEFAULT_PORT = 8990
DEFAULT_INTERVAL = 300.0
MAX_REFRESH = 30.0  # the page's script never waits longer than this between refreshes


def serve(
    path: Path,
    api_url: str | None,
    integration_api_url: str | None,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    interval: float = DEFAULT_INTERVAL,
    concurrency: int = 2,
) -> int:
    require_web_stack("serve", "runs a web service", "serve")
    from reconciler.serve.access import Verifier
    from reconciler.serve.app import build_app
    from reconciler.serve.checks import Checker
    from reconciler.serve.server import run
    from reconciler.serve.service import Service

    load_and_check(path)  # bad manifests fail before anything listens
    target = resolve_target(api_url, integration_api_url)
    click.echo(f"Target: {target.describe()}", err=True)
    refresh = min(MAX_REFRESH, max(2.0, interval)) if interval > 0 else MAX_REFRESH
    with target.client() as client:
        checker = Checker(path, client, concurrency=concurrency)
        service = Service(checker, Verifier(target.url), max_age=interval, refresh=refresh)
        run(build_app(service), checker, host, port, interval)
    return EXIT_OK
