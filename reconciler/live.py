"""Read the live state of every declared team and site, kind by kind, sites concurrently.

This is the only stage of `plan` that talks to Netlify: the planner gets the result as data.
Request budget: one paginated site listing, one account look-up per declared team (and per team a
new site is to be created in), then each kind's reads per owner. Kinds read through a `MemoReader`,
so an object two parts need (site metadata: the metadata kind and the ledger) costs one request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from reconciler.manifest.model import DesiredState, Owner
from reconciler.model.errors import ManifestError, ManifestIssue, ReconcilerError
from reconciler.model.lease import LEASE_FIELD, Lease
from reconciler.model.ledger import Ledger
from reconciler.model.objects import LiveState, OwnerLive, Target
from reconciler.model.request import Api
from reconciler.netlify.client import NetlifyClient
from reconciler.netlify.errors import ApiError
from reconciler.resources import Kinds
from reconciler.resources.base import (
    Declared,
    FindsManaged,
    HostsLedger,
    KeepsRecord,
    Recovers,
    Verifies,
    site_listing,
)

DEFAULT_WORKERS = 4
_MISSING = object()


class MemoReader:
    """GETs only, each answer remembered for the run (a 404 too, for `find`). Thread-safe."""

    def __init__(self, client: NetlifyClient) -> None:
        self._client = client
        self._memo: dict[tuple[str, str, tuple[tuple[str, str], ...]], Any] = {}
        self._lock = threading.Lock()

    def _api(self, api: Api) -> NetlifyClient:
        return self._client if api == "netlify" else self._client.integrations()

    def _remembered(self, key: tuple[str, str, tuple[tuple[str, str], ...]], fetch: Any) -> Any:
        with self._lock:
            found = self._memo.get(key, _MISSING)
        if found is _MISSING:
            found = fetch()
            with self._lock:
                self._memo[key] = found
        return found

    @staticmethod
    def _key(
        api: str, path: str, params: Mapping[str, str] | None
    ) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        return (api, path, tuple(sorted((params or {}).items())))

    def get(self, path: str, params: Mapping[str, str] | None = None, *, api: Api = "netlify") -> Any:
        return self._remembered(self._key(api, path, params), lambda: self._api(api).get(path, params))

    def get_all(self, path: str, params: Mapping[str, str] | None = None) -> list[Any]:
        found: list[Any] = self._remembered(
            self._key("netlify-all", path, params), lambda: self._client.get_all(path, params)
        )
        return found

    def find(self, path: str, params: Mapping[str, str] | None = None, *, api: Api = "netlify") -> Any:
        def fetch() -> Any:
            try:
                return self._api(api).get(path, params)
            except ApiError as exc:
                if exc.status != 404:
                    raise
                return None

        return self._remembered(self._key(api, path, params), fetch)


def read_live(
    client: NetlifyClient,
    desired: DesiredState,
    kinds: Kinds,
    workers: int = DEFAULT_WORKERS,
    *,
    verify: bool = True,
    on_owner_read: Callable[[], None] | None = None,
    reader: MemoReader | None = None,
) -> LiveState:
    """`verify`: run the kinds' checks of the manifests against the API (off for `export`, whose owners
    are not manifests); `on_owner_read` is called as each owner is read (progress); `reader`: one that
    already holds answers (the site listing `export` read to choose its owners)."""
    reader = reader or MemoReader(client)
    sites = {s["name"]: s for s in site_listing(reader)}
    accounts = _Accounts(reader)
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
    found = {name: str(o.target.site.get("name")) for name, o in live.sites.items() if o.target.site}
    renames = {old: name for name, old in found.items() if old != name}  # by `previous_names`
    for team in live.teams.values():
        team.target = replace(team.target, renames=renames)

    jobs = [
        (owner_live, desired.owner(owner_live.target.kind, owner_live.target.name))
        for owner_live in live.owners()
    ]

    def read(job: tuple[OwnerLive, Owner]) -> None:
        _read_owner(reader, job[0], job[1], kinds)
        if on_owner_read is not None:
            on_owner_read()

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(read, jobs))
    if verify:
        _verify(reader, kinds, jobs)
    return live


def read_owner_again(client: NetlifyClient, owner: Owner, target: Target, kinds: Kinds) -> OwnerLive:
    """One owner's live state read afresh (its site object too): has it moved since the plan?"""
    reader = MemoReader(client)
    if target.site_id is not None:  # a site: its object came with the listing, read it again
        site = reader.get(f"/sites/{target.site_id}")
        target = Target(target.kind, target.name, target.account, target.site_id, site)
    owner_live = OwnerLive(target)
    _read_owner(reader, owner_live, owner, kinds)
    return owner_live


def _read_owner(reader: MemoReader, owner_live: OwnerLive, owner: Owner, kinds: Kinds) -> None:
    target = owner_live.target
    for kind in kinds:
        if owner.kind in kind.owners:
            owner_live.objects[kind.name] = kind.read(reader, target, owner) if target.exists else {}
    hosts = [k for k in kinds if isinstance(k, HostsLedger) and k.ledger_home(owner)]
    if hosts:
        owner_live.ledger_host = hosts[0].name
        owner_live.stored_ledger = hosts[0].read_ledger(reader, target, owner)
        content = owner_live.stored_ledger.content
        owner_live.ledger = Ledger.from_json(content)
        owner_live.lease = Lease.from_json(content.get(LEASE_FIELD)) if isinstance(content, dict) else None
        owner_live.lease_stale = owner_live.lease is not None and owner_live.lease.stale()
    for kind in kinds:
        if isinstance(kind, FindsManaged) and kind.name in owner_live.objects and target.exists:
            known = owner_live.objects[kind.name]
            missing = owner_live.ledger.managed.get(kind.name, set()) - set(known)
            known.update(kind.read_managed(reader, target, owner, missing))
    if owner_live.lease is not None and owner_live.lease_stale:
        for kind in kinds:
            if isinstance(kind, Recovers) and owner.kind in kind.owners:
                owner_live.leftovers[kind.name] = kind.leftovers(reader, target, owner, owner_live.lease)
    for kind in kinds:
        if isinstance(kind, KeepsRecord) and kind.name in owner_live.objects:
            record = owner_live.ledger.records.get(kind.name)
            kind.attach_record(record, owner_live.objects[kind.name], kept=owner_live.ledger_host is not None)


def _verify(reader: MemoReader, kinds: Kinds, jobs: list[tuple[OwnerLive, Owner]]) -> None:
    """Checks of the manifests that need the API; reported like any other manifest error."""
    issues: list[ManifestIssue] = []
    for kind in kinds:
        if isinstance(kind, Verifies):
            declared = [
                Declared(
                    owner, live.objects.get(kind.name, {}), frozenset(live.ledger.managed.get(kind.name, ()))
                )
                for live, owner in jobs
                if owner.kind in kind.owners
            ]
            issues += kind.verify(reader, declared)
    if issues:
        raise ManifestError(issues)


class _Accounts:
    """Account look-ups by slug, each made at most once per run."""

    def __init__(self, reader: MemoReader) -> None:
        self._reader = reader
        self._seen: dict[str, dict[str, Any]] = {}

    def get(self, slug: str) -> dict[str, Any] | None:
        if slug in self._seen:
            return self._seen[slug]
        found: dict[str, Any] | None = self._reader.find(f"/accounts/{slug}")
        return found

    def remember(self, site: Mapping[str, Any]) -> None:
        slug = site.get("account_slug")
        if slug and slug not in self._seen:
            self._seen[slug] = {"id": site.get("account_id"), "slug": slug}


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
