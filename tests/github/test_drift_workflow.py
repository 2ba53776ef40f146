"""The drift workflow (examples/.github/workflows/drift.yml), run locally against the emulator, whole: its
shard jobs (a matrix) and the issue job that merges their reports. An env var changed through the API
opens ONE drift issue, later runs update it, and once an apply (started by hand) makes live match again it
is commented on and closed. Split over three shards it reports exactly what one shard reports, and one
shard failing leaves the issue alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.github.conftest import (
    DRIFT_MARKER,
    LEDGER_KEY,
    MANIFEST,
    SECRET_VALUE,
    WORKFLOWS,
    Bench,
    apply_by_hand,
    default_secrets,
    schedule_event,
)
from tests.github.local_runner import JobResult

Run = dict[str, list[JobResult]]


def run_drift(bench: Bench, workflow: Path = WORKFLOWS / "drift.yml", **kwargs: Any) -> Run:
    return bench.runner("schedule", schedule_event(), **kwargs).run_workflow(workflow)


def succeeded(run: Run) -> bool:
    return all(job.succeeded for jobs in run.values() for job in jobs)


def log(run: Run) -> str:
    return "".join(job.log for jobs in run.values() for job in jobs)


def merged(run: Run) -> JobResult:
    """The issue job (one, no matrix): its `drift` step merged the shards' reports."""
    [report] = run["report"]
    return report


def edit_env_by_hand(bench: Bench, key: str, value: str, site: str = "gha-docs") -> None:
    """Someone changes a variable in the Netlify UI: outside the manifests."""
    site_id = bench.api("GET", f"/sites/{site}").json()["id"]
    bench.api("PATCH", f"/accounts/demo/env/{key}", params={"site_id": site_id},
              json={"context": "all", "value": value})


def drift_issues(bench: Bench) -> list[dict[str, Any]]:
    return [issue for issue in bench.gh.state()["issues"] if "drift" in issue["labels"]]


def test_drift_issue_is_opened_updated_then_closed_after_apply(bench: Bench) -> None:
    assert apply_by_hand(bench).succeeded

    clean = run_drift(bench)
    assert succeeded(clean), log(clean)
    [shard] = clean["drift"]
    assert shard.matrix == {"shard": 1} and "--shard 1/1" in shard.step("drift").log
    assert shard.step("drift").outputs["exitcode"] == merged(clean).step("drift").outputs["exitcode"] == "0"
    assert bench.gh.commands() == ["issue list"]
    assert drift_issues(bench) == []

    # Drift: a variable edited on Netlify, outside the manifests.
    edit_env_by_hand(bench, "API_URL", "https://hand-edited.gha.example")
    bench.gh.reset_log()
    drifted = run_drift(bench)
    assert succeeded(drifted), log(drifted)  # exit 2 does not fail the job
    step = merged(drifted).step("drift")
    assert step.outputs["exitcode"] == "2" and step.outputs["has-changes"] == "true"
    assert bench.gh.commands() == ["issue list", "label create", "issue create"]
    [issue] = drift_issues(bench)
    assert issue["state"] == "open" and issue["title"].startswith("Netlify drift")
    assert issue["body"].startswith(DRIFT_MARKER)
    assert "site.gha-docs.env.API_URL" in issue["body"]
    assert '"https://hand-edited.gha.example" → "https://api.gha.example"' in issue["body"]
    assert merged(drifted).run_url in issue["body"]
    assert "## netlify-reconciler drift report" in merged(drifted).summary

    # Still drifted, nothing new: the same issue is updated, nobody is notified again.
    bench.gh.reset_log()
    again = run_drift(bench)
    assert succeeded(again), log(again)
    assert bench.gh.commands() == ["issue list", "issue view", "issue edit"]
    assert [i["number"] for i in drift_issues(bench)] == [issue["number"]]

    # The drift changed: the issue is updated and gets a comment saying so.
    edit_env_by_hand(bench, "API_URL", "https://hand-edited-twice.gha.example")
    bench.gh.reset_log()
    changed = run_drift(bench)
    assert succeeded(changed), log(changed)
    assert bench.gh.commands() == ["issue list", "issue view", "issue edit", "issue comment"]
    [issue] = drift_issues(bench)
    assert "hand-edited-twice" in issue["body"]
    assert issue["comments"][-1].startswith("The drift changed")

    # An apply puts the manifests back; the next drift run comments and closes the issue.
    assert apply_by_hand(bench).succeeded
    bench.gh.reset_log()
    fixed = run_drift(bench)
    assert succeeded(fixed), log(fixed)
    assert merged(fixed).step("drift").outputs["exitcode"] == "0"
    assert bench.gh.commands() == ["issue list", "issue comment", "issue close"]
    [issue] = drift_issues(bench)
    assert issue["state"] == "closed" and issue["state_reason"] == "completed"
    assert issue["comments"][-1].startswith("Live Netlify matches the manifests in `netlify` again")

    # Clean and no open issue: nothing to do.
    bench.gh.reset_log()
    assert succeeded(run_drift(bench))
    assert bench.gh.commands() == ["issue list"]

    # A new drift opens a new issue (the closed one stays closed); the label already exists.
    edit_env_by_hand(bench, "API_URL", "https://hand-edited-again.gha.example")
    bench.gh.reset_log()
    assert succeeded(run_drift(bench))
    assert bench.gh.commands() == ["issue list", "label create", "issue create"]
    assert bench.gh.calls()[1]["exit"] == 1  # "already exists", ignored
    assert [i["state"] for i in drift_issues(bench)] == ["closed", "open"]

    written = bench.everything_written()
    assert SECRET_VALUE not in written and LEDGER_KEY not in written


def test_a_drift_error_fails_the_job_and_leaves_the_issue_alone(bench: Bench) -> None:
    add_open_drift_issue(bench)
    result = run_drift(bench, secrets={"NETLIFY_AUTH_TOKEN": "revoked-token"})
    [shard] = result["drift"]
    assert not shard.succeeded
    assert shard.step("drift").outputs["exitcode"] == "1"
    assert [step.outcome for step in shard.steps[-2:]] == ["skipped", "skipped"]  # no report uploaded
    assert merged(result).skipped
    assert bench.gh.calls() == []
    assert drift_issues(bench)[0]["state"] == "open"


def add_open_drift_issue(bench: Bench) -> None:
    state = bench.gh.state()
    state["labels"].append("drift")
    state["issues"].append({"number": 3, "title": "Netlify drift", "body": f"{DRIFT_MARKER}\nold report",
                            "state": "open", "state_reason": None, "labels": ["drift"], "comments": []})
    bench.gh.write_state(state)


def test_an_issue_with_the_label_but_without_the_marker_is_not_ours(bench: Bench) -> None:
    state = bench.gh.state()
    state["labels"].append("drift")
    state["issues"].append({"number": 3, "title": "Terraform drift", "body": "someone else's report",
                            "state": "open", "state_reason": None, "labels": ["drift"], "comments": []})
    bench.gh.write_state(state)
    result = run_drift(bench)  # nothing applied yet: everything is missing, which is drift
    assert succeeded(result), log(result)
    assert bench.gh.commands() == ["issue list", "label create", "issue create"]
    others, ours = drift_issues(bench)
    assert others["body"] == "someone else's report" and others["state"] == "open"
    assert ours["body"].startswith(DRIFT_MARKER)


SHARDED_SITES = [f"gha-shard-{i}" for i in range(8)]


def three_shards(bench: Bench) -> Path:
    """drift.yml with the matrix the workflow's comments say to write for three shards."""
    text = (WORKFLOWS / "drift.yml").read_text(encoding="utf-8")
    assert text.count("shard: [1] ") == 1
    copy = bench.root / "drift-3-shards.yml"
    copy.write_text(text.replace("shard: [1] ", "shard: [1, 2, 3] "), encoding="utf-8")
    return copy


def changes(report: JobResult) -> tuple[list[str], dict[str, Any]]:
    """The addresses and summary of the merged JSON report of a run's issue job."""
    document = json.loads(Path(report.step("drift").outputs["json-report"]).read_text(encoding="utf-8"))
    return sorted(change["address"] for change in document["changes"]), document["summary"]


def shard_reports(bench: Bench, run: Run) -> dict[str, int]:
    """Artifact name -> number of changes, for the shard reports the run uploaded."""
    run_id = merged(run).run_url.rsplit("/", 1)[1]
    found = {}
    for artifact in bench.gh.artifacts.artifacts():
        if str(artifact["workflow_run"]["id"]) == run_id:
            [file] = bench.gh.artifacts.files(artifact)
            found[artifact["name"]] = len(json.loads(file.read_text(encoding="utf-8"))["changes"])
    return found


def test_three_shards_open_the_one_issue_one_shard_would_and_a_failed_shard_leaves_it_alone(bench: Bench) -> None:
    bench.write_manifest(MANIFEST + "".join(f"  {name}:\n    team: demo\n    env: {{KEY: one}}\n"
                                            for name in SHARDED_SITES))
    assert apply_by_hand(bench).succeeded
    for name in SHARDED_SITES[::2]:
        edit_env_by_hand(bench, "KEY", "hand", site=name)
    edit_env_by_hand(bench, "API_URL", "https://hand-edited.gha.example")

    one = run_drift(bench)
    assert succeeded(one), log(one)
    [issue] = drift_issues(bench)
    addresses, summary = changes(merged(one))
    assert len(addresses) == 5 and "site.gha-docs.env.API_URL" in addresses

    # The same fleet over three shards: three shard jobs, the drift spread over at least two of them,
    # and one merged report listing the same changes: the issue's report is the same (no "changed" comment).
    workflow = three_shards(bench)
    bench.gh.reset_log()
    three = run_drift(bench, workflow)
    assert succeeded(three), log(three)
    assert [job.matrix for job in three["drift"]] == [{"shard": 1}, {"shard": 2}, {"shard": 3}]
    assert all(f"--shard {k}/3" in job.step("drift").log for k, job in enumerate(three["drift"], 1))
    sizes = shard_reports(bench, three)
    assert set(sizes) == {f"netlify-drift-shard-{k}" for k in (1, 2, 3)}
    assert sum(sizes.values()) == 5 and sum(1 for size in sizes.values() if size) >= 2, sizes
    assert changes(merged(three)) == (addresses, summary)
    assert bench.gh.commands() == ["issue list", "issue view", "issue edit"]
    assert [i["number"] for i in drift_issues(bench)] == [issue["number"]]
    assert drift_issues(bench)[0]["body"].replace(merged(three).run_url, "") == issue["body"].replace(
        merged(one).run_url, "")

    # Live matches again, but shard 2's token is revoked: shards 1 and 3 still run (fail-fast: false), the
    # issue job does not, and the issue stays open: a partial report would have closed it.
    assert apply_by_hand(bench).succeeded
    bench.gh.reset_log()
    secrets = {**default_secrets(), "NETLIFY_AUTH_TOKEN_2": "revoked-token"}
    partial = run_drift(bench, workflow, secrets=secrets)
    assert [job.result for job in partial["drift"]] == ["success", "failure", "success"], log(partial)
    assert partial["drift"][1].step("drift").outputs["exitcode"] == "1"
    assert merged(partial).skipped
    assert bench.gh.calls() == []
    assert drift_issues(bench)[0]["state"] == "open"

    # Every shard answers: the issue is closed.
    whole = run_drift(bench, workflow)
    assert succeeded(whole), log(whole)
    assert bench.gh.commands() == ["issue list", "issue comment", "issue close"]
    assert drift_issues(bench)[0]["state"] == "closed"
    written = bench.everything_written()
    assert SECRET_VALUE not in written and LEDGER_KEY not in written and "revoked-token" not in written
