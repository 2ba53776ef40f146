"""Terraform-style text plan: `+ ~ -` per object, `before → after` per field, secrets masked.

The per-change lines and value rules live in `values.py`, shared with the Markdown plan, so the
terminal and a pull-request comment show every change the same way.
"""

from __future__ import annotations

from collections import Counter

import click

from reconciler.plan.model import Plan
from reconciler.plan.values import SYMBOLS, change_lines, format_value

__all__ = ["COLOURS", "SYMBOLS", "format_value", "render_text"]

COLOURS = {"+": "green", "~": "yellow", "-": "red", "-/+": "magenta", "^": "cyan", "#": "blue"}


def render_text(plan: Plan, colour: bool = False, calls: bool = False) -> str:
    """The plan for a terminal; `calls` lists under each change the requests apply will send."""

    def paint(symbol: str, text: str) -> str:
        return click.style(text, fg=COLOURS[symbol]) if colour else text

    lines: list[str] = []
    if plan.mode == "drift" and plan.listed:
        lines += ["Netlify differs from the manifests; `apply` would make these changes to correct it:", ""]
    for change in plan.listed:
        lines.extend(change_lines(change, paint, plan.calls(change) if calls else None))
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
