"""Large files hashed on plain threads: `hashlib` and `os.readv` release the GIL on megabyte buffers, so
threads use both cores. Not a `concurrent.futures.ThreadPoolExecutor`: importing it (with `logging`) takes
about 8 ms, and a fresh process's scan of the 2,000-file tree (4 large files) waited 10-15 ms for it, in the
middle of its work, when it met its first large file.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable


class LargeFiles:
    """Large files hashed on up to `workers` plain threads, started as files come and ended when none is
    left; `wait` raises the first error."""

    def __init__(self, workers: int, hash_one: Callable[[int], None]) -> None:
        self._workers = workers
        self._hash_one = hash_one
        self._lock = threading.Lock()
        self._pending: deque[int] = deque()
        self._running = 0
        self._threads: list[threading.Thread] = []
        self._errors: list[BaseException] = []
        self._stopped = False

    def submit(self, index: int) -> None:
        with self._lock:
            if self._stopped:
                return
            self._pending.append(index)
            if self._running >= self._workers:
                return
            self._running += 1
            thread = threading.Thread(target=self._work, name="sha1-large", daemon=True)
            self._threads.append(thread)
        try:
            thread.start()
        except RuntimeError:  # no thread can be started: the file stays unhashed, for the caller to do
            with self._lock:
                self._running -= 1
                self._threads.remove(thread)
            raise

    def wait(self) -> None:
        """Every file submitted is hashed (none may be submitted meanwhile); the first error, if any."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join()
        if self._errors:
            raise self._errors[0]

    def stop(self) -> None:
        """Hash no further file; the ones being hashed are finished."""
        with self._lock:
            self._stopped = True
            self._pending.clear()
            threads = list(self._threads)
        for thread in threads:
            thread.join()

    def _work(self) -> None:
        while True:
            with self._lock:
                if self._stopped or not self._pending:
                    self._running -= 1
                    return
                index = self._pending.popleft()
            try:
                self._hash_one(index)
            except BaseException as exc:  # raised again by `wait`, in the caller's thread
                with self._lock:
                    self._errors.append(exc)
