"""The versioned JSON plan: what CI and other tools read, described by `schemas/plan.schema.json`.

Terraform's JSON plan carries sensitive values in clear text next to a flag saying they are
sensitive; ours never contains them at all. Each sensitive part becomes "(sensitive)" and its
path is listed, so a consumer still knows *where* a secret changed without seeing it. A path that
is sensitive on one side is masked on both: the old value of a rotated secret is a secret too.

The output is deterministic (sorted keys, changes in plan order) so two plans of the same state
can be compared byte for byte, e.g. to tell whether a pull request's plan changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from reconciler.model.change import ABSENT, Action, Change, FieldChange
from reconciler.model.sensitive import MASK
from reconciler.plan.model import Plan, Unmanaged
from reconciler.plan.values import field_hidden, jsonable, leaves

FORMAT_VERSION = 1
SCHEMA_ID = "urn:netlify-reconciler:schema:plan:1"

JsonPath = tuple[str | int, ...]


class _Hidden:
    """Stands in for a sensitive value while its path is still being collected."""

    def __repr__(self) -> str:
        return MASK


_HIDDEN = _Hidden()


def render_json(plan: Plan, *, extra: dict[str, Any] | None = None) -> str:
    """The plan document as indented JSON text ending in a newline."""
    document = plan_document(plan, extra)
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def plan_document(plan: Plan, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The plan as plain JSON data; `extra` adds top-level keys (fingerprint, manifests, ...)."""
    counts = plan.counts()
    document: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "summary": {
            **{action.value: counts[action.value] for action in Action},
            "total": len(plan.listed),
            "text": plan.summary(),
        },
        "changes": [_change(change, plan.calls(change)) for change in plan.listed],
        "unmanaged": [_unmanaged(u) for u in sorted(plan.unmanaged, key=_unmanaged_key)],
        "conflicts": [str(c) for c in plan.conflicts],
        "warnings": [str(w) for w in plan.warnings],
    }
    if plan.mode == "drift":  # what `drift --merge-reports` checks: a drift report, and of which shard
        document["drift"] = {"shard": f"{plan.shard[0]}/{plan.shard[1]}" if plan.shard else None}
    for key, value in (extra or {}).items():
        if key in document:
            # Silently replacing "changes" or "summary" would make the document lie.
            raise ValueError(f"extra key {key!r} would replace a plan field")
        document[key] = jsonable(value)
    return document


def _change(change: Change, calls: list[str]) -> dict[str, Any]:
    before = jsonable(change.before, _HIDDEN)
    after = jsonable(change.after, _HIDDEN)
    hidden = set(_hidden_paths(before)) | set(_hidden_paths(after))
    hidden |= {entry.path for entry in change.fields if field_hidden(entry)}
    hidden = {p for p in _outermost(hidden) if _exists(before, p) or _exists(after, p)}
    out: dict[str, Any] = {
        "address": change.address,
        "owner": {"kind": change.owner.kind, "name": change.owner.name},
        "kind": change.kind,
        "identity": str(change.identity),
        "action": change.action.value,
        "before": _masked(before, hidden),
        "after": _masked(after, hidden),
        "sensitive_paths": [list(p) for p in sorted(hidden, key=_path_key)],
        "fields": [_field(entry, hidden) for entry in _fields(change)],
        "calls": calls,
    }
    if change.outputs:
        out["outputs"] = change.outputs
    if change.note:
        out["note"] = str(change.note)
    if change.location is not None:
        out["location"] = str(change.location)
    return out


def _fields(change: Change) -> list[FieldChange]:
    """The planner's field changes; for a whole new or removed object, each of its leaves."""
    if change.fields:
        return change.fields
    if change.action is Action.CREATE:
        return [FieldChange(path, ABSENT, value) for path, value in leaves(change.after)]
    if change.action is Action.DELETE:
        return [FieldChange(path, value, ABSENT) for path, value in leaves(change.before)]
    return []


def _field(entry: FieldChange, hidden: set[JsonPath]) -> dict[str, Any]:
    hide = field_hidden(entry) or any(_related(entry.path, p) for p in hidden)
    out: dict[str, Any] = {"path": list(entry.path), "sensitive": hide}
    for side, value in (("before", entry.before), ("after", entry.after)):
        if value is not ABSENT:
            out[side] = MASK if hide else jsonable(value)
    return out


def _hidden_paths(tree: Any, prefix: JsonPath = ()) -> Iterable[JsonPath]:
    if tree is _HIDDEN:
        yield prefix
    elif isinstance(tree, dict):
        for key, value in tree.items():
            yield from _hidden_paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from _hidden_paths(value, (*prefix, index))


def _outermost(paths: set[JsonPath]) -> set[JsonPath]:
    """Drop paths inside another masked path: the mask already covers them."""
    return {p for p in paths if not any(q != p and p[: len(q)] == q for q in paths)}


def _related(a: JsonPath, b: JsonPath) -> bool:
    """One path is inside (or equal to) the other."""
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _exists(tree: Any, path: JsonPath) -> bool:
    for part in path:
        in_dict = isinstance(tree, dict) and isinstance(part, str) and part in tree
        in_list = isinstance(tree, list) and isinstance(part, int) and part < len(tree)
        if not (in_dict or in_list):
            return False
        tree = tree[part]
    return True


def _masked(tree: Any, hidden: set[JsonPath], prefix: JsonPath = ()) -> Any:
    """Replace each hidden path (and any stray placeholder) by the mask, keeping the rest."""
    if tree is _HIDDEN or prefix in hidden:
        return MASK
    if isinstance(tree, dict):
        return {key: _masked(value, hidden, (*prefix, key)) for key, value in tree.items()}
    if isinstance(tree, list):
        return [_masked(value, hidden, (*prefix, index)) for index, value in enumerate(tree)]
    return tree


def _path_key(path: JsonPath) -> tuple[tuple[int, int, str], ...]:
    """Sort mixed key/index paths without comparing str with int."""
    return tuple((1, 0, p) if isinstance(p, str) else (0, p, "") for p in path)


def _unmanaged(item: Unmanaged) -> dict[str, str]:
    return {"owner": item.owner.address, "kind": item.kind, "identity": str(item.identity)}


def _unmanaged_key(item: Unmanaged) -> tuple[str, str, str]:
    return (item.owner.address, item.kind, str(item.identity))
