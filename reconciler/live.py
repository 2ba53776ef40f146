"""Read the live state of every declared team and site, kind by kind, sites concurrently.

This is the only stage of `plan` that talks to Netlify: the planner gets the result as data.
Request budget: one paginated site listing, one account look-up per declared team (and per team a
new site is to be created in), then each kind's reads per owner.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import ManifestError, ManifestIssue, ReconcilerError
from reconciler.ledger import Ledger
from reconciler.ledger_store import LedgerStore, ledger_store
from reconciler.manifest.model import DesiredState, Owner
from reconciler.netlify.client import NetlifyClient
from reconciler.netlify.errors import ApiError
from reconciler.resources.base import LiveObject, ResourceKind, Target

LiveObjects = dict[str, dict[str, LiveObject]]  # kind name -> identity -> object
DEFAULT_WORKERS = 4


@dataclass
class OwnerLive:
    target: Target
    objects: LiveObjects = field(default_factory=dict)
    ledger: Ledger = field(default_factory=Ledger)
    ledger_store: LedgerStore | None = None


@dataclass
class LiveState:
    teams: dict[str, OwnerLive] = field(default_factory=dict)
    sites: dict[str, OwnerLive] = field(default_factory=dict)

    def owner(self, kind: str, name: str) -> OwnerLive:
        return (self.teams if kind == "team" else self.sites)[name]


class _Accounts:
    """Account look-ups by slug, each made at most once per run."""

    def __init__(self, client: NetlifyClient) -> None:
        self._client = client
        self._known: dict[str, dict[str, Any] | None] = {}

    def get(self, slug: str) -> dict[str, Any] | None:
        if slug not in self._known:
            try:
                self._known[slug] = self._client.get(f"/accounts/{slug}")
            except ApiError as exc:
                if exc.status != 404:
                    raise
                self._known[slug] = None
        return self._known[slug]

    def remember(self, site: dict[str, Any]) -> None:
        slug = site.get("account_slug")
        if slug and slug not in self._known:
            self._known[slug] = {"id": site.get("account_id"), "slug": slug}


def read_live(
    client: NetlifyClient,
    desired: DesiredState,
    kinds: Sequence[ResourceKind],
    workers: int = DEFAULT_WORKERS,
) -> LiveState:
    sites = {s["name"]: s for s in client.get_all("/sites", {"filter": "all", "per_page": 100})}
    accounts = _Accounts(client)
    for site in sites.values():
        accounts.remember(site)
    problems: list[str] = []
    live = LiveState()
    for slug, owner in desired.teams.items():
        account = accounts.get(slug)
        if account is None:
            problems.append(f"{_where(owner)}team {slug!r} is not a team this token can see")
            continue
        live.teams[slug] = OwnerLive(Target("team", slug, account=account["id"]))
    for name, owner in desired.sites.items():
        target = _site_target(owner, sites, accounts, problems)
        if target is not None:
            live.sites[name] = OwnerLive(target)
    if problems:
        raise ReconcilerError("\n".join(["cannot plan:", *(f"  {p}" for p in problems)]))

    jobs: list[tuple[OwnerLive, Owner]] = [(live.teams[s], desired.teams[s]) for s in live.teams]
    jobs += [(live.sites[n], desired.sites[n]) for n in live.sites]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = pool.map(lambda job: _read_owner(client, job[0], job[1], kinds), jobs)
        list(results)
    _verify(client, kinds, jobs)
    return live


def _read_owner(
    client: NetlifyClient, owner_live: OwnerLive, owner: Owner, kinds: Sequence[ResourceKind]
) -> None:
    target = owner_live.target
    for kind in kinds:
        if owner.kind in kind.owners:
            owner_live.objects[kind.name] = kind.read(client, target, owner) if target.exists else {}
    owner_live.ledger_store = ledger_store(owner)
    if owner_live.ledger_store is not None:
        owner_live.ledger = owner_live.ledger_store.read(client, target)
    for kind in kinds:
        if kind.name in owner_live.objects:
            kind.attach_record(owner_live.ledger.records.get(kind.name), owner_live.objects[kind.name])


def _verify(
    client: NetlifyClient, kinds: Sequence[ResourceKind], jobs: list[tuple[OwnerLive, Owner]]
) -> None:
    """Checks of the manifests that need the API; reported like any other manifest error."""
    issues: list[ManifestIssue] = []
    for kind in kinds:
        declared = [
            (owner, live.objects.get(kind.name, {})) for live, owner in jobs if owner.kind in kind.owners
        ]
        issues += kind.verify(client, declared)
    if issues:
        raise ManifestError(issues)


def _site_target(
    owner: Owner, sites: dict[str, dict[str, Any]], accounts: _Accounts, problems: list[str]
) -> Target | None:
    team = owner.spec.get("team")
    found = [n for n in [owner.name, *(owner.spec.get("previous_names") or [])] if n in sites]
    if len(found) > 1:
        problems.append(
            f"{_where(owner)}site {owner.name!r}: both {found[0]!r} and {found[1]!r} exist; "
            "a rename needs the old name to be the only one that exists"
        )
        return None
    site = sites[found[0]] if found else None
    if site is None:
        if team is not None and accounts.get(team) is None:
            problems.append(
                f"{_where(owner, 'team')}site {owner.name!r}: team {team!r} is not a team this token can see"
            )
            return None
        return Target("site", owner.name, account=team)
    if team is not None and site.get("account_slug") != team:
        problems.append(
            f"{_where(owner, 'team')}site {owner.name!r} exists in team {site.get('account_slug')!r}, "
            f"not {team!r}: moving a site between teams is not supported; fix `team` or the site"
        )
        return None
    return Target("site", owner.name, account=site.get("account_id"), site_id=site["id"], site=site)


def _where(owner: Owner, *path: str) -> str:
    location = owner.location(*path)
    return f"{location}: " if location else ""
