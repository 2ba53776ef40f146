"""Saved plans (`plan --out F`, `apply F`): the JSON plan plus a fingerprint of the live state it saw.

A saved plan holds no secret values: `apply F` loads the same manifests again (secrets come from the
environment), reads live state again, and refuses when anything the plan depended on moved. The
fingerprint is keyed (HMAC), so even a per-object digest of a sensitive live value reveals nothing;
the key is the ledger key when set, else derived from the API token (never stored).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.errors import ReconcilerError
from reconciler.live import LiveState
from reconciler.plan.model import Plan
from reconciler.plan.render_json import plan_document, render_json
from reconciler.sensitive import UNREADABLE, Sensitive, reveal

SAVED_KEY = "saved_plan"


class StalePlan(ReconcilerError):
    """Live state or manifests changed since the plan was saved."""


@dataclass(frozen=True)
class Fingerprint:
    digest: str
    objects: dict[str, str]  # object address -> keyed digest of its live state


def fingerprint(live: LiveState, key: bytes) -> Fingerprint:
    objects: dict[str, str] = {}
    for owners in (live.teams, live.sites):
        for name, owner_live in owners.items():
            prefix = f"{owner_live.target.kind}.{name}"
            objects[prefix] = _mac(key, {"exists": owner_live.target.site_id or owner_live.target.account})
            for kind, by_identity in owner_live.objects.items():
                for identity, obj in by_identity.items():
                    state = {"state": _canonical(obj.state), "updated_at": obj.ref.get("updated_at")}
                    objects[f"{prefix}.{kind}.{identity}"] = _mac(key, state)
    return Fingerprint(_mac(key, objects), objects)


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


def change_digests(plan: Plan, key: bytes) -> dict[str, str]:
    """Keyed digests of what each change writes, secrets included: the masked JSON alone cannot tell a
    rotated secret from the one the reviewer saw."""
    return {change.address: _mac(key, _canonical(change.after)) for change in plan.changes}


def save(path: Path, plan: Plan, live: LiveState, manifests: Path, api_url: str, key: bytes) -> None:
    print_ = fingerprint(live, key)
    extra = {
        "fingerprint": print_.digest,
        "manifests": str(manifests),
        SAVED_KEY: {"api_url": api_url, "objects": print_.objects, "writes": change_digests(plan, key)},
    }
    path.write_text(render_json(plan, extra=extra), encoding="utf-8")


@dataclass(frozen=True)
class SavedPlan:
    document: dict[str, Any]
    manifests: Path
    api_url: str
    fingerprint: Fingerprint
    writes: dict[str, str]


def is_saved_plan(path: Path) -> bool:
    if not path.is_file() or path.suffix.lower() != ".json":
        return False
    try:
        return SAVED_KEY in json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return False


def load(path: Path) -> SavedPlan:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        saved = document[SAVED_KEY]
        return SavedPlan(
            document,
            Path(document["manifests"]),
            str(saved["api_url"]),
            Fingerprint(str(document["fingerprint"]), dict(saved["objects"])),
            dict(saved["writes"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReconcilerError(f"{path}: not a saved plan written by `plan --out` ({exc})") from None


def check_fresh(saved: SavedPlan, plan: Plan, live: LiveState, api_url: str, key: bytes) -> None:
    """Refuse a plan made for another API, against other live state, or from other manifests."""
    if api_url != saved.api_url:
        raise StalePlan(f"the plan was made against {saved.api_url}, not {api_url}: make a new plan")
    now = fingerprint(live, key)
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
    if (
        plan_document(plan)["changes"] != saved.document.get("changes")
        or change_digests(plan, key) != saved.writes
    ):
        raise StalePlan(
            "the manifests (or the secret values they read from the environment) changed since the plan was "
            "saved: the same live state now plans different changes. Nothing was applied; make a new plan."
        )
