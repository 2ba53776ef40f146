"""Read the live state of every declared team and site, kind by kind, sites concurrently.

This is the only stage of `plan` that talks to Netlify: the planner gets the result as data.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import ReconcilerError
from reconciler.manifest.model import DesiredState, Owner
from reconciler.netlify.client import NetlifyClient
from reconciler.resources.base import LiveObject, ResourceKind, Target

LiveObjects = dict[str, dict[str, LiveObject]]  # kind name -> identity -> object


@dataclass
class OwnerLive:
    target: Target
    objects: LiveObjects = field(default_factory=dict)


@dataclass
class LiveState:
    teams: dict[str, OwnerLive] = field(default_factory=dict)
    sites: dict[str, OwnerLive] = field(default_factory=dict)

    def owner(self, kind: str, name: str) -> OwnerLive:
        return (self.teams if kind == "team" else self.sites)[name]


def read_live(
    client: NetlifyClient, desired: DesiredState, kinds: Sequence[ResourceKind], workers: int = 4
) -> LiveState:
    accounts = {a["slug"]: a for a in client.get_all("/accounts") or []}
    sites = {s["name"]: s for s in client.get_all("/sites", {"filter": "all", "per_page": 100})}
    problems: list[str] = []
    live = LiveState()
    for slug, owner in desired.teams.items():
        if slug not in accounts:
            problems.append(f"{_where(owner)}team {slug!r} is not a team this token can see")
            continue
        live.teams[slug] = OwnerLive(Target("team", slug, account=accounts[slug]["id"]))
    for name, owner in desired.sites.items():
        target = _site_target(owner, sites.get(name), accounts, problems)
        if target is not None:
            live.sites[name] = OwnerLive(target)
    if problems:
        raise ReconcilerError("\n".join(["cannot plan:", *(f"  {p}" for p in problems)]))

    jobs: list[tuple[OwnerLive, Owner]] = [(live.teams[s], desired.teams[s]) for s in live.teams]
    jobs += [(live.sites[n], desired.sites[n]) for n in live.sites]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = pool.map(lambda job: _read_owner(client, job[0].target, job[1], kinds), jobs)
        for (owner_live, _), objects in zip(jobs, results, strict=True):
            owner_live.objects = objects
    return live


def _read_owner(
    client: NetlifyClient, target: Target, owner: Owner, kinds: Sequence[ResourceKind]
) -> LiveObjects:
    objects: LiveObjects = {}
    for kind in kinds:
        if owner.kind not in kind.owners:
            continue
        objects[kind.name] = kind.read(client, target) if target.exists else {}
    return objects


def _site_target(
    owner: Owner, site: dict[str, Any] | None, accounts: dict[str, Any], problems: list[str]
) -> Target | None:
    team = owner.spec.get("team")
    if team is not None and team not in accounts:
        problems.append(
            f"{_where(owner, 'team')}site {owner.name!r}: team {team!r} is not a team this token can see"
        )
        return None
    if site is None:
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
