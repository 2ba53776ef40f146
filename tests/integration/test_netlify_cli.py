"""Netlify's own CLI, unmodified, deploys to the emulator.

netlify-cli 27 (and the Node >= 22.13 it needs) is installed by `scripts/install-netlify-cli.sh` into
`.tools/netlify-cli`; when it is missing the test runs the script, and skips with the script's error when
that fails (no npm, no registry access). Installs from parallel test workers are serialised by a lock file.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.emulator import EmulatorServer
from tests.support.deploys import TOKEN, deploy_options, make_site, session, sha1
from tests.support.http import ApiSession, checked

REPO = Path(__file__).resolve().parents[2]
TOOLS = Path(os.environ.get("NETLIFY_CLI_DIR") or REPO / ".tools" / "netlify-cli")
BIN = TOOLS / "node_modules" / ".bin"
INSTALL_SCRIPT = REPO / "scripts" / "install-netlify-cli.sh"
TREE = {
    "index.html": b"<!doctype html><h1>home</h1>",
    "css/site.css": b"body { color: teal }",
    "nested/deeper/page.html": b"<p>deep</p>",
    "with space/\u00fcn\u00efc\u00f6d\u00e9 file.txt": b"unicode name",
    "dup-a.txt": b"same bytes",
    "nested/dup-b.txt": b"same bytes",
}


@pytest.fixture(scope="module")
def cli_bin() -> Path:
    """The directory holding `netlify` and `node`, installing them first if needed (or skip, saying why)."""
    TOOLS.parent.mkdir(parents=True, exist_ok=True)
    ignore = TOOLS.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")  # the lock file and the install stay out of Git
    with open(TOOLS.parent / ".netlify-cli-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ((BIN / "netlify").exists() and (BIN / "node").exists()):
            result = subprocess.run(
                ["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True, timeout=900, check=False
            )
            if result.returncode != 0:
                reason = (result.stderr.strip() or result.stdout.strip()).splitlines()[-3:]
                pytest.skip("netlify-cli is not installed and could not be: " + " | ".join(reason))
    return BIN


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[EmulatorServer]:
    log = tmp_path / "requests.jsonl"
    with EmulatorServer(
        tmp_path / "emu", tokens=[TOKEN], request_log=log, options=deploy_options()
    ) as server:
        yield server


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return root


def netlify_deploy(bin_dir: Path, emu: EmulatorServer, workdir: Path, site: str) -> dict[str, Any]:
    """`netlify deploy --no-build --prod --json` as a user would run it; returns its JSON output."""
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "CI": "1",
        "NO_UPDATE_NOTIFIER": "1",
        "NETLIFY_API_URL": emu.url,
    }
    command = ["netlify", "deploy", "--no-build", "--prod", "--dir", "site", "--site", site]
    result = subprocess.run(
        [*command, "--auth", TOKEN, "--json"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"netlify deploy failed:\n{result.stdout}\n{result.stderr}"
    output: dict[str, Any] = json.loads(result.stdout)
    return output


def logged_requests(emu: EmulatorServer) -> list[dict[str, Any]]:
    log = emu.options.request_log
    assert log is not None
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def published_files(api: ApiSession, site_id: str) -> dict[str, str]:
    listed = checked(api.get(f"/sites/{site_id}/files"), "listSiteFiles", 200)
    return {f["path"]: f["sha"] for f in listed}


def test_netlify_cli_deploys_and_redeploys_nothing(
    cli_bin: Path, emu: EmulatorServer, tmp_path: Path
) -> None:
    api = session(emu)
    site = make_site(api, "cli-site", account=None)
    write_tree(tmp_path / "site", TREE)

    output = netlify_deploy(cli_bin, emu, tmp_path, "cli-site")
    assert output["site_id"] == site["id"] and output["site_name"] == "cli-site"
    assert output["deploy_url"] == f"https://{output['deploy_id']}--cli-site.netlify.app"

    files = published_files(api, site["id"])
    # netlify-cli always adds the configuration it resolved as `netlify.toml`.
    toml = api.get(
        f"/sites/{site['id']}/files/netlify.toml", headers={"Accept": "application/vnd.bitballoon.v1.raw"}
    )
    assert toml.status_code == 200 and files.pop("/netlify.toml") == sha1(toml.content)
    assert files == {"/" + path: sha1(content) for path, content in TREE.items()}
    site_body = checked(api.get(f"/sites/{site['id']}"), "getSite", 200)
    assert site_body["published_deploy"]["id"] == output["deploy_id"]

    uploads_before = [r for r in logged_requests(emu) if "/files/" in r["path"] and r["method"] == "PUT"]
    assert len(uploads_before) == len(TREE) + 1, "netlify-cli uploads every path of a required digest"
    assert all(r["status"] == 200 for r in uploads_before)

    second = netlify_deploy(cli_bin, emu, tmp_path, "cli-site")
    assert second["deploy_id"] != output["deploy_id"]
    deploy = checked(api.get(f"/deploys/{second['deploy_id']}"), "getDeploy", 200)
    assert deploy["required"] == [] and deploy["required_functions"] == [] and deploy["state"] == "ready"
    uploads_after = [r for r in logged_requests(emu) if "/files/" in r["path"] and r["method"] == "PUT"]
    assert uploads_after == uploads_before, "an identical tree uploads nothing"
    assert published_files(api, site["id"]) == {**files, "/netlify.toml": sha1(toml.content)}


def test_netlify_cli_async_deploy_of_many_files(cli_bin: Path, emu: EmulatorServer, tmp_path: Path) -> None:
    """More than 100 files makes netlify-cli ask for an async diff and poll until `prepared`."""
    api = session(emu)
    site = make_site(api, "cli-many")
    tree = {f"pages/p{i:03d}.html": f"<p>{i}</p>".encode() for i in range(120)}
    write_tree(tmp_path / "site", tree)
    output = netlify_deploy(cli_bin, emu, tmp_path, "cli-many")
    files = published_files(api, site["id"])
    files.pop("/netlify.toml")
    assert files == {"/" + path: sha1(content) for path, content in tree.items()}
    polls = [r for r in logged_requests(emu) if r["path"].endswith(f"/deploys/{output['deploy_id']}")]
    assert any(r["method"] == "GET" for r in polls)
