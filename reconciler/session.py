"""The shared front half of plan, apply and demo: where to talk to, and what to compare."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from reconciler.live import read_live, read_owner_again
from reconciler.manifest.load import read_manifests, untouched_by
from reconciler.manifest.model import DesiredState
from reconciler.manifest.select import EVERYTHING, Selection, select
from reconciler.model.errors import ManifestError, ReconcilerError
from reconciler.model.ledger import KEY_ENV, Digester
from reconciler.model.objects import LiveState
from reconciler.netlify.client import NetlifyClient
from reconciler.netlify.urls import (
    DEFAULT_API_URL,
    DEFAULT_INTEGRATION_API_URL,
    resolve_api_url,
    resolve_integration_api_url,
)
from reconciler.plan.model import Plan
from reconciler.plan.planner import build_plan
from reconciler.plan.saved import StalePlan, owner_digests
from reconciler.resources import Kinds, all_kinds, owner_kinds, procedures
from reconciler.resources.base import Procedure, Validates, ValidatesAcross

NO_TARGET_HELP = """\
no Netlify API to talk to: NETLIFY_AUTH_TOKEN is not set.
  To manage your Netlify account: create a personal access token (Netlify UI > User settings >
    Applications) and run with NETLIFY_AUTH_TOKEN=<token>; the API is https://api.netlify.com.
  To try it without an account, start the local emulator and point at it:
    netlify-reconciler emulator --port 8989 --data ./emu-data --token dev-token &
    NETLIFY_API_URL=http://127.0.0.1:8989 NETLIFY_AUTH_TOKEN=dev-token netlify-reconciler plan examples/
  Or run `netlify-reconciler demo`, which does all of this in one command."""


EMULATOR_PREFIX = "/integrations-api"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class ApiTarget:
    url: str
    token: str
    integration_url: str

    def describe(self) -> str:
        return f"{self.url} (Integration API: {self.integration_url})"

    def fingerprint_key(self) -> bytes:
        """The key for saved-plan fingerprints: the ledger key when set, else derived from the token."""
        ledger_key = os.environ.get(KEY_ENV)
        material = ledger_key if ledger_key else f"token\0{self.token}"
        return hashlib.sha256(b"netlify-reconciler/plan-fingerprint\0" + material.encode()).digest()

    def fingerprint_key_source(self) -> str:
        """Where `fingerprint_key` comes from (ledger-key or token): a plan sealed with another is told so."""
        return "ledger-key" if os.environ.get(KEY_ENV) else "token"

    def client(self) -> NetlifyClient:
        return NetlifyClient(self.url, self.token, integration_api_url=self.integration_url)


def resolve_target(
    api_url: str | None, integration_api_url: str | None = None, environ: Mapping[str, str] = os.environ
) -> ApiTarget:
    """Never guess: a token is required, and the URL is the flag, else NETLIFY_API_URL, else Netlify.

    The Integration API defaults to Netlify's public one only when the API is Netlify's too: sending an
    emulator's token to a real host (or the reverse) would be a surprise.
    """
    token = environ.get("NETLIFY_AUTH_TOKEN", "").strip()
    url = api_url or environ.get("NETLIFY_API_URL") or None
    integration = integration_api_url or environ.get("NETLIFY_INTEGRATION_API_URL") or None
    if not token:
        if url:
            raise ReconcilerError(
                f"NETLIFY_AUTH_TOKEN is not set: the API at {resolve_api_url(url)} needs a token "
                "(for the emulator, the one it was started with via --token)"
            )
        raise ReconcilerError(NO_TARGET_HELP)
    if any(ord(char) < 32 or ord(char) == 127 or char.isspace() for char in token):
        # No HTTP header can carry it (requests would stop with a traceback); the token is never shown.
        raise ReconcilerError(
            "NETLIFY_AUTH_TOKEN holds a line break, tab, space or other control character inside it: "
            "set it to the token alone (a copy-paste may have joined two lines)"
        )
    resolved = resolve_api_url(url)
    if integration is None:
        # Netlify's API pairs with Netlify's Integration API; any other API (the emulator, a proxy) with the
        # same origin under the emulator's prefix. The choice is printed with the target, never silent.
        integration = (
            DEFAULT_INTEGRATION_API_URL
            if resolved == DEFAULT_API_URL
            else _origin(resolved) + EMULATOR_PREFIX
        )
    return ApiTarget(resolved, token, resolve_integration_api_url(integration))


@dataclass
class Planned:
    desired: DesiredState
    live: LiveState
    plan: Plan
    kinds: Kinds
    selection: Selection = EVERYTHING

    @property
    def procedures(self) -> dict[str, Procedure]:
        return procedures(self.kinds)


def load_and_check(path: Path, environ: Mapping[str, str] | None = None) -> tuple[DesiredState, Kinds]:
    """Load manifests (`${VAR}`s from `environ`, default the process's) and run every kind's own checks;
    all problems are reported together: the kinds check every owner whose section the loading found sound,
    so a schema error in one site does not hide a kind's objection to another."""
    desired, issues = read_manifests(path, environ)
    kinds = all_kinds(Digester.from_environment(os.environ if environ is None else environ))
    owners = [owner for owner in desired.owners() if untouched_by(owner, issues)]
    issues += [
        issue
        for owner in owners
        for kind in kinds
        if owner.kind in kind.owners and isinstance(kind, Validates)
        for issue in kind.validate(owner)
    ]
    for kind in kinds:
        if isinstance(kind, ValidatesAcross):
            issues += kind.validate_across([owner for owner in owners if owner.kind in kind.owners])
    if issues:
        raise ManifestError(issues)
    return desired, kinds


def load_selected(
    path: Path, selection: Selection, environ: Mapping[str, str] | None = None
) -> tuple[DesiredState, Kinds, str | None]:
    """The manifests (all checked, so a bad one elsewhere still stops the run), cut to the selection; and
    a note saying how much was left out, when anything was."""
    everything, kinds = load_and_check(path, environ)
    desired = select(everything, selection, path)
    if selection.everything:
        return desired, kinds, None
    total = len(everything.teams) + len(everything.sites)
    kept = len(desired.teams) + len(desired.sites)
    return (
        desired,
        kinds,
        f"only {kept} of the {total} declared teams and sites are planned ({selection.describe()})",
    )


def make_plan(
    client: NetlifyClient,
    path: Path,
    environ: Mapping[str, str] | None = None,
    selection: Selection = EVERYTHING,
) -> Planned:
    """`environ`: where `${VAR}`s are read (default: the process's environment); `selection`: which
    declared teams and sites are read and planned (default: all)."""
    desired, kinds, note = load_selected(path, selection, environ)
    live = read_live(client, desired, kinds)
    plan = build_plan(desired, live, kinds, client.prefixes())
    if note is not None:
        plan.warnings.insert(0, note)
    return Planned(desired, live, plan, kinds, selection)


def revalidator(
    client: NetlifyClient, desired: DesiredState, live: LiveState, kinds: Kinds
) -> Callable[[str], bool]:
    """For apply: when another apply held an owner's lease first, read that owner again. Unmoved (its
    ledger aside, which every apply rewrites): go on (False). Moved, but already as the manifests want
    it (the other apply did this plan's work): nothing left to do there (True). Otherwise refuse."""
    key = secrets.token_bytes(32)  # these digests are compared within this process only
    owners = owner_kinds(kinds)
    seen = {o.target.ref.address: o for o in live.owners()}

    def check(address: str) -> bool:
        planned = seen[address]
        target = planned.target
        owner = desired.owner(target.kind, target.name)
        fresh = read_owner_again(client, owner, target, kinds)
        before, now = owner_digests(planned, key, owners), owner_digests(fresh, key, owners)
        ledger = f"{address}.ledger"
        moved = sorted(a for a in before.keys() | now.keys() if a != ledger and before.get(a) != now.get(a))
        if not moved:
            return False
        if not build_plan(DesiredState.of(owner), LiveState.of(fresh), kinds).config_changes:
            return True
        raise StalePlan(
            f"{address}: another apply changed it while this one waited for its lease "
            f"({', '.join(moved)}); nothing was changed there by this apply: plan again"
        )

    return check
