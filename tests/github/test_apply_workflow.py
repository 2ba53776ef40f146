"""The plan-to-apply hand-over (plan.yml saves the plan, apply.yml applies it after the merge), run locally
against the emulator: the plan reviewed on the pull request is what gets applied, never a new plan; a stale
or missing plan fails the run, writes nothing to Netlify and says so on the pull request."""

from __future__ import annotations

import json
from typing import Any

from reconciler.plan.saved import SAVED_KEY
from tests.cli.conftest import CLI_TOKEN
from tests.github.conftest import (
    HEAD_SHA,
    LEDGER_KEY,
    MANIFEST,
    MERGE_SHA,
    PR_NUMBER,
    SECRET_VALUE,
    WORKFLOWS,
    Bench,
    apply_by_hand,
    pull_request_event,
    push_event,
    repository_payload,
)
from tests.github.local_runner import JobResult

ARTIFACT = f"netlify-plan-{HEAD_SHA}"
APPLY_MARKER = "<!-- netlify-reconciler-apply -->"


def plan_pull_request(bench: Bench) -> JobResult:
    runner = bench.runner("pull_request", pull_request_event(), ref_name=f"{PR_NUMBER}/merge")
    result = runner.run_job(WORKFLOWS / "plan.yml", "plan")
    assert result.succeeded, result.log
    return result


def merge(bench: Bench, **kwargs: Any) -> JobResult:
    """The push of the merge commit to the default branch."""
    return bench.runner("push", push_event(), **kwargs).run_job(WORKFLOWS / "apply.yml", "apply")


def apply_comments(bench: Bench) -> list[str]:
    return [str(c["body"]) for c in bench.gh.state()["comments"] if str(c["body"]).startswith(APPLY_MARKER)]


def sites(bench: Bench) -> list[str]:
    return [site["name"] for site in bench.api("GET", "/sites").json()]


def test_the_merge_applies_the_plan_saved_on_the_pull_request(bench: Bench) -> None:
    planned = plan_pull_request(bench)
    [artifact] = bench.gh.artifacts.artifacts()
    assert artifact["name"] == ARTIFACT and artifact["workflow_run"] == {"id": int(planned.run_url.rsplit("/", 1)[1]),
                                                                         "head_sha": HEAD_SHA}
    [saved] = bench.gh.artifacts.files(artifact)
    assert saved.name == "plan.json" and json.loads(saved.read_text())["summary"]["total"] == 6
    assert sites(bench) == []  # planning wrote nothing

    bench.gh.reset_log()
    merged = merge(bench)
    assert merged.succeeded, merged.log
    reviewed = merged.step("reviewed")
    assert reviewed.outputs["pr-number"] == str(PR_NUMBER) and reviewed.outputs["head-sha"] == HEAD_SHA
    assert merged.step("plan").outcome == "skipped", "nothing is planned again after the merge"
    apply = merged.step("apply")
    assert apply.outcome == "success" and apply.outputs["exitcode"] == "0"
    assert f"netlify-reconciler apply {reviewed.outputs['plan-file']} --auto-approve" in merged.log
    assert "Apply complete: 4 added, 0 changed, 0 destroyed, 2 ledger writes." in merged.log
    assert sites(bench) == ["gha-docs"]

    assert bench.gh.commands() == ["api GET", "api GET", "run download", "pr comment"]
    assert bench.gh.calls()[2]["argv"][:5] == ["run", "download", str(artifact["workflow_run"]["id"]), "--name", ARTIFACT]
    [comment] = apply_comments(bench)
    assert f"### ✅ Applied the plan reviewed here (commit {HEAD_SHA[:12]})" in comment
    assert "**Plan: 4 to add, 0 to change, 0 to destroy, 2 ledger writes.**" in comment
    assert f"Merge commit {MERGE_SHA[:12]}" in comment and merged.run_url in comment

    written = bench.everything_written() + planned.log + merged.log
    for secret in (SECRET_VALUE, LEDGER_KEY, CLI_TOKEN):
        assert secret not in written  # the saved plan references manifest nodes, never values


def test_the_newest_plan_of_the_head_commit_is_applied(bench: Bench) -> None:
    """A re-run of the plan workflow (after the base branch moved, say) saves a newer plan for the same commit."""
    plan_pull_request(bench)
    bench.write_manifest(MANIFEST.replace("owner: platform", "owner: web-team"))
    plan_pull_request(bench)
    merged = merge(bench)
    assert merged.succeeded, merged.log
    assert bench.api("GET", "/sites/gha-docs/metadata").json()["owner"] == "web-team"


def test_a_plan_made_stale_by_a_change_on_netlify_is_refused_and_the_pull_request_told(bench: Bench) -> None:
    plan_pull_request(bench)
    # After the review, someone creates the site by hand: the plan no longer says what applying would do.
    bench.api("POST", "/demo/sites", json={"name": "gha-docs"})
    bench.gh.reset_log()
    merged = merge(bench)
    assert not merged.succeeded
    assert merged.step("apply").outcome == "failure" and merged.step("apply").outputs["exitcode"] == "1"
    assert "the saved plan is stale: live state changed since it was made" in merged.log
    assert bench.api("GET", "/sites/gha-docs/metadata").json() == {}  # nothing was written
    assert bench.gh.commands() == ["api GET", "api GET", "run download", "pr comment"]
    [comment] = apply_comments(bench)
    assert "### ❌ Not applied: the plan reviewed here is stale" in comment
    assert "**Nothing was applied.**" in comment
    assert "the saved plan is stale: live state changed since it was made" in comment  # the tool's own words
    assert "changed: site.gha-docs" in comment


def test_a_plan_made_stale_by_another_merge_is_refused_not_replanned(bench: Bench) -> None:
    plan_pull_request(bench)
    # Another pull request merged first: the default branch's manifests are not the ones planned.
    bench.write_manifest(MANIFEST.replace("owner: platform", "owner: web-team"))
    merged = merge(bench)
    assert not merged.succeeded
    assert merged.step("plan").outcome == "skipped"
    assert "the manifests (or the secret values they read from the environment) changed since the plan was saved" in merged.log
    assert sites(bench) == []
    [comment] = apply_comments(bench)
    assert "### ❌ Not applied: the plan reviewed here is stale" in comment


def test_a_merge_without_a_saved_plan_fails_and_says_so_on_the_pull_request(bench: Bench) -> None:
    merged = merge(bench)  # the plan workflow never ran for the head commit
    assert not merged.succeeded
    assert merged.step("reviewed").outcome == "failure"
    assert merged.step("apply").outcome == "skipped"
    assert sites(bench) == []
    assert bench.gh.commands() == ["api GET", "api GET", "pr comment"]
    assert any(f"No saved plan for commit {HEAD_SHA[:12]} of pull request #{PR_NUMBER} (artifact {ARTIFACT}). "
               "Nothing was applied." in line for line in merged.annotations)
    assert "### ❌ Nothing applied" in merged.summary
    [comment] = apply_comments(bench)
    assert f"### ❌ Not applied: no saved plan for commit {HEAD_SHA[:12]}" in comment
    assert "**Nothing was applied.**" in comment


def test_an_expired_plan_is_missing_too(bench: Bench) -> None:
    plan_pull_request(bench)
    bench.gh.artifacts.expire(ARTIFACT)
    merged = merge(bench)
    assert not merged.succeeded and merged.step("apply").outcome == "skipped"
    assert sites(bench) == []
    [comment] = apply_comments(bench)
    assert "Not applied: no saved plan" in comment


def test_a_push_that_merged_no_pull_request_applies_nothing(bench: Bench) -> None:
    state = bench.gh.state()
    state["merged_pulls"] = {}
    bench.gh.write_state(state)
    plan_pull_request(bench)
    bench.gh.reset_log()
    pushed = merge(bench)
    assert not pushed.succeeded and pushed.step("apply").outcome == "skipped"
    assert pushed.steps[-1].outcome == "skipped"  # no pull request to tell
    assert bench.gh.commands() == ["api GET"]
    assert any(f"No pull request was merged as commit {MERGE_SHA[:12]}" in line for line in pushed.annotations)
    assert sites(bench) == []


def test_started_by_hand_it_plans_the_default_branch_and_applies_that_plan(bench: Bench) -> None:
    first = apply_by_hand(bench)
    assert first.succeeded, first.log
    assert first.step("reviewed").outcome == "skipped"
    plan, apply = first.step("plan"), first.step("apply")
    assert plan.outputs["exitcode"] == "2" and plan.outputs["has-changes"] == "true"
    assert apply.outcome == "success" and apply.outputs["exitcode"] == "0"
    assert f"netlify-reconciler apply {plan.outputs['plan-file']} --auto-approve" in first.log
    assert first.summary.count("## netlify-reconciler plan") == 2  # the plan, then what apply applied

    second = apply_by_hand(bench)
    assert second.succeeded, second.log
    assert second.step("plan").outputs["exitcode"] == "0"
    assert second.step("apply").outcome == "skipped"
    assert bench.gh.calls() == []  # nothing to tell: no pull request

    written = bench.everything_written() + first.log + second.log
    assert SECRET_VALUE not in written and LEDGER_KEY not in written


def test_apply_runs_only_on_the_default_branch(bench: Bench) -> None:
    event = {"ref": "refs/heads/experiment", "repository": repository_payload()}
    result = bench.runner("workflow_dispatch", event, ref_name="experiment").run_job(WORKFLOWS / "apply.yml", "apply")
    assert result.skipped and result.steps == []
    assert sites(bench) == []


def test_a_pull_request_plans_and_applies_only_the_sites_it_changes(bench: Bench) -> None:
    blog = "version: 1\nsites:\n  gha-blog:\n    team: demo\n    env:\n      THEME: light\n"
    (bench.workspace / "netlify" / "blog.yaml").write_text(blog, encoding="utf-8")
    assert apply_by_hand(bench).succeeded
    bench.set_base()  # both sites are on the default branch and applied
    # The blog's variable is changed on Netlify by hand (drift); the pull request changes only the docs.
    blog_id = bench.api("GET", "/sites/gha-blog").json()["id"]
    bench.api("PATCH", "/accounts/demo/env/THEME", params={"site_id": blog_id},
              json={"context": "all", "value": "dark"})
    bench.write_manifest(MANIFEST.replace("https://api.gha.example", "https://api-v2.gha.example"))

    planned = plan_pull_request(bench)
    body = str(next(c["body"] for c in bench.gh.state()["comments"] if c["user"]["type"] == "Bot"))
    assert '~     values.all = "https://api.gha.example" → "https://api-v2.gha.example"' in body
    assert "Plan: 0 to add, 1 to change, 0 to destroy, 2 ledger writes." in body
    assert "gha-blog" not in body, "a site the pull request does not touch is neither read nor reported"
    assert "only 1 of the 2 declared teams and sites are planned (--changed-since HEAD^1)" in body
    [artifact] = bench.gh.artifacts.artifacts()
    saved = json.loads(bench.gh.artifacts.files(artifact)[0].read_text())[SAVED_KEY]["selection"]
    assert saved["owners"] == ["site.gha-docs"] and saved["made_with"] == "--changed-since HEAD^1"

    # The merge is checked out alone (HEAD^1 means nothing there): the plan names its sites.
    bench.commit("Change the docs API (#7)", parent=None)
    merged = merge(bench)
    assert merged.succeeded, merged.log + planned.log
    assert "Apply complete: 0 added, 1 changed, 0 destroyed, 2 ledger writes." in merged.log
    env = bench.api("GET", "/accounts/demo/env", params={"site_id": blog_id}).json()
    assert [v["values"][0]["value"] for v in env if v["key"] == "THEME"] == ["dark"], "the drift stays for drift"

