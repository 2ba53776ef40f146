"""A helper process that SHA-1s batches of small files, so a tree of many small files is hashed on two cores.

Hashing a small file is mostly interpreter work and system calls under the GIL, so a second thread does not
help and a `fork` pool is unsafe in a program that already runs threads. This module is therefore started as
a script (`python -I -S hash_worker.py`, never imported by it): it needs only the standard library, starts in
a few tens of milliseconds, and `hashing.hash_files` feeds it batches while the parent hashes others.

Protocol (binary, stdin to stdout): a batch is a 4-byte big-endian length and that many bytes of file paths
(file-system encoding) separated by NUL; the answer is 40 characters per path and nothing else, its hex
digest or `UNREADABLE` when the file could not be read (the parent then hashes that one itself, so the
error it reports is the usual one). Fixed widths let the parent read an answer in one call.
A zero length or the end of stdin ends the process.

`digest_file` is also what the parent uses for a single file, so both sides hash the same way.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable

CHUNK_SIZE = 1 << 20
ANSWER_WIDTH = 40
UNREADABLE = "-" * ANSWER_WIDTH


def digest_file(
    path: str | bytes | os.PathLike[str],
    buffer: bytearray,
    algorithm: str = "sha1",
    on_bytes: Callable[[int], None] | None = None,
) -> str:
    """The hex digest of a file, read into `buffer` piece by piece (flat memory whatever the size);
    `on_bytes` hears of each piece."""
    digest = hashlib.new(algorithm)
    view = memoryview(buffer)
    fd = os.open(path, os.O_RDONLY)
    try:
        while count := os.readv(fd, [buffer]):
            digest.update(view[:count])
            if on_bytes is not None:
                on_bytes(count)
    finally:
        os.close(fd)
    return digest.hexdigest()


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
        answers = []
        for path in source(size).split(b"\0"):
            try:
                answers.append(digest_file(path, buffer))
            except OSError:
                answers.append(UNREADABLE)
        sink("".join(answers).encode("ascii"))
        flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer.read, sys.stdout.buffer.write, sys.stdout.buffer.flush)
