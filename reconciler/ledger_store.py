"""Where each owner's ledger lives on Netlify: a reserved site-metadata key, or an integration's context.

Reading piggybacks on what the kinds already fetched (the metadata kind leaves the raw object in the
target's cache), so the ledger costs no request of its own in a plan; writing happens once per owner at
the end of its apply, and only when the ledger changed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from reconciler.ledger import LEDGER_KEY, Ledger
from reconciler.manifest.model import Owner
from reconciler.netlify.client import NetlifyClient
from reconciler.netlify.errors import ApiError
from reconciler.resources.base import Target
from reconciler.resources.integrations import context_path
from reconciler.resources.metadata import CACHE

METADATA_CACHE = CACHE  # Target.cache key: the raw metadata object as last read or written


class LedgerStore(ABC):
    @abstractmethod
    def read(self, client: NetlifyClient, target: Target) -> Ledger: ...

    @abstractmethod
    def write(self, client: NetlifyClient, target: Target, ledger: Ledger) -> None: ...

    @abstractmethod
    def describe(self) -> str: ...


class MetadataLedgerStore(LedgerStore):
    """The site's metadata, under a reserved key the metadata diff never shows."""

    def read(self, client: NetlifyClient, target: Target) -> Ledger:
        raw = target.cache.get(METADATA_CACHE)
        if raw is None and target.exists:
            raw = client.get(f"/sites/{target.site_id}/metadata") or {}
        return Ledger.from_json((raw or {}).get(LEDGER_KEY))

    def write(self, client: NetlifyClient, target: Target, ledger: Ledger) -> None:
        current = client.get(f"/sites/{target.site_id}/metadata") or {}
        updated = {**current, LEDGER_KEY: ledger.to_json()}
        client.put(f"/sites/{target.site_id}/metadata", updated)
        target.cache[METADATA_CACHE] = updated

    def describe(self) -> str:
        return f"site metadata key {LEDGER_KEY!r}"


class IntegrationLedgerStore(LedgerStore):
    """An integration's site or team context, under the same reserved key inside its config."""

    def __init__(self, slug: str) -> None:
        self.slug = slug

    def _config(self, client: NetlifyClient, target: Target) -> dict[str, Any] | None:
        try:
            body = client.integrations().get(context_path(target, self.slug))
        except ApiError as exc:
            if exc.status == 404:
                return None  # not enabled yet
            raise
        config = body.get("config") if isinstance(body, dict) else None
        return config if isinstance(config, dict) else {}

    def read(self, client: NetlifyClient, target: Target) -> Ledger:
        if not target.exists:
            return Ledger()
        config = self._config(client, target)
        return Ledger.from_json((config or {}).get(LEDGER_KEY))

    def write(self, client: NetlifyClient, target: Target, ledger: Ledger) -> None:
        api = client.integrations()
        path = context_path(target, self.slug)
        config = self._config(client, target)
        if config is None:
            api.post(path)
            config = {}
        api.put(path, {"config": {**config, LEDGER_KEY: ledger.to_json()}})

    def describe(self) -> str:
        return f"integration context of {self.slug!r}"


def ledger_store(owner: Owner) -> LedgerStore | None:
    """The owner's declared store; sites default to metadata, teams have none unless declared."""
    slug = (owner.spec.get("ledger") or {}).get("integration")
    if slug:
        return IntegrationLedgerStore(slug)
    return MetadataLedgerStore() if owner.kind == "site" else None
