"""Deploy building blocks without HTTP: blob store, path rules, and the lazily derived state machine."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from reconciler.emulator.blobs import BlobStore, BlobTooLarge
from reconciler.emulator.errors import ApiError
from reconciler.emulator.models.deploy import derive_state, mime_type
from reconciler.emulator.models.deploy_paths import decode_url_path, normalise_path


def test_blobs_are_content_addressed_and_deduplicated(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    digest = blobs.put_bytes("file", b"hello")
    assert digest == hashlib.sha1(b"hello").hexdigest()
    assert blobs.put_bytes("file", b"hello") == digest and blobs.has("file", digest)
    function = blobs.put_bytes("function", b"zip")
    assert function == hashlib.sha256(b"zip").hexdigest()
    assert blobs.packed("file", digest) == b"hello" and blobs.packed("function", function) == b"zip"
    assert not blobs.has("file", function) and blobs.packed("file", function) is None, "kinds kept apart"
    pack = (tmp_path / "blobs" / "pack").read_bytes()
    assert pack.count(b"hello") == 1, "stored once"
    assert not Path(blobs.path("file", digest)).exists(), "small blobs are records of the pack, not files"
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []
    blobs.close()


def test_the_pack_index_is_rebuilt_on_open_and_a_cut_short_record_is_dropped(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    kept = [blobs.put_bytes("file", f"file {i}".encode() * i) for i in range(50)]
    function = blobs.put_bytes("function", b"a zip")
    torn = blobs.put_bytes("file", b"the last record, cut short by a crash")
    blobs.close()
    pack = tmp_path / "blobs" / "pack"
    pack.write_bytes(pack.read_bytes()[:-5])
    reopened = BlobStore(tmp_path / "blobs")
    assert [reopened.packed("file", d) for d in kept] == [f"file {i}".encode() * i for i in range(50)]
    assert reopened.packed("function", function) == b"a zip"
    assert not reopened.has("file", torn), "asked for again, as a lost blob is"
    assert reopened.put_bytes("file", b"after the cut") == hashlib.sha1(b"after the cut").hexdigest()
    reopened.close()
    again = BlobStore(tmp_path / "blobs")
    assert again.packed("file", hashlib.sha1(b"after the cut").hexdigest()) == b"after the cut"
    assert again.packed("file", kept[-1]) == b"file 49" * 49
    again.close()


def test_large_bodies_spill_to_disk_and_limits_discard_everything(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    writer = blobs.writer("file", 4 << 20)
    chunk = b"x" * (1 << 20)
    for _ in range(3):
        writer.write(chunk)
    assert len(list((tmp_path / "blobs" / "tmp").iterdir())) == 1, "spilled after 1 MiB"
    digest = writer.commit()
    assert Path(blobs.path("file", digest)).stat().st_size == 3 << 20, "a large blob is a file"
    assert blobs.has("file", digest) and blobs.packed("file", digest) is None
    limited = blobs.writer("file", 10)
    with pytest.raises(BlobTooLarge):
        limited.write(b"y" * 11)
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []


def test_stale_temporary_files_are_removed_on_start(tmp_path: Path) -> None:
    (tmp_path / "blobs" / "tmp").mkdir(parents=True)
    (tmp_path / "blobs" / "tmp" / "dead.part").write_bytes(b"partial")
    BlobStore(tmp_path / "blobs")
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []


@pytest.mark.parametrize(("raw", "stored"), [("a.html", "/a.html"), ("/a/b c.html", "/a/b c.html")])
def test_paths_get_one_spelling(raw: str, stored: str) -> None:
    assert normalise_path(raw) == stored


@pytest.mark.parametrize(
    ("raw", "status"),
    [(b"a%20b/%C3%BC.txt", 0), (b"a%2Fb", 422), (b"%2e%2e/x", 422), (b"a%5cb", 422), (b"%ff", 400)],
)
def test_upload_paths_are_decoded_once(raw: bytes, status: int) -> None:
    if status == 0:
        assert decode_url_path(raw) == "/a b/\u00fc.txt"
        return
    with pytest.raises(ApiError) as caught:
        decode_url_path(raw)
    assert caught.value.status == status


def row(**values: object) -> dict[str, object]:
    base: dict[str, object] = {
        "phase": "active",
        "prepared_at_ms": None,
        "ready_at_ms": None,
        "processing_at_ms": None,
        "uploads_started": 0,
        "is_async": 0,
    }
    return {**base, **values}


def test_state_is_derived_from_the_stored_moments() -> None:
    async_row = row(is_async=1, prepared_at_ms=1000)
    assert derive_state(async_row, 999) == "preparing"
    assert derive_state(async_row, 1000) == "prepared"
    assert derive_state({**async_row, "uploads_started": 1}, 1000) == "uploading"
    assert derive_state(row(), 0) == "uploading"
    done = row(processing_at_ms=100, ready_at_ms=300)
    assert [derive_state(done, t) for t in (50, 100, 299, 300)] == [
        "uploaded",
        "processing",
        "processing",
        "ready",
    ]
    assert derive_state(row(phase="error"), 10**12) == "error"


def test_mime_types_do_not_depend_on_the_machine() -> None:
    assert mime_type("/a/index.html") == "text/html"
    assert mime_type("/app.mjs") == "application/javascript"
    assert mime_type("/noext") == "application/octet-stream"
    assert mime_type("/.hidden") == "application/octet-stream"
