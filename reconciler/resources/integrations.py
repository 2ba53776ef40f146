"""Integration context (the Integration API's per-site and per-team `config`), keyed by integration slug.

There is no listing endpoint, so only declared slugs are read. A slug that is not enabled yet is
planned as enable (POST) followed by writing its config (PUT).
"""

from __future__ import annotations

from reconciler.ledger import LEDGER_KEY
from reconciler.manifest.model import Owner
from reconciler.netlify.client import NetlifyClient
from reconciler.netlify.errors import ApiError
from reconciler.plan.model import Action, Change
from reconciler.resources.base import DesiredObject, LiveObject, Request, ResourceKind, Target, keyed_desired


def context_path(target: Target, slug: str) -> str:
    if target.kind == "team":
        return f"/team/{target.account_ref}/integrations/{slug}"
    return f"/site/{target.site_ref}/integrations/{slug}"


class IntegrationsKind(ResourceKind):
    name = "integrations"
    owners = frozenset({"team", "site"})
    order = 70

    def desired(self, owner: Owner) -> dict[str, DesiredObject] | None:
        return keyed_desired(owner, self.name, lambda spec: {"config": dict(spec.get("config") or {})})

    def read(self, client: NetlifyClient, target: Target, owner: Owner) -> dict[str, LiveObject]:
        out: dict[str, LiveObject] = {}
        for slug in owner.spec.get("integrations") or {}:
            try:
                body = client.integrations().get(context_path(target, slug))
            except ApiError as exc:
                if exc.status == 404:
                    continue  # not enabled on this site or team
                raise
            config = (body.get("config") if isinstance(body, dict) else None) or {}
            shown = {key: value for key, value in config.items() if key != LEDGER_KEY}
            out[slug] = LiveObject(slug, {"config": shown}, {"ledger": config.get(LEDGER_KEY)})
        return out

    def requests(self, change: Change, target: Target) -> list[Request]:
        path = context_path(target, change.identity)
        if change.action is Action.DELETE:
            return [Request("DELETE", path, api="integrations")]
        ledger = change.live_ref.get("ledger")  # the ledger may share this context: keep it
        config = {**change.after["config"], **({LEDGER_KEY: ledger} if ledger is not None else {})}
        write = Request("PUT", path, body={"config": config}, api="integrations")
        if change.action is Action.CREATE:
            return [Request("POST", path, api="integrations"), write]
        return [write]
