"""`export`: manifests written from live Netlify that plan to nothing, for adopting what already exists.

The selected teams and sites are read the way a plan reads them (the same requests), then each kind
declares its live objects (`ResourceKind.export`, part of the contract, so no kind can be left out).
Values Netlify never shows (secret env values) become `${NAME}` references; the names are chosen once all
of them are known, so two sites' `STRIPE_KEY`s do not share one. What the manifest format cannot express
(two snippets with one title, say) is reported and left out; everything else is exported.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from reconciler.live import MemoReader, read_live
from reconciler.manifest.model import DesiredState, Owner
from reconciler.manifest.select import targeted, unmatched_target
from reconciler.model.errors import ReconcilerError
from reconciler.model.owner import OwnerKind
from reconciler.netlify.client import NetlifyClient
from reconciler.resources import Kinds
from reconciler.resources.base import SecretRef, site_listing, variable_part

PLACEHOLDER_PIN = "0" * 24  # asks the deploy kind to read the published deploy (`--pin-deploys`)


@dataclass(frozen=True)
class Selection:
    teams: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    everything: bool = False  # every team and site the token can see
    integrations: tuple[str, ...] = ()  # the integration contexts to export (Netlify lists none)
    pin_deploys: bool = False
    targets: tuple[str, ...] = ()  # owner address globs: of the above, only the teams and sites matching


@dataclass(frozen=True)
class Variable:
    name: str
    owner: str
    what: str


@dataclass
class Export:
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)  # "teams/acme.yaml" -> manifest data
    variables: list[Variable] = field(default_factory=list)
    unexpressed: list[str] = field(default_factory=list)


def export(
    client: NetlifyClient,
    selection: Selection,
    kinds: Kinds,
    on_owner_read: Callable[[], None] | None = None,
    on_owners: Callable[[int], None] | None = None,
) -> Export:
    """Read the selected owners and declare them; `on_owners(n)` says how many will be read."""
    reader = MemoReader(client)
    desired = _owners(reader, selection)
    if on_owners is not None:
        on_owners(len(desired.teams) + len(desired.sites))
    live = read_live(client, desired, kinds, verify=False, on_owner_read=on_owner_read, reader=reader)
    result = Export()
    ordered = sorted(kinds, key=lambda kind: kind.order)
    for owner_live in live.owners():
        owner = desired.owner(owner_live.target.kind, owner_live.target.name)
        fields: dict[str, Any] = {}
        for kind in ordered:
            if owner.kind in kind.owners:
                exported = kind.export(owner_live.objects.get(kind.name, {}), owner)
                _merge(fields, exported.fields)
                result.unexpressed += exported.unexpressed
        section = "teams" if owner.kind == "team" else "sites"
        result.documents[f"{section}/{owner.name}.yaml"] = {"version": 1, section: {owner.name: fields}}
    result.variables = _name_secrets(result.documents)
    return result


def _merge(fields: dict[str, Any], more: dict[str, Any]) -> None:
    """Add a kind's keys; where two kinds declare parts of one section (DNS zones and their records), their
    entries are merged key by key."""
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(fields.get(key), dict):
            _merge(fields[key], value)
        else:
            fields[key] = value


def _owners(reader: MemoReader, selection: Selection) -> DesiredState:
    """The selected owners as bare manifests, asking only what is to be exported. The site listing is
    the one live reading uses (same reader, same query): read once."""
    if not (selection.teams or selection.sites or selection.everything):
        raise ReconcilerError("nothing to export: name teams (--team SLUG), sites (--site NAME), or --all")
    sites = {s["name"]: s for s in site_listing(reader)}
    accounts = {a["slug"]: a for a in reader.get_all("/accounts")}
    teams = sorted(accounts) if selection.everything else list(dict.fromkeys(selection.teams))
    names = sorted(sites) if selection.everything else list(dict.fromkeys(selection.sites))
    if selection.targets:
        _check_targets_match([f"team.{t}" for t in teams] + [f"site.{n}" for n in names], selection.targets)
        teams = [t for t in teams if targeted(f"team.{t}", selection.targets)]
        names = [n for n in names if targeted(f"site.{n}", selection.targets)]
    unknown = [f"team {t!r}" for t in teams if t not in accounts] + [
        f"site {n!r}" for n in names if n not in sites
    ]
    if unknown:
        raise ReconcilerError(f"cannot export {', '.join(unknown)}: not visible to this token")
    integrations: dict[str, Any] = {slug: {} for slug in selection.integrations}
    desired = DesiredState()
    for slug in teams:
        desired.teams[slug] = _owner("team", slug, {"integrations": integrations} if integrations else {})
    for name in names:
        spec: dict[str, Any] = {"team": sites[name].get("account_slug")}
        if integrations:
            spec["integrations"] = integrations
        if selection.pin_deploys:
            spec["deploy"] = {"pin": PLACEHOLDER_PIN}
        desired.sites[name] = _owner("site", name, spec)
    return desired


def _check_targets_match(addresses: list[str], targets: tuple[str, ...]) -> None:
    """A target matching none of the teams and sites asked for is refused before anything is written."""
    target = unmatched_target(addresses, targets)
    if target is not None:
        raise ReconcilerError(
            f"--target {target!r} matches none of the teams and sites to export "
            f"({len(addresses)} of them; addresses are team.SLUG and site.NAME)"
        )


def _owner(kind: OwnerKind, name: str, spec: dict[str, Any]) -> Owner:
    return Owner(kind, name, spec, ("teams" if kind == "team" else "sites", name), exporting=True)


def _name_secrets(documents: dict[str, dict[str, Any]]) -> list[Variable]:
    """Give every SecretRef its `${NAME}`: the name it wants, or the owner's name before it when another
    value wants that name too, or when the environment a run has defines it anyway (`PATH`,
    `NETLIFY_AUTH_TOKEN`: the reference would read that instead). Replaces them in the documents
    (escaping literal `${` in all other values); the variables in document order."""
    refs = [ref for path in sorted(documents) for ref in _refs(documents[path])]
    wanted = Counter(ref.wanted for ref in refs)
    names: dict[SecretRef, str] = {}
    for ref in refs:
        owner = variable_part(ref.owner.partition(".")[2])
        alone = wanted[ref.wanted] == 1 and not _defined_by_runners(ref.wanted)
        names[ref] = ref.wanted if alone else f"{owner}__{ref.wanted}"
    taken = Counter(names.values())
    for ref, name in list(names.items()):  # distinct owners whose names read the same when upper-cased
        if taken[name] > 1:
            # From the value itself, not its place in this export: the name stays when the scope changes.
            tag = hashlib.sha256(f"{ref.owner}\n{ref.what}".encode()).hexdigest()[:6].upper()
            names[ref] = f"{name}_{tag}"
    for path in documents:
        documents[path] = _replace(documents[path], names)
    return [Variable(names[ref], ref.owner, ref.what) for ref in refs]


# Names a shell, CI runner or this tool sets for itself: `${PATH}` would read the runner's PATH.
_RUNNER_NAMES = frozenset(
    {"CI", "HOME", "HOSTNAME", "LANG", "LOGNAME", "OLDPWD", "PATH", "PWD", "SHELL", "TEMP", "TERM", "TMP"}
    | {"TMPDIR", "TZ", "USER", "VIRTUAL_ENV", "PYTHONPATH", "LD_LIBRARY_PATH", "LD_PRELOAD"}
)
_RUNNER_PREFIXES = ("ACTIONS_", "GITHUB_", "LC_", "NETLIFY_", "RUNNER_", "XDG_")


def _defined_by_runners(name: str) -> bool:
    return name in _RUNNER_NAMES or name.startswith(_RUNNER_PREFIXES)


def _refs(value: Any) -> Iterator[SecretRef]:
    if isinstance(value, SecretRef):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def _replace(value: Any, names: dict[SecretRef, str]) -> Any:
    """SecretRefs become `${NAME}`; every other string value keeps a literal `${` literal (`$${`), since
    the loader reads `${...}` in any value as a reference."""
    if isinstance(value, SecretRef):
        return "${" + names[value] + "}"
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, dict):
        return {key: _replace(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace(item, names) for item in value]
    return value
