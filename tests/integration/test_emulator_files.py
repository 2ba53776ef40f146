"""Published files: the listing and single files (metadata and raw content) follow the published deploy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.emulator import EmulatorServer
from tests.support.deploys import deploy_emulator, deploy_files, encode_uri, make_site, session, sha1
from tests.support.http import ApiSession, checked

RAW = {"Accept": "application/vnd.bitballoon.v1.raw"}
TREE = {
    "index.html": b"<!doctype html><h1>home</h1>",
    "blog/post one/ünï.html": b"<p>post</p>",
    "assets/app.js": b"console.log('hi')",
    "assets/copy.js": b"console.log('hi')",
    "data.bin": bytes(range(256)),
}


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[EmulatorServer]:
    with deploy_emulator(tmp_path / "emu") as server:
        yield server


@pytest.fixture
def api(emu: EmulatorServer) -> ApiSession:
    return session(emu)


@pytest.fixture
def site(api: ApiSession) -> dict:
    return make_site(api, "files-site")


def test_no_published_deploy_lists_nothing(api: ApiSession, site: dict) -> None:
    assert checked(api.get(f"/sites/{site['id']}/files"), "listSiteFiles", 200) == []
    missing = api.get(f"/sites/{site['id']}/files/index.html")
    assert checked(missing, "getSiteFileByPathName", 404)["code"] == 404


def test_listing_has_every_published_file_with_sha_size_and_type(api: ApiSession, site: dict) -> None:
    deploy = deploy_files(api, site["id"], TREE)
    listed = checked(api.get(f"/sites/{site['id']}/files"), "listSiteFiles", 200)
    assert [f["path"] for f in listed] == sorted("/" + p for p in TREE)
    by_path = {f["path"]: f for f in listed}
    for path, content in TREE.items():
        entry = by_path["/" + path]
        assert entry["sha"] == sha1(content) and entry["size"] == len(content)
        assert entry["deploy_id"] == deploy["id"] and entry["id"] == "/" + path
    assert by_path["/index.html"]["mime_type"] == "text/html"
    assert by_path["/assets/app.js"]["mime_type"] == "application/javascript"
    assert by_path["/data.bin"]["mime_type"] == "application/octet-stream"


def test_one_file_as_metadata_and_as_raw_content(api: ApiSession, site: dict) -> None:
    deploy_files(api, site["id"], TREE)
    for path, content in TREE.items():
        url = f"/sites/{site['id']}/files/{encode_uri(path)}"
        meta = checked(api.get(url), "getSiteFileByPathName", 200)
        assert meta["path"] == "/" + path and meta["sha"] == sha1(content)
        raw = api.get(url, headers=RAW)
        assert raw.status_code == 200 and raw.content == content
    assert (
        api.get(f"/sites/{site['id']}/files/index.html", headers=RAW)
        .headers["content-type"]
        .startswith("text/html")
    )


def test_files_follow_the_published_deploy_not_drafts(api: ApiSession, site: dict) -> None:
    first = deploy_files(api, site["id"], {"index.html": b"v1", "old.html": b"old"})
    deploy_files(api, site["id"], {"index.html": b"draft"}, draft=True)
    listed = checked(api.get(f"/sites/{site['id']}/files"), "listSiteFiles", 200)
    assert {f["path"]: f["sha"] for f in listed} == {"/index.html": sha1(b"v1"), "/old.html": sha1(b"old")}
    deploy_files(api, site["id"], {"index.html": b"v2"})
    listed = checked(api.get(f"/sites/{site['id']}/files"), "listSiteFiles", 200)
    assert {f["path"]: f["sha"] for f in listed} == {"/index.html": sha1(b"v2")}
    gone = api.get(f"/sites/{site['id']}/files/old.html")
    assert checked(gone, "getSiteFileByPathName", 404)["code"] == 404
    checked(api.post(f"/sites/{site['id']}/deploys/{first['id']}/restore"), "restoreSiteDeploy", 201)
    assert api.get(f"/sites/{site['id']}/files/index.html", headers=RAW).content == b"v1"


def test_bad_file_paths_are_refused(api: ApiSession, site: dict) -> None:
    deploy_files(api, site["id"], TREE)
    response = api.get(f"/sites/{site['id']}/files/assets%2Fapp.js")
    assert checked(response, "getSiteFileByPathName", 422)["code"] == 422


def test_other_teams_see_no_files(emu: EmulatorServer, api: ApiSession, site: dict) -> None:
    deploy_files(api, site["id"], TREE)
    emu.register_token("stranger", teams=("elsewhere",))
    stranger = session(emu, "stranger")
    assert checked(stranger.get(f"/sites/{site['id']}/files"), "listSiteFiles", 404)["code"] == 404
    response = stranger.get(f"/sites/{site['id']}/files/index.html", headers=RAW)
    assert checked(response, "getSiteFileByPathName", 404)["code"] == 404
