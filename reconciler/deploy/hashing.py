"""SHA-1 (files) and SHA-256 (function zips) digests, streamed in bounded chunks (the upload body that
re-hashes a file while it is sent is `verifying_reader`).

Small files and large ones are hashed differently because they are limited by different things. A small
file costs system calls and interpreter work under the GIL, so a second thread gains nothing; instead a
helper process (`hash_worker`, started with `python -I -S`, never `fork`ed from this threaded program) takes
batches of them while this thread hashes others, so both cores work. Large files are limited by hashing
itself, and `hashlib` and `os.readv` release the GIL on megabyte buffers, so they go to threads
(`large_files`). A file is known to be large only once its first read fills the 1 MiB buffer: the walk does
not `stat` files, and every size comes from reading the file to its end. Memory stays flat: one reusable
1 MiB buffer per thread, whatever the file sizes. Progress is reported per megabyte of a large file and per
batch of small files, which costs nothing measurable. Figures (20,000 small files, the 2,000-file tree,
against `xargs -P2 sha1sum`) are in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

from reconciler.deploy import hash_worker
from reconciler.deploy.helper_process import reap, spawn_helper
from reconciler.deploy.large_files import LargeFiles
from reconciler.deploy.progress import Progress
from reconciler.deploy.tree import DeployInputError

CHUNK_SIZE = hash_worker.CHUNK_SIZE
LARGE_FILE = CHUNK_SIZE  # from this size on, a file is hashed on a `LargeFiles` thread
PROGRESS_BATCH = 256  # small files hashed between two progress reports (and most in one helper batch)
HELPER_MIN_FILES = 2 * PROGRESS_BATCH  # fewer files than this are hashed here: a helper would not pay
HELPER_BATCHES_IN_FLIGHT = 2  # answers (44 bytes a file) of this many batches must fit in a pipe (64 KiB)
_local = threading.local()
TYPE_CHECKING = False  # type checkers read it as true: `typing` is not imported by a scan at run time
if TYPE_CHECKING:
    from typing import IO

FileList = Sequence["Path | str"]


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
    return hash_worker.digest_file(path, _buffer(), algorithm, on_bytes)[0]


def hash_files(
    files: FileList, workers: int = 2, progress: Progress | None = None
) -> tuple[list[str], list[int]]:
    """SHA-1 and size of each file, in the given order (see `HashPipeline`). `progress` (already started)
    advances by files and bytes as they are hashed."""
    with HashPipeline(workers) as pipeline:
        pipeline.add(files)
        return pipeline.results(progress)


class HashPipeline:
    """Files are added while they are found (the walk goes on meanwhile), digests are collected at the end.

    With `workers` >= 2, batches of files go to a helper process as soon as there are enough of them to pay
    for starting it, and large files (found by whoever reads them first) to threads; `results` then
    hashes what is left here, alongside the helper. With fewer workers everything is hashed here.
    """

    def __init__(self, workers: int = 2) -> None:
        self._parallel = workers >= 2
        self._workers = max(workers, 1)
        self._large = LargeFiles(self._workers, self._hash_large)
        self._files: list[Path | str] = []
        self._sha1s: list[str] = []
        self._sizes: list[int] = []  # -1 until hashed
        self._batched = 0  # files up to this index are in batches
        self._queue: deque[range] = deque()
        self._ready = threading.Condition()
        self._closed = False  # no more files will be added
        self._stopped = False  # give up: take no further batch
        self._helper: threading.Thread | None = None  # feeds the helper process, then waits for its exit
        self._fed = threading.Event()  # the feeder has recorded its last answer (or given its batches back)
        self._helper_input: IO[bytes] | None = None
        self._progress = _Tally()

    def __enter__(self) -> HashPipeline:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def add(self, files: FileList) -> None:
        """More files to hash; hashing of what can start now starts."""
        with self._ready:
            self._files.extend(files)
            count = len(self._files)
            self._sha1s.extend([""] * (count - len(self._sha1s)))
            self._sizes.extend([-1] * (count - len(self._sizes)))
            while count - self._batched >= PROGRESS_BATCH:
                self._queue.append(range(self._batched, self._batched + PROGRESS_BATCH))
                self._batched += PROGRESS_BATCH
                self._ready.notify()
            if self._parallel and self._helper is None and count >= HELPER_MIN_FILES:
                self._helper = threading.Thread(target=self._feed_helper, name="sha1-helper", daemon=True)
                self._helper.start()

    def total_bytes(self) -> int:
        """The size of every file added: as measured for those hashed, by `stat` for the others. Meant for
        a progress display that appears only once hashing has taken a while."""
        total = 0
        for path, size in zip(self._files, self._sizes, strict=True):
            if size < 0:
                try:
                    size = os.stat(path).st_size
                except OSError:
                    size = 0
            total += size
        return total

    def results(self, progress: Progress | None = None) -> tuple[list[str], list[int]]:
        """Every file's digest and size in the order added, once all are hashed; `progress` (started) hears
        of the work done so far and then of the rest. DeployInputError for a file that cannot be read."""
        self._progress.attach(progress or Progress.silent())
        with self._ready:
            if len(self._files) > self._batched:
                self._queue.append(range(self._batched, len(self._files)))
                self._batched = len(self._files)
            self._closed = True
            self._ready.notify_all()
        try:
            self._hash_here()
            if self._helper is not None:
                self._fed.wait()  # not the helper's exit: the feeder waits for that on its own
                self._hash_here()  # a batch the helper handed back, if it failed
            self._large.wait()
            for i, digest in enumerate(self._sha1s):
                if not digest:  # one the helper could not read: hashed here, for the usual error
                    self._sha1s[i], self._sizes[i] = hash_worker.digest_file(self._files[i], _buffer())
        except OSError as exc:
            self.stop()
            name = exc.filename if exc.filename is not None else "a file"
            raise DeployInputError(f"cannot read {name}: {exc.strerror or exc}") from None
        return self._sha1s, self._sizes

    def stop(self) -> None:
        """Take no further batch and let the threads go. The helper's input is closed: it exits once its
        batch is answered, which also ends a read the feeder may be blocked in. Its exit is awaited (and
        enforced) by the feeder thread, not here: a scan does not wait for a process it no longer needs."""
        with self._ready:
            self._stopped = True
            self._ready.notify_all()
            helper_input, self._helper_input = self._helper_input, None
        if helper_input is not None:
            helper_input.close()
        if self._helper is not None:
            self._fed.wait()
        self._large.stop()

    # -- the work -------------------------------------------------------------------------------------
    def _take(self, wait: bool) -> range | None:
        """The next batch; with `wait`, block until one comes or no more can (closed, or stopped)."""
        with self._ready:
            while not self._stopped:
                if self._queue:
                    return self._queue.popleft()
                if self._closed or not wait:
                    return None
                self._ready.wait()
            return None

    def _large_found(self, i: int) -> None:
        """A file that filled the buffer: hashed in pieces, on a `LargeFiles` thread when parallel."""
        if self._parallel:
            self._large.submit(i)  # the caller's thread or the helper's feeder may find one
        else:
            self._hash_large(i)

    def _hash_large(self, i: int) -> None:
        self._sha1s[i], self._sizes[i] = hash_worker.digest_file(
            self._files[i], _buffer(), on_bytes=lambda count: self._progress.advance(0, count)
        )
        self._progress.advance(1)

    def _hash_here(self) -> None:
        buffer = _buffer()
        while (batch := self._take(wait=False)) is not None:
            self._record(
                batch, *hash_worker.hash_batch(map(str, self._files[batch.start : batch.stop]), buffer)
            )

    def _feed_helper(self) -> None:
        """Send batches to a helper process until none is left; a batch it cannot finish (it failed to start
        or died) goes back to the queue for `_hash_here`. Then close its input and wait for it to exit, while
        the caller goes on with the results. However this ends, even by an error, `_fed` is set: the caller
        waits for it."""
        try:
            started = spawn_helper()
            if started is None:
                return
            pid, sink, source = started
            with self._ready:
                stopped = self._stopped
                if not stopped:
                    self._helper_input = sink
            try:
                if not stopped:
                    self._feed(sink, source)
            finally:
                with self._ready:
                    self._helper_input = None
                self._fed.set()
                sink.close()  # the helper reads the end of its input and exits
                source.close()
                reap(pid)
        finally:
            self._fed.set()

    def _feed(self, sink: IO[bytes], source: IO[bytes]) -> None:
        """Keep HELPER_BATCHES_IN_FLIGHT batches with the helper, so it never waits for this thread (which
        needs the GIL to send one). Its answers fit in the pipe, so sending never deadlocks."""
        sent: deque[range] = deque()
        try:
            while True:
                while len(sent) < HELPER_BATCHES_IN_FLIGHT:
                    batch = self._take(wait=not sent)
                    if batch is None:
                        break
                    sent.append(batch)
                    sink.write(hash_worker.encode_batch(map(str, self._files[batch.start : batch.stop])))
                    sink.flush()
                if not sent:
                    return
                batch = sent[0]
                answer = source.read(hash_worker.ANSWER_WIDTH * len(batch))
                if len(answer) != hash_worker.ANSWER_WIDTH * len(batch):
                    return
                sent.popleft()
                self._record(batch, *hash_worker.decode_answer(answer, len(batch)))
        except (OSError, ValueError):
            return
        finally:
            if sent:  # the helper failed or was stopped: what it did not answer is hashed here
                with self._ready:
                    self._queue.extendleft(reversed(sent))

    def _record(self, batch: range, digests: list[str], sizes: list[int]) -> None:
        """Record the digests and sizes of `batch` (hashed here or by the helper); a large file goes to the
        threads, an unreadable one stays unhashed (hashed here at the end, for the usual error). Each slot is
        written once, final: `total_bytes` may read them from another thread at any time."""
        markers = (hash_worker.LARGE, hash_worker.UNREADABLE)
        large: list[int] = []
        hashed, nbytes = len(batch), sum(sizes)  # a marker's size is 0
        if hash_worker.LARGE in digests or hash_worker.UNREADABLE in digests:  # rare: slots left open
            large = [i for i, digest in zip(batch, digests, strict=True) if digest == hash_worker.LARGE]
            sizes = [-1 if digest in markers else size for digest, size in zip(digests, sizes, strict=True)]
            digests = ["" if digest in markers else digest for digest in digests]
            hashed -= digests.count("")
        self._sha1s[batch.start : batch.stop] = digests
        self._sizes[batch.start : batch.stop] = sizes
        for i in large:
            self._large_found(i)
        self._progress.advance(hashed, nbytes)


class _Tally:
    """Progress that may be reported before the phase has started (hashing runs during the walk, whose
    totals are known only at its end): counts are kept until `attach`, then passed on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._target: Progress | None = None
        self._files = self._bytes = 0

    def attach(self, progress: Progress) -> None:
        with self._lock:
            self._target = progress
            files, nbytes, self._files, self._bytes = self._files, self._bytes, 0, 0
        if files or nbytes:
            progress.advance(files, nbytes)

    def advance(self, files: int = 0, nbytes: int = 0) -> None:
        with self._lock:
            target = self._target
            if target is None:
                self._files += files
                self._bytes += nbytes
                return
        target.advance(files, nbytes)
