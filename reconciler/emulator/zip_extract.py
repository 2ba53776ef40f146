"""Unpacking a ZIP deploy into the blob store without trusting the archive.

Entries never touch the filesystem by name: each is streamed into a content-addressed blob, so a
`../../etc/passwd` entry could not escape the blob directory anyway; it is still refused (422), together
with absolute paths, backslashes, symlinks, encrypted entries and duplicates, because Netlify would not
publish such a tree and a silent skip would deploy something other than what was sent. Sizes are enforced
on the bytes actually decompressed, not on the sizes the archive claims, so a zip bomb stops at the limit.
"""

from __future__ import annotations

import re
import stat
import zipfile
from dataclasses import dataclass
from typing import IO

from reconciler.emulator.blobs import BlobStore, BlobTooLarge
from reconciler.emulator.errors import ApiError, unprocessable
from reconciler.emulator.models.deploy_paths import normalise_path

MAX_ZIP_FILES = 25_000
_CHUNK = 1 << 16
_DRIVE_RE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class ZipLimits:
    max_files: int = MAX_ZIP_FILES
    max_total_bytes: int = 2 << 30


def extract(archive: IO[bytes], blobs: BlobStore, limits: ZipLimits) -> tuple[dict[str, str], dict[str, int]]:
    """Store every file of the archive as a blob: (path → SHA-1, SHA-1 → size), or a 422 on the first bad
    entry. Blocking; the route runs it in a worker thread."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise unprocessable(f"Invalid ZIP body: {exc}") from None
    with zf:
        entries = [info for info in zf.infolist() if not info.is_dir()]
        if len(entries) > limits.max_files:
            raise unprocessable(
                f"ZIP deploys may contain at most {limits.max_files} files, this one has {len(entries)}"
            )
        files: dict[str, str] = {}
        sizes: dict[str, int] = {}
        budget = limits.max_total_bytes
        for info in entries:
            path = _entry_path(info)
            if path in files:
                raise unprocessable(f"Invalid ZIP entry {info.filename!r}: listed twice")
            digest, size = _store_entry(zf, info, blobs, budget)
            budget -= size
            files[path] = digest
            sizes[digest] = size
    return files, sizes


def _entry_path(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if name.startswith("/") or "\\" in name or _DRIVE_RE.match(name):
        raise unprocessable(f"Invalid ZIP entry {name!r}: absolute paths and backslashes are not allowed")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise unprocessable(f"Invalid ZIP entry {name!r}: symbolic links are not allowed")
    if info.flag_bits & 0x1:
        raise unprocessable(f"Invalid ZIP entry {name!r}: encrypted entries are not supported")
    return normalise_path(name)


def _store_entry(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, blobs: BlobStore, budget: int
) -> tuple[str, int]:
    writer = blobs.writer("file", budget)
    try:
        with zf.open(info) as source:
            while chunk := source.read(_CHUNK):
                writer.write(chunk)
    except BlobTooLarge:
        raise ApiError(413, "ZIP contents exceed the upload size limit") from None
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
        writer.discard()
        raise unprocessable(f"Invalid ZIP entry {info.filename!r}: {exc}") from None
    size = writer.size
    return writer.commit(), size
