"""Environment variables, at team (shared) and site level, with scopes, contexts and secrets.

Identity is the key. Normalised state: `{"scopes": sorted list, "secret": bool, "values":
{context: value}}` where a branch value's context is `branch:NAME`. Netlify does not return a
secret's values, so until the ledger knows their digests only the set of contexts is compared.
"""

from __future__ import annotations

from typing import Any, TypedDict

from reconciler.manifest.model import Owner
from reconciler.model.change import ABSENT, Action, Change, FieldChange
from reconciler.model.diff import field_changes
from reconciler.model.ledger import KEY_ENV, Digester
from reconciler.model.location import DocPath
from reconciler.model.objects import DesiredObject, LiveObject, Target
from reconciler.model.reader import Reader
from reconciler.model.request import Placeholder, ReadBack, Request
from reconciler.model.sensitive import UNREADABLE, Sensitive, reveal
from reconciler.resources.base import (
    Advises,
    Explains,
    Exported,
    KeepsRecord,
    Replaces,
    ResourceKind,
    SecretRef,
    keyed_desired,
    variable_part,
)

ALL_SCOPES = ("builds", "functions", "post-processing", "runtime")
_SCOPE_ALIASES = {"post_processing": "post-processing"}
SECRET_VALUE = "(secret: value not readable)"


class EnvVar(TypedDict):
    scopes: list[str]
    secret: bool
    values: dict[str, Any]  # context -> str, or Sensitive


def normalise_scopes(scopes: Any) -> list[str]:
    if not scopes:
        return list(ALL_SCOPES)
    return sorted({_SCOPE_ALIASES.get(s, s) for s in scopes})


def desired_var(spec: Any, doc_path: DocPath = ()) -> EnvVar:
    """The normalised state of one declared variable (shorthand or full form)."""
    if not isinstance(spec, dict):
        return EnvVar(scopes=list(ALL_SCOPES), secret=False, values={"all": spec})
    secret = bool(spec.get("secret", False))
    if "value" in spec:
        values = {"all": spec["value"]}
        sources = {"all": (*doc_path, "value")}
    else:
        values = dict(spec.get("values", {}))
        sources = {ctx: (*doc_path, "values", ctx) for ctx in values}
    if secret:
        values = {
            ctx: v if isinstance(v, Sensitive) else Sensitive(str(v), sources[ctx])
            for ctx, v in values.items()
        }
    return EnvVar(scopes=normalise_scopes(spec.get("scopes")), secret=secret, values=values)


def live_var(raw: dict[str, Any]) -> LiveObject[EnvVar]:
    """A variable as Netlify shows it. A secret's values that Netlify still shows (its `dev` value) are
    wrapped as sensitive: once the manifest no longer declares them, nothing else would hide them."""
    secret = bool(raw.get("is_secret", False))
    values: dict[str, Any] = {}
    value_ids: dict[str, str] = {}
    for item in raw.get("values") or []:
        context = item.get("context", "all")
        if context == "branch":
            context = f"branch:{item.get('context_parameter', '')}"
        value = item.get("value", UNREADABLE)
        values[context] = Sensitive(value) if secret and isinstance(value, str) else value
        value_ids[context] = str(item.get("id", ""))
    state = EnvVar(scopes=normalise_scopes(raw.get("scopes")), secret=secret, values=values)
    return LiveObject(raw["key"], state, {"value_ids": value_ids, "updated_at": raw.get("updated_at")})


def _site_params(target: Target) -> dict[str, str]:
    return {"site_id": target.site_ref} if target.kind == "site" else {}


def api_values(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [api_value(context, value) for context, value in sorted(values.items())]


def api_value(context: str, value: Any) -> dict[str, Any]:
    if context.startswith("branch:"):
        return {"context": "branch", "context_parameter": context.split(":", 1)[1], "value": value}
    return {"context": context, "value": value}


class EnvKind(ResourceKind[EnvVar], Explains[EnvVar], KeepsRecord[EnvVar], Advises, Replaces):
    """Secret values are compared through the ledger: keyed digests of what we wrote (a manifest change)
    and the `updated_at` Netlify reported after our write (a change made on Netlify since)."""

    name = "env"
    owners = frozenset({"team", "site"})
    order = 20
    replace_fields = frozenset()

    def replaces(self, fields: list[FieldChange]) -> bool:
        """Netlify refuses to make a secret variable plain: it is deleted and created again (`-/+`)."""
        return any(f.path == ("secret",) and f.before is True and f.after is False for f in fields)

    def __init__(self, digester: Digester | None = None) -> None:
        self.digester = digester or Digester(None)  # configuration, not state: the same for every run

    def desired(self, owner: Owner) -> dict[str, DesiredObject[EnvVar]] | None:
        declared = keyed_desired(owner, self.name, desired_var)
        for key, obj in (declared or {}).items():
            if obj.state["secret"] and self.digester.enabled:
                obj.ref["digests"] = {
                    ctx: self.digester.digest("env", owner.address, key, ctx, reveal(value))
                    for ctx, value in obj.state["values"].items()
                }
        return declared

    def advice(self, owners: list[Owner]) -> list[str]:
        declares_secrets = any(
            isinstance(spec, dict) and spec.get("secret")
            for owner in owners
            for spec in (owner.spec.get(self.name) or {}).values()
        )
        if self.digester.enabled or not declares_secrets:
            return []
        return [
            f"{KEY_ENV} is not set: secret env values cannot be compared with what was applied, so a secret "
            "changed in the manifests is not planned (changes made on Netlify are still detected)"
        ]

    def secret_status(self, desired: DesiredObject[EnvVar], live: LiveObject[EnvVar]) -> tuple[set[str], str]:
        """Hidden contexts whose value must be written again, and why (empty when none)."""
        hidden = {ctx for ctx, v in live.state["values"].items() if v is UNREADABLE}
        wanted = hidden & set(desired.state["values"])
        if not wanted:
            return set(), ""
        record: dict[str, Any] | None = live.ref.get("ledger")
        if record is None:
            # Set before this tool managed it: adopted as declared (Netlify cannot show it), and from then
            # on the ledger knows the declared value's digest and Netlify's `updated_at` (next_record).
            return set(), ""
        if record.get("updated_at") and live.ref.get("updated_at") != record["updated_at"]:
            return (
                wanted,
                "changed on Netlify since the last apply (updated_at moved): rewriting the declared value",
            )
        digests = desired.ref.get("digests") or {}
        recorded = record.get("digests") or {}
        changed = {ctx for ctx in wanted if digests.get(ctx) and digests[ctx] != recorded.get(ctx)}
        if changed and not any(recorded.get(ctx) for ctx in changed):
            return changed, f"no digest of it recorded yet (applied without {KEY_ENV}): writing it once"
        return changed, "secret value changed in the manifest" if changed else ""

    def read(self, reader: Reader, target: Target, owner: Owner) -> dict[str, LiveObject[EnvVar]]:
        items = reader.get(f"/accounts/{target.account}/env", _site_params(target) or None) or []
        return {obj.identity: obj for obj in map(live_var, items)}

    def diff(self, desired: DesiredObject[EnvVar], live: LiveObject[EnvVar]) -> list[FieldChange]:
        """Where Netlify hides a value the ledger decides (`secret_status`); the rest compares as usual."""
        hidden = {ctx for ctx, v in live.state["values"].items() if v is UNREADABLE}
        if not hidden:
            return field_changes(live.state, desired.state)

        def view(state: EnvVar) -> dict[str, Any]:
            values = {ctx: SECRET_VALUE if ctx in hidden else v for ctx, v in state["values"].items()}
            return {**state, "values": values}

        fields = field_changes(live.state, desired.state, view(live.state), view(desired.state))
        rewrite, _ = self.secret_status(desired, live)
        if not desired.state["secret"]:  # made plain: every value is written anew, and may be shown
            rewrite = set(rewrite) | (hidden & set(desired.state["values"]))
        known = {f.path for f in fields}
        fields += [
            FieldChange(("values", ctx), UNREADABLE, desired.state["values"][ctx])
            for ctx in sorted(rewrite)
            if ("values", ctx) not in known
        ]
        return sorted(fields, key=lambda f: f.path)

    def explain(self, desired: DesiredObject[EnvVar], live: LiveObject[EnvVar]) -> str:
        return self.secret_status(desired, live)[1]

    # The ledger record: {key: {"digests": {context: keyed digest}, "updated_at": str}} per secret var.
    def attach_record(self, record: Any, live: dict[str, LiveObject[EnvVar]], kept: bool) -> None:
        for key, obj in live.items():
            obj.ref["ledger"] = (record or {}).get(key)
            obj.ref["kept"] = kept

    def next_record(
        self,
        owner: Owner,
        record: Any,
        desired: dict[str, DesiredObject[EnvVar]],
        live: dict[str, LiveObject[EnvVar]],
        changes: list[Change],
    ) -> Any:
        """Written now: new digests and the `updated_at` the write answers; untouched: kept, or tracked
        from now on."""
        written = {c.identity: c for c in changes if c.action in (Action.CREATE, Action.UPDATE)}
        old = record or {}
        out: dict[str, Any] = {}
        for key, want in desired.items():
            if not want.state["secret"] or want.absent:
                continue
            if key in written:
                stamp = Placeholder(written[key].binding("updated_at"))
                out[key] = {"digests": dict(want.ref.get("digests") or {}), "updated_at": stamp}
            elif key in old:
                out[key] = old[key]
            elif key in live:  # adopted as declared, not rewritten: changes either way are seen from now on
                digests = dict(want.ref.get("digests") or {})
                out[key] = {"digests": digests, "updated_at": live[key].ref.get("updated_at")}
        return out

    def export(self, live: dict[str, LiveObject[EnvVar]], owner: Owner) -> Exported:
        """Shorthand where it says it all (one plain value, every scope); a secret's values, which
        Netlify never shows, as `${KEY__CONTEXT}` references to set when planning."""
        out: dict[str, Any] = {}
        problems: list[str] = []
        for key, obj in sorted(live.items()):
            state = obj.state
            contexts = set(state["values"])
            if not contexts or ("all" in contexts and len(contexts) > 1):
                held = ", ".join(sorted(contexts)) or "no context"
                problems.append(
                    f"{owner.address}.env.{key}: values for {held} cannot be declared (a variable needs a "
                    "value, and `all` cannot be combined with other contexts): fix it in Netlify"
                )
                continue
            values = {
                ctx: self._exported_value(owner, key, ctx, value, state["secret"])
                for ctx, value in sorted(state["values"].items())
            }
            every_scope = state["scopes"] == list(ALL_SCOPES)
            if not state["secret"] and every_scope and contexts == {"all"}:
                out[key] = values["all"]
                continue
            spec: dict[str, Any] = {"secret": True} if state["secret"] else {}
            if not every_scope:
                spec["scopes"] = state["scopes"]
            spec.update({"value": values["all"]} if contexts == {"all"} else {"values": values})
            out[key] = spec
        return Exported({self.name: out} if out else {}, problems)

    @staticmethod
    def _exported_value(owner: Owner, key: str, context: str, value: Any, secret: bool) -> Any:
        if not secret:
            return str(value)
        suffix = "" if context == "all" else "__" + variable_part(context)
        where = "every context" if context == "all" else f"the {context} context"
        return SecretRef(f"{key}{suffix}", owner.address, f"secret env var {key}, value for {where}")

    def requests(self, change: Change, target: Target) -> list[Request]:
        base = f"/accounts/{target.account_ref}/env"
        params = _site_params(target)
        key = change.identity
        if change.action is Action.DELETE:
            return [Request("DELETE", f"{base}/{key}", params)]
        state: EnvVar = change.after
        body: dict[str, Any] = {
            "key": key,
            "values": api_values(state["values"]),
            "is_secret": state["secret"],
        }
        if state["scopes"] != list(ALL_SCOPES):  # explicit scopes are refused on free plans
            body["scopes"] = state["scopes"]
        stamp = change.binding("updated_at")  # the ledger records it for secrets
        if change.action is Action.CREATE:
            binds = {stamp: "0.updated_at"} if state["secret"] else {}
            read_back = ReadBack(f"{base}/{key}", params, {"key": key}, single=True, wrap=True)
            return [Request("POST", base, params, [body], binds=binds, read_back=read_back)]
        binds = {stamp: "updated_at"} if state["secret"] else {}
        narrow = self._narrow_request(change, f"{base}/{key}", params, binds)
        return [narrow or Request("PUT", f"{base}/{key}", params, body, binds=binds)]

    @staticmethod
    def _narrow_request(
        change: Change, path: str, params: dict[str, str], binds: dict[str, str]
    ) -> Request | None:
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
        return Request("PATCH", path, params, api_value(context, only.after), idempotent=True, binds=binds)
