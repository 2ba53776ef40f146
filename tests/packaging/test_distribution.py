"""The package as a user gets it: `python -m build` makes the sdist and, from the sdist, the wheel; `twine
check` accepts both; a core install of the wheel into a fresh virtualenv brings no web stack, and `demo`
and `serve` there say exactly what to install; with the `emulator` extra, `demo` runs in an empty folder
from the examples shipped inside the package."""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

from tests.support.venvs import Venv, copy_sources, run

EMULATOR_STACK = {"starlette", "uvicorn", "httptools"}
BUNDLED = {"teams.yaml", "sites/docs.yaml", "sites/blog.yaml", "site/public/index.html", "site/functions/hello.mjs"}


def user_env() -> dict[str, str]:
    """A shell without this project's variables, so nothing points the tool at anything."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("NETLIFY_", "VIRTUAL_ENV"))}


def test_sdist_and_wheel_build_check_and_run_demo_from_an_empty_folder(tmp_path: Path) -> None:
    sources = copy_sources(tmp_path / "sources")
    dist = tmp_path / "dist"
    run([sys.executable, "-m", "build", "--outdir", dist, sources])
    [sdist] = dist.glob("*.tar.gz")
    [wheel] = dist.glob("*.whl")
    run([sys.executable, "-m", "twine", "check", "--strict", sdist, wheel])

    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"reconciler/examples/{name}" for name in BUNDLED} <= names
    assert {"reconciler/serve/assets/status.js", "reconciler/serve/assets/status.css"} <= names
    assert "reconciler/schemas/status.schema.json" in names
    assert not any(name.startswith("reconciler/examples/extension/") for name in names), "not package data"
    assert not any("/.github/" in name for name in names), "the example workflows are not package data"

    venv = Venv(tmp_path / "venv")
    venv.pip("install", wheel)
    installed = venv.distributions()
    assert {"netlify-reconciler", "click", "requests", "pyyaml"} <= installed
    assert not installed & EMULATOR_STACK, f"a core install brought {sorted(installed & EMULATOR_STACK)}"

    empty = tmp_path / "empty"
    empty.mkdir()
    core_demo = run([venv.bin("netlify-reconciler"), "demo"], check=False, cwd=empty, env=user_env())
    assert core_demo.returncode == 1
    assert core_demo.stderr.strip() == (
        "Error: `demo` runs the local emulator, which needs starlette, uvicorn, httptools (the `emulator` "
        "extra, left out of a core install): pip install 'netlify-reconciler[emulator]'"
    )
    assert list(empty.iterdir()) == []
    core_serve = run([venv.bin("netlify-reconciler"), "serve", "."], check=False, cwd=empty, env=user_env())
    assert core_serve.returncode == 1
    assert core_serve.stderr.strip() == (
        "Error: `serve` runs a web service, which needs starlette, uvicorn, httptools (the `serve` extra, "
        "left out of a core install): pip install 'netlify-reconciler[serve]'"
    )

    venv.pip("install", f"{wheel}[emulator]")
    demo = run([venv.bin("netlify-reconciler"), "demo"], cwd=empty, env=user_env())
    assert "The example manifests shipped with netlify-reconciler: " in demo.stdout
    assert "Apply complete: 31 added, 0 changed, 0 destroyed, 1 deployed, 8 ledger writes." in demo.stdout
    assert demo.stdout.split("Planning again")[1].count("No changes.") == 1
    assert (empty / ".netlify-reconciler" / "demo").is_dir()

