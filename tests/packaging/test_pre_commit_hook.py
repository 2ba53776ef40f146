"""The pre-commit hook as a user meets it: `pre-commit try-repo` of this repository installs the hook from
.pre-commit-hooks.yaml into its own virtualenv (a core install) and runs it on a project's changed files: a
bad manifest is rejected with file:line:column, a good one passes, YAML outside netlify/ is not its business."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tests.support.venvs import REPO, run

GOOD = """\
version: 1
sites:
  hook-docs:
    team: demo
    force_ssl: true
    password: ${DOCS_PASSWORD}
"""
BAD = GOOD.replace("force_ssl: true", "force_ssl: yes please")


def pre_commit(project: Path, cache: Path, *files: str) -> tuple[int, str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("NETLIFY_", "DOCS_", "VIRTUAL_ENV"))},
        "PRE_COMMIT_HOME": str(cache),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    result = run(
        [Path(sys.executable).with_name("pre-commit"), "try-repo", REPO, "netlify-reconciler-validate",
         "--verbose", "--files", *files],
        check=False, cwd=project, env=env,
    )  # fmt: skip
    return result.returncode, result.stdout + result.stderr


def test_try_repo_rejects_a_bad_manifest_and_passes_a_good_one(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "netlify").mkdir(parents=True)
    (project / "netlify" / "site.yaml").write_text(BAD, encoding="utf-8")
    (project / "docker-compose.yml").write_text("services: {web: {image: nginx}}\n", encoding="utf-8")
    for command in (["init", "-q"], ["add", "."]):
        run(["git", *command], cwd=project)
    cache = tmp_path / "pre-commit-cache"

    code, output = pre_commit(project, cache, "netlify/site.yaml", "docker-compose.yml")
    assert code == 1, output
    assert "validate Netlify manifests" in output and "Failed" in output
    assert "netlify/site.yaml:5:16: sites.hook-docs.force_ssl: expected boolean" in output

    (project / "netlify" / "site.yaml").write_text(GOOD, encoding="utf-8")
    code, output = pre_commit(project, cache, "netlify/site.yaml", "docker-compose.yml")
    assert code == 0, output
    assert "netlify: valid, 0 team(s) and 1 site(s) in 1 file(s)." in output  # DOCS_PASSWORD is not set here

    code, output = pre_commit(project, cache, "docker-compose.yml")
    assert code == 0, output
    assert "(no files to check)Skipped" in output
