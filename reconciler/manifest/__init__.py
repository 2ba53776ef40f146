"""Manifests: YAML files declaring teams and sites, loaded into a located DesiredState.

`load_manifests` is imported lazily: `reconciler.errors` imports `reconciler.manifest.model`,
which runs this file first, and an eager import of the loader (which needs
`reconciler.errors`) would then be circular.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reconciler.manifest.load import load_manifests

__all__ = ["load_manifests"]


def __getattr__(name: str) -> Any:
    if name == "load_manifests":
        from reconciler.manifest.load import load_manifests

        return load_manifests
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
