"""Content-addressed blob storage for deployed files and functions.

A blob is named by the digest of its bytes (files by SHA-1 as Netlify's digest deploys are, function zips by
SHA-256), so identical content is stored once however many deploys, sites or teams use it, and nothing a
client sends (paths, names) ever becomes part of a filesystem path: only hex digests we computed do.

Writes go to a temporary file in the same directory tree and are renamed into place, so a crash or a
rejected upload never leaves a partial blob under a digest name. There is no fsync per blob: the emulator
trades durability across power loss for upload throughput, and a lost blob is simply requested again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

Kind = Literal["file", "function"]

# Bodies up to this size stay in memory until hashed; larger ones spill to a temporary file.
_SPILL_BYTES = 1 << 20
_HASHERS: dict[Kind, Callable[[], Any]] = {"file": hashlib.sha1, "function": hashlib.sha256}


class BlobTooLarge(Exception):
    """The body exceeded the configured upload limit."""


class BlobStore:
    """Blobs under `root/<sha1[:2]>/<sha1>` (files) and `root/functions/<sha256[:2]>/<sha256>` (functions)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / "tmp"
        self._tmp.mkdir(parents=True, exist_ok=True)
        for stale in self._tmp.glob("*.part"):  # left by a killed emulator; never renamed into place
            stale.unlink(missing_ok=True)
        # Plain strings, not Paths: blob paths are built on every upload and pathlib is comparatively slow.
        self._bases: dict[Kind, str] = {"file": str(root), "function": str(root / "functions")}
        self._made_dirs: set[str] = set()

    def path(self, kind: Kind, digest: str) -> str:
        """Where a blob lives; `digest` must be lowercase hex (validated by callers), never client text."""
        return f"{self._bases[kind]}/{digest[:2]}/{digest}"

    def has(self, kind: Kind, digest: str) -> bool:
        return os.path.exists(self.path(kind, digest))

    def writer(self, kind: Kind, limit: int) -> BlobWriter:
        return BlobWriter(self, kind, limit)

    def put_bytes(self, kind: Kind, data: bytes) -> str:
        """Store `data` (already in memory, e.g. from a zip entry) and return its digest."""
        writer = self.writer(kind, len(data))
        writer.write(data)
        return writer.commit()

    def _install(self, kind: Kind, digest: str, source: str | None, data: bytes | None) -> None:
        target = self.path(kind, digest)
        parent = target.rsplit("/", 1)[0]
        if parent not in self._made_dirs:
            os.makedirs(parent, exist_ok=True)
            self._made_dirs.add(parent)
        if source is None:
            source = self._temp_name()
            _write_new(source, data or b"")
        os.replace(source, target)

    def _temp_name(self) -> str:
        return f"{self._tmp}/{secrets.token_hex(8)}.part"


def _write_new(path: str, data: bytes) -> None:
    """Raw `os` calls: this runs once per uploaded file, and a buffered file object costs more."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


class BlobWriter:
    """Receives one body chunk by chunk: hashes it, enforces the size limit, spills large bodies to disk.

    `commit()` stores the blob (unless that digest is already stored) and returns the digest; `discard()`
    drops it. Exactly one of them must be called.
    """

    def __init__(self, store: BlobStore, kind: Kind, limit: int) -> None:
        self._store = store
        self._kind: Kind = kind
        self._limit = limit
        self._hash = _HASHERS[kind]()
        self._chunks: list[bytes] = []
        self._buffered = 0
        self._spill: str | None = None
        self._file: Any = None
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self._limit:
            self.discard()
            raise BlobTooLarge(f"body exceeds {self._limit} bytes")
        self._hash.update(chunk)
        if self._file is not None:
            self._file.write(chunk)
            return
        self._chunks.append(chunk)
        self._buffered += len(chunk)
        if self._buffered > _SPILL_BYTES:
            self._spill = self._store._temp_name()
            self._file = open(self._spill, "wb")  # noqa: SIM115 - closed in commit/discard
            self._file.writelines(self._chunks)
            self._chunks = []

    @property
    def digest(self) -> str:
        return str(self._hash.hexdigest())

    def commit(self) -> str:
        digest = self.digest
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._store.has(self._kind, digest):
            self.discard()
            return digest
        data = b"".join(self._chunks) if self._spill is None else None
        self._store._install(self._kind, digest, self._spill, data)
        self._spill = None
        self._chunks = []
        return digest

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._spill is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._spill)
            self._spill = None
        self._chunks = []
