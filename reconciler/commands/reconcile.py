"""validate, plan, drift and apply: the commands that compare manifests with Netlify and close the gap."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from reconciler.apply import DEFAULT_LEASE_WAIT
from reconciler.commands.output import (
    EXIT_CHANGES,
    EXIT_OK,
    check_outputs,
    run_apply,
    show,
    write_applied_report,
    write_output,
    write_reports,
)
from reconciler.commands.publish import check_slug, publish_after_apply, publish_after_drift
from reconciler.live import read_live
from reconciler.manifest.model import DesiredState
from reconciler.manifest.select import EVERYTHING, Selection, parse_shard
from reconciler.model.errors import ReconcilerError
from reconciler.model.objects import LiveState
from reconciler.netlify.client import NetlifyClient
from reconciler.plan import saved
from reconciler.plan.document import plan_from_document
from reconciler.plan.model import Plan
from reconciler.plan.safety import refusal, violations
from reconciler.resources import Kinds, owner_kinds, procedures
from reconciler.resources.lease import settle_seconds
from reconciler.session import (
    ApiTarget,
    Planned,
    load_and_check,
    load_selected,
    make_plan,
    resolve_target,
    revalidator,
)


def validate(path: Path) -> int:
    desired, _ = load_and_check(path)
    teams, sites, files = len(desired.teams), len(desired.sites), len(desired.files)
    click.echo(f"Valid: {teams} team(s) and {sites} site(s) in {files} file(s).")
    return EXIT_OK


def _target(api_url: str | None, integration_api_url: str | None) -> ApiTarget:
    target = resolve_target(api_url, integration_api_url)
    click.echo(f"Target: {target.describe()}", err=True)
    return target


def _read_and_plan(path: Path, target: ApiTarget, selection: Selection) -> Planned:
    """Plan from live state, then let go of the connection: plan and drift change nothing."""
    with target.client() as client:
        return make_plan(client, path, selection=selection)


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
    selection: Selection = EVERYTHING,
) -> int:
    check_outputs(out=out, json_out=json_out, markdown_out=markdown_out)
    target = _target(api_url, integration_api_url)
    planned = _read_and_plan(path, target, selection)
    show(planned.plan, fmt)
    write_reports(planned.plan, json_out, markdown_out)
    if out is not None:
        text = saved.save(
            planned.plan, planned.live, planned.desired, path, target.url, target.fingerprint_key(),
            owner_kinds(planned.kinds), selection.resolved(planned.desired), target.fingerprint_key_source(),
        )  # fmt: skip
        write_output(out, text, "--out")
        click.echo(f"Saved plan: {out} (no secret values; `apply {out}` reads them again)", err=True)
    _warn_safety(planned.plan, planned.desired)
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
    selection: Selection = EVERYTHING,
    publish_status: str | None = None,
) -> int:
    """A plan read the other way round: exit 2 when Netlify departs from the manifests (unless told)."""
    check_slug(publish_status)
    check_outputs(json_out=json_out, markdown_out=markdown_out)
    target = _target(api_url, integration_api_url)
    planned = _read_and_plan(path, target, selection)
    planned.plan.shard = selection.shard
    _show_drift(planned.plan, fmt, json_out, markdown_out)
    publish_after_drift(planned, target, publish_status)  # a separate write, after the report
    return _drift_exit(planned.plan, fail_on)


def merge_drift_reports(
    reports: list[Path],
    *,
    fmt: str = "text",
    fail_on: str = "drift",
    json_out: Path | None = None,
    markdown_out: Path | None = None,
) -> int:
    """One drift report from the JSON reports of shards (`drift --shard K/N --json-out F`), as if one run
    had read everything: the drift issue and the exit code see the whole fleet."""
    check_outputs(json_out=json_out, markdown_out=markdown_out)
    merged = Plan(mode="drift")
    shards: list[tuple[Path, tuple[int, int] | None]] = []
    for report in _report_files(reports):
        shard, part = _drift_report(report)
        shards.append((report, shard))
        merged.changes += part.changes
        merged.unmanaged += part.unmanaged
        merged.conflicts += part.conflicts
        merged.warnings += [w for w in part.warnings if not w.startswith("only ")]
    _check_shards(shards)
    # Each owner is in one shard: a stable sort by owner gives the order of one run (teams, then sites,
    # each by name), so the report (and the drift issue's digest) does not depend on the shard count.
    merged.changes.sort(key=lambda change: (change.owner.kind != "team", change.owner.name))
    merged.conflicts = _in_run_order(merged.conflicts)
    merged.warnings = _in_run_order(merged.warnings)
    _show_drift(merged, fmt, json_out, markdown_out)
    return _drift_exit(merged, fail_on)


def _in_run_order(lines: list[str]) -> list[str]:
    """Conflicts or warnings of several shards as one run lists them: an owner's own lines (they start
    with its address, `team.NAME` or `site.NAME`) teams first, then sites by name, and after them the
    lines about the manifests as a whole, each once (every shard whose owners it concerns repeats it)."""
    unique = list(dict.fromkeys(lines))

    def owner_of(line: str) -> tuple[int, str]:
        kind, dot, rest = line.partition(".")
        if not dot or kind not in ("team", "site"):
            return (2, "")
        return (0 if kind == "team" else 1, re.split(r"[.:]", rest, maxsplit=1)[0])

    return sorted(unique, key=owner_of)


def _report_files(paths: list[Path]) -> list[Path]:
    """The reports named, a directory standing for every `*.json` in it (sorted): a workflow downloads the
    shards' artifacts into one directory and passes it whole. A directory without one is an error, so a
    lost download never reads as "no drift"."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(child for child in path.glob("*.json") if child.is_file())
            if not found:
                raise ReconcilerError(f"{path}: a directory without JSON reports (*.json) to merge")
            files += found
        else:
            files.append(path)
    return files


def _drift_report(report: Path) -> tuple[tuple[int, int] | None, Plan]:
    """The shard a report of `drift --json-out` covers, and its plan; anything else is refused."""
    try:
        document = json.loads(report.read_text(encoding="utf-8"))
        if not isinstance(document, dict) or not isinstance(document.get("drift"), dict):
            raise ValueError("no `drift` section: a plan's report, or not one of this tool's")
        return parse_shard(document["drift"].get("shard")), plan_from_document(document)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ReconcilerError) as exc:
        reason = f"{type(exc).__name__}: {exc}" if isinstance(exc, KeyError | TypeError) else exc
        raise ReconcilerError(f"{report}: not a JSON report of `drift` (--json-out) ({reason})") from None


def _check_shards(shards: list[tuple[Path, tuple[int, int] | None]]) -> None:
    """The reports are each shard of one split exactly once (or one whole report): a shard missing or
    counted twice would make the merged report, and the drift issue it feeds, wrong without a word."""
    seen: dict[tuple[int, int] | None, Path] = {}
    for report, shard in shards:
        if shard is None and len(shards) > 1:
            raise ReconcilerError(f"{report}: a report of every owner (no --shard) merged with other reports")
        if shard in seen:
            raise ReconcilerError(f"{report}: the same shard ({_shard(shard)}) as {seen[shard]}")
        seen[shard] = report
    counts = {shard[1] for shard in seen if shard is not None}
    if len(counts) > 1:
        raise ReconcilerError(f"the reports come from different splits: {', '.join(map(_shard, seen))}")
    if counts:
        (count,) = counts
        missing = sorted(set(range(1, count + 1)) - {shard[0] for shard in seen if shard is not None})
        if missing:
            listed = ", ".join(f"{k}/{count}" for k in missing)
            raise ReconcilerError(f"missing the report of shard {listed}: every shard is needed to merge")


def _shard(shard: tuple[int, int] | None) -> str:
    return f"{shard[0]}/{shard[1]}" if shard else "no --shard"


def _show_drift(plan: Plan, fmt: str, json_out: Path | None, markdown_out: Path | None) -> None:
    plan.mode = "drift"
    show(plan, fmt)
    write_reports(plan, json_out, markdown_out)


def _drift_exit(plan: Plan, fail_on: str) -> int:
    _refuse_conflicts(plan)
    return EXIT_CHANGES if plan.has_changes and fail_on == "drift" else EXIT_OK


def apply(
    path: Path,
    api_url: str | None,
    integration_api_url: str | None,
    *,
    auto_approve: bool,
    allow_destroy: bool = False,
    json_out: Path | None = None,
    markdown_out: Path | None = None,
    lease_timeout: float = DEFAULT_LEASE_WAIT,
    selection: Selection = EVERYTHING,
    publish_status: str | None = None,
) -> int:
    check_slug(publish_status)
    settle_seconds()  # a bad NETLIFY_RECONCILER_LEASE_SETTLE is refused before anything is read
    check_outputs(json_out=json_out, markdown_out=markdown_out)
    target = _target(api_url, integration_api_url)
    key, key_source = target.fingerprint_key(), target.fingerprint_key_source()
    plan_file = saved.load(path, key, key_source) if saved.is_saved_plan(path) else None
    if plan_file is not None and not selection.everything:
        raise ReconcilerError(f"{path} is a saved plan: it applies the selection it was made with, no other")
    with target.client() as client:
        if plan_file is not None:
            desired, kinds, live, the_plan = _saved(client, plan_file, target)
            click.echo(f"Applying the saved plan {path}: {the_plan.summary()}")
        else:
            planned = make_plan(client, path, selection=selection)
            desired, kinds, live, the_plan = planned.desired, planned.kinds, planned.live, planned.plan
            show(the_plan)
        write_reports(the_plan, json_out, markdown_out)
        _refuse_conflicts(the_plan)
        if not the_plan.changes:
            publish_after_apply(client, live, publish_status)
            return EXIT_OK
        found = violations(the_plan, desired)
        if found and not allow_destroy:
            raise ReconcilerError(refusal(found))
        if the_plan.config_changes and not auto_approve and plan_file is None:
            _confirm()  # a saved plan was reviewed when it was made, as with Terraform
        revalidate = revalidator(client, desired, live, kinds)
        report = run_apply(client, the_plan, procedures(kinds), revalidate, lease_timeout)
        write_applied_report(the_plan, report, json_out)
        publish_after_apply(client, live, publish_status)
    return EXIT_OK


def _saved(
    client: NetlifyClient, plan_file: saved.SavedPlan, target: ApiTarget
) -> tuple[DesiredState, Kinds, LiveState, Plan]:
    """Read the manifests and live state again (the owners it was made for), refuse anything stale, and
    give back the saved plan."""
    if not plan_file.manifests.exists():
        raise ReconcilerError(
            f"{plan_file.path}: the plan was made from the manifests at {plan_file.manifests}, which are "
            f"not in {Path.cwd()}: run `apply` in the directory `plan` ran in (a relative path is read "
            "from there, and the manifests must not have changed). Nothing was applied."
        )
    desired, kinds, _ = load_selected(plan_file.manifests, plan_file.selection)
    live = read_live(client, desired, kinds)
    saved.check_fresh(plan_file, live, desired, target.url, target.fingerprint_key(), owner_kinds(kinds))
    return desired, kinds, live, saved.saved_plan(plan_file, desired)


def _warn_safety(plan: Plan, desired: DesiredState) -> None:
    for violation in violations(plan, desired):
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
