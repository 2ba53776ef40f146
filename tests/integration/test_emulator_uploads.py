"""File and function uploads (sized and chunked), their checks, and ZIP deploys."""

from __future__ import annotations

import http.client
import io
import json
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from reconciler.emulator import EmulatorServer
from tests.support.deploys import (
    deploy_emulator,
    digests,
    make_site,
    session,
    sha1,
    sha256,
    upload,
    wait_state,
)
from tests.support.http import ApiSession, checked

NAMES = {"dir/with space/ünï.txt": b"unicode", "a+b&c.txt": b"reserved", "100%.txt": b"percent"}


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[EmulatorServer]:
    with deploy_emulator(tmp_path / "emu", max_upload_bytes=64 * 1024) as server:
        yield server


@pytest.fixture
def api(emu: EmulatorServer) -> ApiSession:
    return session(emu)


@pytest.fixture
def site(api: ApiSession) -> dict:
    return make_site(api, "upload-site")


def create(api: ApiSession, site: dict, files: dict[str, bytes], **body: object) -> dict:
    response = api.post(f"/sites/{site['id']}/deploys", json={"files": digests(files), **body})
    deploy: dict = checked(response, "createSiteDeploy", 200)
    return deploy


def raw_put(emu: EmulatorServer, target: str, body: bytes = b"x") -> tuple[int, dict]:
    """A PUT with the request target exactly as given (requests would normalise `..` segments)."""
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)
    try:
        conn.request("PUT", target, body=body, headers={"Authorization": "Bearer test-token"})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()


@pytest.mark.parametrize("chunked", [False, True], ids=["sized", "chunked"])
def test_upload_answers_the_file_object(api: ApiSession, site: dict, chunked: bool) -> None:
    files = {"index.html": b"<p>hello</p>" * 50}
    deploy = create(api, site, files)
    response = upload(api, deploy["id"], "index.html", files["index.html"], chunked=chunked)
    if chunked:
        assert "Content-Length" not in response.request.headers
    body = checked(response, "uploadDeployFile", 200)
    assert body == {
        "id": "/index.html",
        "path": "/index.html",
        "sha": sha1(files["index.html"]),
        "mime_type": "text/html",
        "size": len(files["index.html"]),
        "deploy_id": deploy["id"],
    }
    wait_state(api, site["id"], deploy["id"], "ready")


def test_encode_uri_paths_are_decoded_once(api: ApiSession, site: dict) -> None:
    deploy = create(api, site, NAMES)
    for path, content in NAMES.items():
        body = checked(upload(api, deploy["id"], path, content, chunked=True), "uploadDeployFile", 200)
        assert body["path"] == "/" + path
    wait_state(api, site["id"], deploy["id"], "ready")


def test_duplicate_content_uploads_are_accepted_for_every_path(api: ApiSession, site: dict) -> None:
    files = {"a.txt": b"same", "b/a.txt": b"same"}
    deploy = create(api, site, files)
    assert deploy["required"] == [sha1(b"same")]
    for path in files:
        checked(upload(api, deploy["id"], path, b"same"), "uploadDeployFile", 200)
    wait_state(api, site["id"], deploy["id"], "ready")


def test_sha1_mismatch_is_422_and_stores_nothing(emu: EmulatorServer, api: ApiSession, site: dict) -> None:
    deploy = create(api, site, {"index.html": b"expected"})
    response = upload(api, deploy["id"], "index.html", b"something else", chunked=True)
    assert "SHA1 mismatch for /index.html" in checked(response, "uploadDeployFile", 422)["message"]
    blobs = emu.data_dir / "blobs"
    assert b"something else" not in (blobs / "pack").read_bytes()
    assert not (blobs / sha1(b"something else")[:2] / sha1(b"something else")).exists()
    assert list((blobs / "tmp").iterdir()) == []
    assert wait_state(api, site["id"], deploy["id"], "uploading")[0]["required"] == [sha1(b"expected")]


def test_path_not_in_the_manifest_is_422(api: ApiSession, site: dict) -> None:
    deploy = create(api, site, {"index.html": b"x"})
    response = upload(api, deploy["id"], "other.html", b"x")
    assert "not part of deploy" in checked(response, "uploadDeployFile", 422)["message"]


@pytest.mark.parametrize(
    "tail",
    ["../../etc/passwd", "a/../index.html", "%2e%2e/index.html", "a%2Findex.html", "a%2findex.html", "a%5Cb"],
)
def test_traversal_and_encoded_separators_are_refused(
    emu: EmulatorServer, api: ApiSession, site: dict, tail: str
) -> None:
    deploy = create(api, site, {"index.html": b"x"})
    status, body = raw_put(emu, f"/api/v1/deploys/{deploy['id']}/files/{tail}")
    assert status == 422 and "Invalid file path" in body["message"], body


def test_invalid_utf8_escape_is_400(emu: EmulatorServer, api: ApiSession, site: dict) -> None:
    deploy = create(api, site, {"index.html": b"x"})
    status, body = raw_put(emu, f"/api/v1/deploys/{deploy['id']}/files/%ff.html")
    assert status == 400 and body["code"] == 400


def test_upload_limit_is_413_for_sized_and_chunked(api: ApiSession, site: dict) -> None:
    big = b"x" * (64 * 1024 + 1)
    deploy = create(api, site, {"big.bin": big})
    for chunked in (False, True):
        response = upload(api, deploy["id"], "big.bin", big, chunked=chunked)
        assert checked(response, "uploadDeployFile", 413)["code"] == 413


def test_uploads_to_unknown_or_finished_deploys(api: ApiSession, site: dict) -> None:
    assert checked(upload(api, "0" * 24, "a.txt", b"x"), "uploadDeployFile", 404)["code"] == 404
    empty = checked(api.post(f"/sites/{site['id']}/deploys", json={}), "createSiteDeploy", 200)
    response = upload(api, empty["id"], "a.txt", b"x")
    assert "send its manifest first" in checked(response, "uploadDeployFile", 422)["message"]
    deploy = create(api, site, {"a.txt": b"x"})
    checked(upload(api, deploy["id"], "a.txt", b"x"), "uploadDeployFile", 200)
    wait_state(api, site["id"], deploy["id"], "ready")
    response = upload(api, deploy["id"], "a.txt", b"x")
    assert "is ready" in checked(response, "uploadDeployFile", 422)["message"]


def test_uploads_to_a_deploy_whose_manifest_is_cached_are_checked_as_any(
    emu: EmulatorServer, api: ApiSession, site: dict
) -> None:
    """An upload finds its manifest in memory (`manifest_cache`): another team's token still meets a 404, a
    canceled deploy still refuses and credits nothing, and after a restart (nothing cached) the database
    answers the same."""
    files = {"a.txt": b"a", "b.txt": b"b", "c.txt": b"c"}
    deploy = create(api, site, files)
    emu.register_token("stranger", teams=("elsewhere",))
    stranger = upload(session(emu, "stranger"), deploy["id"], "a.txt", b"a")
    assert checked(stranger, "uploadDeployFile", 404)["code"] == 404
    assert checked(upload(api, deploy["id"], "a.txt", b"a"), "uploadDeployFile", 200)["size"] == 1
    checked(api.post(f"/deploys/{deploy['id']}/cancel"), "cancelSiteDeploy", 201)
    refused = checked(upload(api, deploy["id"], "b.txt", b"b"), "uploadDeployFile", 422)
    assert "failed or canceled" in refused["message"]
    again = create(api, site, {"b.txt": b"b", "c.txt": b"c"})
    assert sorted(again["required"]) == sorted([sha1(b"b"), sha1(b"c")])  # the refused b.txt was not credited
    emu.stop()
    with deploy_emulator(emu.data_dir) as restarted:
        fresh = session(restarted)
        assert checked(upload(fresh, again["id"], "b.txt", b"b"), "uploadDeployFile", 200)["size"] == 1
        stranger = upload(session(restarted, "stranger"), again["id"], "c.txt", b"c")
        assert checked(stranger, "uploadDeployFile", 404)["code"] == 404
        checked(fresh.post(f"/deploys/{again['id']}/cancel"), "cancelSiteDeploy", 201)
        refused = checked(upload(fresh, again["id"], "c.txt", b"c"), "uploadDeployFile", 422)
        assert "failed or canceled" in refused["message"]


def test_function_upload_checks_sha256(api: ApiSession, site: dict) -> None:
    zipped = b"PK fake function zip"
    deploy = create(api, site, {"index.html": b"x"}, functions={"hello": sha256(zipped)})
    assert deploy["required_functions"] == [sha256(zipped)]
    wrong = api.put(f"/deploys/{deploy['id']}/functions/hello", params={"runtime": "js"}, data=b"other")
    assert "SHA256 mismatch for function hello" in checked(wrong, "uploadDeployFunction", 422)["message"]
    bad_runtime = api.put(
        f"/deploys/{deploy['id']}/functions/hello", params={"runtime": "cobol"}, data=zipped
    )
    assert "runtime must be" in checked(bad_runtime, "uploadDeployFunction", 422)["message"]
    unknown = api.put(f"/deploys/{deploy['id']}/functions/nope", data=zipped)
    assert "not part of deploy" in checked(unknown, "uploadDeployFunction", 422)["message"]
    response = api.put(
        f"/deploys/{deploy['id']}/functions/hello",
        params={"runtime": "js"},
        data=iter([zipped[:3], zipped[3:]]),
    )
    assert checked(response, "uploadDeployFunction", 200) == {
        "id": sha256(zipped),
        "name": "hello",
        "sha": sha256(zipped),
        "region": "us-east-2",
    }
    checked(upload(api, deploy["id"], "index.html", b"x"), "uploadDeployFile", 200)
    wait_state(api, site["id"], deploy["id"], "ready")
    again = create(api, site, {"index.html": b"x"}, functions={"hello": sha256(zipped)})
    assert again["required"] == [] and again["required_functions"] == []


def zip_bytes(entries: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in entries.items():
            zf.writestr(name, content)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return buffer.getvalue()


def post_zip(api: ApiSession, site: dict, payload: bytes, **params: str) -> requests.Response:
    return api.post(
        f"/sites/{site['id']}/deploys",
        data=payload,
        params=params,
        headers={"Content-Type": "application/zip"},
    )


def test_zip_deploy_publishes_its_files(api: ApiSession, site: dict) -> None:
    entries = {"index.html": b"<h1>zip</h1>", "assets/app.js": b"console.log(1)"}
    response = post_zip(api, site, zip_bytes(entries), title="from zip")
    deploy = checked(response, "createSiteDeploy", 200)
    assert deploy["required"] == [] and deploy["title"] == "from zip"
    assert deploy["state"] in ("processing", "ready")
    wait_state(api, site["id"], deploy["id"], "ready")
    listed = checked(api.get(f"/sites/{site['id']}/files"), "listSiteFiles", 200)
    assert {f["path"]: f["sha"] for f in listed} == {"/" + p: sha1(c) for p, c in entries.items()}


@pytest.mark.parametrize(
    ("entries", "symlinks", "message"),
    [
        ({"../evil.html": b"x"}, None, "Invalid file path"),
        ({"/abs.html": b"x"}, None, "absolute paths"),
        ({"a\\b.html": b"x"}, None, "backslashes"),
        ({"ok.html": b"x"}, {"link": "/etc/passwd"}, "symbolic links"),
    ],
    ids=["zip-slip", "absolute", "backslash", "symlink"],
)
def test_bad_zip_entries_are_422(
    api: ApiSession, site: dict, entries: dict, symlinks: dict | None, message: str
) -> None:
    response = post_zip(api, site, zip_bytes(entries, symlinks))
    assert message in checked(response, "createSiteDeploy", 422)["message"]
    assert checked(api.get(f"/sites/{site['id']}/deploys"), "listSiteDeploys", 200) == []


def test_zip_that_is_not_a_zip_is_422(api: ApiSession, site: dict) -> None:
    response = post_zip(api, site, b"definitely not a zip")
    assert "Invalid ZIP body" in checked(response, "createSiteDeploy", 422)["message"]


def test_zip_with_more_than_25000_files_is_422(tmp_path: Path) -> None:
    payload = zip_bytes({f"f{i}": b"" for i in range(25_001)})
    with deploy_emulator(tmp_path / "big") as server:  # default upload limit: the archive is ~2.5 MB
        api = session(server)
        response = post_zip(api, make_site(api, "many-files"), payload)
        assert "at most 25000 files" in checked(response, "createSiteDeploy", 422)["message"]


def test_zip_bomb_stops_at_the_upload_limit(api: ApiSession, site: dict) -> None:
    payload = zip_bytes({"bomb.bin": b"\0" * (1 << 20)})
    assert len(payload) < 64 * 1024
    assert checked(post_zip(api, site, payload), "createSiteDeploy", 413)["code"] == 413
