"""The pre-commit hook's entry point (`python -m reconciler.pre_commit`, what .pre-commit-hooks.yaml runs) as
a subprocess: which directories it validates, `--path`, and `${VAR}`s a committer's shell does not have."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.cli.conftest import clean_env

TEAM = "version: 1\nteams:\n  demo:\n    env: {LOG_LEVEL: info}\n"
SITE = "version: 1\nsites:\n  {name}:\n    team: demo\n    password: ${{DOCS_PASSWORD}}\n"


def hook(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler.pre_commit", *args], cwd=cwd, env=clean_env(**env),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def manifests(root: Path) -> Path:
    (root / "netlify" / "sites").mkdir(parents=True)
    (root / "netlify" / "teams.yaml").write_text(TEAM, encoding="utf-8")
    (root / "netlify" / "sites" / "docs.yaml").write_text(SITE.format(name="docs"), encoding="utf-8")
    return root


def test_each_changed_files_directory_once_outermost_first(tmp_path: Path) -> None:
    root = manifests(tmp_path)
    result = hook(root, "netlify/sites/docs.yaml", "netlify/teams.yaml", "netlify/./sites/docs.yaml")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "netlify: valid, 1 team(s) and 1 site(s) in 2 file(s).\n"

    alone = hook(root, "netlify/sites/docs.yaml")
    assert alone.stdout == "netlify/sites: valid, 0 team(s) and 1 site(s) in 1 file(s).\n"


def test_a_configured_path_is_validated_whole_whichever_file_changed(tmp_path: Path) -> None:
    root = manifests(tmp_path)
    # The same site declared again outside netlify/sites: only the whole set shows the clash.
    (root / "netlify" / "old.yaml").write_text(SITE.format(name="docs"), encoding="utf-8")
    per_directory = hook(root, "netlify/sites/docs.yaml")
    assert per_directory.returncode == 0, per_directory.stderr
    whole = hook(root, "--path", "netlify", "netlify/sites/docs.yaml")
    assert whole.returncode == 1
    assert whole.stderr == (
        "Error: 1 error in manifests:\n"
        "  netlify/sites/docs.yaml:3:3: sites.docs: site 'docs' is also declared at netlify/old.yaml:3:3\n"
    )
    assert whole.stdout == ""


def test_unset_variables_are_accepted_but_malformed_references_are_not(tmp_path: Path) -> None:
    root = manifests(tmp_path)
    assert "DOCS_PASSWORD" not in clean_env()
    accepted = hook(root, "--path", "netlify")
    assert accepted.returncode == 0, accepted.stderr

    (root / "netlify" / "sites" / "docs.yaml").write_text(
        SITE.format(name="docs").replace("${DOCS_PASSWORD}", "${DOCS PASSWORD}"), encoding="utf-8"
    )
    refused = hook(root, "--path", "netlify", DOCS_PASSWORD="s3cret-PLANTED")
    assert refused.returncode == 1
    assert "netlify/sites/docs.yaml:5:15: sites.docs.password: malformed environment variable reference" in refused.stderr
    assert "s3cret-PLANTED" not in refused.stdout + refused.stderr


def test_a_missing_path_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    result = hook(tmp_path, "--path", "nowhere")
    assert result.returncode == 1
    assert result.stderr == "Error: 1 error in manifests:\n  nowhere: no such file or directory\n"
