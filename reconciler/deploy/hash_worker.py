"""A helper process that SHA-1s batches of small files, so a tree of many small files is hashed on two cores.

Hashing a small file is mostly interpreter work and system calls under the GIL, so a second thread does not
help and a `fork` pool is unsafe in a program that already runs threads. This module is therefore started as
a script (`python -I -S hash_worker.py`, never imported by it): it needs only the standard library, answers
its first batch about 15 ms after it is started, and `hashing.HashPipeline` feeds it batches while the
parent hashes others.

Sizes come from the hashing, not from a `stat` in the walk: reading a small file to its end measures it, and
one `lstat` per file was a third of the walk of a tree of small files.

Protocol (binary, stdin to stdout): a batch is a 4-byte big-endian length and that many bytes of file paths
(file-system encoding) separated by NUL; the answer is, for a batch of n paths, n hex digests of 40 characters
and then n sizes as native unsigned 32-bit integers (`SIZE_CODE`; the two processes share a machine), so the
parent reads it in one call and unpacks it without a loop. A digest is `UNREADABLE` when the file could not be
read (the parent then hashes that one itself, so the error it reports is the usual one) and `LARGE` for a file
of at least CHUNK_SIZE bytes, which the parent hashes on its large-file threads; their size is 0. A zero
length or the end of stdin ends the process.

`hash_batch` and `digest_file` are also what the parent uses, so both sides hash the same way.
"""

from __future__ import annotations

import hashlib
import os
import struct
import sys

# Only the standard library's cheapest modules: the helper is on the critical path of a scan until its
# first answer, and `typing` alone (with `re` and `enum`) took longer to import than hashing a batch.
TYPE_CHECKING = False  # type checkers read it as true
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

CHUNK_SIZE = 1 << 20  # also the bound of a small file: one that fits the buffer with room to spare
DIGEST_WIDTH = 40
SIZE_CODE = "I"  # struct/memoryview code of a size in an answer: a small file is under CHUNK_SIZE bytes
ANSWER_WIDTH = DIGEST_WIDTH + struct.calcsize(SIZE_CODE)  # bytes of answer per path
UNREADABLE = "-" * DIGEST_WIDTH
LARGE = "+" * DIGEST_WIDTH


def hash_batch(paths: Iterable[str | bytes], buffer: bytearray) -> tuple[list[str], list[int]]:
    """The SHA-1 and size of each file, read to its end into `buffer`; `LARGE` (size 0) for a file that
    fills the buffer (to be hashed by `digest_file` in pieces), `UNREADABLE` (size 0) for one that cannot
    be read. One loop for a whole batch: this is the hot path of hashing a tree of small files."""
    view = memoryview(buffer)
    limit = len(buffer)
    digests: list[str] = []
    sizes: list[int] = []
    for path in paths:
        size = 0
        try:
            fd = os.open(path, os.O_RDONLY)
            try:
                while size < limit and (count := os.readv(fd, [view[size:]])):
                    size += count
            finally:
                os.close(fd)
        except OSError:
            digests.append(UNREADABLE)
            sizes.append(0)
            continue
        if size == limit:
            digests.append(LARGE)
            sizes.append(0)
        else:
            digests.append(hashlib.sha1(view[:size]).hexdigest())
            sizes.append(size)
    return digests, sizes


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


def encode_batch(paths: Iterable[str]) -> bytes:
    """A batch as the helper reads it."""
    body = "\0".join(paths).encode(sys.getfilesystemencoding(), "surrogateescape")
    return len(body).to_bytes(4, "big") + body


def decode_answer(answer: bytes, count: int) -> tuple[list[str], list[int]]:
    """The digests and sizes of an answer for `count` paths."""
    text = answer[: DIGEST_WIDTH * count].decode("ascii")
    digests = [text[at : at + DIGEST_WIDTH] for at in range(0, DIGEST_WIDTH * count, DIGEST_WIDTH)]
    return digests, memoryview(answer)[DIGEST_WIDTH * count :].cast("I").tolist()  # "I": SIZE_CODE


def serve(
    source: Callable[[int], bytes], sink: Callable[[bytes], object], flush: Callable[[], object]
) -> None:
    """Answer batches until a zero length or the end of input."""
    buffer = bytearray(CHUNK_SIZE)
    while len(header := source(4)) == 4 and (size := int.from_bytes(header, "big")):
        digests, sizes = hash_batch(source(size).split(b"\0"), buffer)
        sink("".join(digests).encode("ascii") + struct.pack(f"{len(sizes)}{SIZE_CODE}", *sizes))
        flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer.read, sys.stdout.buffer.write, sys.stdout.buffer.flush)
