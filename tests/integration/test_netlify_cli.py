"""Netlify's own CLI, unmodified, against the emulator: deploys (production, draft, alias), sites and env.

netlify-cli 27 (and the Node >= 22.13 it needs) is installed by `scripts/install-netlify-cli.sh` into
`.tools/netlify-cli` (`tests.support.node_tools`: a failed install fails the test). Nothing is
answered by the harness: netlify-cli's one look-up outside the API (extensions, on a Netlify host) fails
offline and the CLI carries on without it. The token goes in `NETLIFY_AUTH_TOKEN`, as in CI pipelines
(netlify-cli 27's `sites:create` ignores `--auth` and asks for a login).
"""

from __future__ import annotations

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
from tests.support.node_tools import TOOLS, installed, tool_env

BIN = Path(os.environ.get("NETLIFY_CLI_DIR") or TOOLS / "netlify-cli") / "node_modules" / ".bin"
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
    """The directory holding `netlify` and `node`, installing them first if needed."""
    installed("install-netlify-cli.sh", [BIN / "netlify", BIN / "node"])
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


def netlify(bin_dir: Path, emu: EmulatorServer, workdir: Path, *args: str) -> str:
    """Run `netlify ARGS` as a user would in CI; returns stdout, failing the test on a non-zero exit."""
    env = tool_env(workdir / "home", bin_dir, NETLIFY_API_URL=emu.url, NETLIFY_AUTH_TOKEN=TOKEN)
    result = subprocess.run(
        ["netlify", *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"netlify {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def netlify_deploy(bin_dir: Path, emu: EmulatorServer, workdir: Path, site: str, *flags: str) -> dict[str, Any]:
    """`netlify deploy --no-build --json FLAGS` (no `--prod`: a draft); its JSON output."""
    output = netlify(bin_dir, emu, workdir, "deploy", "--no-build", *flags, "--dir", "site", "--site", site, "--json")
    result: dict[str, Any] = json.loads(output)
    return result


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

    output = netlify_deploy(cli_bin, emu, tmp_path, "cli-site", "--prod")
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

    second = netlify_deploy(cli_bin, emu, tmp_path, "cli-site", "--prod")
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
    output = netlify_deploy(cli_bin, emu, tmp_path, "cli-many", "--prod")
    files = published_files(api, site["id"])
    files.pop("/netlify.toml")
    assert files == {"/" + path: sha1(content) for path, content in tree.items()}
    polls = [r for r in logged_requests(emu) if r["path"].endswith(f"/deploys/{output['deploy_id']}")]
    assert any(r["method"] == "GET" for r in polls)


def test_draft_alias_and_prod_deploys_publish_only_the_prod_one(
    cli_bin: Path, emu: EmulatorServer, tmp_path: Path
) -> None:
    """A draft is fixed when netlify-cli creates it (`{"draft": true}`), although the manifest PUT that
    follows says `"draft": false`; an `--alias` deploy is a branch deploy; only `--prod` publishes."""
    api = session(emu)
    site = make_site(api, "cli-matrix")
    write_tree(tmp_path / "site", TREE)
    prod = netlify_deploy(cli_bin, emu, tmp_path, "cli-matrix", "--prod")
    (tmp_path / "site" / "index.html").write_bytes(b"<h1>draft</h1>")
    draft = netlify_deploy(cli_bin, emu, tmp_path, "cli-matrix")
    (tmp_path / "site" / "index.html").write_bytes(b"<h1>staging</h1>")
    alias = netlify_deploy(cli_bin, emu, tmp_path, "cli-matrix", "--alias", "staging")

    def deploy(output: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = checked(api.get(f"/deploys/{output['deploy_id']}"), "getDeploy", 200)
        assert body["state"] == "ready"
        return body

    assert deploy(prod)["context"] == "production" and "published_at" in deploy(prod)
    draft_deploy = deploy(draft)
    assert draft_deploy["draft"] is True and draft_deploy["context"] == "deploy-preview"
    assert "published_at" not in draft_deploy
    assert draft["deploy_url"] == f"https://{draft['deploy_id']}--cli-matrix.netlify.app"
    alias_deploy = deploy(alias)
    assert alias_deploy["context"] == "branch-deploy" and alias_deploy["branch"] == "staging"
    assert alias["deploy_url"] == "https://staging--cli-matrix.netlify.app" and "published_at" not in alias_deploy
    site_body = checked(api.get(f"/sites/{site['id']}"), "getSite", 200)
    assert site_body["published_deploy"]["id"] == prod["deploy_id"]
    assert published_files(api, site["id"])["/index.html"] == sha1(TREE["index.html"])


def test_sites_create_list_and_env_commands(cli_bin: Path, emu: EmulatorServer, tmp_path: Path) -> None:
    created = json.loads(netlify(cli_bin, emu, tmp_path, "sites:create", "--name", "cli-made", "--account-slug", "demo", "--disable-linking", "--json"))
    assert created["name"] == "cli-made" and created["account_slug"] == "demo"
    listed = json.loads(netlify(cli_bin, emu, tmp_path, "sites:list", "--json"))
    assert [s["name"] for s in listed] == ["cli-made"]

    def env(*args: str) -> str:
        return netlify(cli_bin, emu, tmp_path, *args, "--site", "cli-made")

    env("env:set", "API_URL", "https://api.example")
    env("env:set", "STRIPE_KEY", "sk_live", "--secret", "--context", "production")
    (tmp_path / ".env").write_text("FROM_FILE=1\nOTHER=two\n")
    env("env:import", ".env")
    assert env("env:get", "API_URL").strip() == "https://api.example"
    assert json.loads(env("env:list", "--json")) == {"API_URL": "https://api.example", "FROM_FILE": "1", "OTHER": "two"}
    env("env:unset", "API_URL")
    assert "API_URL" not in json.loads(env("env:list", "--json"))
    api = session(emu)
    variables = checked(api.get("/accounts/demo/env", params={"site_id": created["id"]}), "getEnvVars", 200)
    by_key = {v["key"]: v for v in variables}
    assert sorted(by_key) == ["FROM_FILE", "OTHER", "STRIPE_KEY"]
    secret = by_key["STRIPE_KEY"]
    assert secret["is_secret"] is True and [v["context"] for v in secret["values"]] == ["production"]
    assert "value" not in secret["values"][0], "a secret value is never read back"
