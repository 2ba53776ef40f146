"""Deterministic ZIP archives: the same files give the same bytes, on any machine, at any time.

What usually makes two zips of the same sources differ, and what is fixed here instead:
- entry order (filesystem listing order) → entries sorted by their archive name;
- timestamps (mtime, checkout time) → every entry dated 1980-01-01 00:00:00, the earliest DOS date;
- permissions and the "made by" system → 0644, or 0755 when the source is executable (Git keeps that
  bit, nothing else), Unix as the system;
- directory entries, comments, extra fields → none (directories are implied by the names);
- compression → fixed per archive. Function zips are *stored*: the plan compares their SHA-256 with the
  published one, and deflate output depends on the zlib build (zlib and zlib-ng, as on Fedora, compress
  the same input differently), which would show unchanged functions as changed on another machine.
  ZIP deploys deflate at zlib's default level, except for formats that are compressed already.

Files are copied in bounded chunks, so memory stays flat whatever their size.
"""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

EPOCH = (1980, 1, 1, 0, 0, 0)
CHUNK_SIZE = 1 << 20
# Already compressed: deflating them again costs time and saves nothing.
COMPRESSED_SUFFIXES = frozenset(
    [
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".webp",
        ".avif",
        ".ico",
        ".woff",
        ".woff2",
        ".gz",
        ".br",
        ".zst",
        ".zip",
        ".mp4",
        ".webm",
        ".mp3",
        ".ogg",
        ".pdf",
    ]
)


@dataclass(frozen=True)
class ZipEntry:
    """One file of an archive: its name inside the zip and where its bytes come from."""

    name: str
    source: str
    size: int


def _mode(source: str) -> int:
    executable = os.stat(source).st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return 0o100755 if executable else 0o100644


def _compression(name: str, deflate: bool) -> int:
    if not deflate or os.path.splitext(name)[1].lower() in COMPRESSED_SUFFIXES:
        return zipfile.ZIP_STORED
    return zipfile.ZIP_DEFLATED


def write_zip(
    entries: Iterable[ZipEntry],
    destination: Path,
    *,
    deflate: bool = False,
    check: Callable[[ZipEntry, str], None] | None = None,
) -> int:
    """Write the archive to `destination` (atomically: a temporary name, then a rename); return its size.

    `check(entry, sha1)` is called with each entry's SHA-1, computed while copying, so a caller can refuse a
    file that changed since it was hashed without reading it twice.
    """
    ordered = sorted(entries, key=lambda e: e.name)
    names = [e.name for e in ordered]
    if len(set(names)) != len(names):
        raise ValueError("duplicate names in a zip archive")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    try:
        with zipfile.ZipFile(partial, "w", allowZip64=True) as archive:
            for entry in ordered:
                info = zipfile.ZipInfo(entry.name, date_time=EPOCH)
                info.create_system = 3  # Unix, whatever system writes it
                info.external_attr = _mode(entry.source) << 16
                info.compress_type = _compression(entry.name, deflate)
                info.file_size = entry.size  # lets zipfile choose ZIP64 from the size, deterministically
                digest = hashlib.sha1()
                with open(entry.source, "rb") as source, archive.open(info, "w") as sink:
                    while chunk := source.read(CHUNK_SIZE):
                        digest.update(chunk)
                        sink.write(chunk)
                if check is not None:
                    check(entry, digest.hexdigest())
        os.replace(partial, destination)
    finally:
        if partial.exists():
            partial.unlink()
    return destination.stat().st_size
