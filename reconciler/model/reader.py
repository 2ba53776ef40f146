"""What a resource kind may do with the API while reading: GET, nothing else.

The live-reading stage hands kinds a `Reader` (reconciler.live), which remembers every answer for
the run: two parts that need the same object (the metadata kind and the ledger it hosts, say) cost
one request, and a kind cannot write by accident while a plan is being made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from reconciler.model.request import Api


class Reader(Protocol):
    def get(self, path: str, params: Mapping[str, str] | None = None, *, api: Api = "netlify") -> Any:
        """The JSON answer of a GET; errors raise."""

    def get_all(self, path: str, params: Mapping[str, str] | None = None) -> list[Any]:
        """Every item of a paginated listing."""

    def find(self, path: str, params: Mapping[str, str] | None = None, *, api: Api = "netlify") -> Any:
        """Like `get`, but None when the object does not exist (404)."""
