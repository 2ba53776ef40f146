"""emulator and demo: everything that runs without a Netlify account."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from reconciler.commands.extras import require_web_stack
from reconciler.commands.output import EXIT_CHANGES, EXIT_OK, run_apply, show
from reconciler.model.errors import ReconcilerError
from reconciler.session import ApiTarget, load_and_check, make_plan

DEMO_TOKEN = "demo-token"  # a local, throwaway emulator's token: not a secret
# The demo's manifests and tiny site, shipped inside the package (package data), so the demo runs anywhere.
BUNDLED_EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def require_emulator_extra(command: str) -> None:
    """A clear message naming the install command, instead of an ImportError, on a core install."""
    require_web_stack(command, "runs the local emulator", "emulator")


def emulator(
    port: int,
    data_dir: Path,
    tokens: Sequence[str],
    seed: Path | None,
    host: str,
    request_log: Path | None,
    behaviour: dict[str, Any],
) -> int:
    require_emulator_extra("emulator")
    from reconciler.emulator.app import EmulatorOptions
    from reconciler.emulator.server import serve

    serve(data_dir, tokens, seed, host, port, request_log, EmulatorOptions.from_flags(behaviour))
    return EXIT_OK


def demo(path: Path | None, data_dir: Path) -> int:
    """Everything a newcomer needs to see, with no account and no second terminal."""
    require_emulator_extra("demo")
    from reconciler.emulator.server import EmulatorServer

    if path is None:
        path = BUNDLED_EXAMPLES
        click.echo(f"The example manifests shipped with netlify-reconciler: {path}")
    elif not path.exists():
        raise ReconcilerError(
            f"{path} does not exist: pass a manifest file or directory, or nothing for the bundled examples"
        )
    load_and_check(path)  # bad manifests fail before anything starts
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    with EmulatorServer(data_dir, tokens=[DEMO_TOKEN]) as server:
        click.echo(f"Started a local Netlify API emulator at {server.api_url} (data in {data_dir}).\n")
        target = ApiTarget(server.api_url, DEMO_TOKEN, server.url + server.options.integration_prefix)
        with target.client() as client:
            click.echo(f"== Plan for {path} against the empty emulator ==")
            planned = make_plan(client, path)
            show(planned.plan)
            click.echo("\n== Applying ==")
            run_apply(client, planned.plan, planned.procedures)
            click.echo("\n== Planning again: live now matches the manifests ==")
            again = make_plan(client, path)
            show(again.plan)
    click.echo(
        "\nTry it yourself:\n"
        f"  netlify-reconciler emulator --port 8989 --data {data_dir} --token {DEMO_TOKEN} &\n"
        f"  NETLIFY_API_URL=http://127.0.0.1:8989 NETLIFY_AUTH_TOKEN={DEMO_TOKEN} \\\n"
        f"    netlify-reconciler plan {path}"
    )
    return EXIT_CHANGES if again.plan.has_changes else EXIT_OK
