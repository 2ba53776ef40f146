"""The action's install step for real (`action.sh install`, which the other workflow tests skip): a
virtualenv of its own, every dependency from the hash-checked lock and nothing else (no emulator web stack),
once per job; a lock whose hash does not match what the index serves stops the install."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.venvs import REPO, copy_sources

LOCK = REPO / "scripts" / "github" / "action-requirements.txt"
PYPROJECT = REPO / "pyproject.toml"
EMULATOR_STACK = {"starlette", "uvicorn", "httptools", "anyio", "h11"}
PINNED = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>[^\s;\\]+)\s*(?:;(?P<marker>[^\\]*))?\\$")


def locked(*, here_only: bool = False) -> dict[str, str]:
    """name -> version of every requirement in the lock (`here_only`: those this Python installs)."""
    return {
        canonicalize_name(match["name"]): match["version"]
        for match in map(PINNED.match, LOCK.read_text(encoding="utf-8").splitlines())
        if match and not (here_only and match["marker"] and not Marker(match["marker"]).evaluate())
    }


def core_dependencies() -> list[Requirement]:
    import tomllib

    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return [Requirement(text) for text in project["dependencies"]]


def install(action_path: Path, runner_temp: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(runner_temp),
        "GITHUB_ACTION_PATH": str(action_path),
        "RUNNER_TEMP": str(runner_temp),
        **{k: v for k, v in os.environ.items() if k.startswith("PIP_")},  # this machine's index settings
    }
    return subprocess.run(
        ["bash", str(action_path / "scripts" / "github" / "action.sh"), "install"], env=env,
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def test_the_lock_pins_every_core_dependency_with_hashes_and_no_emulator_package() -> None:
    pins = locked()
    requirements = [line for line in LOCK.read_text(encoding="utf-8").splitlines() if line[:1].isalpha()]
    assert len(requirements) == len(pins), "every requirement is pinned with =="
    blocks = re.split(r"\n(?=[A-Za-z])", LOCK.read_text(encoding="utf-8"))[1:]
    assert len(blocks) == len(pins)
    for block in blocks:
        assert "\n    --hash=sha256:" in block, f"a requirement without a hash: {block.splitlines()[0]}"
    for requirement in core_dependencies():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} (pyproject.toml) is missing from the lock: run scripts/github/lock-requirements.sh"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} is outside {requirement.specifier}"
    assert "setuptools" in pins, "the build backend is locked too (--no-build-isolation)"
    assert not EMULATOR_STACK & set(pins)


def test_install_uses_its_own_virtualenv_with_exactly_the_locked_packages(tmp_path: Path) -> None:
    action = copy_sources(tmp_path / "action")
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    first = install(action, runner_temp)
    assert first.returncode == 0, first.stdout + first.stderr
    venv = runner_temp / "netlify-reconciler-venv"
    assert first.stdout.strip().endswith("netlify-reconciler, version 0.1.0")

    listed = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout.splitlines()  # fmt: skip
    versions = {canonicalize_name(line.split("==")[0]): line.split("==")[1] for line in listed}
    assert versions == {**locked(here_only=True), "netlify-reconciler": "0.1.0", "pip": versions["pip"]}
    assert not EMULATOR_STACK & set(versions)

    again = install(action, runner_temp)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == f"netlify-reconciler is already installed from {action} in {venv}"


def test_a_hash_that_does_not_match_stops_the_install(tmp_path: Path) -> None:
    action = copy_sources(tmp_path / "action")
    lock = action / "scripts" / "github" / "action-requirements.txt"
    text = lock.read_text(encoding="utf-8")
    # Every published file of click, re-hashed as if the index served something else.
    tampered = re.sub(
        r"(click==\S+ \\\n(?:    --hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)",
        lambda m: re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, m.group(1)), text,
    )  # fmt: skip
    assert tampered != text
    lock.write_text(tampered, encoding="utf-8")
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    result = install(action, runner_temp)
    assert result.returncode != 0
    assert "DO NOT MATCH THE HASHES" in result.stderr
    assert not (runner_temp / "netlify-reconciler-venv" / "bin" / "netlify-reconciler").exists()
