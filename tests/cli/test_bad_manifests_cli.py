"""Bad input through the real console script: exit 1, file:line:col and document path, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import clean_env, run_cli

GOOD_SITE = "version: 1\nsites:\n  shop:\n    team: demo\n"
CASES = {
    "duplicate key": (
        "version: 1\nsites:\n  shop:\n    force_ssl: true\n    force_ssl: false\n",
        ["m.yaml:5:5", "duplicate key 'force_ssl'", "m.yaml:4:5"],
    ),
    "wrong type": (
        "version: 1\nsites:\n  shop:\n    force_ssl: 'yes'\n",
        ["m.yaml:4:16", "sites.shop.force_ssl", "expected boolean"],
    ),
    "unknown field": (
        "version: 1\nsites:\n  shop:\n    custom_domian: a.example\n",
        ["m.yaml:4:5", "sites.shop", "unknown field 'custom_domian'"],
    ),
    "missing variable": (
        "version: 1\nsites:\n  shop:\n    env:\n      KEY: ${NOT_SET_ANYWHERE_42}\n",
        ["m.yaml:5:12", "sites.shop.env.KEY", "NOT_SET_ANYWHERE_42"],
    ),
    "missing deploy dir": (
        "version: 1\nsites:\n  shop:\n    deploy: {dir: nowhere}\n",
        ["m.yaml:4:14", "sites.shop.deploy.dir", "nowhere is not a directory"],
    ),
    "yaml syntax": (
        "version: 1\nsites:\n  shop: {team: demo\n",
        ["m.yaml:4:1", "YAML syntax error"],
    ),
}


@pytest.mark.parametrize("command", ["validate", "plan"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_manifest_exits_1_with_location(tmp_path: Path, case: str, command: str) -> None:
    text, expected = CASES[case]
    (tmp_path / "m.yaml").write_text(text)
    env = clean_env(NETLIFY_API_URL="http://127.0.0.1:9", NETLIFY_AUTH_TOKEN="t")
    result = run_cli(command, "m.yaml", env=env, cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    for fragment in expected:
        assert fragment in result.stderr, (fragment, result.stderr)
    assert "Traceback" not in result.stderr
    assert "no answer from the API" not in result.stderr, "manifests are checked before any request"


def test_all_errors_of_a_run_are_reported_together(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("version: 1\nsites:\n  one:\n    force_ssl: 1\n")
    (tmp_path / "b.yaml").write_text("version: 1\nsites:\n  two:\n    password: [x]\n    bogus: 1\n")
    result = run_cli("validate", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert "3 errors in manifests" in result.stderr
    assert (
        "a.yaml:4:16" in result.stderr
        and "b.yaml:4:5: sites.two.password: expected string or null, got array" in result.stderr
        and "b.yaml:5:5" in result.stderr
    )


def test_a_schema_error_does_not_hide_the_kinds_objections_to_other_sites(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("version: 1\nsites:\n  one:\n    force_ssl: 1\n")
    (tmp_path / "b.yaml").write_text(
        "version: 1\nsites:\n  two:\n    deploy: {dir: nowhere}\n"
        "  three:\n    bogus: 1\n    deploy: {dir: nowhere}\n"
    )
    result = run_cli("validate", ".", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "a.yaml:4:16: sites.one.force_ssl" in result.stderr, result.stderr
    assert "b.yaml:4:14: sites.two.deploy.dir: nowhere is not a directory" in result.stderr, result.stderr
    assert "b.yaml:6:5: sites.three" in result.stderr, result.stderr
    assert "sites.three.deploy.dir" not in result.stderr, "a section the schema refused is not checked further"
    assert "3 errors in manifests" in result.stderr, result.stderr


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    result = run_cli("validate", "nowhere", cwd=tmp_path)
    assert result.returncode == 1
    assert "nowhere" in result.stderr
    assert "Traceback" not in result.stderr


def test_good_manifest_validates(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(GOOD_SITE)
    assert run_cli("validate", "m.yaml", cwd=tmp_path).returncode == 0
