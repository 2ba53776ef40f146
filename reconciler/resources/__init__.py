"""Resource kinds. Registering a kind here is all it takes for plan and apply to manage it."""

from reconciler.ledger import Digester
from reconciler.resources.base import ResourceKind
from reconciler.resources.build_hooks import BuildHooksKind
from reconciler.resources.deploy import DeployKind
from reconciler.resources.env import EnvKind
from reconciler.resources.hooks import HooksKind
from reconciler.resources.integrations import IntegrationsKind
from reconciler.resources.metadata import MetadataKind
from reconciler.resources.site import SiteKind
from reconciler.resources.snippets import SnippetsKind

KIND_CLASSES: tuple[type[ResourceKind], ...] = (
    SiteKind,
    EnvKind,
    MetadataKind,
    SnippetsKind,
    HooksKind,
    BuildHooksKind,
    IntegrationsKind,
    DeployKind,
)


def all_kinds(digester: Digester | None = None) -> list[ResourceKind]:
    """Every kind, in the fixed per-owner apply order; the digester lets env compare secret values."""
    kinds = [EnvKind(digester) if cls is EnvKind else cls() for cls in KIND_CLASSES]
    return sorted(kinds, key=lambda kind: kind.order)


__all__ = ["KIND_CLASSES", "ResourceKind", "all_kinds"]
