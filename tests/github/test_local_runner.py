"""The local runner's workflow-level parts that the example workflows lean on: matrix combinations as
GitHub makes them, `needs` results, and artifacts passed from a matrix job to the job that needs it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.github.artifacts import ArtifactStore
from tests.github.local_runner import JobResult, LocalRunner, StepResult, expand_matrix, needs_result

WORKFLOW = """\
on: workflow_dispatch
jobs:
  up:
    runs-on: ubuntu-latest
    strategy:
      fail-fast: FAIL_FAST
      matrix:
        part: [a, b, c]
        include:
          - part: b
            fail: true
    steps:
      - name: Write
        env:
          PART: ${{ matrix.part }}
          INDEX: ${{ strategy.job-index }}/${{ strategy.job-total }}
          FAIL: ${{ matrix.fail }}
        run: |
          echo "$PART $INDEX" > "$RUNNER_TEMP/$PART.txt"
          echo same > "$RUNNER_TEMP/same.txt"
          test "$FAIL" != true
      - uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2
        with:
          name: part-${{ matrix.part }}
          path: |
            ${{ runner.temp }}/${{ matrix.part }}.txt
            ${{ runner.temp }}/same.txt
  down:
    needs: up
    if: always()
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0
        with:
          pattern: part-*
          path: ${{ runner.temp }}/apart
      - uses: actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0
        with:
          pattern: part-[ac]
          path: ${{ runner.temp }}/together
          merge-multiple: true
      - name: List
        id: list
        env:
          UP: ${{ needs.up.result }}
        run: |
          cd "$RUNNER_TEMP"
          echo "files=$(find apart together -type f | sort | xargs echo)" >> "$GITHUB_OUTPUT"
          echo "up=$UP" >> "$GITHUB_OUTPUT"
          echo "a=$(cat together/a.txt)" >> "$GITHUB_OUTPUT"
  after:
    needs: up
    runs-on: ubuntu-latest
    steps:
      - run: echo never when up failed
"""


def test_matrix_include_and_exclude_combine_as_on_github() -> None:
    matrix = {"os": ["linux", "mac"], "py": [3.11, 3.12], "exclude": [{"os": "mac", "py": 3.11}],
              "include": [{"py": 3.12, "extra": True}, {"os": "linux", "py": 3.11, "old": 1}, {"os": "bsd"}]}
    assert expand_matrix({"matrix": matrix}) == [
        {"os": "linux", "py": 3.11, "old": 1},
        {"os": "linux", "py": 3.12, "extra": True},
        {"os": "mac", "py": 3.12, "extra": True},
        {"os": "bsd"},  # fits no combination without changing an original value: one of its own
    ]
    assert expand_matrix({}) == [{}]


def test_a_matrix_job_result_is_its_worst_combination() -> None:
    def job(*, skipped: bool = False, failed: bool = False, cancelled: bool = False) -> JobResult:
        steps = [StepResult("step", None, "failure" if failed else "success")]
        return JobResult(skipped, steps, "", [], cancelled=cancelled)

    assert needs_result([job(), job()]) == "success"
    assert needs_result([job(skipped=True), job(skipped=True)]) == "skipped"
    assert needs_result([job(), job(cancelled=True)]) == "cancelled"
    assert needs_result([job(cancelled=True), job(failed=True)]) == "failure"


@pytest.mark.parametrize("fail_fast", [False, True])
def test_a_workflow_runs_its_matrix_then_the_jobs_that_need_it(tmp_path: Path, fail_fast: bool) -> None:
    workflow = tmp_path / "w.yml"
    workflow.write_text(WORKFLOW.replace("FAIL_FAST", str(fail_fast).lower()), encoding="utf-8")
    (tmp_path / "temp").mkdir()
    runner = LocalRunner(workspace=tmp_path, runner_temp=tmp_path / "temp", path=[Path(sys.executable).parent],
                         event_name="workflow_dispatch", event={}, repository="acme/x",
                         artifacts=ArtifactStore(tmp_path / "artifacts"))
    run = runner.run_workflow(workflow)

    assert [job.matrix for job in run["up"]] == [{"part": "a"}, {"part": "b", "fail": True}, {"part": "c"}]
    expected = ["success", "failure", "cancelled" if fail_fast else "success"]
    assert [job.result for job in run["up"]] == expected
    assert run["after"][0].skipped  # success() needs every needed job to have succeeded
    [down] = run["down"]
    outputs = down.step("list").outputs
    assert outputs["up"] == "failure"
    if fail_fast:
        assert outputs["files"] == "apart/part-a/a.txt apart/part-a/same.txt together/a.txt together/same.txt"
        assert outputs["a"] == "a 0/3"
    else:
        # Each job ran on its own RUNNER_TEMP; apart: one folder per artifact; together: one folder.
        assert outputs["files"] == ("apart/part-a/a.txt apart/part-a/same.txt apart/part-c/c.txt "
                                    "apart/part-c/same.txt together/a.txt together/c.txt together/same.txt")
