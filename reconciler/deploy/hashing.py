"""SHA-1 (files) and SHA-256 (function zips) digests, streamed in bounded chunks, plus a request body that
re-hashes a file while it is sent.

Small files and large ones are hashed differently because they are limited by different things. A small
file costs system calls and interpreter work under the GIL, so a second thread gains nothing; instead a
helper process (`hash_worker`, started with `python -I -S`, never `fork`ed from this threaded program) takes
batches of them while this thread hashes others, so both cores work. Large files are limited by hashing
itself, and `hashlib` and `os.readv` release the GIL on megabyte buffers, so they go to a thread pool at the
same time. Memory stays flat: one reusable 1 MiB buffer per thread, whatever the file sizes. Progress is
reported per megabyte of a large file and per batch of small files, which costs nothing measurable.
Figures (20,000 small files, the 2,000-file tree, against `xargs -P2 sha1sum`) are in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from reconciler.deploy import hash_worker
from reconciler.deploy.progress import Progress
from reconciler.deploy.tree import DeployInputError

CHUNK_SIZE = hash_worker.CHUNK_SIZE
LARGE_FILE = 1 << 20  # from this size on, a file is hashed on the thread pool
PROGRESS_BATCH = 256  # small files hashed between two progress reports (and most in one helper batch)
HELPER_MIN_FILES = 2 * PROGRESS_BATCH  # fewer small files than this are hashed here: a helper would not pay
_local = threading.local()

FileList = Sequence[tuple["Path | str", int]]


class FileChangedError(DeployInputError):
    """A file no longer has the content it had when it was hashed (edited during the deploy)."""


def _buffer() -> bytearray:
    buffer: bytearray | None = getattr(_local, "buffer", None)
    if buffer is None:
        buffer = _local.buffer = bytearray(CHUNK_SIZE)
    return buffer


def file_digest(
    path: Path | str, algorithm: str = "sha1", on_bytes: Callable[[int], None] | None = None
) -> str:
    """The hex digest of a file, read in `CHUNK_SIZE` pieces into a per-thread buffer; `on_bytes` hears
    of each piece (progress through a large file)."""
    return hash_worker.digest_file(path, _buffer(), algorithm, on_bytes)


def hash_files(files: FileList, workers: int = 2, progress: Progress | None = None) -> list[str]:
    """SHA-1 of each `(path, size)`, in the given order. With `workers` >= 2, small files are shared with
    a helper process and large files go to a thread pool meanwhile. `progress` (already started) advances
    by files and bytes as they are hashed."""
    progress = progress or Progress.silent()
    results: list[str] = [""] * len(files)
    parallel = workers >= 2
    large = [i for i, (_, size) in enumerate(files) if parallel and size >= LARGE_FILE]
    small = [i for i, (_, size) in enumerate(files) if not parallel or size < LARGE_FILE]
    batches = _Batches(files, small, results, progress)
    try:
        # One thread feeds the helper process (it mostly waits on the pipe), `workers` hash large files.
        with ThreadPoolExecutor(max_workers=workers + 1, thread_name_prefix="sha1") as pool:
            helper = pool.submit(batches.feed_helper) if parallel and len(small) >= HELPER_MIN_FILES else None
            pending = [pool.submit(_hash_large, files, i, results, progress) for i in large]
            try:
                batches.hash_here()
                if helper is not None:
                    helper.result()
                    batches.hash_here()  # a batch the helper handed back, if it failed
                for future in pending:
                    future.result()
            except BaseException:
                batches.stop()  # the helper takes no further batch; the pool's exit then waits little
                raise
        for i, digest in enumerate(results):
            if not digest:  # one the helper could not read: hashed here, for the usual error
                results[i] = file_digest(files[i][0])
    except OSError as exc:
        name = exc.filename if exc.filename is not None else "a file"
        raise DeployInputError(f"cannot read {name}: {exc.strerror or exc}") from None
    finally:
        batches.stop()
    return results


def _hash_large(files: FileList, i: int, results: list[str], progress: Progress) -> None:
    results[i] = file_digest(files[i][0], on_bytes=lambda count: progress.advance(0, count))
    progress.advance(1)


class _Batches:
    """Small files in batches of PROGRESS_BATCH, taken in turn by this thread and by the helper's feeder."""

    def __init__(self, files: FileList, indexes: list[int], results: list[str], progress: Progress) -> None:
        self._files = files
        self._results = results
        self._progress = progress
        self._queue = deque(indexes[i : i + PROGRESS_BATCH] for i in range(0, len(indexes), PROGRESS_BATCH))
        self._lock = threading.Lock()
        self._stopped = False
        self._process: subprocess.Popen[bytes] | None = None

    def _take(self) -> list[int] | None:
        with self._lock:
            return self._queue.popleft() if self._queue and not self._stopped else None

    def _done(self, batch: list[int]) -> None:
        self._progress.advance(len(batch), sum(self._files[i][1] for i in batch))

    def hash_here(self) -> None:
        """Hash batches in this thread until none is left."""
        while (batch := self._take()) is not None:
            for i in batch:
                self._results[i] = file_digest(self._files[i][0])
            self._done(batch)

    def feed_helper(self) -> None:
        """Send batches to a helper process until none is left; a batch it cannot finish (it failed to start
        or died) goes back to the queue for `hash_here`."""
        process = self._start()
        if process is None:
            return
        assert process.stdin is not None and process.stdout is not None
        while (batch := self._take()) is not None:
            try:
                answers = _exchange(process.stdin, process.stdout, [str(self._files[i][0]) for i in batch])
            except (OSError, ValueError):
                answers = []
            if len(answers) != len(batch):
                with self._lock:
                    self._queue.appendleft(batch)
                return
            for i, answer in zip(batch, answers, strict=True):
                self._results[i] = "" if answer == hash_worker.UNREADABLE else answer
            self._done(batch)

    def _start(self) -> subprocess.Popen[bytes] | None:
        if not sys.executable:
            return None
        command = [sys.executable, "-I", "-S", hash_worker.__file__]
        try:
            process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
            )
        except OSError:
            return None
        with self._lock:
            if self._stopped:
                process.kill()
                process.wait()
                return None
            self._process = process
        return process

    def stop(self) -> None:
        """No more batches; end the helper (it exits on the end of its input)."""
        with self._lock:
            self._stopped = True
            process, self._process = self._process, None
        if process is None:
            return
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _exchange(sink: IO[bytes], source: IO[bytes], paths: list[str]) -> list[str]:
    """One batch to the helper and its answer lines."""
    sink.write(hash_worker.encode_batch(paths))
    sink.flush()
    return [source.readline().decode("ascii").rstrip("\n") for _ in paths]


class VerifyingReader:
    """A sized request body that streams a file and checks, before its last byte leaves, that the file
    still has the digest and size it was hashed with.

    A file edited between hashing and upload would otherwise ship content that disagrees with the
    manifest; raising from `read()` aborts the request mid-body, so the server never receives a complete
    wrong body, and the caller gets a `FileChangedError` naming the file. `len()` gives requests the
    Content-Length, so the body is sent sized, not chunked. Opened lazily and closed at the end (or by
    `close()`), so a factory can hand out a fresh one per attempt without leaking descriptors.
    """

    def __init__(
        self,
        source: str | Path,
        size: int,
        expected: str,
        shown: str,
        *,
        algorithm: str = "sha1",
        on_bytes: Callable[[int], None] | None = None,
    ) -> None:
        self._source = source
        self._size = size
        self._expected = expected
        self._shown = shown
        self._algorithm = algorithm
        self._on_bytes = on_bytes
        self._digest: Any = hashlib.new(algorithm)
        self._file: Any = None
        self._left = size
        self.sent = 0

    def __len__(self) -> int:
        return self._size

    def _open(self) -> Any:
        if self._file is None:
            try:
                self._file = open(self._source, "rb", buffering=0)  # noqa: SIM115 (closed at EOF or close())
            except OSError as exc:
                raise FileChangedError(
                    f"{self._shown}: cannot be read any more ({exc.strerror or exc}); "
                    "it changed since it was hashed"
                ) from None
        return self._file

    def read(self, size: int = -1) -> bytes:
        if self._left == 0:
            self.close()
            return b""
        want = self._left if size is None or size < 0 else min(size, self._left)
        data: bytes = self._open().read(want)
        if not data:
            self.close()
            self._changed(f"it is now {self._size - self._left:,} bytes long, it was {self._size:,}")
        self._digest.update(data)
        self._left -= len(data)
        if self._left == 0:
            grown = self._file.read(1)
            self.close()
            if grown:
                self._changed(f"it grew beyond the {self._size:,} bytes it had")
            actual = self._digest.hexdigest()
            if actual != self._expected:
                self._changed(f"its {self._algorithm.upper()} is now {actual}, it was {self._expected}")
        self.sent += len(data)
        if self._on_bytes is not None:
            self._on_bytes(len(data))
        return data

    def _changed(self, detail: str) -> None:
        raise FileChangedError(
            f"{self._shown} changed since it was hashed ({detail}); nothing wrong was deployed, run again "
            "once the files are stable"
        )

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
