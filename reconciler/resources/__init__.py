"""Resource kinds. Registering a kind here is all it takes for plan and apply to manage it."""

from typing import Any

from reconciler.model.ledger import Digester
from reconciler.resources.base import Executes, IsOwner, Procedure, ResourceKind
from reconciler.resources.build_hooks import BuildHooksKind
from reconciler.resources.deploy import DeployKind
from reconciler.resources.dns_records import DnsRecordsKind
from reconciler.resources.dns_zones import DnsZonesKind
from reconciler.resources.env import EnvKind
from reconciler.resources.hooks import HooksKind
from reconciler.resources.integrations import IntegrationsKind
from reconciler.resources.members import MembersKind
from reconciler.resources.metadata import MetadataKind
from reconciler.resources.repo import RepoKind
from reconciler.resources.site import SiteKind
from reconciler.resources.snippets import SnippetsKind
from reconciler.resources.split_test import SplitTestKind

Kinds = list[ResourceKind[Any]]


def all_kinds(digester: Digester | None = None) -> Kinds:
    """Every kind, in the fixed per-owner apply order; the digester lets env compare secret values."""
    kinds: Kinds = [
        SiteKind(),
        EnvKind(digester),
        MetadataKind(),
        SnippetsKind(),
        HooksKind(),
        BuildHooksKind(),
        IntegrationsKind(),
        DeployKind(),
        DnsZonesKind(),
        DnsRecordsKind(),
        MembersKind(),
        RepoKind(),
        SplitTestKind(),
    ]
    return sorted(kinds, key=lambda kind: kind.order)


def procedures(kinds: Kinds) -> dict[str, Procedure]:
    """Every procedure the kinds' requests may name in `via`."""
    return {
        name: run for kind in kinds if isinstance(kind, Executes) for name, run in kind.procedures().items()
    }


def owner_kinds(kinds: Kinds) -> frozenset[str]:
    """The kinds whose object is the owner itself."""
    return frozenset(kind.name for kind in kinds if isinstance(kind, IsOwner))


__all__ = ["Kinds", "ResourceKind", "all_kinds", "owner_kinds", "procedures"]
