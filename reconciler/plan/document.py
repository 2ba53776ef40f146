"""A plan read back from its JSON document (a saved plan, a shard's drift report): what the renderers need
to show it again, sensitive parts still masked, with each change's manifest location and the calls the
document listed. The requests are not in the document; a saved plan adds them from its own section."""

from __future__ import annotations

from typing import Any

from reconciler.model.change import ABSENT, Action, Change, FieldChange
from reconciler.model.location import Location
from reconciler.model.owner import OwnerRef
from reconciler.model.sensitive import MASK, Sensitive
from reconciler.plan.model import Plan, Unmanaged


def plan_from_document(document: dict[str, Any]) -> Plan:
    plan = Plan(
        warnings=[str(w) for w in document.get("warnings") or []],
        conflicts=[str(c) for c in document.get("conflicts") or []],
    )
    plan.changes = [change_from_entry(entry) for entry in document.get("changes") or []]
    plan.unmanaged = [
        Unmanaged(_owner(*str(u["owner"]).split(".", 1)), str(u["kind"]), str(u["identity"]))
        for u in document.get("unmanaged") or []
    ]
    return plan


def _owner(kind: str, name: str) -> OwnerRef:
    if kind not in ("team", "site"):
        raise ValueError(f"unknown owner kind {kind!r}")
    return OwnerRef("team" if kind == "team" else "site", name)


def change_from_entry(entry: dict[str, Any]) -> Change:
    """One change as its document entry shows it; masked values stay masked."""
    owner = entry["owner"]
    change = Change(
        _owner(str(owner["kind"]), str(owner["name"])),
        str(entry["kind"]),
        str(entry["identity"]),
        Action(entry["action"]),
        owner_itself=entry["address"] == f"{owner['kind']}.{owner['name']}",
    )
    restore_display(change, entry)
    change.recorded_calls = tuple(str(call) for call in entry.get("calls") or ())
    change.location = _location(entry.get("location"))
    return change


def _location(text: Any) -> Location | None:
    """`file:line:column` as a report writes a change's manifest position (the file may hold colons)."""
    if not isinstance(text, str):
        return None
    file, line, column = [*text.rsplit(":", 2), "", ""][:3]
    if not (file and line.isdigit() and column.isdigit()):
        return None
    return Location(file, int(line), int(column))


def restore_display(change: Change, shown: dict[str, Any]) -> None:
    """What a document shows of a change, for reports; masked values stay masked."""

    def value(item: Any, hidden: bool) -> Any:
        return Sensitive("") if hidden else item

    change.note = str(shown.get("note") or "")
    change.before = shown.get("before")
    change.after = shown.get("after")
    change.fields = [
        FieldChange(
            tuple(field["path"]),
            value(field.get("before"), field["sensitive"]) if "before" in field else ABSENT,
            value(field.get("after"), field["sensitive"]) if "after" in field else ABSENT,
        )
        for field in shown.get("fields") or []
    ]
    if any(field["sensitive"] for field in shown.get("fields") or []) or shown.get("sensitive_paths"):
        change.before = _mask(change.before)
        change.after = _mask(change.after)


def _mask(value: Any) -> Any:
    """The document's "(sensitive)" strings as masked values again, so every renderer hides them."""
    if value == MASK:
        return Sensitive("")
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v) for v in value]
    return value
