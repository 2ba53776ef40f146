"""The plan workflow (examples/.github/workflows/plan.yml), run locally against the emulator: one PR comment,
created then updated in place; forks get the job summary only; validation errors reach the reviewer."""

from __future__ import annotations

from tests.github.conftest import (
    FORK,
    HEAD_SHA,
    LEDGER_KEY,
    MANIFEST,
    PLAN_MARKER,
    PR_NUMBER,
    SECRET_VALUE,
    WORKFLOWS,
    Bench,
    action_inputs,
    pull_request_event,
    push_event,
)
from tests.github.local_runner import JobResult

RUN_URL = "https://github.com/acme/netlify-config/actions/runs/4242"


def run_plan(bench: Bench, head_repository: str = "acme/netlify-config", **kwargs: object) -> JobResult:
    runner = bench.runner("pull_request", pull_request_event(head_repository), ref_name=f"{PR_NUMBER}/merge",
                          **kwargs)  # type: ignore[arg-type]
    return runner.run_job(WORKFLOWS / "plan.yml", "plan")


def bot_comments(bench: Bench) -> list[dict[str, object]]:
    return [c for c in bench.gh.state()["comments"] if c["user"]["type"] == "Bot"]


def test_plan_comment_is_created_then_updated_not_duplicated(bench: Bench) -> None:
    state = bench.gh.state()
    # A person quoting the marker must not have their comment taken for the bot's.
    state["comments"].append({"id": 5, "issue": PR_NUMBER, "body": f"why is {PLAN_MARKER} in the plan comment?",
                              "user": {"login": "alice", "type": "User"}})
    bench.gh.write_state(state)

    first = run_plan(bench)
    assert first.succeeded, first.log
    plan = first.step("plan")
    assert plan.outcome == "success"  # exit 2 (changes) is not a failure by default
    assert plan.outputs["exitcode"] == "2" and plan.outputs["has-changes"] == "true"
    report = plan.outputs["markdown-report"]
    assert report.endswith(".md") and plan.outputs["json-report"].endswith(".json")
    assert bench.gh.commands() == ["api GET", "pr comment"]
    assert all(call["token_set"] and call["repo"] == "acme/netlify-config" for call in bench.gh.calls())

    [comment] = bot_comments(bench)
    body = str(comment["body"])
    assert body.startswith(PLAN_MARKER + "\n## netlify-reconciler plan")
    assert "Plan: 4 to add, 0 to change, 0 to destroy, 2 ledger writes." in body
    assert '+     values.all = "https://api.gha.example"' in body
    assert f"Commit {HEAD_SHA[:12]}" in body and f"[job summary and log]({RUN_URL})" in body
    assert "Merging applies exactly this plan, unless Netlify or the manifests change first." in body
    # The plan itself, saved for the apply workflow under the head commit's name.
    [artifact] = bench.gh.artifacts.artifacts()
    assert artifact["name"] == f"netlify-plan-{HEAD_SHA}" and artifact["workflow_run"]["head_sha"] == HEAD_SHA
    # The job summary has the validation result and the same Markdown plan.
    assert "### ✅ netlify-reconciler validate" in first.summary
    assert "Plan: 4 to add, 0 to change, 0 to destroy, 2 ledger writes." in first.summary

    bench.write_manifest(MANIFEST.replace("https://api.gha.example", "https://api-v2.gha.example"))
    bench.gh.reset_log()
    second = run_plan(bench)
    assert second.succeeded, second.log
    assert bench.gh.commands() == ["api GET", "api PATCH"]
    patch = bench.gh.calls()[1]
    assert patch["argv"][:4] == ["api", "--method", "PATCH", f"repos/acme/netlify-config/issues/comments/{comment['id']}"]
    [updated] = bot_comments(bench)
    assert updated["id"] == comment["id"]
    assert '+     values.all = "https://api-v2.gha.example"' in str(updated["body"])
    assert len(bench.gh.state()["comments"]) == 2  # the person's comment and the one plan comment
    newest = bench.gh.artifacts.artifacts()[0]  # each run saves its own plan; the apply takes the newest
    assert newest["workflow_run"]["id"] == int(second.run_url.rsplit("/", 1)[1])
    assert "api-v2.gha.example" in bench.gh.artifacts.files(newest)[0].read_text(encoding="utf-8")

    written = bench.everything_written() + first.log + second.log
    assert SECRET_VALUE not in written and LEDGER_KEY not in written


def test_comment_says_no_changes_once_the_plan_is_empty(bench: Bench) -> None:
    applied = bench.runner("push", push_event()).run_action(action_inputs("apply"))
    assert applied.succeeded, applied.log

    result = run_plan(bench)
    assert result.succeeded, result.log
    assert result.step("plan").outputs["exitcode"] == "0"
    assert result.step("plan").outputs["has-changes"] == "false"
    [comment] = bot_comments(bench)
    assert "**No changes. Live state matches the manifests.**" in str(comment["body"])


def test_fork_pull_request_gets_the_job_summary_and_no_comment(bench: Bench) -> None:
    # Secrets present (a private repository may send them to forks); the fork's token still cannot comment.
    result = run_plan(bench, head_repository=FORK)
    assert result.succeeded, result.log
    assert result.step("plan").outputs["exitcode"] == "2"
    assert "Plan: 4 to add, 0 to change, 0 to destroy, 2 ledger writes." in result.summary
    assert "Pull request from a fork: no comment is posted" in result.summary
    assert any(line.startswith("::notice::Pull request from a fork") for line in result.annotations)
    assert bench.gh.calls() == []


def test_fork_pull_request_without_secrets_is_validated_only(bench: Bench) -> None:
    result = run_plan(bench, head_repository=FORK, secrets={})
    assert result.succeeded, result.log
    assert result.step("validate").outcome == "success"
    assert result.step("plan").outcome == "skipped"
    assert "### ✅ netlify-reconciler validate" in result.summary
    assert "Pull request from a fork" in result.summary
    assert bench.gh.calls() == []
    assert bench.gh.artifacts.artifacts() == []  # no plan, nothing to apply on merge


def test_same_repository_without_token_says_why_there_is_no_plan(bench: Bench) -> None:
    result = run_plan(bench, secrets={})
    assert result.succeeded, result.log
    assert result.step("plan").outcome == "skipped"
    assert "No NETLIFY_AUTH_TOKEN secret in this run" in result.summary
    assert bench.gh.calls() == []


def test_invalid_manifests_fail_the_job_and_the_comment_says_so(bench: Bench) -> None:
    bench.write_manifest(MANIFEST.replace("force_ssl: true", "force_ssl: yes please"))
    result = run_plan(bench)
    assert not result.succeeded
    assert result.step("validate").outcome == "failure"
    assert result.step("validate").outputs["exitcode"] == "1"
    assert result.step("plan").outcome == "skipped"
    assert "### ❌ netlify-reconciler validate failed (exit 1)" in result.summary
    assert "netlify/site.yaml:5:16: sites.gha-docs.force_ssl: expected boolean" in result.summary  # the tool's file:line:column, in the summary
    [comment] = bot_comments(bench)
    assert "the manifests do not validate" in str(comment["body"])
    assert "Merging applies" not in str(comment["body"])
    assert RUN_URL in str(comment["body"])
    assert bench.gh.artifacts.artifacts() == []


def test_a_plan_too_long_for_a_comment_is_cut_below_githubs_limit(bench: Bench) -> None:
    long_value = "x" * 150
    env = "\n".join(f"      VAR_{i:04d}: {long_value}-{i}" for i in range(450))
    bench.write_manifest(f"version: 1\nsites:\n  gha-big:\n    team: demo\n    env:\n{env}\n")
    result = run_plan(bench)
    assert result.succeeded, result.log
    [comment] = bot_comments(bench)
    body = str(comment["body"])
    assert len(body) < 65536
    assert body.startswith(PLAN_MARKER)
    assert "truncated" in body or "Cut here" in body
    assert RUN_URL in body
