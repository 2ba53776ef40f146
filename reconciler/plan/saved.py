"""Saved plans (`plan --out F`, `apply F`): the plan's requests plus fingerprints of what they assumed.

A saved plan holds no secret values: a sensitive part of a request is a reference to the manifest
node it came from, read again (from the manifests and the environment) when the plan is applied.
Apply refuses the plan when the live state it was computed from moved, or when the manifests (or the
secret values they read) changed: what runs is exactly what was reviewed. Digests are keyed (HMAC), so
even a per-object digest of a sensitive live value reveals nothing; the key is the ledger key when
set, else derived from the API token (never stored).

The file itself is sealed with the same key (a MAC over everything apply reads from it): its requests,
inventory and conflicts are trusted only because nobody without the key could have written them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.manifest.model import DesiredState
from reconciler.manifest.select import Selection
from reconciler.model.change import Action, Change
from reconciler.model.errors import ReconcilerError
from reconciler.model.location import DocPath
from reconciler.model.objects import LiveState, OwnerLive
from reconciler.model.owner import OwnerRef
from reconciler.model.request import api_named, decode_request, encode_request, source_path
from reconciler.model.sensitive import UNREADABLE, Sensitive, reveal
from reconciler.model.status import STATUS_KEY
from reconciler.plan.document import restore_display
from reconciler.plan.model import Plan
from reconciler.plan.render_json import render_json
from reconciler.plan.sealed_paths import seal_requests, unseal_requests

SAVED_KEY = "saved_plan"
SEAL_KEY = "saved_plan_seal"  # outside what it seals: {"key": source, "key_check": ..., "mac": ...}
SAVED_FORMAT = 3  # 3: sealed; 2: requests carried in the file; 1: re-planned at apply time
_KEY_DIFFERS = {  # (when sealed, now): how the key differs, never what it is
    ("ledger-key", "token"): "with NETLIFY_RECONCILER_LEDGER_KEY set, and it is not set here",
    ("ledger-key", "ledger-key"): "with another NETLIFY_RECONCILER_LEDGER_KEY than the one set here",
    ("token", "ledger-key"): "without NETLIFY_RECONCILER_LEDGER_KEY (keyed by the token), and it is set here",
    ("token", "token"): "with another API token (and no NETLIFY_RECONCILER_LEDGER_KEY)",
}


class StalePlan(ReconcilerError):
    """Live state or manifests changed since the plan was saved."""


@dataclass(frozen=True)
class Fingerprint:
    digest: str
    objects: dict[str, str]  # object address -> keyed digest of its live state


def fingerprint(live: LiveState, key: bytes, owner_kinds: frozenset[str]) -> Fingerprint:
    """Keyed digests of every live object a plan depends on, the owners' ledgers included.
    `owner_kinds` are the kinds whose object is the owner itself: they are named by the owner's address."""
    objects: dict[str, str] = {}
    for owner_live in live.owners():
        objects.update(owner_digests(owner_live, key, owner_kinds))
    return Fingerprint(_mac(key, objects), objects)


def owner_digests(owner_live: OwnerLive, key: bytes, owner_kinds: frozenset[str]) -> dict[str, str]:
    """Keyed digests of one owner's objects by address (the owner's own under its address, the ledger
    under `<owner>.ledger`). An object's ids count too, those of every holder of its identity: the saved
    requests name the ids the plan read, so an object made again (same content, new id) or joined by a
    twin makes the plan stale."""
    prefix = owner_live.target.ref.address
    entries: dict[str, Any] = {prefix: {"exists": owner_live.target.site_id or owner_live.target.account}}
    for kind, by_identity in owner_live.objects.items():
        for identity, obj in by_identity.items():
            state = {
                "state": _canonical(obj.state),
                "updated_at": obj.ref.get("updated_at"),
                "ids": [str(holder.ref.get("id")) for holder in (obj, *obj.others)],
            }
            if kind in owner_kinds:
                entries[prefix] = {**entries[prefix], **state}
            else:
                entries[f"{prefix}.{kind}" + (f".{identity}" if identity != kind else "")] = state
    stored = owner_live.stored_ledger
    if stored is not None:
        entries[f"{prefix}.ledger"] = {
            "content": _canonical(stored.content),
            # A published status (`--publish-status`) may share the carrier; publishing one between plan
            # and apply is not a change the plan was made from.
            "carrier": _canonical({k: v for k, v in stored.carrier.items() if k != STATUS_KEY}),
            "exists": stored.exists,
        }
    return {address: _mac(key, entry) for address, entry in entries.items()}


def manifests_digest(desired: DesiredState, key: bytes) -> str:
    """Everything the manifests declare, secret values included (keyed): what the plan was made from."""
    return _mac(key, {owner.address: _canonical(owner.spec) for owner in desired.owners()})


def _canonical(value: Any) -> Any:
    if value is UNREADABLE:
        return "(unreadable)"
    if isinstance(value, Sensitive):
        return reveal(value)
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_canonical(v) for v in value]
        return sorted(items, key=json.dumps) if isinstance(value, set | frozenset) else items
    return value


def _mac(key: bytes, value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def save(
    plan: Plan,
    live: LiveState,
    desired: DesiredState,
    manifests: Path,
    api_url: str,
    key: bytes,
    owner_kinds: frozenset[str],
    selection: Selection,
    key_source: str,
) -> str:
    """The saved plan's text (`plan --out`), sealed."""
    printed = fingerprint(live, key, owner_kinds)
    saved = {
        "format": SAVED_FORMAT,
        "selection": selection.to_json(),
        "api_url": api_url,
        "objects": printed.objects,
        "manifests_digest": manifests_digest(desired, key),
        "prefixes": dict(plan.prefixes),
        "managed": {address: sorted(map(list, pairs)) for address, pairs in sorted(plan.managed.items())},
        "changes": [_saved_change(change, key) for change in plan.changes],
    }
    extra = {"fingerprint": printed.digest, "manifests": str(manifests), SAVED_KEY: saved}
    document = json.loads(render_json(plan, extra=extra))
    document[SEAL_KEY] = seal(document, key, key_source)
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def seal(document: dict[str, Any], key: bytes, key_source: str) -> dict[str, str]:
    """The MAC of a saved plan (its seal left out), and a check value of the key that reveals nothing of
    it, so a plan applied with another key is told so rather than called stale."""
    unsealed = {k: v for k, v in document.items() if k != SEAL_KEY}
    return {"key": key_source, "key_check": _key_check(key), "mac": _mac(key, unsealed)}


def _key_check(key: bytes) -> str:
    return _mac(key, "netlify-reconciler/saved-plan-key-check")[:16]


def _saved_change(change: Change, key: bytes) -> dict[str, Any]:
    def reference(value: Sensitive) -> list[str | int]:
        return list(source_path(value))

    return {
        "owner": [change.owner.kind, change.owner.name],
        "kind": change.kind,
        "identity": change.identity,
        "action": change.action.value,
        "owner_itself": change.owner_itself,
        "consent": change.consent,
        "requests": seal_requests([encode_request(request, reference) for request in change.requests], key),
    }


@dataclass(frozen=True)
class SavedPlan:
    path: Path
    document: dict[str, Any]
    manifests: Path
    api_url: str
    fingerprint: Fingerprint
    manifests_digest: str
    selection: Selection

    @property
    def saved(self) -> dict[str, Any]:
        section: dict[str, Any] = self.document[SAVED_KEY]
        return section


def is_saved_plan(path: Path) -> bool:
    """Recognised by content, whatever the file is called: a JSON document with a saved-plan section."""
    if not path.is_file():
        return False
    try:
        with path.open("rb") as handle:
            if handle.read(1) != b"{":
                return False
        document = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return False
    return isinstance(document, dict) and SAVED_KEY in document


def load(path: Path, key: bytes, key_source: str) -> SavedPlan:
    """The saved plan at `path`, refused unless its seal matches `key`: nothing in it is used before."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        saved = document[SAVED_KEY]
        if saved.get("format") != SAVED_FORMAT:
            raise ValueError(f"saved-plan format {saved.get('format')!r}, this version reads {SAVED_FORMAT}")
        if not isinstance(document.get(SEAL_KEY), dict):
            raise ValueError("it has no seal")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _not_saved_plan(path, exc) from None
    _check_seal(path, document, key, key_source)
    try:
        for change in saved["changes"]:
            unseal_requests(change["requests"], key)
        plan_file = SavedPlan(
            path,
            document,
            Path(document["manifests"]),
            str(saved["api_url"]),
            Fingerprint(str(document["fingerprint"]), dict(saved["objects"])),
            str(saved["manifests_digest"]),
            Selection.from_json(saved.get("selection")),
        )
        _decode(plan_file, _checked_reference)  # every part decodes before anything is read or sent
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, ReconcilerError) as exc:
        raise _not_saved_plan(path, exc) from None
    return plan_file


def _not_saved_plan(path: Path, exc: Exception) -> ReconcilerError:
    return ReconcilerError(f"{path}: not a saved plan written by this version's `plan --out` ({exc})")


def _check_seal(path: Path, document: dict[str, Any], key: bytes, key_source: str) -> None:
    found = document[SEAL_KEY]
    if found.get("key_check") != _key_check(key):
        differs = _KEY_DIFFERS.get((str(found.get("key")), key_source), "with another key")
        raise StalePlan(
            f"{path}: the saved plan was written {differs}: "
            "apply it with the key the plan was made with, or make a new plan. Nothing was applied."
        )
    if not hmac.compare_digest(str(found.get("mac")), seal(document, key, key_source)["mac"]):
        raise StalePlan(
            f"{path}: the saved plan was modified after it was written, or was written with another "
            "key/token; it is refused whole. Nothing was applied; make a new plan and review it."
        )


def _checked_reference(reference: Any) -> Sensitive:
    """A sensitive reference's shape, checked before the manifests are read (see `saved_plan`)."""
    if not isinstance(reference, list) or not all(isinstance(part, str | int) for part in reference):
        raise ValueError(f"a sensitive reference {reference!r} is not a manifest path")
    return Sensitive("", tuple(reference))


def check_fresh(
    saved: SavedPlan,
    live: LiveState,
    desired: DesiredState,
    api_url: str,
    key: bytes,
    owner_kinds: frozenset[str],
) -> None:
    """Refuse a plan made for another API, against other live state, or from other manifests."""
    if api_url != saved.api_url:
        raise StalePlan(f"the plan was made against {saved.api_url}, not {api_url}: make a new plan")
    now = fingerprint(live, key, owner_kinds)
    if now.digest != saved.fingerprint.digest:
        before, after = saved.fingerprint.objects, now.objects
        moved = sorted(a for a in before.keys() & after.keys() if before[a] != after[a])
        gone = sorted(before.keys() - after.keys())
        new = sorted(after.keys() - before.keys())
        lines = ["the saved plan is stale: live state changed since it was made (or another token made it):"]
        lines += [f"  changed: {a}" for a in moved] + [f"  gone: {a}" for a in gone]
        lines += [f"  new: {a}" for a in new]
        lines.append("  Nothing was applied. Make a new plan and review it.")
        raise StalePlan("\n".join(lines))
    if manifests_digest(desired, key) != saved.manifests_digest:
        raise StalePlan(
            "the manifests (or the secret values they read from the environment) changed since the plan was "
            "saved. Nothing was applied; make a new plan and review it."
        )


def saved_plan(saved: SavedPlan, desired: DesiredState) -> Plan:
    """The plan as saved, its sensitive references read again from the (unchanged) manifests."""

    def sensitive(reference: Any) -> Sensitive:
        source: DocPath = tuple(reference)
        try:
            value = desired.value_at(source)
        except (KeyError, IndexError, TypeError, ValueError):
            raise StalePlan(f"{saved.path}: the manifests no longer hold a value the plan sends") from None
        return value if isinstance(value, Sensitive) else Sensitive(str(value), source)

    try:
        return _decode(saved, sensitive)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise _not_saved_plan(saved.path, exc) from None


def _decode(saved: SavedPlan, sensitive: Callable[[Any], Sensitive]) -> Plan:
    section = saved.saved
    plan = Plan(
        warnings=[str(w) for w in saved.document["warnings"]],
        conflicts=[str(c) for c in saved.document["conflicts"]],
        prefixes={api_named(k): str(v) for k, v in dict(section["prefixes"]).items()},
        managed={str(address): {(k, i) for k, i in pairs} for address, pairs in section["managed"].items()},
    )
    shown = {entry["address"]: entry for entry in saved.document["changes"]}
    for entry in section["changes"]:
        kind, name = entry["owner"]
        if kind not in ("team", "site") or not isinstance(name, str):
            raise ValueError(f"owner {entry['owner']!r} is not a team or site")
        change = Change(
            OwnerRef(kind, name),
            str(entry["kind"]),
            entry["identity"],
            Action(entry["action"]),
            requests=[decode_request(request, sensitive) for request in entry["requests"]],
            owner_itself=bool(entry["owner_itself"]),
            consent=str(entry.get("consent") or ""),
        )
        restore_display(change, shown.get(change.address) or {})
        plan.changes.append(change)
    return plan
