"""Hashing in bounded chunks, and the upload body that notices a file changed since it was hashed."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.deploy import hash_worker
from reconciler.deploy.hashing import (
    CHUNK_SIZE,
    HELPER_MIN_FILES,
    LARGE_FILE,
    file_digest,
    hash_files,
)
from reconciler.deploy.progress import Progress
from reconciler.deploy.tree import DeployInputError
from reconciler.deploy.verifying_reader import FileChangedError, VerifyingReader


def test_hash_files_matches_hashlib_for_small_and_large_files(tmp_path: Path) -> None:
    contents = [
        b"",
        b"a",
        bytes(range(256)) * 4000,
        b"x" * (3 * CHUNK_SIZE + 17),
        b"y" * CHUNK_SIZE,  # fills the buffer exactly: a large file
        b"z" * (CHUNK_SIZE - 1),  # the largest small one
        b"tail",
    ]
    files = []
    for i, content in enumerate(contents):
        path = tmp_path / f"f{i}"
        path.write_bytes(content)
        files.append(path)
    expected = ([hashlib.sha1(c).hexdigest() for c in contents], [len(c) for c in contents])
    assert hash_files(files) == expected
    assert hash_files(files, workers=1) == expected
    assert file_digest(files[3], "sha256") == hashlib.sha256(contents[3]).hexdigest()


def test_unreadable_files_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="cannot read") as caught:
        hash_files([tmp_path / "gone"])
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


def test_verifying_reader_checks_an_empty_body_too(tmp_path: Path) -> None:
    path = tmp_path / "emptied.txt"
    path.write_bytes(b"")
    assert drain(VerifyingReader(path, 0, hashlib.sha1(b"").hexdigest(), "empty")) == b""
    reader = VerifyingReader(path, 0, hashlib.sha1(b"hashed").hexdigest(), str(path))
    with pytest.raises(FileChangedError, match=r"changed since it was hashed \(its SHA1 is now"):
        reader.read(4096)


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


def _small_tree(root: Path, count: int) -> list[Path]:
    names = [f"f{i:05d}" for i in range(count - 2)] + ["line\nbreak", "ünïcode"]
    files = []
    for i, name in enumerate(names):
        path = root / name
        path.write_bytes(f"content {i}".encode() * (i % 7 + 1))
        files.append(path)
    return files


def _expected(files: list[Path]) -> tuple[list[str], list[int]]:
    contents = [path.read_bytes() for path in files]
    return [hashlib.sha1(c).hexdigest() for c in contents], [len(c) for c in contents]


def test_many_small_files_are_shared_with_the_helper_process_in_order(tmp_path: Path) -> None:
    files = _small_tree(tmp_path, 3 * HELPER_MIN_FILES)
    big = tmp_path / "big.bin"  # among them, the helper hands a large file back to the thread pool
    big.write_bytes(b"b" * (LARGE_FILE + 5))
    files.insert(HELPER_MIN_FILES + 3, big)
    expected = _expected(files)
    progress = Progress.silent()
    progress.start("hashing", len(files), sum(expected[1]))
    assert hash_files(files, progress=progress) == expected
    assert (progress.files, progress.bytes) == (len(files), sum(expected[1]))


@pytest.mark.parametrize("helper", ["/nonexistent/python", "/bin/false"])
def test_a_helper_that_cannot_start_or_dies_leaves_the_work_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, helper: str
) -> None:
    files = _small_tree(tmp_path, 2 * HELPER_MIN_FILES)
    expected = _expected(files)
    monkeypatch.setattr(sys, "executable", helper)
    assert hash_files(files) == expected


def test_a_file_gone_before_the_helper_reads_it_is_an_input_error_naming_it(tmp_path: Path) -> None:
    files = _small_tree(tmp_path, 2 * HELPER_MIN_FILES)
    files[-5].unlink()
    with pytest.raises(DeployInputError, match="cannot read") as caught:
        hash_files(files)
    assert str(files[-5]) in str(caught.value)


def test_the_helper_speaks_its_protocol_as_a_script(tmp_path: Path) -> None:
    files = _small_tree(tmp_path, 4)
    big = tmp_path / "big.bin"
    big.write_bytes(b"b" * CHUNK_SIZE)
    paths = [str(path) for path in files] + [str(tmp_path / "missing"), str(big)]
    stdin = hash_worker.encode_batch(paths) + hash_worker.encode_batch(paths[:1]) + (0).to_bytes(4, "big")
    done = subprocess.run(
        [sys.executable, "-I", "-S", hash_worker.__file__], input=stdin, capture_output=True, check=True
    )
    digests, sizes = _expected(files)
    first = len(paths) * hash_worker.ANSWER_WIDTH
    assert len(done.stdout) == first + hash_worker.ANSWER_WIDTH, "one answer per batch, of a fixed width"
    assert hash_worker.decode_answer(done.stdout[:first], len(paths)) == (
        [*digests, hash_worker.UNREADABLE, hash_worker.LARGE],
        [*sizes, 0, 0],
    )
    assert hash_worker.decode_answer(done.stdout[first:], 1) == ([digests[0]], [sizes[0]])
