"""Deploys in plan/apply: unchanged trees plan nothing, one changed file is one upload, drafts, pins."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reconciler.apply import apply_plan
from reconciler.emulator.app import EmulatorOptions
from reconciler.emulator.server import EmulatorServer
from reconciler.model.change import Action
from reconciler.model.errors import ManifestError, ReconcilerError
from reconciler.plan.render_json import plan_document
from reconciler.plan.render_text import render_text
from reconciler.session import ApiTarget, make_plan
from tests.integration.conftest import TOKEN, converge
from tests.support.plans import config_changes, one_change


def make_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


MANIFEST = "version: 1\nsites:\n  web:\n    team: demo\n    deploy: {{dir: public{extra}}}\n"


@pytest.fixture
def logged(tmp_path):
    """An emulator with a request log, limits off: deploy tests count calls."""
    log = tmp_path / "requests.jsonl"
    options = EmulatorOptions(rate_limit_per_minute=0, deploy_rate_limit_per_minute=0, processing_delay=0.05)
    with EmulatorServer(tmp_path / "emu", tokens=[TOKEN], request_log=log, options=options) as server:
        target = ApiTarget(server.api_url, TOKEN, server.url + options.integration_prefix)
        with target.client() as client:
            yield client, log


def calls_since(log: Path, mark: int) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()[mark:]]


def mark(log: Path) -> int:
    return len(log.read_text().splitlines())


def test_first_deploy_unchanged_redeploy_and_one_changed_file(logged, tmp_path):
    client, log = logged
    make_tree(tmp_path / "public", {"index.html": "<h1>hi</h1>", "a/b.css": "b{}", "dup1.txt": "same", "dup2.txt": "same"})
    manifest = tmp_path / "m.yaml"
    manifest.write_text(MANIFEST.format(extra=""))

    planned = make_plan(client, manifest)
    (deploy,) = [c for c in planned.plan.changes if c.kind == "deploy"]
    assert deploy.action is Action.DEPLOY
    assert "production deploy: 4 file(s) added, 0 changed, 0 removed" in deploy.note
    assert "in 3 blob(s)" in deploy.note, "duplicate contents are one blob"
    assert "Plan: 1 to add, 0 to change, 0 to destroy, 1 deploy, 2 ledger writes." in render_text(planned.plan)
    document = plan_document(planned.plan)
    (entry,) = [c for c in document["changes"] if c["kind"] == "deploy"]
    assert {tuple(f["path"]) for f in entry["fields"]} >= {("files", "index.html"), ("files", "a/b.css")}

    start = mark(log)
    apply_plan(client, planned.plan, planned.procedures)
    uploads = [c for c in calls_since(log, start) if c["method"] == "PUT" and "/files/" in c["path"]]
    assert len(uploads) == 3, "one upload per unique blob"
    files = {f["path"].lstrip("/"): f["sha"] for f in client.get("/sites/web/files")}
    assert set(files) == {"index.html", "a/b.css", "dup1.txt", "dup2.txt"}

    start = mark(log)
    again = make_plan(client, manifest)
    assert again.plan.changes == []
    apply_plan(client, again.plan, again.procedures)
    assert not [c for c in calls_since(log, start) if "/deploys" in c["path"]], "unchanged tree: no deploy calls"

    (tmp_path / "public" / "index.html").write_text("<h1>changed</h1>")
    planned = make_plan(client, manifest)
    deploy = one_change(planned.plan)
    assert "0 file(s) added, 1 changed, 0 removed" in deploy.note
    start = mark(log)
    apply_plan(client, planned.plan, planned.procedures)
    uploads = [c for c in calls_since(log, start) if c["method"] == "PUT" and "/files/" in c["path"]]
    assert len(uploads) == 1
    assert make_plan(client, manifest).plan.changes == []


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        (lambda path: path.write_text(""), "y.txt changed since it was hashed (it is now empty)"),
        (lambda path: (path.unlink(), os.mkfifo(path)), "y.txt: no longer a regular file"),
    ],
    ids=["emptied", "fifo"],
)
def test_a_file_emptied_or_replaced_after_the_plan_is_refused_before_any_request(
    logged, tmp_path, replace, message
):
    """Sizes are read at apply: an emptied file would be sent as an empty body, a FIFO block the upload."""
    client, log = logged
    make_tree(tmp_path / "public", {"index.html": "x", "y.txt": "planned content"})
    manifest = tmp_path / "m.yaml"
    manifest.write_text(MANIFEST.format(extra=""))
    planned = make_plan(client, manifest)
    replace(tmp_path / "public" / "y.txt")
    start = mark(log)
    with pytest.raises(ReconcilerError) as caught:
        apply_plan(client, planned.plan, planned.procedures)
    assert message in str(caught.value)
    assert not [c for c in calls_since(log, start) if "/deploys" in c["path"]], "nothing was sent"


def _published(client, tmp_path, content: str) -> tuple[Path, str]:
    """Site `web` deployed to production from one index.html: its manifest and the published deploy."""
    make_tree(tmp_path / "public", {"index.html": content})
    manifest = tmp_path / "m.yaml"
    manifest.write_text(MANIFEST.format(extra=""))
    converge(client, manifest)
    return manifest, client.get("/sites/web")["published_deploy"]["id"]


def test_draft_never_publishes_and_is_not_redeployed(client, tmp_path):
    manifest, published = _published(client, tmp_path, "v1")

    (tmp_path / "public" / "index.html").write_text("v2 draft")
    manifest.write_text(MANIFEST.format(extra=", draft: true"))
    planned = converge(client, manifest)
    assert "never published" in one_change(planned.plan).note
    assert client.get("/sites/web")["published_deploy"]["id"] == published


def test_the_same_tree_sent_to_another_branch_or_from_draft_to_a_branch_is_deployed_again(client, tmp_path):
    manifest, published = _published(client, tmp_path, "same files everywhere")
    manifest.write_text(MANIFEST.format(extra=", branch: feature-x"))
    converge(client, manifest)
    for extra, branch in ((", branch: feature-y", "feature-y"), (", draft: true", None), (", branch: x", "x")):
        manifest.write_text(MANIFEST.format(extra=extra))
        change = one_change(converge(client, manifest).plan)
        assert [f.path for f in change.fields] == [("target",)], extra
        (newest, *_) = client.get("/sites/web/deploys")
        assert newest.get("branch") == branch and newest["state"] == "ready", extra
    assert client.get("/sites/web")["published_deploy"]["id"] == published


def test_pin_publishes_an_earlier_deploy(client, tmp_path):
    manifest, first = _published(client, tmp_path, "v1")
    (tmp_path / "public" / "index.html").write_text("v2")
    converge(client, manifest)
    assert client.get("/sites/web")["published_deploy"]["id"] != first

    manifest.write_text(f"version: 1\nsites:\n  web:\n    team: demo\n    deploy: {{pin: {first}}}\n")
    planned = converge(client, manifest)
    change = one_change(planned.plan)
    site_id = client.get("/sites/web")["id"]
    assert planned.plan.calls(change) == [f"POST /api/v1/sites/{site_id}/deploys/{first}/restore"]
    assert client.get("/sites/web")["published_deploy"]["id"] == first


def test_functions_are_deployed_and_compared(client, tmp_path):
    make_tree(tmp_path / "public", {"index.html": "x"})
    make_tree(tmp_path / "functions", {"hello.js": "export default () => new Response('hi')"})
    manifest = tmp_path / "m.yaml"
    manifest.write_text(MANIFEST.format(extra=", functions: functions"))
    planned = converge(client, manifest)
    assert "1 function(s) added, 0 changed, 0 removed" in config_changes(planned.plan)[-1].note
    (tmp_path / "functions" / "hello.js").write_text("export default () => new Response('hello')")
    change = one_change(make_plan(client, manifest).plan)
    assert [f.path for f in change.fields] == [("functions", "hello")]
    converge(client, manifest)


def test_a_dangling_symlink_in_the_functions_directory_is_refused_not_dropped(client, tmp_path):
    make_tree(tmp_path / "public", {"index.html": "x"})
    make_tree(tmp_path / "functions", {"hello.txt": "export default () => new Response('hi')"})
    (tmp_path / "functions" / "hello.js").symlink_to("hello.txt")
    manifest = tmp_path / "m.yaml"
    manifest.write_text(MANIFEST.format(extra=", functions: functions"))
    converge(client, manifest)
    assert client.get("/sites/web")["published_deploy"]["available_functions"][0]["n"] == "hello"
    (tmp_path / "functions" / "hello.txt").unlink()
    with pytest.raises(ReconcilerError, match=r"functions/hello.js: symlink target .*hello.txt does not exist"):
        make_plan(client, manifest)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda root: (root / "public" / "a#b.html").write_text("x"), "a#b.html"),
        (lambda root: (root / "public" / "escape").symlink_to(root / "outside"), "escape"),
        (lambda root: (root / "public" / "x%2Fy.txt").write_text("x"), "x%2Fy.txt'.*%2f"),
        (lambda root: (root / "public" / "a%5cb.txt").write_text("x"), "a%5cb.txt'.*%5c"),
        (lambda root: (root / "public" / "nul%00.txt").write_text("x"), "nul%00.txt'.*%00"),
    ],
)
def test_bad_trees_are_refused_before_any_request(client, tmp_path, setup, message):
    make_tree(tmp_path / "public", {"index.html": "x"})
    make_tree(tmp_path / "outside", {"secret.txt": "s"})
    setup(tmp_path)
    manifest = tmp_path / "m.yaml"
    manifest.write_text(MANIFEST.format(extra=""))
    with pytest.raises(ReconcilerError, match=message):
        make_plan(client, manifest)


def test_a_pin_must_be_a_deploy_of_that_site(client, tmp_path):
    manifest = tmp_path / "m.yaml"
    make_tree(tmp_path / "public", {"index.html": "v1"})
    manifest.write_text(MANIFEST.format(extra=""))
    converge(client, manifest)
    other = client.post("/demo/sites", {"name": "elsewhere"})
    foreign = client.post(f"/sites/{other['id']}/deploys", {"files": {}, "functions": {}})["id"]
    manifest.write_text(f"version: 1\nsites:\n  web:\n    team: demo\n    deploy: {{pin: {foreign}}}\n")
    with pytest.raises(ManifestError) as info:
        make_plan(client, manifest)
    assert f"m.yaml:5:14: sites.web.deploy.pin: deploy {foreign} is not a deploy of site 'web'" in str(info.value)

    manifest.write_text(f"version: 1\nsites:\n  fresh:\n    team: demo\n    deploy: {{pin: {foreign}}}\n")
    with pytest.raises(ManifestError, match="not a deploy of the new site 'fresh'"):
        make_plan(client, manifest)
