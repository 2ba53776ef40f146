"""Integration context (the Integration API's per-site and per-team `config`), keyed by integration slug.

There is no listing endpoint, so the slugs read are the declared ones and those the ledger says this tool
enabled (so one dropped from the manifests is disabled); an integration enabled by hand and never declared
cannot be found, so `prune: [integrations]` cannot remove it. A slug that is not enabled yet is
planned as enable (POST) followed by writing its config (PUT). A team's ledger (and a site's, when its
manifest says `ledger: {integration: slug}`) lives in such a context, under a reserved config key; the
status `--publish-status` writes (`reconciler/status`) under another. Reserved keys are never compared and
every write of a context keeps them as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from reconciler.manifest.model import Owner
from reconciler.model.change import Action, Change
from reconciler.model.errors import ManifestIssue
from reconciler.model.ledger import LEDGER_KEY, Replacing
from reconciler.model.location import DocPath
from reconciler.model.objects import DesiredObject, LiveObject, StoredLedger, Target
from reconciler.model.reader import Reader
from reconciler.model.request import Placeholder, Request
from reconciler.model.status import STATUS_KEY
from reconciler.resources.base import (
    Executes,
    Exported,
    FindsManaged,
    HostsLedger,
    Procedure,
    ResourceKind,
    Validates,
    keyed_desired,
)
from reconciler.resources.json_nesting import nesting_issues
from reconciler.resources.lease import PROCEDURE, LeaseProcedure, lease_request, ledger_binding

RESERVED = frozenset({LEDGER_KEY, STATUS_KEY})


class IntegrationContext(TypedDict):
    config: dict[str, Any]


def _kept(config: Mapping[str, Any]) -> dict[str, Any]:
    """The reserved keys a write carries along unchanged, other than the ledger (which has its own rules)."""
    return {key: value for key, value in config.items() if key in RESERVED and key != LEDGER_KEY}


def context_path(target: Target, slug: str) -> str:
    if target.kind == "team":
        return f"/team/{target.account_ref}/integrations/{slug}"
    return f"/site/{target.site_ref}/integrations/{slug}"


def desired_context(spec: Any, doc_path: DocPath = ()) -> IntegrationContext:
    return IntegrationContext(config=dict(spec.get("config") or {}))


def _enable(path: str) -> Request:
    """Enabling twice is harmless: Netlify answers 409 when it already is."""
    return Request("POST", path, api="integrations", idempotent=True, accept=(409,))


def ledger_slug(owner: Owner) -> str | None:
    slug = (owner.spec.get("ledger") or {}).get("integration")
    return str(slug) if slug else None


class IntegrationsKind(
    ResourceKind[IntegrationContext], FindsManaged[IntegrationContext], HostsLedger, Executes, Validates
):
    name = "integrations"
    owners = frozenset({"team", "site"})
    order = 70

    def desired(self, owner: Owner) -> dict[str, DesiredObject[IntegrationContext]] | None:
        declared = keyed_desired(owner, self.name, desired_context)
        for slug, obj in (declared or {}).items():
            obj.ref["hosts_ledger"] = slug == ledger_slug(owner)
        return declared

    def validate(self, owner: Owner) -> list[ManifestIssue]:
        issues: list[ManifestIssue] = []
        for slug, spec in (owner.spec.get(self.name) or {}).items():
            config = (spec or {}).get("config")
            issues += nesting_issues(owner, (self.name, slug, "config"), config, levels_above=1)
        return issues

    def _config(self, reader: Reader, target: Target, slug: str) -> dict[str, Any] | None:
        """The context's config; None when the integration is not enabled on this site or team."""
        body = reader.find(context_path(target, slug), api="integrations")
        if body is None:
            return None
        config = body.get("config") if isinstance(body, dict) else None
        return config if isinstance(config, dict) else {}

    def read(self, reader: Reader, target: Target, owner: Owner) -> dict[str, LiveObject[IntegrationContext]]:
        """Only the declared slugs: Netlify lists no integration contexts (see `read_managed`)."""
        return self._read(reader, target, set(owner.spec.get("integrations") or {}))

    def read_managed(
        self, reader: Reader, target: Target, owner: Owner, identities: set[str]
    ) -> dict[str, LiveObject[IntegrationContext]]:
        """Slugs this tool enabled and the manifests no longer declare, so they can be disabled; never the
        one that keeps the ledger."""
        return self._read(reader, target, identities - {ledger_slug(owner)})

    def _read(
        self, reader: Reader, target: Target, slugs: set[str]
    ) -> dict[str, LiveObject[IntegrationContext]]:
        out: dict[str, LiveObject[IntegrationContext]] = {}
        for slug in sorted(slugs):
            config = self._config(reader, target, slug)
            if config is None:
                continue
            shown = {key: value for key, value in config.items() if key not in RESERVED}
            ref = {"ledger": config.get(LEDGER_KEY), "kept": _kept(config)}
            out[slug] = LiveObject(slug, IntegrationContext(config=shown), ref)
        return out

    def export(self, live: dict[str, LiveObject[IntegrationContext]], owner: Owner) -> Exported:
        """The contexts read: those of the integrations named to export (Netlify lists none); one that
        keeps the owner's ledger is declared as its home, as it was."""
        out = {slug: {"config": dict(obj.state["config"])} for slug, obj in sorted(live.items())}
        homes = [slug for slug, obj in sorted(live.items()) if obj.ref.get("ledger") is not None]
        fields: dict[str, Any] = {self.name: out} if out else {}
        if homes:
            fields["ledger"] = {"integration": homes[0]}
        return Exported(fields)

    def requests(self, change: Change, target: Target) -> list[Request]:
        path = context_path(target, change.identity)
        if change.action is Action.DELETE:
            return [Request("DELETE", path, api="integrations")]
        ledger: Any = change.live_ref.get("ledger")  # the ledger may share this context: keep it
        if change.desired_ref.get("hosts_ledger"):
            ledger = Placeholder(ledger_binding(change.owner.address))  # as it stands, with the lease
        kept = change.live_ref.get("kept") or {}
        config = {**change.after["config"], **kept, **({LEDGER_KEY: ledger} if ledger is not None else {})}
        write = Request("PUT", path, body={"config": config}, api="integrations")
        if change.action is Action.CREATE:
            return [_enable(path), write]
        return [write]

    # -- the ledger's home when the manifest names an integration ----------------------------------
    def ledger_home(self, owner: Owner) -> str | None:
        slug = ledger_slug(owner)
        return f"integration context of {slug!r}" if slug else None

    def lease_requests(
        self, owner: Owner, target: Target, stored: StoredLedger, replacing: Replacing
    ) -> list[Request]:
        path = context_path(target, str(ledger_slug(owner)))
        take = lease_request(
            owner.address,
            path,
            api="integrations",
            wrapped_in="config",
            planned_ledger=stored.content,
            replacing=replacing,
        )
        return [take] if stored.exists else [_enable(path), take]

    def procedures(self) -> Mapping[str, Procedure]:
        return {PROCEDURE: LeaseProcedure()}

    def read_ledger(self, reader: Reader, target: Target, owner: Owner) -> StoredLedger:
        slug = ledger_slug(owner)
        config = self._config(reader, target, slug) if slug and target.exists else None
        if config is None:
            return StoredLedger(None, {}, exists=False)
        carrier = {key: value for key, value in config.items() if key != LEDGER_KEY}
        return StoredLedger(config.get(LEDGER_KEY), carrier)

    def ledger_requests(
        self, owner: Owner, target: Target, stored: StoredLedger, content: Any, changes: list[Change]
    ) -> list[Request]:
        slug = str(ledger_slug(owner))
        path = context_path(target, slug)  # enabled by the time this is sent: the lease was taken there
        planned = [c for c in changes if c.kind == self.name and c.identity == slug]
        carrier = stored.carrier
        if planned and planned[-1].after:
            carrier = {**planned[-1].after["config"], **_kept(stored.carrier)}
        return [Request("PUT", path, body={"config": {**carrier, LEDGER_KEY: content}}, api="integrations")]
