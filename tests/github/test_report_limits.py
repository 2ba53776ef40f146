"""GitHub refuses comment and issue bodies over 65,536 characters. The tool keeps its Markdown under 60,000;
the workflows still cut anything longer (at a line, closing an open code block, linking to the run).
Here the comment and issue steps run alone, given a report far over the limit."""

from __future__ import annotations

from pathlib import Path

from tests.github.conftest import (
    DRIFT_MARKER,
    PLAN_MARKER,
    PR_NUMBER,
    WORKFLOWS,
    Bench,
    pull_request_event,
    schedule_event,
)

RUN_URL = "https://github.com/acme/netlify-config/actions/runs/4242"


def oversized_report(path: Path) -> Path:
    # The tool makes its fence longer than any backtick run inside: here four, around a value with three.
    lines = ["## netlify-reconciler plan", "", "<details><summary>everything</summary>", "", "````diff"]
    lines += [f'+ site.s{i:05d}.env.GREETING  = "grüße → 你好 ``` {i}"' for i in range(3000)]  # multi-byte
    lines += ["````", "", "</details>"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert len(path.read_text(encoding="utf-8")) > 100_000
    return path


def assert_cut(body: str, marker: str) -> None:
    assert body.startswith(marker)
    assert len(body) < 65536
    kept, after = body.split("````diff\n", 1)[1].split("\n````\n", 1)  # the open block is closed
    assert after.lstrip().startswith("**Cut here:**") and f"[job summary]({RUN_URL})" in after
    lines = kept.splitlines()
    assert lines and all(line.startswith("+ site.s") and line.endswith('"') for line in lines)  # whole lines


def test_plan_comment_is_cut_below_the_limit(bench: Bench, tmp_path: Path) -> None:
    report = oversized_report(tmp_path / "plan.md")
    runner = bench.runner("pull_request", pull_request_event(), ref_name=f"{PR_NUMBER}/merge")
    result = runner.run_step(
        WORKFLOWS / "plan.yml", "plan", "Comment the plan on the pull request",
        {"validate": {"outcome": "success", "outputs": {"exitcode": "0"}},
         "plan": {"outcome": "success", "outputs": {"exitcode": "2", "markdown-report": str(report)}}},
    )
    assert result.succeeded, result.log
    [comment] = bench.gh.state()["comments"]
    assert_cut(comment["body"], PLAN_MARKER)


def test_drift_issue_is_cut_below_the_limit(bench: Bench, tmp_path: Path) -> None:
    report = oversized_report(tmp_path / "drift.md")
    runner = bench.runner("schedule", schedule_event())
    result = runner.run_step(
        WORKFLOWS / "drift.yml", "report", "Open, update or close the drift issue",
        {"drift": {"outcome": "success", "outputs": {"exitcode": "2", "has-changes": "true",
                                                     "markdown-report": str(report)}}},
    )
    assert result.succeeded, result.log
    [issue] = bench.gh.state()["issues"]
    assert issue["labels"] == ["drift"]
    assert_cut(issue["body"], DRIFT_MARKER)
