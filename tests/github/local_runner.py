"""Runs the example workflows' jobs and the composite action on this machine, the way a GitHub runner would.

A whole workflow (`run_workflow`): its jobs one after the other in the order their `needs:` give, each
once per combination of its `strategy.matrix` (list values, then `include` and `exclude` as GitHub
combines them; values must be literal, no `${{ }}`), each combination on "a fresh machine": its own
RUNNER_TEMP and PATH, the workspace the test prepared (a checkout would give every job the same files)
and the run's artifacts. A job sees the `matrix` and `strategy` contexts (`job-index`, `job-total`,
`fail-fast`) and, in `if:` and steps, `needs.<job>.result`: failure if any combination failed, cancelled if
one was cancelled, skipped if all were, else success. Its `if:` defaults to `success()`, which holds only
when every needed job succeeded. With `fail-fast` (the default) the combinations after a failed one are
cancelled. Job `outputs:` are not supported (an error).

What it does, step by step, for one job:
- evaluates the job's `if:` and the `env:` of the workflow, job and step (expressions: `expressions.py`);
- `run:` steps: the script, with its `${{ }}` substituted, is run by bash with the step's shell options
  (`shell: bash` means `bash --noprofile --norc -eo pipefail`, no shell means `bash -e`, as on GitHub),
  in the workspace, with fresh GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_ENV / GITHUB_PATH files
  that are read back afterwards (outputs, job summary, env for later steps);
- `uses:` of this repository's action (`./` or `<owner>/netlify-reconciler@<ref>`): the steps of
  action.yml, with its inputs (defaults, then the caller's `with:`), its own `steps` context and
  GITHUB_ACTION_PATH set to the repository, and its outputs mapped back to the caller;
- `uses:` of actions/upload-artifact: the files of `path` are stored as artifact `name` of this run, tied
  to its head commit, in the test's `ArtifactStore` (artifacts.py), where the `gh` stand-in finds them;
- `uses:` of actions/download-artifact: this run's artifacts, one by `name` into `path`, or all whose name
  matches the glob `pattern`, each into `path/<name>/` or, with `merge-multiple`, all into `path` (a file
  name two artifacts share is overwritten, as on GitHub); `path` defaults to the workspace;
- `uses:` of actions/checkout and actions/setup-python: nothing (the test prepares the workspace, and
  Python is the one running the tests); any other action is an error;
- status: a failed step fails the job unless `continue-on-error`; `if:` defaults to `success()`.

Processes get no environment from the test process except PATH (the `gh` stand-in, the virtualenv) and
what the test passes as the runner's environment (`runner_env`), so nothing leaks in by accident.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.github.artifacts import ArtifactStore
from tests.github.expressions import Status, condition, substitute, to_text

REPO = Path(__file__).resolve().parents[2]
ACTION = REPO / "action.yml"
OUR_ACTION = re.compile(r"^(?:\./?|[\w.-]+/netlify-reconciler@[0-9a-f]{40})$")
IGNORED_ACTIONS = re.compile(r"^actions/(?:checkout|setup-python)@[0-9a-f]{40}$")
UPLOAD_ARTIFACT = re.compile(r"^actions/upload-artifact@[0-9a-f]{40}$")
DOWNLOAD_ARTIFACT = re.compile(r"^actions/download-artifact@[0-9a-f]{40}$")
DEFAULT_SHA = "0123456789abcdef0123456789abcdef01234567"
STEP_TIMEOUT = 60
YAML12_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


class WorkflowError(RuntimeError):
    pass


@dataclass
class StepResult:
    name: str
    id: str | None
    outcome: str  # success | failure | skipped
    outputs: dict[str, str] = field(default_factory=dict)
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""
    inner: list[StepResult] = field(default_factory=list)  # a composite action's steps

    @property
    def log(self) -> str:
        inner = "".join(step.log for step in self.inner)
        return f"--- {self.name} [{self.outcome}]\n{self.stdout}{self.stderr}{inner}"


@dataclass
class JobResult:
    skipped: bool
    steps: list[StepResult]
    summary: str
    annotations: list[str]
    run_url: str = ""
    matrix: dict[str, Any] = field(default_factory=dict)
    cancelled: bool = False

    @property
    def succeeded(self) -> bool:
        return not self.skipped and not self.cancelled and all(step.outcome != "failure" for step in self.steps)

    @property
    def result(self) -> str:
        """What `needs.<job>.result` says of this job."""
        if self.skipped or self.cancelled:
            return "skipped" if self.skipped else "cancelled"
        return "success" if self.succeeded else "failure"

    def step(self, step_id: str) -> StepResult:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    @property
    def log(self) -> str:
        return "".join(step.log for step in self.steps)


@dataclass(frozen=True)
class JobPlace:
    """Where one job run sits in a workflow run: its matrix combination, `strategy` context and the
    results of the jobs it needs (job id -> {result, outputs}). The default: a job run alone."""

    matrix: Mapping[str, Any] = field(default_factory=dict)
    strategy: Mapping[str, Any] = field(
        default_factory=lambda: {"fail-fast": True, "job-index": 0, "job-total": 1, "max-parallel": 1}
    )
    needs: Mapping[str, Any] = field(default_factory=dict)

    def contexts(self) -> dict[str, Any]:
        return {"matrix": dict(self.matrix), "strategy": dict(self.strategy), "needs": dict(self.needs)}


def load_yaml(path: Path) -> dict[str, Any]:
    """YAML as GitHub reads it (YAML 1.2 booleans): only true/false are booleans, so `on:` stays "on"."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver("tag:yaml.org,2002:bool", YAML12_BOOL, list("tTfF"))
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)
    assert isinstance(data, dict), path
    return data


def expand_matrix(strategy: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The combinations of `strategy.matrix`, as GitHub makes them: the product of the list values minus
    the `exclude` entries; then each `include` entry is added to every combination whose original values
    it does not change, or, if there is none, becomes a combination of its own. No matrix: one, empty."""
    spec = dict(strategy.get("matrix") or {})
    include, exclude = spec.pop("include", None) or [], spec.pop("exclude", None) or []
    if not isinstance(include, list) or not isinstance(exclude, list) or any(
        not isinstance(values, list) for values in spec.values()
    ) or "${{" in json.dumps(strategy.get("matrix")):
        raise WorkflowError(f"only literal matrix lists, include and exclude are run locally: {spec}")
    originals = [dict(zip(spec, values, strict=True)) for values in itertools.product(*spec.values())] if spec else []
    originals = [c for c in originals if not any(all(c.get(k) == v for k, v in e.items()) for e in exclude)]
    combinations = [dict(c) for c in originals]
    for entry in include:
        fits = [c for c, o in zip(combinations, originals, strict=True)
                if all(o.get(k, v) == v for k, v in entry.items())]
        for combination in fits:
            combination.update(entry)
        if not fits:
            combinations.append(dict(entry))
            originals.append(dict(entry))
    return combinations or [{}]


def dependency_order(jobs: Mapping[str, Any]) -> list[str]:
    """Job ids so that every job comes after the jobs it needs (ties in file order)."""
    needs = {job_id: _needs(job) for job_id, job in jobs.items()}
    order: list[str] = []
    while len(order) < len(jobs):
        ready = [j for j in jobs if j not in order and all(n in order for n in needs[j])]
        if not ready:
            raise WorkflowError(f"unknown or circular needs: {needs}")
        order.append(ready[0])
    return order


def _needs(job: Mapping[str, Any]) -> list[str]:
    needs = job.get("needs") or []
    return [needs] if isinstance(needs, str) else list(needs)


def needs_result(runs: list[JobResult]) -> str:
    """A matrix job's result as a dependent job sees it."""
    results = {run.result for run in runs}
    for result in ("failure", "cancelled"):
        if result in results:
            return result
    return "skipped" if results == {"skipped"} else "success"


def _read_key_values(path: Path) -> dict[str, str]:
    """The GITHUB_OUTPUT / GITHUB_ENV format: `name=value` lines and `name<<DELIMITER` blocks."""
    values: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block: list[str] = []
            while index < len(lines) and lines[index] != delimiter:
                block.append(lines[index])
                index += 1
            if index >= len(lines):
                raise WorkflowError(f"unterminated {delimiter!r} block in {path.name}")
            index += 1
            values[name] = "\n".join(block)
        else:
            name, _, value = line.partition("=")
            values[name] = value
    return values


class LocalRunner:
    def __init__(
        self,
        *,
        workspace: Path,
        runner_temp: Path,
        path: list[Path],
        event_name: str,
        event: dict[str, Any],
        repository: str,
        ref_name: str = "main",
        secrets: Mapping[str, str] | None = None,
        runner_env: Mapping[str, str] | None = None,
        token: str = "ghs_fake_github_token_for_tests",
        run_id: str = "4242",
        artifacts: ArtifactStore | None = None,
    ) -> None:
        self.workspace = workspace
        self.runner_temp = runner_temp
        self.path = path
        self.event_name = event_name
        self.event = event
        self.repository = repository
        self.ref_name = ref_name
        self.secrets = dict(secrets or {})
        self.runner_env = dict(runner_env or {})
        self.token = token
        self.run_id = run_id
        self.artifacts = artifacts
        self.counter = 0
        self.summary_parts: list[str] = []
        self.annotations: list[str] = []

    # -- contexts -------------------------------------------------------------------------------------

    def github_context(self) -> dict[str, Any]:
        kind = "pull" if self.event_name.startswith("pull_request") else "heads"
        return {
            "event": self.event,
            "event_name": self.event_name,
            "repository": self.repository,
            "repository_owner": self.repository.split("/")[0],
            "ref": f"refs/{kind}/{self.ref_name}",
            "ref_name": self.ref_name,
            "sha": self.event.get("after") or DEFAULT_SHA,
            "token": self.token,
            "run_id": self.run_id,
            "run_number": "7",
            "run_attempt": "1",
            "server_url": "https://github.com",
            "api_url": "https://api.github.com",
            "workspace": str(self.workspace),
            "actor": "octocat",
        }

    def default_env(self) -> dict[str, str]:
        github = self.github_context()
        event_path = self.runner_temp / "event.json"
        event_path.write_text(json.dumps(self.event), encoding="utf-8")
        return {
            "PATH": ":".join([*map(str, self.path), "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": str(self.runner_temp / "home"),
            "LANG": "C.UTF-8",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": self.repository,
            "GITHUB_REPOSITORY_OWNER": github["repository_owner"],
            "GITHUB_EVENT_NAME": self.event_name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_REF": github["ref"],
            "GITHUB_REF_NAME": self.ref_name,
            "GITHUB_SHA": github["sha"],
            "GITHUB_RUN_ID": github["run_id"],
            "GITHUB_RUN_NUMBER": github["run_number"],
            "GITHUB_RUN_ATTEMPT": github["run_attempt"],
            "GITHUB_SERVER_URL": github["server_url"],
            "GITHUB_API_URL": github["api_url"],
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_ACTOR": github["actor"],
            "RUNNER_TEMP": str(self.runner_temp),
            "RUNNER_OS": "Linux",
            **self.runner_env,
        }

    @property
    def run_url(self) -> str:
        return f"https://github.com/{self.repository}/actions/runs/{self.run_id}"

    def head_sha(self) -> str:
        """The commit a run is for, as GitHub records it: a pull request's head, else github.sha."""
        pull_request = self.event.get("pull_request") or {}
        return str((pull_request.get("head") or {}).get("sha") or self.github_context()["sha"])

    # -- jobs -----------------------------------------------------------------------------------------

    def run_workflow(self, workflow_file: Path) -> dict[str, list[JobResult]]:
        """Every job of the workflow, in `needs` order, once per matrix combination: job id -> results."""
        jobs: dict[str, Any] = load_yaml(workflow_file)["jobs"]
        results: dict[str, list[JobResult]] = {}
        for job_id in dependency_order(jobs):
            job = jobs[job_id]
            if job.get("outputs"):
                raise WorkflowError(f"job {job_id!r}: job outputs are not run locally")
            needs = {name: {"result": needs_result(results[name]), "outputs": {}} for name in _needs(job)}
            strategy = job.get("strategy") or {}
            combinations = expand_matrix(strategy)
            fail_fast = strategy.get("fail-fast", True) is not False
            runs: list[JobResult] = []
            for index, matrix in enumerate(combinations):
                if fail_fast and any(run.result == "failure" for run in runs):
                    runs.append(JobResult(False, [], "", [], self.run_url, matrix, cancelled=True))
                    continue
                context = {"fail-fast": fail_fast, "job-index": index, "job-total": len(combinations),
                           "max-parallel": strategy.get("max-parallel", len(combinations))}
                with self._fresh_machine(f"{job_id}-{index + 1}"):
                    runs.append(self.run_job(workflow_file, job_id, JobPlace(matrix, context, needs)))
            results[job_id] = runs
        return results

    @contextmanager
    def _fresh_machine(self, name: str) -> Iterator[None]:
        """A job of a workflow run gets its own RUNNER_TEMP and PATH, as each job gets a new runner."""
        runner_temp, path = self.runner_temp, list(self.path)
        self.runner_temp = runner_temp / f"job-{name}"
        self.runner_temp.mkdir()
        try:
            yield
        finally:
            self.runner_temp, self.path = runner_temp, path

    def run_job(self, workflow_file: Path, job_id: str, place: JobPlace | None = None) -> JobResult:
        """One job; in a workflow run, for one matrix combination and after the jobs it needs (`place`)."""
        place = place or JobPlace()
        job, contexts, env, shell = self._start_job(workflow_file, job_id, place)
        results = {need["result"] for need in place.needs.values()}
        status = Status(failed="failure" in results, cancelled=False, needs_unfinished=bool(results - {"success"}))
        job_if_contexts = {k: v for k, v in contexts.items() if k not in ("matrix", "strategy", "env")}
        if not condition(job.get("if"), job_if_contexts, status):
            return JobResult(True, [], "", [], self.run_url, dict(place.matrix))
        steps = self._run_steps(job["steps"], contexts, env, shell)
        return JobResult(False, steps, "".join(self.summary_parts), self.annotations, self.run_url, dict(place.matrix))

    def run_step(self, workflow_file: Path, job_id: str, step_name: str, steps: Mapping[str, Any]) -> JobResult:
        """One step of a job alone, with the `steps` context of the steps before it made up by the test."""
        job, contexts, env, shell = self._start_job(workflow_file, job_id)
        [step] = [s for s in job["steps"] if s.get("name") == step_name]
        results = self._run_steps([step], contexts, env, shell, steps_context=dict(steps))
        return JobResult(False, results, "".join(self.summary_parts), self.annotations, self.run_url)

    def _start_job(
        self, workflow_file: Path, job_id: str, place: JobPlace | None = None
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, str], str | None]:
        """The job, its contexts, its env (workflow's, then job's) and its default shell."""
        workflow = load_yaml(workflow_file)
        job = workflow["jobs"][job_id]
        self.summary_parts, self.annotations = [], []
        (self.runner_temp / "home").mkdir(parents=True, exist_ok=True)
        top = {"github": self.github_context(), "secrets": self.secrets, "vars": {}, "inputs": {},
               **(place or JobPlace()).contexts()}
        env: dict[str, str] = {}
        for scope in (workflow.get("env") or {}, job.get("env") or {}):
            env.update({k: substitute(str(v), {**top, "env": env}) for k, v in scope.items()})
        shell = ((job.get("defaults") or workflow.get("defaults") or {}).get("run") or {}).get("shell")
        return job, {**top, "env": env, "job": {}, "runner": self._runner()}, env, shell

    def run_action(self, inputs: Mapping[str, str], env: Mapping[str, str] | None = None) -> JobResult:
        """The action alone, as the only step of a job: `uses: ./` with these inputs and step env."""
        self.summary_parts, self.annotations = [], []
        (self.runner_temp / "home").mkdir(parents=True, exist_ok=True)
        step = {"id": "action", "uses": "./", "with": dict(inputs), "env": dict(env or {})}
        contexts = {"github": self.github_context(), "secrets": self.secrets, "vars": {}, "env": {},
                    "runner": self._runner(), "job": {}}
        steps = self._run_steps([step], contexts, {}, None)
        return JobResult(False, steps, "".join(self.summary_parts), self.annotations, self.run_url)

    def _runner(self) -> dict[str, str]:
        return {"os": "Linux", "arch": "X64", "temp": str(self.runner_temp), "name": "local"}

    def _run_steps(
        self,
        steps: list[dict[str, Any]],
        contexts: dict[str, Any],
        env: dict[str, str],
        default_shell: str | None,
        inputs: Mapping[str, str] | None = None,
        steps_context: dict[str, Any] | None = None,
    ) -> list[StepResult]:
        results: list[StepResult] = []
        steps_context = {} if steps_context is None else steps_context
        failed = False
        for index, step in enumerate(steps):
            ctx = {**contexts, "steps": steps_context, "env": dict(env)}
            if inputs is not None:
                ctx["inputs"] = dict(inputs)
            name = substitute(str(step.get("name") or step.get("uses") or f"step {index + 1}"), ctx)
            step_id = step.get("id")
            if condition(step.get("if"), ctx, Status(failed=failed)):
                step_env = {**env, **{k: substitute(str(v), ctx) for k, v in (step.get("env") or {}).items()}}
                ctx["env"] = step_env
                if "run" in step:
                    result = self._run_script(step, name, ctx, step_env, default_shell, env)
                else:
                    result = self._uses(step, name, ctx, step_env)
                if result.outcome == "failure" and not step.get("continue-on-error"):
                    failed = True
            else:
                result = StepResult(name, step_id, "skipped")
            result.id = step_id
            results.append(result)
            if step_id:
                conclusion = "success" if step.get("continue-on-error") else result.outcome
                steps_context[step_id] = {"outputs": result.outputs, "outcome": result.outcome,
                                          "conclusion": conclusion}
        return results

    def _files(self) -> dict[str, Path]:
        self.counter += 1
        folder = self.runner_temp / "_runner_file_commands" / str(self.counter)
        folder.mkdir(parents=True)
        files = {name: folder / name.lower() for name in
                 ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_PATH")}
        for file in files.values():
            file.touch()
        return files

    def _run_script(
        self,
        step: dict[str, Any],
        name: str,
        ctx: dict[str, Any],
        step_env: dict[str, str],
        default_shell: str | None,
        job_env: dict[str, str],
    ) -> StepResult:
        shell = step.get("shell") or default_shell
        if shell == "bash":
            command = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
        elif shell is None:
            command = ["bash", "-e"]
        else:
            raise WorkflowError(f"step {name!r}: only bash is supported here, not {shell!r}")
        self.counter += 1
        script = self.runner_temp / f"_step_{self.counter}.sh"
        script.write_text(substitute(str(step["run"]), ctx), encoding="utf-8")
        files = self._files()
        process_env = {**self.default_env(), **step_env, **{k: str(v) for k, v in files.items()}}
        if ctx["github"].get("action_path"):  # inside a composite action
            process_env["GITHUB_ACTION_PATH"] = ctx["github"]["action_path"]
        workdir = self.workspace / step.get("working-directory", ".")
        try:
            completed = subprocess.run(
                [*command, str(script)], cwd=workdir, env=process_env, capture_output=True, text=True,
                stdin=subprocess.DEVNULL, timeout=STEP_TIMEOUT, check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise WorkflowError(f"step {name!r} ran longer than {STEP_TIMEOUT}s") from error
        self.summary_parts.append(files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8"))
        self.annotations += [line for line in completed.stdout.splitlines() if line.startswith("::")]
        job_env.update(_read_key_values(files["GITHUB_ENV"]))
        self.path[:0] = [Path(p) for p in files["GITHUB_PATH"].read_text(encoding="utf-8").split()]
        outcome = "success" if completed.returncode == 0 else "failure"
        return StepResult(name, step.get("id"), outcome, _read_key_values(files["GITHUB_OUTPUT"]),
                          completed.returncode, completed.stdout, completed.stderr)

    def _uses(self, step: dict[str, Any], name: str, ctx: dict[str, Any], step_env: dict[str, str]) -> StepResult:
        uses = str(step["uses"]).strip()
        if IGNORED_ACTIONS.match(uses):
            return StepResult(name, step.get("id"), "success", stdout=f"(not run locally: {uses})\n")
        if UPLOAD_ARTIFACT.match(uses):
            return self._upload_artifact(step, name, ctx)
        if DOWNLOAD_ARTIFACT.match(uses):
            return self._download_artifact(step, name, ctx)
        if not OUR_ACTION.match(uses):
            raise WorkflowError(f"step {name!r}: the local runner does not know the action {uses!r}")
        action = load_yaml(ACTION)
        declared = action.get("inputs") or {}
        given = {k: substitute(str(v), ctx) for k, v in (step.get("with") or {}).items()}
        unknown = sorted(set(given) - set(declared))
        missing = sorted(k for k, spec in declared.items() if spec.get("required") and k not in given)
        if unknown or missing:
            raise WorkflowError(f"step {name!r}: unknown inputs {unknown}, missing required inputs {missing}")
        inputs = {k: to_text(spec.get("default", "")) for k, spec in declared.items()}
        inputs.update(given)
        github = {**ctx["github"], "action_path": str(REPO)}
        inner_ctx = {k: v for k, v in ctx.items() if k != "steps"} | {"github": github}
        inner = self._run_steps(action["runs"]["steps"], inner_ctx, step_env, None, inputs)
        steps_context = {s.id: {"outputs": s.outputs, "outcome": s.outcome} for s in inner if s.id}
        outputs = {
            key: substitute(str(spec["value"]), {**inner_ctx, "steps": steps_context, "inputs": inputs})
            for key, spec in (action.get("outputs") or {}).items()
        }
        outcome = "failure" if any(s.outcome == "failure" for s in inner) else "success"
        return StepResult(name, step.get("id"), outcome, outputs, inner=inner)

    def _upload_artifact(self, step: dict[str, Any], name: str, ctx: dict[str, Any]) -> StepResult:
        """actions/upload-artifact's `name`, `path` (files, one per line) and `if-no-files-found`."""
        given = {k: substitute(str(v), ctx) for k, v in (step.get("with") or {}).items()}
        unknown = sorted(set(given) - {"name", "path", "if-no-files-found", "retention-days"})
        if unknown or self.artifacts is None:
            raise WorkflowError(f"step {name!r}: inputs {unknown} unsupported, or no artifact store")
        files = [Path(line.strip()) for line in given["path"].splitlines() if line.strip()]
        found = [file for file in files if file.is_file()]
        if not found:
            failure = given.get("if-no-files-found", "warn") == "error"
            return StepResult(name, step.get("id"), "failure" if failure else "success",
                              stdout=f"No files were found with the provided path: {given['path']}\n")
        artifact = self.artifacts.upload(given["name"], found, self.run_id, self.head_sha())
        return StepResult(name, step.get("id"), "success", {"artifact-id": str(artifact["id"])},
                          stdout=f"Artifact {artifact['name']} uploaded ({len(found)} file(s))\n")

    def _download_artifact(self, step: dict[str, Any], name: str, ctx: dict[str, Any]) -> StepResult:
        """actions/download-artifact's `name`, `pattern`, `merge-multiple` and `path`, for this run."""
        given = {k: substitute(str(v), ctx) for k, v in (step.get("with") or {}).items()}
        unknown = sorted(set(given) - {"name", "pattern", "path", "merge-multiple"})
        if unknown or self.artifacts is None:
            raise WorkflowError(f"step {name!r}: inputs {unknown} unsupported, or no artifact store")
        target = self.workspace / given.get("path", "")  # an absolute path replaces the workspace
        ours = [a for a in self.artifacts.artifacts() if str(a["workflow_run"]["id"]) == self.run_id and not a["expired"]]
        if given.get("name"):
            chosen = [a for a in ours if a["name"] == given["name"]]
            if not chosen:
                return StepResult(name, step.get("id"), "failure", stdout=f"Artifact '{given['name']}' not found\n")
        else:
            chosen = [a for a in ours if fnmatch.fnmatchcase(a["name"], given.get("pattern") or "*")]
        together = bool(given.get("name")) or given.get("merge-multiple", "false").lower() == "true"
        for artifact in reversed(chosen):  # oldest first: a later upload's file of the same name wins
            folder = target if together else target / artifact["name"]
            folder.mkdir(parents=True, exist_ok=True)
            for file in self.artifacts.files(artifact):
                shutil.copy(file, folder / file.name)
        return StepResult(name, step.get("id"), "success", {"download-path": str(target)},
                          stdout=f"Downloaded {len(chosen)} artifact(s) to {target}\n")
