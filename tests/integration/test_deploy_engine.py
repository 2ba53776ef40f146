"""The deploy engine against the real emulator: what it uploads, what it refuses, and how it rides out
faults and cancels what cannot finish."""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from reconciler.deploy import upload
from reconciler.deploy.engine import DeployError, DeployOptions, deploy, restore
from reconciler.deploy.progress import Progress
from reconciler.deploy.scan import DeployInputError, LocalDigest, LocalFile, local_digest
from reconciler.deploy.verifying_reader import FileChangedError
from reconciler.emulator import EmulatorServer
from reconciler.netlify.client import NetlifyClient
from tests.support.deploys import TOKEN, deploy_options
from tests.support.proxy import ForwardingProxy, forwarding_proxy

ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 57 + b"a go binary"


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[EmulatorServer]:
    with EmulatorServer(
        tmp_path / "emu",
        tokens=[TOKEN],
        request_log=tmp_path / "requests.jsonl",
        options=deploy_options(prepare_delay=0.1, processing_delay=0.1),
    ) as server:
        yield server


@pytest.fixture
def client(emu: EmulatorServer) -> Iterator[NetlifyClient]:
    with NetlifyClient(emu.url, TOKEN) as c:
        yield c


def site(client: NetlifyClient, name: str = "deploy-site") -> str:
    return str(client.post("/demo/sites", {"name": name})["id"])


def write(root: Path, files: dict[str, bytes]) -> Path:
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return root


def digest_of(tmp_path: Path, root: Path, functions: Path | None = None) -> LocalDigest:
    return local_digest(root, functions, tmp_path / "work")


def log(emu: EmulatorServer) -> list[dict[str, Any]]:
    """The request log once it has settled: a line is written just after its answer is sent."""
    path = emu.options.request_log
    assert path is not None
    lines = path.read_text(encoding="utf-8").splitlines()
    for _ in range(20):
        time.sleep(0.05)
        again = path.read_text(encoding="utf-8").splitlines()
        if len(again) == len(lines):
            break
        lines = again
    return [json.loads(line) for line in lines]


def uploads(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        e for e in entries if e["method"] == "PUT" and ("/files/" in e["path"] or "/functions/" in e["path"])
    ]


def deploy_calls(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in entries if e["method"] == "POST" and e["path"].endswith("/deploys")]


def published(client: NetlifyClient, site_id: str) -> dict[str, str]:
    return {f["path"]: f["sha"] for f in client.get(f"/sites/{site_id}/files")}


def sha1(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()


def faults(emu: EmulatorServer, **config: Any) -> dict[str, Any]:
    response = requests.put(f"{emu.url}/_emulator/faults", json=config, timeout=5)
    response.raise_for_status()
    state: dict[str, Any] = response.json()
    return state


def fault_state(emu: EmulatorServer) -> dict[str, Any]:
    state: dict[str, Any] = requests.get(f"{emu.url}/_emulator/faults", timeout=5).json()
    return state


TREE = {
    "index.html": b"<h1>home</h1>",
    "about/index.html": b"<h1>about</h1>",
    "css/site.css": b"body{}",
    "with space/\u00fcnic\u00f6de (1)+%.txt": b"unicode",
    "a/copy-1.txt": b"same content",
    "b/copy-2.txt": b"same content",
    "c/copy-3.txt": b"same content",
    "big.bin": bytes(range(256)) * 8192,
}


def test_first_deploy_uploads_each_blob_once_and_publishes(
    emu: EmulatorServer, client: NetlifyClient, tmp_path: Path
) -> None:
    site_id = site(client)
    digest = digest_of(tmp_path, write(tmp_path / "site", TREE))
    result = deploy(client, site_id, digest, DeployOptions(title="first"))
    assert result.deploy["state"] == "ready" and result.deploy["title"] == "first"
    unique = {sha1(c) for c in TREE.values()}
    assert result.uploaded_files == len(unique) == len(TREE) - 2, "three paths share one blob"
    assert result.uploaded_bytes == sum(len(c) for c in {sha1(c): c for c in TREE.values()}.values())
    sent = uploads(log(emu))
    assert len(sent) == len(unique) and all(e["status"] == 200 for e in sent)
    assert sum(e["bytes_in"] for e in sent) == result.uploaded_bytes
    assert result.requests == len(log(emu)) - 1, "every call but the site creation"
    assert published(client, site_id) == {"/" + p: sha1(c) for p, c in TREE.items()}
    assert client.get(f"/sites/{site_id}")["published_deploy"]["id"] == result.deploy["id"]


def test_unchanged_redeploy_uploads_nothing_and_one_change_uploads_one_file(
    emu: EmulatorServer, client: NetlifyClient, tmp_path: Path
) -> None:
    site_id = site(client)
    root = write(tmp_path / "site", TREE)
    deploy(client, site_id, digest_of(tmp_path, root), DeployOptions())
    before = len(uploads(log(emu)))

    again = deploy(client, site_id, digest_of(tmp_path, root), DeployOptions())
    assert again.deploy["state"] == "ready"
    assert (again.uploaded_files, again.uploaded_functions, again.uploaded_bytes) == (0, 0, 0)
    assert len(uploads(log(emu))) == before

    (root / "css" / "site.css").write_bytes(b"body{color:teal}")
    changed = deploy(client, site_id, digest_of(tmp_path, root), DeployOptions())
    assert changed.uploaded_files == 1
    new = uploads(log(emu))[before:]
    assert [e["path"].rsplit("/files/", 1)[1] for e in new] == ["css/site.css"]
    assert published(client, site_id)["/css/site.css"] == sha1(b"body{color:teal}")


def test_functions_are_zipped_uploaded_once_and_listed_on_the_published_deploy(
    emu: EmulatorServer, client: NetlifyClient, tmp_path: Path
) -> None:
    site_id = site(client)
    root = write(tmp_path / "site", {"index.html": b"home"})
    functions = write(
        tmp_path / "functions",
        {
            "hello.mjs": b"export default () => new Response('hi')",
            "api/index.js": b"module.exports = 1",
            "gofn": ELF,
        },
    )
    digest = digest_of(tmp_path, root, functions)
    assert {n: f.runtime for n, f in digest.functions.items()} == {"api": "js", "gofn": "go", "hello": "js"}
    result = deploy(client, site_id, digest, DeployOptions())
    assert result.uploaded_functions == 3 and result.uploaded_files == 1
    function_puts = [e for e in uploads(log(emu)) if "/functions/" in e["path"]]
    assert sorted(e["query"] for e in function_puts) == ["runtime=go", "runtime=js", "runtime=js"]

    listed = client.get(f"/sites/{site_id}")["published_deploy"]["available_functions"]
    assert listed == [
        {"n": name, "d": f.sha256, "r": f.runtime, "id": f.sha256, "s": f.size}
        for name, f in digest.functions.items()
    ]
    assert client.get(f"/deploys/{result.deploy['id']}")["available_functions"] == listed

    again = deploy(client, site_id, digest_of(tmp_path, root, functions), DeployOptions())
    assert again.uploaded_functions == 0
    relisted = client.get(f"/sites/{site_id}")["published_deploy"]["available_functions"]
    assert relisted == listed, "a reused function keeps its runtime and size"


def test_draft_and_branch_deploys_become_ready_without_publishing(
    emu: EmulatorServer, client: NetlifyClient, tmp_path: Path
) -> None:
    site_id = site(client)
    first = deploy(
        client, site_id, digest_of(tmp_path, write(tmp_path / "v1", {"index.html": b"v1"})), DeployOptions()
    )
    digest = digest_of(tmp_path, write(tmp_path / "v2", {"index.html": b"v2"}))
    draft = deploy(client, site_id, digest, DeployOptions(draft=True))
    assert draft.deploy["state"] == "ready" and draft.deploy["draft"] is True
    assert draft.deploy["context"] == "deploy-preview"
    branch = deploy(client, site_id, digest, DeployOptions(branch="staging"))
    assert branch.deploy["context"] == "branch-deploy" and branch.deploy["branch"] == "staging"
    assert client.get(f"/sites/{site_id}")["published_deploy"]["id"] == first.deploy["id"]
    assert published(client, site_id) == {"/index.html": sha1(b"v1")}


def test_restore_publishes_an_earlier_deploy(
    emu: EmulatorServer, client: NetlifyClient, tmp_path: Path
) -> None:
    site_id = site(client)
    one = deploy(
        client, site_id, digest_of(tmp_path, write(tmp_path / "v1", {"index.html": b"v1"})), DeployOptions()
    )
    deploy(
        client, site_id, digest_of(tmp_path, write(tmp_path / "v2", {"index.html": b"v2"})), DeployOptions()
    )
    assert published(client, site_id) == {"/index.html": sha1(b"v2")}
    restored = restore(client, site_id, one.deploy["id"])
    assert restored["id"] == one.deploy["id"]
    assert client.get(f"/sites/{site_id}")["published_deploy"]["id"] == one.deploy["id"]
    assert published(client, site_id) == {"/index.html": sha1(b"v1")}


def test_many_files_take_the_async_path(emu: EmulatorServer, client: NetlifyClient, tmp_path: Path) -> None:
    site_id = site(client)
    tree = {f"pages/p{i:03d}.html": f"<p>{i}</p>".encode() for i in range(150)}
    out = io_progress()
    result = deploy(
        client, site_id, digest_of(tmp_path, write(tmp_path / "site", tree)), DeployOptions(), out[0]
    )
    assert result.uploaded_files == 150 and result.deploy["state"] == "ready"
    entries = log(emu)
    deploy_id = result.deploy["id"]
    first_upload = next(i for i, e in enumerate(entries) if "/files/" in e["path"])
    polls = [
        i
        for i, e in enumerate(entries)
        if e["method"] == "GET" and e["path"].endswith(f"/deploys/{deploy_id}")
    ]
    assert polls and polls[0] < first_upload, "polled until prepared before uploading"
    text = out[1].getvalue()
    assert "uploading: 150 files" in text and "uploading: done, 150 files" in text and "\r" not in text


def io_progress() -> tuple[Progress, Any]:
    stream = io.StringIO()
    return Progress.for_stream(stream), stream


def test_injected_5xx_during_uploads_and_polls_still_reach_ready(
    emu: EmulatorServer, client: NetlifyClient, tmp_path: Path
) -> None:
    site_id = site(client)
    tree = {f"f/{i:03d}.txt": f"file {i}".encode() * 50 for i in range(140)}
    digest = digest_of(tmp_path, write(tmp_path / "site", tree))
    faults(emu, error_rate=0.2, seed=7, paths="PUT /api/v1/deploys/|GET /api/v1/sites/.*/deploys/")
    result = deploy(client, site_id, digest, DeployOptions())
    state = fault_state(emu)
    faults(emu)  # off for the checks below
    assert result.deploy["state"] == "ready"
    assert state["injected"].get("error_rate", 0) >= 10
    assert published(client, site_id) == {"/" + p: sha1(c) for p, c in tree.items()}
    assert result.requests > len(tree) + 3, "the retries are counted"


def test_429_bursts_during_uploads_and_polls_are_ridden_out(
    emu: EmulatorServer, client: NetlifyClient, tmp_path: Path
) -> None:
    site_id = site(client)
    tree = {f"f/{i:03d}.txt": f"file {i}".encode() * 20 for i in range(130)}
    digest = digest_of(tmp_path, write(tmp_path / "site", tree))
    faults(
        emu,
        burst_429_every=40,
        burst_429_length=3,
        paths="PUT /api/v1/deploys/|GET /api/v1/sites/.*/deploys/",
    )
    result = deploy(client, site_id, digest, DeployOptions())
    state = fault_state(emu)
    faults(emu)
    assert result.deploy["state"] == "ready" and result.uploaded_files == 130
    assert state["injected"].get("burst_429", 0) >= 6
    assert sum(1 for e in log(emu) if e["status"] == 429) >= 6


def test_refused_trees_fail_before_any_request(
    emu: EmulatorServer, client: NetlifyClient, tmp_path: Path
) -> None:
    site(client)
    write(tmp_path, {"secret.txt": b"do not publish"})
    root = write(tmp_path / "site", {"index.html": b"home"})
    (root / "leak.txt").symlink_to(tmp_path / "secret.txt")
    before = len(log(emu))
    with pytest.raises(DeployInputError, match=r"leak\.txt: symlink points outside the publish directory"):
        digest_of(tmp_path, root)
    (root / "leak.txt").unlink()
    (root / "a#b.html").write_bytes(b"x")
    with pytest.raises(DeployInputError, match=r"a#b\.html.*cannot contain '#'"):
        digest_of(tmp_path, root)
    assert len(log(emu)) == before


def test_a_file_changed_after_hashing_is_a_clear_error_and_the_deploy_is_cancelled(
    emu: EmulatorServer, client: NetlifyClient, tmp_path: Path
) -> None:
    site_id = site(client)
    root = write(tmp_path / "site", {"index.html": b"original", "other.txt": b"other"})
    digest = digest_of(tmp_path, root)
    (root / "index.html").write_bytes(b"edited!!")  # same size, other content
    with pytest.raises(FileChangedError) as caught:
        deploy(client, site_id, digest, DeployOptions())
    message = str(caught.value)
    assert f"{root / 'index.html'} changed since it was hashed" in message
    assert "was cancelled" in message
    [created] = client.get(f"/sites/{site_id}/deploys")
    assert created["state"] == "error" and created["error_message"] == "Deploy canceled"
    assert "published_deploy" not in client.get(f"/sites/{site_id}")
    assert not [e for e in uploads(log(emu)) if e["status"] == 200 and e["path"].endswith("/index.html")]


def test_an_upload_that_keeps_failing_cancels_the_deploy(
    emu: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upload, "ROUND_BACKOFF_CAP", 0.0)
    with NetlifyClient(emu.url, TOKEN, max_attempts=2, sleep=lambda _: None) as client:
        site_id = site(client)
        digest = digest_of(tmp_path, write(tmp_path / "site", {"index.html": b"home"}))
        faults(emu, error_rate=1.0, paths="^PUT /api/v1/deploys/")
        with pytest.raises(DeployError) as caught:
            deploy(client, site_id, digest, DeployOptions())
        faults(emu)
        message = str(caught.value)
        assert "deploy failed: PUT /api/v1/deploys/" in message and "HTTP 50" in message
        assert f"deploy {caught.value.deploy_id} was cancelled" in message
        assert client.get(f"/deploys/{caught.value.deploy_id}")["state"] == "error"
        assert len(uploads(log(emu))) == 2 * (1 + upload.EXTRA_ROUNDS)


def test_a_deploy_that_never_gets_ready_times_out_and_is_cancelled(tmp_path: Path) -> None:
    options = deploy_options(processing_delay=30)
    with (
        EmulatorServer(tmp_path / "emu", tokens=[TOKEN], options=options) as emu,
        NetlifyClient(emu.url, TOKEN, max_attempts=2, sleep=lambda _: None) as client,
    ):
        site_id = site(client)
        digest = digest_of(tmp_path, write(tmp_path / "site", {"index.html": b"home"}))
        faults(emu, error_rate=1.0, paths="^GET /api/v1/sites/.*/deploys/")  # failing polls only delay
        with pytest.raises(DeployError) as caught:
            deploy(client, site_id, digest, DeployOptions(timeout=1.0, poll_interval=0.2))
        faults(emu)
        message = str(caught.value)
        assert "not ready after 1 s" in message and "last poll error" in message
        assert "was cancelled" in message
        assert client.get(f"/deploys/{caught.value.deploy_id}")["error_message"] == "Deploy canceled"


def test_a_lost_creation_answer_adopts_the_ready_deploy_this_run_made_not_an_earlier_one(
    tmp_path: Path,
) -> None:
    """With nothing to upload and no processing delay, the deploy whose answer was lost is `ready` by the
    time it is looked for; earlier ready deploys of the same title are not this run's."""
    options = deploy_options(prepare_delay=0, processing_delay=0)
    with (
        EmulatorServer(tmp_path / "emu", tokens=[TOKEN], options=options) as emu,
        NetlifyClient(emu.url, TOKEN) as client,
    ):
        site_id = site(client)
        root = write(tmp_path / "site", {"index.html": b"v1"})
        first = deploy(client, site_id, digest_of(tmp_path, root), DeployOptions()).deploy
        (root / "index.html").write_bytes(b"v2")
        second = deploy(client, site_id, digest_of(tmp_path, root), DeployOptions()).deploy
        (root / "index.html").write_bytes(b"v1")  # nothing to upload: ready at once
        faults(emu, drop_after_rate=1.0, paths="^POST /api/v1/sites/[^/]+/deploys$")
        result = deploy(client, site_id, digest_of(tmp_path, root), DeployOptions())
        faults(emu)
        listed = client.get(f"/sites/{site_id}/deploys")
        assert {d["id"] for d in listed} == {first["id"], second["id"], result.deploy["id"]}
        assert result.deploy["state"] == "ready"
        assert client.get(f"/sites/{site_id}")["published_deploy"]["id"] == result.deploy["id"]
        assert client.get(f"/deploys/{second['id']}")["state"] == "ready"


def test_zip_method(emu: EmulatorServer, client: NetlifyClient, tmp_path: Path) -> None:
    site_id = site(client)
    digest = digest_of(tmp_path, write(tmp_path / "site", TREE))
    result = deploy(client, site_id, digest, DeployOptions(method="zip", title="zipped", workdir=tmp_path))
    assert result.deploy["state"] == "ready" and result.deploy["title"] == "zipped"
    assert published(client, site_id) == {"/" + p: sha1(c) for p, c in TREE.items()}
    [post] = deploy_calls(log(emu))
    assert post["bytes_in"] == result.uploaded_bytes > 0
    assert not uploads(log(emu))
    assert list(tmp_path.glob("netlify-zip-*")) == [], "the archive is removed afterwards"


def test_zip_method_refuses_more_than_25000_files_before_any_request(
    emu: EmulatorServer, client: NetlifyClient, tmp_path: Path
) -> None:
    site_id = site(client)
    source = write(tmp_path, {"one.txt": b"1"}) / "one.txt"
    files = {f"f{i}.txt": LocalFile(f"f{i}.txt", str(source), 1, sha1(b"1")) for i in range(25_001)}
    before = len(log(emu))
    with pytest.raises(DeployInputError, match="25,001 files: a ZIP deploy holds at most 25,000"):
        deploy(client, site_id, LocalDigest(files), DeployOptions(method="zip"))
    assert len(log(emu)) == before


def test_through_a_proxy_uploads_retry_with_fresh_bodies(
    emu: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind a proxy (from the environment) requests sends the uploads: a retried PUT must stream its body
    again, and every call goes through the proxy."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    with forwarding_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy)
        monkeypatch.setenv("http_proxy", proxy)
        with NetlifyClient(emu.url, TOKEN) as client:
            site_id = site(client)
            tree = {f"f/{i:02d}.bin": bytes([i]) * 200_000 for i in range(20)}
            digest = digest_of(tmp_path, write(tmp_path / "site", tree))
            faults(emu, error_rate=0.3, seed=11, paths="^PUT /api/v1/deploys/")
            result = deploy(client, site_id, digest, DeployOptions())
            injected = fault_state(emu)["injected"].get("error_rate", 0)
            faults(emu)
            assert injected >= 3 and result.uploaded_files == 20
            assert published(client, site_id) == {"/" + p: sha1(c) for p, c in tree.items()}
    puts = uploads(log(emu))
    assert len(puts) == 20 + injected
    proxied = [
        url for method, url, _ in ForwardingProxy.seen if method == "PUT" and "/api/v1/deploys/" in url
    ]
    assert len(proxied) == len(puts)
    assert all(e["bytes_in"] == 200_000 for e in puts if e["status"] == 200)
