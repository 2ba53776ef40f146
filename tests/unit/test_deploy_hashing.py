"""Hashing in bounded chunks, and the upload body that notices a file changed since it was hashed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from reconciler.deploy.hashing import CHUNK_SIZE, FileChangedError, VerifyingReader, file_digest, hash_files


def test_hash_files_matches_hashlib_for_small_and_large_files(tmp_path: Path) -> None:
    contents = [b"", b"a", bytes(range(256)) * 4000, b"x" * (3 * CHUNK_SIZE + 17), b"tail"]
    files = []
    for i, content in enumerate(contents):
        path = tmp_path / f"f{i}"
        path.write_bytes(content)
        files.append((path, len(content)))
    expected = [hashlib.sha1(c).hexdigest() for c in contents]
    assert hash_files(files) == expected
    assert hash_files(files, workers=1) == expected
    assert file_digest(files[3][0], "sha256") == hashlib.sha256(contents[3]).hexdigest()


def test_unreadable_files_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="cannot read") as caught:
        hash_files([(tmp_path / "gone", 1)])
    assert "gone" in str(caught.value)


def drain(reader: VerifyingReader, size: int = 1000) -> bytes:
    out = b""
    while chunk := reader.read(size):
        out += chunk
    return out


def test_verifying_reader_streams_an_unchanged_file(tmp_path: Path) -> None:
    content = b"0123456789" * 1000
    path = tmp_path / "f"
    path.write_bytes(content)
    counted: list[int] = []
    reader = VerifyingReader(
        path, len(content), hashlib.sha1(content).hexdigest(), "f", on_bytes=counted.append
    )
    assert len(reader) == len(content)
    assert drain(reader) == content
    assert sum(counted) == len(content) == reader.sent
    assert max(counted) <= 1000, "never more than asked for: memory stays bounded"


@pytest.mark.parametrize(
    ("new", "detail"),
    [
        (b"0123456789" * 999 + b"012345678X", "its SHA1 is now"),
        (b"0123456789" * 999, "bytes long, it was 10,000"),
        (b"0123456789" * 1001, "it grew beyond"),
    ],
)
def test_verifying_reader_refuses_a_changed_file_before_its_last_byte(
    tmp_path: Path, new: bytes, detail: str
) -> None:
    original = b"0123456789" * 1000
    path = tmp_path / "page.html"
    path.write_bytes(new)
    reader = VerifyingReader(path, len(original), hashlib.sha1(original).hexdigest(), str(path))
    sent = b""
    with pytest.raises(FileChangedError) as caught:
        while chunk := reader.read(4096):
            sent += chunk
    assert len(sent) < len(original), "the last piece is never handed out"
    assert f"{path} changed since it was hashed" in str(caught.value) and detail in str(caught.value)


def test_verifying_reader_checks_sha256_for_function_zips(tmp_path: Path) -> None:
    path = tmp_path / "fn.zip"
    path.write_bytes(b"zip bytes")
    good = VerifyingReader(path, 9, hashlib.sha256(b"zip bytes").hexdigest(), "fn", algorithm="sha256")
    assert drain(good) == b"zip bytes"
    bad = VerifyingReader(path, 9, hashlib.sha256(b"other").hexdigest(), "function fn", algorithm="sha256")
    with pytest.raises(FileChangedError, match="its SHA256 is now"):
        drain(bad)


def test_verifying_reader_of_a_deleted_file(tmp_path: Path) -> None:
    reader = VerifyingReader(tmp_path / "gone", 3, "0" * 40, "gone")
    with pytest.raises(FileChangedError, match="cannot be read any more"):
        reader.read(10)
