"""Environment variables, at team (shared) and site level, with scopes, contexts and secrets.

Identity is the key. Normalised state: `{"scopes": sorted list, "secret": bool, "values":
{context: value}}` where a branch value's context is `branch:NAME`. Netlify does not return a
secret's values, so until the ledger knows their digests only the set of contexts is compared.
"""

from __future__ import annotations

from typing import Any

from reconciler.ledger import Digester
from reconciler.manifest.model import Owner
from reconciler.netlify.client import NetlifyClient
from reconciler.plan.diff import field_changes
from reconciler.plan.model import ABSENT, Action, Change, FieldChange
from reconciler.resources.base import DesiredObject, LiveObject, Request, ResourceKind, Target, keyed_desired
from reconciler.sensitive import UNREADABLE, Sensitive, reveal

ALL_SCOPES = ("builds", "functions", "post-processing", "runtime")
_SCOPE_ALIASES = {"post_processing": "post-processing"}
SECRET_VALUE = "(secret: value not readable)"


def normalise_scopes(scopes: Any) -> list[str]:
    if not scopes:
        return list(ALL_SCOPES)
    return sorted({_SCOPE_ALIASES.get(s, s) for s in scopes})


def desired_var(spec: Any) -> dict[str, Any]:
    """The normalised state of one declared variable (shorthand or full form)."""
    if not isinstance(spec, dict):
        return {"scopes": list(ALL_SCOPES), "secret": False, "values": {"all": spec}}
    secret = bool(spec.get("secret", False))
    values = {"all": spec["value"]} if "value" in spec else dict(spec.get("values", {}))
    if secret:
        values = {ctx: v if isinstance(v, Sensitive) else Sensitive(str(v)) for ctx, v in values.items()}
    return {"scopes": normalise_scopes(spec.get("scopes")), "secret": secret, "values": values}


def live_var(raw: dict[str, Any]) -> LiveObject:
    values: dict[str, Any] = {}
    value_ids: dict[str, str] = {}
    for item in raw.get("values") or []:
        context = item.get("context", "all")
        if context == "branch":
            context = f"branch:{item.get('context_parameter', '')}"
        values[context] = item.get("value", UNREADABLE)
        value_ids[context] = str(item.get("id", ""))
    state = {
        "scopes": normalise_scopes(raw.get("scopes")),
        "secret": bool(raw.get("is_secret", False)),
        "values": values,
    }
    return LiveObject(raw["key"], state, {"value_ids": value_ids, "updated_at": raw.get("updated_at")})


def _updated_at(answer: Any) -> str | None:
    """From a create (a list), update or read answer."""
    if isinstance(answer, list) and answer:
        answer = answer[0]
    return answer.get("updated_at") if isinstance(answer, dict) else None


def _site_params(target: Target) -> dict[str, str] | None:
    return {"site_id": target.site_ref} if target.kind == "site" else None


def api_values(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [api_value(context, value) for context, value in sorted(values.items())]


def api_value(context: str, value: Any) -> dict[str, Any]:
    if context.startswith("branch:"):
        return {"context": "branch", "context_parameter": context.split(":", 1)[1], "value": value}
    return {"context": context, "value": value}


class EnvKind(ResourceKind):
    """Secret values are compared through the ledger: keyed digests of what we wrote (a manifest change)
    and the `updated_at` Netlify reported after our write (a change made on Netlify since)."""

    name = "env"
    owners = frozenset({"team", "site"})
    order = 20

    def __init__(self, digester: Digester | None = None) -> None:
        self.digester = digester or Digester(None)

    def desired(self, owner: Owner) -> dict[str, DesiredObject] | None:
        declared = keyed_desired(owner, self.name, desired_var)
        for key, obj in (declared or {}).items():
            if obj.state["secret"] and self.digester.enabled:
                obj.ref["digests"] = {
                    ctx: self.digester.digest("env", owner.address, key, ctx, reveal(value))
                    for ctx, value in obj.state["values"].items()
                }
        return declared

    def secret_status(self, desired: DesiredObject, live: LiveObject) -> tuple[set[str], str]:
        """Hidden contexts whose value must be written again, and why (empty when none)."""
        hidden = {ctx for ctx, v in live.state["values"].items() if v is UNREADABLE}
        wanted = hidden & set(desired.state["values"])
        if not wanted:
            return set(), ""
        record: dict[str, Any] | None = live.ref.get("ledger")
        if record is None:
            if self.digester.enabled:
                return (
                    wanted,
                    "secret value not in the ledger yet (set before this tool managed it): written once",
                )
            return set(), ""
        if record.get("updated_at") and live.ref.get("updated_at") != record["updated_at"]:
            return (
                wanted,
                "changed on Netlify since the last apply (updated_at moved): rewriting the declared value",
            )
        digests = desired.ref.get("digests") or {}
        recorded = record.get("digests") or {}
        changed = {ctx for ctx in wanted if digests.get(ctx) and digests[ctx] != recorded.get(ctx)}
        return changed, "secret value changed in the manifest" if changed else ""

    def read(self, client: NetlifyClient, target: Target, owner: Owner) -> dict[str, LiveObject]:
        items = client.get(f"/accounts/{target.account}/env", params=_site_params(target)) or []
        return {obj.identity: obj for obj in map(live_var, items)}

    def diff(self, desired: DesiredObject, live: LiveObject) -> list[FieldChange]:
        """Where Netlify hides a value the ledger decides (`secret_status`); the rest compares as usual."""
        hidden = {ctx for ctx, v in live.state["values"].items() if v is UNREADABLE}
        if not hidden:
            return field_changes(live.state, desired.state)

        def view(state: dict[str, Any]) -> dict[str, Any]:
            values = {ctx: SECRET_VALUE if ctx in hidden else v for ctx, v in state["values"].items()}
            return {**state, "values": values}

        fields = field_changes(live.state, desired.state, view(live.state), view(desired.state))
        rewrite, _ = self.secret_status(desired, live)
        known = {f.path for f in fields}
        fields += [
            FieldChange(("values", ctx), UNREADABLE, desired.state["values"][ctx])
            for ctx in sorted(rewrite)
            if ("values", ctx) not in known
        ]
        return sorted(fields, key=lambda f: f.path)

    def explain(self, desired: DesiredObject, live: LiveObject) -> str:
        return self.secret_status(desired, live)[1]

    # The ledger record: {key: {"digests": {context: keyed digest}, "updated_at": str}} per secret var.
    def attach_record(self, record: Any, live: dict[str, LiveObject]) -> None:
        for key, obj in live.items():
            obj.ref["ledger"] = (record or {}).get(key)

    def next_record(
        self,
        record: Any,
        desired: dict[str, DesiredObject],
        live: dict[str, LiveObject],
        changes: list[Change],
    ) -> Any:
        """Written now: new digests (apply adds updated_at); untouched: kept, or tracked from now on."""
        written = {c.identity for c in changes if c.action in (Action.CREATE, Action.UPDATE)}
        old = record or {}
        out: dict[str, Any] = {}
        for key, want in desired.items():
            if not want.state.get("secret") or want.absent:
                continue
            if key in written:
                out[key] = {"digests": dict(want.ref.get("digests") or {}), "updated_at": None}
            elif key in old:
                out[key] = old[key]
            elif key in live:  # adopted without rewriting: drift is tracked from now on
                out[key] = {"digests": {}, "updated_at": live[key].ref.get("updated_at")}
        return out

    def complete_record(
        self, record: Any, client: NetlifyClient, target: Target, results: dict[str, Any]
    ) -> Any:
        for key, entry in (record or {}).items():
            if entry.get("updated_at") is None:
                entry["updated_at"] = _updated_at(results.get(key)) or _updated_at(
                    client.get(f"/accounts/{target.account}/env/{key}", params=_site_params(target))
                )
        return record

    def requests(self, change: Change, target: Target) -> list[Request]:
        base = f"/accounts/{target.account_ref}/env"
        params = _site_params(target) or {}
        key = change.identity
        if change.action is Action.DELETE:
            return [Request("DELETE", f"{base}/{key}", params)]
        state = change.after
        body: dict[str, Any] = {
            "key": key,
            "values": api_values(state["values"]),
            "is_secret": state["secret"],
        }
        if state["scopes"] != list(ALL_SCOPES):  # explicit scopes are refused on free plans
            body["scopes"] = state["scopes"]
        if change.action is Action.CREATE:
            return [Request("POST", base, params, [body])]
        narrow = self._narrow_request(change, f"{base}/{key}", params)
        return [narrow or Request("PUT", f"{base}/{key}", params, body)]

    @staticmethod
    def _narrow_request(change: Change, path: str, params: dict[str, str]) -> Request | None:
        """One value added, changed or removed and nothing else: PATCH or DELETE just that value."""
        if len(change.fields) != 1:
            return None
        only = change.fields[0]
        if len(only.path) != 2 or only.path[0] != "values":
            return None
        context = only.path[1]
        if only.after is ABSENT:
            if change.before and change.before.get("secret"):
                return None  # a PUT answers with the new updated_at, which the ledger must record
            value_id = change.live_ref.get("value_ids", {}).get(context)
            return Request("DELETE", f"{path}/value/{value_id}", params) if value_id else None
        return Request("PATCH", path, params, api_value(context, only.after), idempotent=True)
