"""Resource kinds. Registering a kind here is all it takes for plan and apply to manage it."""

from reconciler.resources.base import ResourceKind
from reconciler.resources.env import EnvKind
from reconciler.resources.metadata import MetadataKind
from reconciler.resources.site import SiteKind


def all_kinds() -> list[ResourceKind]:
    """Every kind, in the fixed per-owner apply order."""
    return sorted([SiteKind(), EnvKind(), MetadataKind()], key=lambda kind: kind.order)


__all__ = ["ResourceKind", "all_kinds"]
