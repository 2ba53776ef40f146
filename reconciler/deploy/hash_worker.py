"""A helper process that SHA-1s batches of small files, so a tree of many small files is hashed on two cores.

Hashing a small file is mostly interpreter work and system calls under the GIL, so a second thread does not
help and a `fork` pool is unsafe in a program that already runs threads. This module is therefore started as
a script (`python -I -S hash_worker.py`, never imported by it): it needs only the standard library, starts in
a few tens of milliseconds, and `hashing.HashPipeline` feeds it batches while the parent hashes others.

Sizes come from the hashing, not from a `stat` in the walk: reading a small file to its end measures it, and
one `lstat` per file was a third of the walk of a tree of small files.

Protocol (binary, stdin to stdout): a batch is a 4-byte big-endian length and that many bytes of file paths
(file-system encoding) separated by NUL; the answer is ANSWER_WIDTH characters per path and nothing else: its
hex digest and its size in SIZE_WIDTH hex digits, or `UNREADABLE` when the file could not be read (the parent
then hashes that one itself, so the error it reports is the usual one), or `LARGE` for a file of at least
CHUNK_SIZE bytes, which the parent hashes on its thread pool. Fixed widths let the parent read an answer in
one call. A zero length or the end of stdin ends the process.

`hash_small` and `digest_file` are also what the parent uses, so both sides hash the same way.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable

CHUNK_SIZE = 1 << 20  # also the bound of a small file: one that fits the buffer with room to spare
DIGEST_WIDTH = 40
SIZE_WIDTH = 8  # hex digits: a small file is under CHUNK_SIZE bytes
ANSWER_WIDTH = DIGEST_WIDTH + SIZE_WIDTH
UNREADABLE = "-" * ANSWER_WIDTH
LARGE = "+" * ANSWER_WIDTH


def hash_small(path: str | bytes | os.PathLike[str], buffer: bytearray) -> tuple[str, int] | None:
    """The SHA-1 and size of a file smaller than `buffer`, read to its end; None when it fills the buffer
    (a large file, to be hashed by `digest_file` in pieces). OSError when it cannot be read."""
    view = memoryview(buffer)
    limit = len(buffer)
    size = 0
    fd = os.open(path, os.O_RDONLY)
    try:
        while size < limit and (count := os.readv(fd, [view[size:]])):
            size += count
    finally:
        os.close(fd)
    if size == limit:
        return None
    return hashlib.sha1(view[:size]).hexdigest(), size


def digest_file(
    path: str | bytes | os.PathLike[str],
    buffer: bytearray,
    algorithm: str = "sha1",
    on_bytes: Callable[[int], None] | None = None,
) -> tuple[str, int]:
    """The hex digest and size of a file of any size, read into `buffer` piece by piece (flat memory);
    `on_bytes` hears of each piece."""
    digest = hashlib.new(algorithm)
    view = memoryview(buffer)
    size = 0
    fd = os.open(path, os.O_RDONLY)
    try:
        while count := os.readv(fd, [buffer]):
            digest.update(view[:count])
            size += count
            if on_bytes is not None:
                on_bytes(count)
    finally:
        os.close(fd)
    return digest.hexdigest(), size


def answer(path: bytes, buffer: bytearray) -> str:
    """One file's answer in the protocol's fixed width."""
    try:
        found = hash_small(path, buffer)
    except OSError:
        return UNREADABLE
    if found is None:
        return LARGE
    return f"{found[0]}{found[1]:0{SIZE_WIDTH}x}"


def encode_batch(paths: list[str]) -> bytes:
    """A batch as the helper reads it."""
    body = b"\0".join(os.fsencode(path) for path in paths)
    return len(body).to_bytes(4, "big") + body


def serve(
    source: Callable[[int], bytes], sink: Callable[[bytes], object], flush: Callable[[], object]
) -> None:
    """Answer batches until a zero length or the end of input."""
    buffer = bytearray(CHUNK_SIZE)
    while len(header := source(4)) == 4 and (size := int.from_bytes(header, "big")):
        sink("".join([answer(path, buffer) for path in source(size).split(b"\0")]).encode("ascii"))
        flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer.read, sys.stdout.buffer.write, sys.stdout.buffer.flush)
