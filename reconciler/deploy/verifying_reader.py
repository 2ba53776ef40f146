"""The upload body that re-hashes a file while it is sent, so a file edited since it was hashed never ships.

Kept apart from `hashing` (which computes digests before any request): this is the other end of the same
promise, used by the upload workers and the ZIP deploy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reconciler.deploy.tree import DeployInputError


class FileChangedError(DeployInputError):
    """A file no longer has the content it had when it was hashed (edited during the deploy)."""


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
        self._checked = False
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
            if not self._checked:  # an empty body is checked too: the file may have been emptied
                self._open()
                self._finish()
            return b""
        want = self._left if size is None or size < 0 else min(size, self._left)
        data: bytes = self._open().read(want)
        if not data:
            self.close()
            self._changed(f"it is now {self._size - self._left:,} bytes long, it was {self._size:,}")
        self._digest.update(data)
        self._left -= len(data)
        if self._left == 0:
            self._finish()
        self.sent += len(data)
        if self._on_bytes is not None:
            self._on_bytes(len(data))
        return data

    def _finish(self) -> None:
        """Every byte was read: the file must end here and have the expected digest."""
        self._checked = True
        grown = self._file.read(1)
        self.close()
        if grown:
            self._changed(f"it grew beyond the {self._size:,} bytes it had")
        actual = self._digest.hexdigest()
        if actual != self._expected:
            self._changed(f"its {self._algorithm.upper()} is now {actual}, it was {self._expected}")

    def _changed(self, detail: str) -> None:
        raise FileChangedError(
            f"{self._shown} changed since it was hashed ({detail}); nothing wrong was deployed, run again "
            "once the files are stable"
        )

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
