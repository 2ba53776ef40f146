"""export: write manifests from what already exists on Netlify, so a team can adopt it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reconciler.commands.output import EXIT_OK
from reconciler.deploy.progress import Progress
from reconciler.export import Selection, export
from reconciler.export.writer import write
from reconciler.model.errors import ManifestError, ReconcilerError
from reconciler.model.ledger import Digester
from reconciler.resources import all_kinds
from reconciler.session import load_and_check, resolve_target


def export_manifests(
    selection: Selection,
    out: Path,
    api_url: str | None,
    integration_api_url: str | None,
    *,
    force: bool = False,
) -> int:
    target = resolve_target(api_url, integration_api_url)
    click.echo(f"Target: {target.describe()}", err=True)
    progress = Progress.for_stream(sys.stderr)
    with target.client() as client:
        exported = export(
            client,
            selection,
            all_kinds(Digester(None)),
            on_owner_read=lambda: progress.advance(files=1),
            on_owners=lambda count: progress.start("reading live state", count, 0, unit="teams and sites"),
        )
    progress.finish()
    variables = [v.name for v in exported.variables]
    written = write(exported, out, force=force, check=lambda staged: _check(staged, variables))
    click.echo(f"Exported {len(exported.documents)} manifest(s) to {out} ({len(written)} files).", err=True)
    for variable in exported.variables:
        click.echo(f"  set ${{{variable.name}}}: {variable.owner}: {variable.what}", err=True)
    for item in exported.unexpressed:
        click.echo(f"  not exported: {item}", err=True)
    click.echo(
        f"Next: set the variables above, then `netlify-reconciler plan {out}` (see {out}/README.md).",
        err=True,
    )
    return EXIT_OK


def _check(staged: Path, variables: list[str]) -> None:
    """What was written must load as manifests; if not, that is this tool's bug, said plainly (and the
    target directory is left as it was)."""
    try:
        load_and_check(staged, {name: "(exported)" for name in variables})
    except ManifestError as exc:
        raise ReconcilerError(
            f"internal error: the exported manifests do not validate, please report it:\n{exc}"
        ) from None
