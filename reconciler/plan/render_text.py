"""Terraform-style text plan: `+ ~ -` per object, `before → after` per field, secrets masked."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import click

from reconciler.plan.diff import flatten
from reconciler.plan.model import ABSENT, KNOWN_AFTER_APPLY, Action, Change, FieldChange, Plan
from reconciler.sensitive import MASK, is_sensitive

SYMBOLS = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-", Action.REPLACE: "-/+"}
COLOURS = {"+": "green", "~": "yellow", "-": "red", "-/+": "magenta"}


def format_value(value: Any) -> str:
    """One value as the reader would type it; anything sensitive is the mask, whole."""
    if is_sensitive(value):
        return MASK
    if value is ABSENT:
        return "(absent)"
    if value is KNOWN_AFTER_APPLY:
        return repr(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def render_text(plan: Plan, colour: bool = False) -> str:
    def paint(symbol: str, text: str) -> str:
        return click.style(text, fg=COLOURS[symbol]) if colour else text

    lines: list[str] = []
    for change in plan.changes:
        lines.extend(_change_lines(change, paint))
        lines.append("")
    counts = Counter((u.owner.address, u.kind) for u in plan.unmanaged)
    if counts:
        lines.append(
            "Unmanaged (live, not declared, left untouched; declare them or list the kind under `prune:`):"
        )
        lines.extend(f"  {owner} {kind}: {count}" for (owner, kind), count in sorted(counts.items()))
        lines.append("")
    lines.extend(f"Warning: {warning}" for warning in plan.warnings)
    lines.extend(f"Conflict: {conflict}" for conflict in plan.conflicts)
    lines.append(plan.summary())
    return "\n".join(lines) + "\n"


def _change_lines(change: Change, paint: Any) -> list[str]:
    symbol = SYMBOLS[change.action]
    header = f"  {symbol} {change.address}"
    if change.action is Action.CREATE:
        header += "  (create)"
    elif change.action is Action.DELETE:
        header += f"  (destroy{': ' + change.note if change.note else ''})"
    lines = [paint(symbol, header)]
    if change.action is Action.CREATE:
        entries = [FieldChange(path, ABSENT, value) for path, value in flatten(change.after) if path]
    elif change.action is Action.UPDATE:
        entries = change.fields
    else:
        entries = []
    width = max((len(".".join(e.path)) for e in entries), default=0)
    lines.extend(_field_line(entry, width, paint) for entry in entries)
    return lines


def _field_line(entry: FieldChange, width: int, paint: Any) -> str:
    name = entry.dotted.ljust(width)
    # One sensitive side masks both: an old value is as secret as the new one.
    hide = entry.sensitive
    before = MASK if hide and entry.before is not ABSENT else format_value(entry.before)
    after = MASK if hide and entry.after is not ABSENT else format_value(entry.after)
    if entry.before is ABSENT:
        return paint("+", f"      + {name} = {after}")
    if entry.after is ABSENT:
        return paint("-", f"      - {name} = {before}")
    if hide:
        return paint("~", f"      ~ {name} = {MASK} (changed)")
    return paint("~", f"      ~ {name} = {before} → {after}")
