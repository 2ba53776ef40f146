"""Team members, keyed by email: a new one is invited with its role, role and site access are changed in
place. A member is removed only when this tool added them (and the manifests stop declaring them) or
`prune` lists `members`; removing an Owner needs `--allow-destroy` whatever the thresholds.

Site access names sites (`sites: [acme-docs]`); the requests carry their ids, read from the site listing
a plan reads anyway. A site that does not exist yet (one this very apply creates: teams are applied before
their sites) cannot be named to Netlify: the plan says so, and the apply after it grants the access. Only
fields the manifest declares are compared; where Netlify does not report a member's site access, it is
not compared either.
"""

from __future__ import annotations

from typing import Any, TypedDict, cast

from reconciler.manifest.model import Owner
from reconciler.model.change import Action, Change, FieldChange
from reconciler.model.diff import field_changes, project
from reconciler.model.errors import ManifestIssue
from reconciler.model.objects import DesiredObject, LiveObject, LiveObjects, Target
from reconciler.model.reader import Reader
from reconciler.model.request import Placeholder, ReadBack, Request
from reconciler.resources.base import (
    Declared,
    Exported,
    FindsManaged,
    Locates,
    NeedsConsent,
    OrdersChanges,
    ResourceKind,
    Validates,
    Verifies,
    index_unique,
    reads_for,
    site_listing,
)

SECTION = "members"
OWNER = "Owner"
SELECTED = "selected"
ACCESS_FIELDS = ("site_access", "sites")  # compared only where Netlify reports them


class Member(TypedDict, total=False):
    role: str
    site_access: str  # all, none, selected
    sites: list[str]  # site names, when selected


def desired_member(spec: dict[str, Any]) -> Member:
    member = Member(role=str(spec["role"]))
    if "site_access" in spec:
        member["site_access"] = str(spec["site_access"])
    if "sites" in spec:
        member["sites"] = sorted(set(spec["sites"]))
    return member


def is_personal(reader: Reader, slug: str) -> bool:
    """Whether `slug` is a personal account, which has no members (Netlify answers 422 for its members).
    The account listing is read once per run, and only for owners whose members are read."""
    return any(a.get("slug") == slug and a.get("type") == "personal" for a in reader.get_all("/accounts"))


def team_sites(reader: Reader, target: Target) -> dict[str, str]:
    """The team's sites, name -> id, from the site listing every plan reads (remembered: no request); a
    site this plan renames by its new name, so that a member declaring it keeps its access."""
    listing = [site for site in site_listing(reader) if site.get("account_slug") == target.name]
    return {target.renames.get(str(site["name"]), str(site["name"])): str(site["id"]) for site in listing}


def live_member(raw: dict[str, Any], names: dict[str, str], sites: dict[str, str]) -> LiveObject[Member]:
    member = Member(role=str(raw.get("role", "")))
    if "site_access" in raw:
        member["site_access"] = str(raw["site_access"])
        # Access to a site the team no longer has (deleted, or moved away) grants nothing and cannot be
        # declared: left out, so neither the plan nor an export names a site by its raw id.
        member["sites"] = sorted(names[str(i)] for i in raw.get("site_ids") or [] if str(i) in names)
    ref = {"id": raw.get("id"), "team_sites": sites}
    return LiveObject(str(raw.get("email", "")).lower(), member, ref)


class MembersKind(
    ResourceKind[Member],
    Locates[Member],
    FindsManaged[Member],
    NeedsConsent,
    Validates,
    Verifies,
    OrdersChanges,
):
    name = SECTION
    owners = frozenset({"team"})
    order = 15  # after DNS, before env

    def desired(self, owner: Owner) -> dict[str, DesiredObject[Member]] | None:
        section = owner.spec.get(SECTION)
        if section is None:
            return None
        return {
            email.lower(): DesiredObject(email.lower(), desired_member(spec), owner.location(SECTION, email))
            for email, spec in section.items()
        }

    def validate(self, owner: Owner) -> list[ManifestIssue]:
        issues = []
        seen: dict[str, str] = {}
        for email, spec in (owner.spec.get(SECTION) or {}).items():
            _, path, where = owner.node(SECTION, email)
            if email.lower() in seen:
                message = f"{email} is already declared as {seen[email.lower()]!r} (emails ignore case)"
                issues.append(ManifestIssue(where, path, message))
            seen.setdefault(email.lower(), email)
            if (spec.get("site_access") == SELECTED) != ("sites" in spec):
                message = "`sites` lists the sites of `site_access: selected`, and goes only with it"
                issues.append(ManifestIssue(where, path, message))
        if SECTION in (owner.spec.get("prune") or ()) and SECTION not in owner.spec:
            _, path, where = owner.node("prune")
            message = "prune lists members but no members are declared: every member would be removed"
            issues.append(ManifestIssue(where, path, message))
        return issues

    def verify(self, reader: Reader, declared: list[Declared]) -> list[ManifestIssue]:
        """A team keeps an Owner: Netlify refuses to remove or demote its last one, so a plan that would
        leave none is refused before anything is applied. The members that stay are the declared ones and,
        unless `prune` lists members, the undeclared ones this tool does not manage (those it manages are
        deleted once undeclared)."""
        issues = []
        for owner, live, managed in declared:
            section = owner.spec.get(SECTION)
            if section is not None and is_personal(reader, owner.name):
                _, path, where = owner.node(SECTION)
                message = f"{owner.name!r} is a personal account, which has no members to manage"
                issues.append(ManifestIssue(where, path, message))
                continue
            if section is None or not any(obj.state.get("role") == OWNER for obj in live.values()):
                continue
            staying = {} if SECTION in (owner.spec.get("prune") or ()) else live
            roles = {email: obj.state.get("role") for email, obj in staying.items() if email not in managed}
            roles |= {email.lower(): spec.get("role") for email, spec in section.items()}
            if OWNER not in roles.values():
                _, path, where = owner.node(SECTION)
                message = (
                    "this would leave the team without an Owner, which Netlify refuses: "
                    "declare at least one member with role: Owner"
                )
                issues.append(ManifestIssue(where, path, message))
        return issues

    def ordered(self, changes: list[Change]) -> list[Change]:
        """Owners are added (or promoted) first and removed (or demoted) last, so that at every step the
        team has one; otherwise by email."""

        def step(change: Change) -> int:
            before = (change.before or {}).get("role") == OWNER
            after = change.action is not Action.DELETE and (change.after or {}).get("role") == OWNER
            return 0 if after and not before else 2 if before and not after else 1

        return sorted(changes, key=step)

    def read(self, reader: Reader, target: Target, owner: Owner) -> dict[str, LiveObject[Member]]:
        if not reads_for(owner, SECTION, self.name):
            return {}
        return self._read(reader, target)

    def read_managed(
        self, reader: Reader, target: Target, owner: Owner, identities: set[str]
    ) -> dict[str, LiveObject[Member]]:
        """Members this tool added, once the manifest declares no members at all."""
        if not identities:
            return {}
        return {email: obj for email, obj in self._read(reader, target).items() if email in identities}

    def _read(self, reader: Reader, target: Target) -> dict[str, LiveObject[Member]]:
        if is_personal(reader, target.name):
            return {}  # `verify` refuses members declared there
        sites = team_sites(reader, target)
        names = {site_id: name for name, site_id in sites.items()}
        items = reader.get(f"/{target.name}/members") or []
        return index_unique([live_member(raw, names, sites) for raw in items], "members")

    def locate(self, owner: Owner, desired: dict[str, DesiredObject[Member]], live: LiveObjects) -> list[str]:
        """The ids of the sites each member may access; a site that does not exist yet is left for the
        apply after the one that creates it (and left out of the comparison until then)."""
        sites: dict[str, str] = next((obj.ref["team_sites"] for obj in live.get(SECTION, {}).values()), {})
        warnings = []
        for email, obj in sorted(desired.items()):
            named = obj.state.get("sites")
            if named is None:
                continue
            missing = [name for name in named if name not in sites]
            obj.state["sites"] = [name for name in named if name in sites]
            obj.ref["site_ids"] = [sites[name] for name in obj.state["sites"]]
            warnings += [
                f"{owner.address}.{SECTION}.{email}: site {name!r} is not a site of team {owner.name!r} yet: "
                "access to it is granted by the first apply after it exists (teams are applied before sites)"
                for name in missing
            ]
        return warnings

    def diff(self, desired: DesiredObject[Member], live: LiveObject[Member]) -> list[FieldChange]:
        """The declared fields; site access only where Netlify reports it."""
        want = {k: v for k, v in desired.state.items() if k not in ACCESS_FIELDS or k in live.state}
        return field_changes(project(dict(live.state), want), want)

    def consent(self, change: Change) -> str:
        if (change.before or {}).get("role") != OWNER:
            return ""
        return f"the plan removes {change.identity}, an Owner of the team"

    def export(self, live: dict[str, LiveObject[Member]], owner: Owner) -> Exported:
        """Every member by email, site access only where it is not `all`."""
        out: dict[str, Any] = {}
        for email, obj in sorted(live.items()):
            spec: dict[str, Any] = {"role": obj.state["role"]}
            if obj.state.get("site_access", "all") != "all":
                spec["site_access"] = obj.state["site_access"]
            if spec.get("site_access") == SELECTED:
                spec["sites"] = list(obj.state.get("sites") or [])
            out[email] = spec
        return Exported({SECTION: out} if out else {})

    def requests(self, change: Change, target: Target) -> list[Request]:
        collection = f"/{target.name}/members"
        if change.action is Action.DELETE:
            return [Request("DELETE", f"{collection}/{change.live_ref.get('id')}")]
        state = cast(dict[str, Any], change.after)
        access: dict[str, Any] = {"role": state["role"]}
        if "site_access" in state:
            access["site_access"] = state["site_access"]
        if "sites" in state:
            access["site_ids"] = list(change.desired_ref.get("site_ids") or [])
        if change.action is Action.UPDATE:
            return [Request("PUT", f"{collection}/{change.live_ref.get('id')}", body=access)]
        member_id = change.binding("id")
        read_back = ReadBack(
            collection, match={"email": change.identity}, wrap=True, delete=collection + "/{id}"
        )
        invite = Request(
            "POST",
            collection,
            body={"email": change.identity, "role": state["role"]},
            binds={member_id: "0.id"},
            read_back=read_back,
        )
        if len(access) == 1:
            return [invite]  # the role is all it declares, and the invitation gives it
        return [invite, Request("PUT", f"{collection}/{Placeholder(member_id)}", body=access)]
