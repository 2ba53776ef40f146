"""Content-addressed blob storage for deployed files and functions.

A blob is named by the digest of its bytes (files by SHA-1 as Netlify's digest deploys are, function zips by
SHA-256), so identical content is stored once however many deploys, sites or teams use it, and nothing a
client sends (paths, names) ever becomes part of a filesystem path: only hex digests we computed do.

Small blobs (bodies held in memory while they arrive, up to 1 MiB: nearly every file of a site) are
appended to one pack file, `pack`, each as a record (kind, digest, size, then the bytes); the index (digest
to offset and size) is held in memory and rebuilt from the records' heads when the store opens. Appending a
record is one `write`, where a file per blob (create, write, rename into place) cost about a third of the
emulator's CPU per upload. A record cut short by a crash can only be the pack's last one, and is cut off
when the store next opens. Large blobs, spilled to a temporary file while they arrive, are renamed into
place as files, so a partial one never appears under a digest name. There is no fsync: the emulator trades
durability across power loss for upload throughput, and a lost blob is simply requested again.

One emulator owns a data directory: the store holds an exclusive lock on the pack while it is open, and a
second one (another process, or another server in this one) is refused when it starts. The index trusts
the records' heads: a torn last record is dropped, but a pack damaged in the middle (a flipped byte) is
not detected; delete the data directory then.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import secrets
import struct
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

Kind = Literal["file", "function"]

# Bodies up to this size stay in memory until hashed; larger ones spill to a temporary file.
_SPILL_BYTES = 1 << 20
_HASHERS: dict[Kind, Callable[[], Any]] = {"file": hashlib.sha1, "function": hashlib.sha256}
# A pack record's head: the kind's code and the size of the bytes; the raw digest follows, then the bytes.
_RECORD_HEAD = struct.Struct(">BI")
_KIND_CODES: dict[Kind, int] = {"file": 1, "function": 2}
_KINDS_BY_CODE: dict[int, Kind] = {code: kind for kind, code in _KIND_CODES.items()}
_DIGEST_BYTES: dict[Kind, int] = {"file": 20, "function": 32}
PACK_FILENAME = "pack"


class BlobTooLarge(Exception):
    """The body exceeded the configured upload limit."""


class BlobStoreInUse(Exception):
    """Another emulator (process or server) holds this blob store."""


class BlobStore:
    """Small blobs in `root/pack`; large ones under `root/<sha1[:2]>/<sha1>` (files) and
    `root/functions/<sha256[:2]>/<sha256>` (functions). `close()` when done (it holds the pack open)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / "tmp"
        self._tmp.mkdir(parents=True, exist_ok=True)
        pack_path = root / PACK_FILENAME
        self._pack = os.open(pack_path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:  # held until `close()` (or the process ends): another emulator here would corrupt the index
            fcntl.flock(self._pack, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._pack)
            raise BlobStoreInUse(
                f"{root} is in use by another emulator (one emulator per data directory)"
            ) from None
        for stale in self._tmp.glob("*.part"):  # left by a killed emulator; never renamed into place
            stale.unlink(missing_ok=True)
        # Plain strings, not Paths: blob paths are built on every upload and pathlib is comparatively slow.
        self._bases: dict[Kind, str] = {"file": str(root), "function": str(root / "functions")}
        self._made_dirs: set[str] = set()
        self._packed: dict[Kind, dict[str, tuple[int, int]]] = {"file": {}, "function": {}}
        self._pack_lock = threading.Lock()  # zip deploys unpack in a worker thread while uploads arrive
        try:
            self._pack_end = self._load_index(pack_path)
            os.truncate(self._pack, self._pack_end)  # a record cut short by a crash
        except BaseException:
            self.close()
            raise

    def _load_index(self, pack_path: Path) -> int:
        """Index the pack's whole records; return where the last one ends."""
        end = 0
        with open(pack_path, "rb", buffering=1 << 20) as pack:
            total = os.fstat(pack.fileno()).st_size
            while head := pack.read(_RECORD_HEAD.size):
                if len(head) < _RECORD_HEAD.size:
                    break
                code, size = _RECORD_HEAD.unpack(head)
                kind = _KINDS_BY_CODE.get(code)
                if kind is None:
                    break
                digest = pack.read(_DIGEST_BYTES[kind])
                data_at = end + _RECORD_HEAD.size + len(digest)
                if len(digest) < _DIGEST_BYTES[kind] or data_at + size > total:
                    break
                self._packed[kind][digest.hex()] = (data_at, size)
                pack.seek(size, os.SEEK_CUR)
                end = data_at + size
        return end

    def close(self) -> None:
        with self._pack_lock:
            if self._pack >= 0:
                os.close(self._pack)
                self._pack = -1

    def path(self, kind: Kind, digest: str) -> str:
        """Where a large blob lives as a file; `digest` must be lowercase hex (validated by callers), never
        client text."""
        return f"{self._bases[kind]}/{digest[:2]}/{digest}"

    def has(self, kind: Kind, digest: str) -> bool:
        return digest in self._packed[kind] or os.path.exists(self.path(kind, digest))

    def packed(self, kind: Kind, digest: str) -> bytes | None:
        """A small blob's bytes, or None when it is not in the pack (a large blob is a file at `path`)."""
        where = self._packed[kind].get(digest)
        return None if where is None else os.pread(self._pack, where[1], where[0])

    def writer(self, kind: Kind, limit: int) -> BlobWriter:
        return BlobWriter(self, kind, limit)

    def put_bytes(self, kind: Kind, data: bytes) -> str:
        """Store `data` (already in memory, e.g. from a zip entry) and return its digest."""
        writer = self.writer(kind, len(data))
        writer.write(data)
        return writer.commit()

    def _append(self, kind: Kind, digest: str, data: bytes) -> None:
        """Add a record for `data`, unless the pack has that digest already."""
        with self._pack_lock:
            if digest in self._packed[kind]:
                return
            head = _RECORD_HEAD.pack(_KIND_CODES[kind], len(data)) + bytes.fromhex(digest)
            try:
                _write_all(self._pack, head + data)
            except BaseException:
                os.truncate(self._pack, self._pack_end)  # no partial record before the next one
                raise
            self._packed[kind][digest] = (self._pack_end + len(head), len(data))
            self._pack_end += len(head) + len(data)

    def _install(self, kind: Kind, digest: str, source: str) -> None:
        target = self.path(kind, digest)
        parent = target.rsplit("/", 1)[0]
        if parent not in self._made_dirs:
            os.makedirs(parent, exist_ok=True)
            self._made_dirs.add(parent)
        os.replace(source, target)

    def _temp_name(self) -> str:
        return f"{self._tmp}/{secrets.token_hex(8)}.part"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


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
        if self._spill is None:  # a small blob can only be in the pack: no file to look for
            self._store._append(self._kind, digest, b"".join(self._chunks))
        elif self._store.has(self._kind, digest):
            self.discard()
            return digest
        else:
            self._store._install(self._kind, digest, self._spill)
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
