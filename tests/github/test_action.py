"""The composite action (action.yml + scripts/github/action.sh) on its own, against the emulator: when a
step fails, which outputs it sets, what goes to the job summary, and that the token is never printed."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import CLI_TOKEN
from tests.github.conftest import LEDGER_KEY, SECRET_VALUE, Bench, action_inputs, push_event
from tests.github.local_runner import JobResult


def run(bench: Bench, inputs: dict[str, str], secrets: dict[str, str] | None = None) -> JobResult:
    return bench.runner("push", push_event(), secrets=secrets).run_action(inputs)


def test_exit_2_is_not_a_failure_unless_fail_on_changes(bench: Bench) -> None:
    default = run(bench, action_inputs("plan"))
    step = default.step("action")
    assert step.outcome == "success", default.log
    assert step.outputs["exitcode"] == "2" and step.outputs["has-changes"] == "true"
    assert "plan found changes (exit 2); not a failure" in default.log

    strict = run(bench, action_inputs("plan", fail_on_changes="true"))
    step = strict.step("action")
    assert step.outcome == "failure"
    assert step.outputs["exitcode"] == "2" and step.outputs["has-changes"] == "true"
    assert "::error title=netlify-reconciler::plan found changes (exit 2) and fail-on-changes is true" in strict.annotations
    assert "Plan: 4 to add" in strict.summary  # the report is published before the step fails


def test_outputs_and_reports_of_plan_apply_and_drift(bench: Bench) -> None:
    plan = run(bench, action_inputs("plan")).step("action")
    json_report = Path(plan.outputs["json-report"])
    markdown_report = Path(plan.outputs["markdown-report"])
    plan_file = Path(plan.outputs["plan-file"])
    assert json.loads(json_report.read_text())["summary"]["total"] == 6  # four objects, the site's lease and ledger
    assert markdown_report.read_text().startswith("## netlify-reconciler plan")
    assert plan_file.name == "plan.json" and plan_file.is_file()

    applied = run(bench, action_inputs("apply", manifests=str(plan_file)))
    step = applied.step("action")
    assert step.outcome == "success", applied.log
    assert step.outputs["exitcode"] == "0" and step.outputs["has-changes"] == "true"
    assert step.outputs["plan-file"] == ""
    assert "Apply complete: 4 added, 0 changed, 0 destroyed, 2 ledger writes." in applied.log

    drift = run(bench, action_inputs("drift"))
    step = drift.step("action")
    assert step.outcome == "success", drift.log
    assert step.outputs["exitcode"] == "0" and step.outputs["has-changes"] == "false"
    assert "## netlify-reconciler drift report" in drift.summary
    assert "No changes" in drift.summary or "No drift" in drift.summary

    for result in (applied, drift):
        text = result.log + result.summary + json.dumps([s.outputs for s in result.steps])
        assert SECRET_VALUE not in text and LEDGER_KEY not in text and CLI_TOKEN not in text


def test_errors_fail_the_step_even_without_fail_on_changes(bench: Bench) -> None:
    result = run(bench, action_inputs("drift"), secrets={"NETLIFY_AUTH_TOKEN": "wrong-token-PLANTED"})
    step = result.step("action")
    assert step.outcome == "failure"
    assert step.outputs["exitcode"] == "1" and step.outputs["has-changes"] == "false"
    assert step.outputs["markdown-report"] == "" and step.outputs["json-report"] == ""
    assert "### ❌ netlify-reconciler drift failed (exit 1)" in result.summary
    assert "<pre>" in result.summary  # the tool's error lines, HTML-escaped
    assert "wrong-token-PLANTED" not in result.log + result.summary


def test_extra_args_and_api_url_reach_the_command(bench: Bench) -> None:
    result = run(bench, action_inputs("drift", api_url=bench.emulator.url, extra_args=" --fail-on   none "))
    step = result.step("action")
    assert step.outcome == "success", result.log
    # --fail-on none (after the action's --fail-on drift) makes drift exit 0; has-changes comes from the report.
    assert step.outputs["exitcode"] == "0" and step.outputs["has-changes"] == "true"
    assert f"--api-url {bench.emulator.url}" in result.log and "--fail-on drift" in result.log


def test_a_usage_error_is_a_failure_with_exit_code_1(bench: Bench) -> None:
    result = run(bench, action_inputs("plan", extra_args="--no-such-flag"))
    step = result.step("action")
    assert step.outputs["exitcode"] == "1"  # never 2, which means "changes" to every caller
    assert step.outcome == "failure" and step.outputs["has-changes"] == "false"
    assert step.outputs["plan-file"] == ""
    assert "Error: No such option '--no-such-flag'." in result.summary


def test_bad_inputs_fail_with_a_message(bench: Bench) -> None:
    bad_command = run(bench, action_inputs("destroy-everything"))
    assert bad_command.step("action").outcome == "failure"
    assert any("command must be one of validate, plan, apply, drift" in a for a in bad_command.annotations)

    bad_flag = run(bench, action_inputs("plan", fail_on_changes="maybe"))
    assert bad_flag.step("action").outcome == "failure"
    assert any("fail-on-changes must be true or false" in a for a in bad_flag.annotations)


def test_install_is_skipped_by_the_test_hook(bench: Bench) -> None:
    result = run(bench, action_inputs("validate"))
    [setup, install, command] = result.step("action").inner
    assert setup.stdout.startswith("(not run locally: actions/setup-python@")
    assert install.outcome == "success"
    assert install.stdout.startswith("NETLIFY_RECONCILER_SKIP_INSTALL=1: using ")
    assert command.outcome == "success" and command.outputs["exitcode"] == "0"
    assert "The manifests in `netlify` are valid." in result.summary
