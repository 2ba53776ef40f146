"""The file manifests of deploys awaiting uploads, in memory, for the upload hot path.

A deploy's manifest never changes once stored, so an upload can learn the digest its path must have
without a database read: a 20,000-file deploy made 20,000 of them, about a tenth of the emulator's time
per upload. Filled when a manifest with required uploads is stored, bounded (the least recently used
deploys go first), empty after a restart: a miss, or a path the manifest lacks, falls back to the
database, which also names every refusal. Whether the deploy still accepts uploads is not cached: the
upload's own write refuses a deploy that has left `active`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

MAX_PATHS = 250_000  # across the cached manifests; a 20,000-file deploy's takes about 4 MB


@dataclass(frozen=True)
class CachedManifest:
    seq: int
    account_id: str
    files: Mapping[str, str]  # path -> SHA-1


class ManifestCache:
    def __init__(self, max_paths: int = MAX_PATHS) -> None:
        self._max_paths = max_paths
        self._entries: OrderedDict[str, CachedManifest] = OrderedDict()
        self._paths = 0
        self._lock = threading.Lock()

    def remember(self, deploy_id: str, seq: int, account_id: str, files: Mapping[str, str]) -> None:
        """Keep a deploy's manifest (`files` is kept, not copied: the caller hands it over)."""
        if len(files) > self._max_paths:
            return
        with self._lock:
            self._drop(deploy_id)
            self._entries[deploy_id] = CachedManifest(seq, account_id, files)
            self._paths += len(files)
            while self._paths > self._max_paths:
                self._drop(next(iter(self._entries)))

    def get(self, deploy_id: str) -> CachedManifest | None:
        with self._lock:
            entry = self._entries.get(deploy_id)
            if entry is not None:
                self._entries.move_to_end(deploy_id)
            return entry

    def _drop(self, deploy_id: str) -> None:
        entry = self._entries.pop(deploy_id, None)
        if entry is not None:
            self._paths -= len(entry.files)
