"""The drift workflow (examples/.github/workflows/drift.yml), run locally against the emulator: an env var
changed through the API opens ONE drift issue, later runs update it, and once an apply (started by hand)
makes live match again it is commented on and closed."""

from __future__ import annotations

from typing import Any

from tests.github.conftest import (
    DRIFT_MARKER,
    LEDGER_KEY,
    SECRET_VALUE,
    WORKFLOWS,
    Bench,
    apply_by_hand,
    schedule_event,
)
from tests.github.local_runner import JobResult


def run_drift(bench: Bench, **kwargs: Any) -> JobResult:
    return bench.runner("schedule", schedule_event(), **kwargs).run_job(WORKFLOWS / "drift.yml", "drift")


def edit_env_by_hand(bench: Bench, key: str, value: str) -> None:
    """Someone changes a variable in the Netlify UI: outside the manifests."""
    site_id = bench.api("GET", "/sites/gha-docs").json()["id"]
    bench.api("PATCH", f"/accounts/demo/env/{key}", params={"site_id": site_id},
              json={"context": "all", "value": value})


def drift_issues(bench: Bench) -> list[dict[str, Any]]:
    return [issue for issue in bench.gh.state()["issues"] if "drift" in issue["labels"]]


def test_drift_issue_is_opened_updated_then_closed_after_apply(bench: Bench) -> None:
    assert apply_by_hand(bench).succeeded

    clean = run_drift(bench)
    assert clean.succeeded, clean.log
    assert clean.step("drift").outputs["exitcode"] == "0"
    assert bench.gh.commands() == ["issue list"]
    assert drift_issues(bench) == []

    # Drift: a variable edited on Netlify, outside the manifests.
    edit_env_by_hand(bench, "API_URL", "https://hand-edited.gha.example")
    bench.gh.reset_log()
    drifted = run_drift(bench)
    assert drifted.succeeded, drifted.log  # exit 2 does not fail the job
    step = drifted.step("drift")
    assert step.outputs["exitcode"] == "2" and step.outputs["has-changes"] == "true"
    assert bench.gh.commands() == ["issue list", "label create", "issue create"]
    [issue] = drift_issues(bench)
    assert issue["state"] == "open" and issue["title"].startswith("Netlify drift")
    assert issue["body"].startswith(DRIFT_MARKER)
    assert "site.gha-docs.env.API_URL" in issue["body"]
    assert '"https://hand-edited.gha.example" → "https://api.gha.example"' in issue["body"]
    assert drifted.run_url in issue["body"]
    assert "## netlify-reconciler drift report" in drifted.summary

    # Still drifted, nothing new: the same issue is updated, nobody is notified again.
    bench.gh.reset_log()
    again = run_drift(bench)
    assert again.succeeded, again.log
    assert bench.gh.commands() == ["issue list", "issue view", "issue edit"]
    assert [i["number"] for i in drift_issues(bench)] == [issue["number"]]

    # The drift changed: the issue is updated and gets a comment saying so.
    edit_env_by_hand(bench, "API_URL", "https://hand-edited-twice.gha.example")
    bench.gh.reset_log()
    changed = run_drift(bench)
    assert changed.succeeded, changed.log
    assert bench.gh.commands() == ["issue list", "issue view", "issue edit", "issue comment"]
    [issue] = drift_issues(bench)
    assert "hand-edited-twice" in issue["body"]
    assert issue["comments"][-1].startswith("The drift changed")

    # An apply puts the manifests back; the next drift run comments and closes the issue.
    assert apply_by_hand(bench).succeeded
    bench.gh.reset_log()
    fixed = run_drift(bench)
    assert fixed.succeeded, fixed.log
    assert fixed.step("drift").outputs["exitcode"] == "0"
    assert bench.gh.commands() == ["issue list", "issue comment", "issue close"]
    [issue] = drift_issues(bench)
    assert issue["state"] == "closed" and issue["state_reason"] == "completed"
    assert issue["comments"][-1].startswith("Live Netlify matches the manifests in `netlify` again")

    # Clean and no open issue: nothing to do.
    bench.gh.reset_log()
    assert run_drift(bench).succeeded
    assert bench.gh.commands() == ["issue list"]

    # A new drift opens a new issue (the closed one stays closed); the label already exists.
    edit_env_by_hand(bench, "API_URL", "https://hand-edited-again.gha.example")
    bench.gh.reset_log()
    assert run_drift(bench).succeeded
    assert bench.gh.commands() == ["issue list", "label create", "issue create"]
    assert bench.gh.calls()[1]["exit"] == 1  # "already exists", ignored
    assert [i["state"] for i in drift_issues(bench)] == ["closed", "open"]

    written = bench.everything_written()
    assert SECRET_VALUE not in written and LEDGER_KEY not in written


def test_a_drift_error_fails_the_job_and_leaves_the_issue_alone(bench: Bench) -> None:
    state = bench.gh.state()
    state["labels"].append("drift")
    state["issues"].append({"number": 3, "title": "Netlify drift", "body": f"{DRIFT_MARKER}\nold report",
                            "state": "open", "state_reason": None, "labels": ["drift"], "comments": []})
    bench.gh.write_state(state)
    result = run_drift(bench, secrets={"NETLIFY_AUTH_TOKEN": "revoked-token"})
    assert not result.succeeded
    assert result.step("drift").outputs["exitcode"] == "1"
    assert result.steps[-1].outcome == "skipped"
    assert bench.gh.calls() == []
    assert drift_issues(bench)[0]["state"] == "open"


def test_an_issue_with_the_label_but_without_the_marker_is_not_ours(bench: Bench) -> None:
    state = bench.gh.state()
    state["labels"].append("drift")
    state["issues"].append({"number": 3, "title": "Terraform drift", "body": "someone else's report",
                            "state": "open", "state_reason": None, "labels": ["drift"], "comments": []})
    bench.gh.write_state(state)
    result = run_drift(bench)  # nothing applied yet: everything is missing, which is drift
    assert result.succeeded, result.log
    assert bench.gh.commands() == ["issue list", "label create", "issue create"]
    others, ours = drift_issues(bench)
    assert others["body"] == "someone else's report" and others["state"] == "open"
    assert ours["body"].startswith(DRIFT_MARKER)
