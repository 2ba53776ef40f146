"""The site itself: creation, name-independent settings, explicit renames, SSL, and deletion only when
declared `state: absent`.

Identity is the site name (or one of its declared `previous_names`, which plans a rename). Only settings
the manifest declares are compared: a field nobody declared is not ours to reset. The password is always
sensitive. `ssl: true` provisions a certificate once the site has a custom domain.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict, cast

from reconciler.manifest.model import Owner
from reconciler.manifest.schema import declarable
from reconciler.model.change import Action, Change, FieldChange
from reconciler.model.diff import field_changes, project
from reconciler.model.errors import ManifestIssue
from reconciler.model.location import DocPath
from reconciler.model.objects import DesiredObject, LiveObject, Target
from reconciler.model.reader import Reader
from reconciler.model.request import ReadBack, Request
from reconciler.model.sensitive import Sensitive
from reconciler.resources.base import (
    Declared,
    Exported,
    IsOwner,
    ResourceKind,
    Validates,
    ValidatesAcross,
    Verifies,
    site_listing,
)


class SiteSettings(TypedDict, total=False):
    name: str
    custom_domain: str | None
    domain_aliases: list[str]
    branch_deploy_custom_domain: str | None
    deploy_preview_custom_domain: str | None
    force_ssl: bool | None
    password: Sensitive | None
    processing_settings: dict[str, Any]
    build_settings: dict[str, Any]
    build_image: str
    functions_region: str
    ssl: bool


SETTINGS = tuple(SiteSettings.__annotations__)
# Exported as the site has them when set (the build image and functions region always are on Netlify).
PLAIN_EXPORTS = (
    "custom_domain",
    "domain_aliases",
    "branch_deploy_custom_domain",
    "deploy_preview_custom_domain",
    "force_ssl",
    "build_image",
    "functions_region",
)
NOT_SENT = frozenset({"ssl"})
ABSENT_KEEPS = frozenset(
    {"state", "team", "previous_names", "safety"}
)  # what `state: absent` may come with  # provisioned by its own call, not a site field one can write


DOMAINS = ("custom_domain", "branch_deploy_custom_domain", "deploy_preview_custom_domain")
NETLIFY_DOMAIN = "netlify.app"  # every site has NAME.netlify.app; Netlify refuses it as a custom domain


def _normalise(key: str, value: Any, source: DocPath | None = None) -> Any:
    """Values as Netlify keeps them: domains in lower case (else a mixed-case domain never stops
    differing), aliases as a set."""
    if key == "password" and isinstance(value, str):
        return Sensitive(value, source)
    if key == "domain_aliases":
        return sorted({str(alias).lower() for alias in value or []})
    if key in DOMAINS and isinstance(value, str):
        return value.lower()
    return value


def _domains(settings: Mapping[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """Every domain of a site's settings (declared or live) with the node holding it: the ones Netlify
    lets only one site hold, aliases included."""
    found: list[tuple[tuple[str | int, ...], str]] = [
        ((key,), str(settings[key])) for key in DOMAINS if settings.get(key)
    ]
    return found + [
        (("domain_aliases", index), str(alias))
        for index, alias in enumerate(settings.get("domain_aliases") or [])
    ]


def _alias_clash(owner: Owner, live: Mapping[str, Any] | None) -> list[ManifestIssue]:
    """Netlify refuses a custom domain that is also one of the site's aliases (a 422). Of the two, the one
    the manifest leaves out keeps its live value, so declaring one alone can clash with the other live;
    declaring both is `_domain_problems`' business."""
    spec = owner.spec
    if ("custom_domain" in spec) == ("domain_aliases" in spec) or live is None:
        return []
    settings = {**live, **spec}  # exactly one of the two is declared; the other is as it is live
    custom = str(settings.get("custom_domain") or "").lower()
    aliases = [str(alias).lower() for alias in settings.get("domain_aliases") or []]
    if not custom or custom not in aliases:
        return []
    if "custom_domain" in spec:
        _, path, where = owner.node("custom_domain")
        message = (
            f"{custom} is an alias of this site on Netlify, which refuses a custom domain that is also an "
            "alias: declare domain_aliases without it, and this apply moves it"
        )
    else:
        _, path, where = owner.node("domain_aliases", aliases.index(custom))
        message = (
            f"{custom} is this site's custom domain on Netlify, which refuses an alias that is also the "
            "custom domain: declare custom_domain too (another domain, or null)"
        )
    return [ManifestIssue(where, path, message)]


def _domain_problems(owner: Owner) -> list[ManifestIssue]:
    """What Netlify refuses about a site's domains, found before any request (the site would otherwise be
    created, or half its settings applied, before the refusal)."""
    issues = []
    declared = _domains(owner.spec)
    custom = str(owner.spec.get("custom_domain") or "").lower()
    first: dict[str, int] = {}
    for index, alias in enumerate(owner.spec.get("domain_aliases") or []):
        _, path, where = owner.node("domain_aliases", index)
        domain = str(alias).lower()
        if domain == custom:
            issues.append(ManifestIssue(where, path, f"{alias} is the custom_domain: not also an alias"))
        elif domain in first:
            issues.append(ManifestIssue(where, path, f"{alias} is listed already, at [{first[domain]}]"))
        first.setdefault(domain, index)
    for node, value in declared:
        domain = value.lower()
        if domain == NETLIFY_DOMAIN or domain.endswith("." + NETLIFY_DOMAIN):
            _, path, where = owner.node(*node)
            message = f"{value} is a {NETLIFY_DOMAIN} domain: Netlify serves every site there already"
            issues.append(ManifestIssue(where, path, message))
    return issues


def _previous_name_clashes(owners: list[Owner]) -> list[ManifestIssue]:
    """A previous name may name no declared site and belong to one site only: else a declared site would
    be renamed away, or one live site renamed twice in one apply."""
    declared = {owner.name for owner in owners}
    claimed: dict[str, Owner] = {}
    issues = []
    for owner in owners:
        for index, old in enumerate(owner.spec.get("previous_names") or []):
            if old in declared and old != owner.name:
                problem = f"{old!r} is declared as a site of its own, so it cannot become {owner.name!r}"
            elif old in claimed:
                first = claimed[old]
                problem = (
                    f"{old!r} is already a previous name of site {first.name!r} "
                    f"({first.location()}): one site cannot be renamed to two"
                )
            else:
                claimed[old] = owner
                continue
            _, path, where = owner.node("previous_names", index)
            issues.append(ManifestIssue(where, path, problem))
    return issues


def _declared_domain_clashes(owners: list[Owner]) -> list[ManifestIssue]:
    """Two declared sites wanting one domain: checked over every declared site, so a selection (`--target`,
    `--shard`) that plans only one of them still refuses, as the plan of everything would."""
    wanted: dict[str, str] = {}  # domain -> the declared site that takes it
    issues = []
    for owner in owners:
        if owner.spec.get("state") == "absent":
            continue
        for node, value in _domains(owner.spec):
            first = wanted.setdefault(value.lower(), owner.name)
            if first != owner.name:
                _, path, where = owner.node(*node)
                message = f"{value.lower()} is declared for site {first!r} too: one site holds a domain"
                issues.append(ManifestIssue(where, path, message))
    return issues


def live_settings(site: dict[str, Any]) -> SiteSettings:
    settings: dict[str, Any] = {key: _normalise(key, site.get(key)) for key in SETTINGS}
    settings["ssl"] = bool(site.get("ssl"))
    settings["build_settings"] = site.get("build_settings") or {}
    return cast(SiteSettings, settings)


class SiteKind(ResourceKind[SiteSettings], IsOwner, Validates, ValidatesAcross, Verifies):
    name = "site"
    owners = frozenset({"site"})
    order = 0
    singleton = True

    def desired(self, owner: Owner) -> dict[str, DesiredObject[SiteSettings]] | None:
        state: dict[str, Any] = {
            key: _normalise(key, owner.spec[key], (*owner.doc_path, key))
            for key in SETTINGS
            if key in owner.spec
        }
        if owner.spec.get("previous_names"):
            state["name"] = owner.name  # compared only when a rename is declared
        absent = owner.spec.get("state") == "absent"
        settings = cast(SiteSettings, state)
        return {owner.name: DesiredObject(owner.name, settings, owner.location(), absent=absent)}

    def validate(self, owner: Owner) -> list[ManifestIssue]:
        if owner.spec.get("state") == "absent":
            extra = sorted(key for key in owner.spec if key not in ABSENT_KEEPS)
            if extra:
                _, path, where = owner.node("state")
                message = (
                    "a site declared absent is deleted with everything in it: remove what else it declares "
                    f"({', '.join(extra)})"
                )
                return [ManifestIssue(where, path, message)]
        if owner.spec.get("ssl") and not owner.spec.get("custom_domain"):
            _, path, where = owner.node("ssl")
            return [ManifestIssue(where, path, "ssl: true needs a custom_domain to certify")]
        if owner.name in (owner.spec.get("previous_names") or []):
            _, path, where = owner.node("previous_names")
            return [ManifestIssue(where, path, "a site cannot be its own previous name")]
        return _domain_problems(owner)

    def validate_across(self, owners: list[Owner]) -> list[ManifestIssue]:
        return _previous_name_clashes(owners) + _declared_domain_clashes(owners)

    def verify(self, reader: Reader, declared: list[Declared]) -> list[ManifestIssue]:
        """A domain belongs to one site in all of Netlify (aliases too): one that another site holds is
        refused by the POST or PATCH, half-way through an apply. Sites are applied concurrently, so even a
        domain the other site gives up in this plan cannot be taken in it. (Two declared sites wanting one
        domain is `_declared_domain_clashes`' business: it sees every owner, selected or not.)"""
        held: dict[str, tuple[str, str, str]] = {}  # domain -> (site name, id, field)
        for site in site_listing(reader):
            for node, domain in _domains(site):
                held.setdefault(domain.lower(), (str(site.get("name")), str(site.get("id")), str(node[0])))
        issues = []
        for owner, live, _ in declared:
            if owner.spec.get("state") == "absent":
                continue
            found = next(iter(live.values()), None)  # the site's one live object, if it exists
            own = str(found.ref.get("id")) if found is not None else None
            for node, value in _domains(owner.spec):
                holder = held.get(value.lower())
                if holder is None or holder[1] == own:
                    continue
                message = (
                    f"{value.lower()} is already used by site {holder[0]!r} (its {holder[2]}), and Netlify "
                    f"lets one site hold a domain: remove it from {holder[0]!r} first (a domain moving "
                    "between sites takes two applies)"
                )
                _, path, where = owner.node(*node)
                issues.append(ManifestIssue(where, path, message))
            issues += _alias_clash(owner, found.state if found is not None else None)
        return issues

    def read(self, reader: Reader, target: Target, owner: Owner) -> dict[str, LiveObject[SiteSettings]]:
        """The site object came with the site listing: no request of its own."""
        ref = {"id": target.site_id, "updated_at": target.site.get("updated_at")}
        ref["team"] = target.site.get("account_slug")
        return {target.name: LiveObject(target.name, live_settings(dict(target.site)), ref)}

    def diff(self, desired: DesiredObject[SiteSettings], live: LiveObject[SiteSettings]) -> list[FieldChange]:
        changes = field_changes(project(live.state, desired.state), desired.state)
        # A certificate cannot be taken back by this tool: `ssl: false` (or none) asks for nothing.
        return [c for c in changes if not (c.path == ("ssl",) and not c.after)]

    def export(self, live: dict[str, LiveObject[SiteSettings]], owner: Owner) -> Exported:
        """The site's team and the settings it has (unset ones left out: the manifest then leaves them
        alone too). The password is not exported: Netlify does not say whether one is set."""
        found = live.get(owner.name)
        if found is None:
            return Exported()
        state: dict[str, Any] = dict(found.state)
        fields: dict[str, Any] = {"team": found.ref.get("team")} if found.ref.get("team") else {}
        for key in (*PLAIN_EXPORTS, "ssl"):
            if state.get(key):
                fields[key] = state[key]
        for key in ("processing_settings", "build_settings"):
            declared = declarable(state.get(key) or {}, "site", key)
            if declared:
                fields[key] = declared
        return Exported(fields)

    def requests(self, change: Change, target: Target) -> list[Request]:
        after: dict[str, Any] = dict(change.after or {})
        # Provisioning twice is refused (an existing certificate is "updated" only by upload): when the
        # answer is lost, the certificate is read back instead.
        ssl = f"/sites/{target.site_ref}/ssl"
        provision = [Request("POST", ssl, read_back=ReadBack(ssl, single=True))]
        if change.action is Action.CREATE:
            path = f"/{target.account}/sites" if target.account else "/sites"
            sent = {key: value for key, value in after.items() if key not in NOT_SENT}
            binds = {change.binding("id"): "id", change.binding("account_id"): "account_id"}
            read_back = ReadBack("/sites", {"name": target.name, "filter": "all"}, {"name": target.name})
            create = Request(
                "POST", path, body={"name": target.name, **sent}, binds=binds, read_back=read_back
            )
            return [create, *(provision if after.get("ssl") else [])]
        if change.action is Action.DELETE:
            return [Request("DELETE", f"/sites/{target.site_ref}")]
        changed = {f.path[0] for f in change.fields}
        body = {key: value for key, value in after.items() if key in changed and key not in NOT_SENT}
        requests = [Request("PATCH", f"/sites/{target.site_ref}", body=body)] if body else []
        return requests + (provision if "ssl" in changed else [])
