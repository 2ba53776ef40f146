"""Fixtures for running the action and the example workflows locally: an emulator subprocess, a `gh`
stand-in first on PATH, a workspace holding the manifests, and runners for crafted GitHub events."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.cli.conftest import CLI_TOKEN, EmulatorProcess
from tests.github.artifacts import ArtifactStore
from tests.github.local_runner import REPO, JobResult, LocalRunner

WORKFLOWS = REPO / "examples" / ".github" / "workflows"
REPOSITORY = "acme/netlify-config"
FORK = "mallory/netlify-config"
PR_NUMBER = 7
HEAD_SHA = "feedc0de" * 5  # the pull request's head commit: what its plan was made for
MERGE_SHA = "3e6ec0de" * 5  # the commit merging it into the default branch
SECRET_VALUE = "gha-signing-PLANTED-5c1e"
LEDGER_KEY = "ledger-key-PLANTED-77aa"
PLAN_MARKER = "<!-- netlify-reconciler-plan -->"
DRIFT_MARKER = "<!-- netlify-reconciler-drift -->"

MANIFEST = """\
version: 1
sites:
  gha-docs:
    team: demo
    force_ssl: true
    metadata: {owner: platform}
    env:
      API_URL: https://api.gha.example
      SIGNING_KEY:
        secret: true
        values: {production: "${GHA_SIGNING_KEY}"}
    prune: [env]
"""


class GhStandIn:
    """`gh` on PATH, backed by tests/github/fake_gh.py: a state file it answers from, a log of its calls."""

    def __init__(self, root: Path) -> None:
        self.bin = root / "bin"
        self.bin.mkdir(parents=True)
        self.state_file = root / "state.json"
        self.log_file = root / "calls.jsonl"
        self.log_file.touch()
        self.artifacts = ArtifactStore(root / "artifacts")
        gh = self.bin / "gh"
        gh.write_text(
            "#!/bin/sh\n"
            f"FAKE_GH_STATE='{self.state_file}' FAKE_GH_LOG='{self.log_file}' "
            f"FAKE_GH_ARTIFACTS='{self.artifacts.root}' "
            f"exec '{sys.executable}' '{Path(__file__).with_name('fake_gh.py')}' \"$@\"\n",
            encoding="utf-8",
        )
        gh.chmod(0o755)
        self.write_state(
            {"repo": REPOSITORY, "pull_requests": [PR_NUMBER], "comments": [], "issues": [], "labels": [],
             "next_id": 1000, "next_number": 40, "merged_pulls": {MERGE_SHA: [merged_pull_request()]}}
        )

    def write_state(self, state: dict[str, Any]) -> None:
        self.state_file.write_text(json.dumps(state, indent=2), encoding="utf-8")

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(self.state_file.read_text(encoding="utf-8"))
        return state

    def calls(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log_file.read_text(encoding="utf-8").splitlines() if line]

    def commands(self) -> list[str]:
        """Each call as `gh` plus its first words, for example "issue create" or "api PATCH"."""
        found = []
        for call in self.calls():
            argv = call["argv"]
            if argv[0] == "api":
                method = next((argv[i + 1] for i, a in enumerate(argv) if a in ("--method", "-X")), "GET")
                found.append(f"api {method}")
            else:
                found.append(" ".join(argv[:2]))
        return found

    def reset_log(self) -> None:
        self.log_file.write_text("", encoding="utf-8")


class Bench:
    """One repository checkout and its runners: every run gets a fresh RUNNER_TEMP, like a new job."""

    def __init__(self, root: Path, emulator: EmulatorProcess, gh: GhStandIn) -> None:
        self.root = root
        self.emulator = emulator
        self.gh = gh
        self.workspace = root / "workspace"
        (self.workspace / "netlify").mkdir(parents=True)
        self.git("init", "-q", "-b", "main")
        self.base = self.commit("base: no manifests yet", parent=None)
        self.write_manifest(MANIFEST)
        self.runs = 0

    def git(self, *args: str) -> str:
        env = {"PATH": "/usr/bin:/bin", "HOME": str(self.root), "GIT_AUTHOR_NAME": "t",
               "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
        done = subprocess.run(["git", "-C", str(self.workspace), *args], env=env, capture_output=True,
                              text=True, check=True)
        return done.stdout.strip()

    def commit(self, message: str, parent: str | None) -> str:
        """A commit of the workspace as it is, on top of `parent`, checked out (the files stay)."""
        self.git("add", "-A")
        tree = self.git("write-tree")
        sha = self.git("commit-tree", tree, "-m", message, *(["-p", parent] if parent else []))
        self.git("reset", "-q", "--soft", sha)
        return sha

    def set_base(self) -> None:
        """The default branch now holds the workspace as it is: later pull requests change it."""
        self.base = self.commit("base", parent=self.base)

    def write_manifest(self, text: str) -> None:
        (self.workspace / "netlify" / "site.yaml").write_text(text, encoding="utf-8")

    def runner(
        self,
        event_name: str,
        event: dict[str, Any],
        *,
        ref_name: str = "main",
        secrets: dict[str, str] | None = None,
    ) -> LocalRunner:
        self.runs += 1
        if event_name == "pull_request":
            # What actions/checkout gives a pull request: its merge commit, the base branch as first parent.
            self.commit(f"Merge pull request #{PR_NUMBER}", parent=self.base)
        temp = self.root / f"runner-temp-{self.runs}"
        temp.mkdir()
        return LocalRunner(
            run_id=str(4241 + self.runs),
            artifacts=self.gh.artifacts,
            workspace=self.workspace,
            runner_temp=temp,
            path=[self.gh.bin, Path(sys.executable).parent],
            event_name=event_name,
            event=event,
            repository=REPOSITORY,
            ref_name=ref_name,
            secrets=default_secrets() if secrets is None else secrets,
            runner_env={
                # Where the emulator is (a real runner would talk to Netlify), the value the manifest
                # reads with ${GHA_SIGNING_KEY}, and the test hook that skips `pip install`.
                "NETLIFY_API_URL": self.emulator.url,
                "GHA_SIGNING_KEY": SECRET_VALUE,
                "NETLIFY_RECONCILER_SKIP_INSTALL": "1",
            },
        )

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A request to the emulator's Netlify API, as someone changing Netlify by hand."""
        response = requests.request(
            method, f"{self.emulator.url}/api/v1{path}", headers={"Authorization": f"Bearer {CLI_TOKEN}"},
            timeout=10, **kwargs,
        )
        response.raise_for_status()
        return response

    def everything_written(self) -> str:
        """All text the runs produced or sent anywhere (artifacts too): for the check that no secret leaked."""
        parts = [self.gh.log_file.read_text(encoding="utf-8"), self.gh.state_file.read_text(encoding="utf-8")]
        for path in [*self.root.rglob("*"), *self.gh.artifacts.root.rglob("*")]:
            if path.is_file() and (
                path.suffix in {".md", ".json", ".log"} or path.name in {"github_step_summary", "github_output"}
            ):
                parts.append(path.read_text(encoding="utf-8", errors="replace"))
        return "\n".join(parts)


def action_inputs(command: str, **more: str) -> dict[str, str]:
    """The `with:` of an action step as the example workflows write it (secrets by expression)."""
    return {
        "command": command,
        "manifests": "netlify",
        "token": "${{ secrets.NETLIFY_AUTH_TOKEN }}",
        "ledger-key": "${{ secrets.NETLIFY_RECONCILER_LEDGER_KEY }}",
        **{key.replace("_", "-"): value for key, value in more.items()},
    }


def default_secrets() -> dict[str, str]:
    return {"NETLIFY_AUTH_TOKEN": CLI_TOKEN, "NETLIFY_RECONCILER_LEDGER_KEY": LEDGER_KEY}


def repository_payload() -> dict[str, Any]:
    return {"full_name": REPOSITORY, "name": "netlify-config", "default_branch": "main"}


def pull_request_event(head_repository: str = REPOSITORY) -> dict[str, Any]:
    return {
        "action": "synchronize",
        "number": PR_NUMBER,
        "pull_request": {
            "number": PR_NUMBER,
            "head": {"sha": HEAD_SHA, "ref": "change-docs", "repo": {"full_name": head_repository}},
            "base": {"ref": "main", "repo": {"full_name": REPOSITORY}},
        },
        "repository": repository_payload(),
    }


def dispatch_event() -> dict[str, Any]:
    return {"ref": "refs/heads/main", "inputs": {}, "repository": repository_payload()}


def apply_by_hand(bench: Bench, **kwargs: Any) -> JobResult:
    """The apply workflow started by hand (workflow_dispatch) on the default branch: plan, then apply."""
    return bench.runner("workflow_dispatch", dispatch_event(), **kwargs).run_job(WORKFLOWS / "apply.yml", "apply")


def schedule_event() -> dict[str, Any]:
    return {"schedule": "23 6 * * *", "repository": repository_payload()}


def push_event() -> dict[str, Any]:
    """The push of the merge commit of pull request PR_NUMBER to the default branch."""
    return {"ref": "refs/heads/main", "after": MERGE_SHA, "repository": repository_payload()}


def merged_pull_request() -> dict[str, Any]:
    """Pull request PR_NUMBER as `GET /repos/{repo}/commits/MERGE_SHA/pulls` lists it once merged."""
    return {"number": PR_NUMBER, "state": "closed", "merged_at": "2026-01-01T12:00:00Z",
            "merge_commit_sha": MERGE_SHA, "head": {"sha": HEAD_SHA, "ref": "change-docs"},
            "base": {"ref": "main"}}


@pytest.fixture
def bench(tmp_path: Path, emulator_process: EmulatorProcess) -> Bench:
    return Bench(tmp_path / "bench", emulator_process, GhStandIn(tmp_path / "gh"))
