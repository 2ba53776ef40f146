"""The plan as a pull-request comment: summary table, one collapsible section per owner, bounded size.

Two rules make it safe to post whatever the manifests and the live state contain:

- Escaping. Values reach Markdown in two ways only. Inline (table cells, list items, `<summary>`),
  every character Markdown or HTML could act on becomes an HTML entity (`escape`); entities are
  decoded after parsing, so they show as themselves and never start a tag, a cell, a code span,
  emphasis, a link or math. In the per-owner diff blocks, text is literal and the fence is longer
  than any run of backticks inside it, so nothing can close it early.
- Size. GitHub rejects comments over 65,536 characters, and a rejected comment hides the plan
  entirely. The output is built block by block, each block whole, within `max_chars`: the summary
  table, conflicts, warnings and unmanaged objects are placed first, then change details until the
  budget runs out, followed by a note saying how many changes are shown.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

from reconciler.model.change import Action, Change
from reconciler.model.owner import OwnerRef
from reconciler.plan.model import Plan
from reconciler.plan.values import change_lines

DEFAULT_HINT = "See the full plan in the job log."
MAX_LINE = 1000  # characters of one diff line; a huge snippet must not push out every other change

_ESCAPES = {c: f"&#{ord(c)};" for c in "|`\\*_~[]$#"}
_ESCAPES.update({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\n": "<br>", "\r": ""})
_ESCAPES.update({chr(c): " " for c in range(32) if chr(c) not in "\n\r\t"})
_ESCAPE_TABLE = str.maketrans(_ESCAPES)
_BLOCK_MARKER = re.compile(r"[ \t\-+=]|\d+[.)]")  # would open a list or code block at an item's start


def escape(text: object) -> str:
    """Text that renders as itself anywhere inline: in a table cell, a list item or raw HTML.

    Numeric entities for Markdown's syntax characters (`|` cells, backticks, emphasis, links,
    GitHub's `$` math, backslash escapes, `#` headings) and named ones for HTML's; a newline becomes
    `<br>` so it cannot end a table row. Quotes are left alone: values never go into attributes.
    A leading space, `-`, `+` or `1.` is an entity too, so a list item cannot become a nested list
    or a code block.
    """
    out = str(text).translate(_ESCAPE_TABLE)
    if _BLOCK_MARKER.match(out):
        out = f"&#{ord(out[0])};{out[1:]}"
    return out


def code(text: object) -> str:
    """Escaped text in monospace; an HTML element because a Markdown code span shows entities raw."""
    return f"<code>{escape(text)}</code>"


def render_markdown(
    plan: Plan,
    *,
    title: str = "netlify-reconciler plan",
    max_chars: int = 60000,
    full_plan_hint: str | None = None,
) -> str:
    """The plan as GitHub-flavoured Markdown of at most `max_chars` characters."""
    total = len(plan.listed)
    hint = escape(full_plan_hint or DEFAULT_HINT)
    head = f"## {escape(title)}\n\n**{escape(plan.summary())}**\n\n"
    budget = max_chars - len(head) - len(_note(total, total, hint))
    if budget < 0:
        raise ValueError(f"max_chars={max_chars} cannot hold even the plan's summary line")

    by_owner = _changes_by_owner(plan)
    table, cut = _table(plan, by_owner, budget)
    budget -= len(table)
    # Placed after the details, but given room first: a reviewer must see conflicts and warnings.
    tails: dict[str, str] = {}
    for heading, intro, items in _lists(plan):
        tails[heading], shortened = _bounded_list(heading, intro, items, budget)
        budget -= len(tails[heading])
        cut = cut or shortened
    details: list[str] = []
    shown = 0
    for owner, changes in by_owner.items():
        block, count = _owner_section(owner, changes, budget, plan.calls)
        if count == 0:
            break
        details.append(block)
        budget -= len(block)
        shown += count
        if count < len(changes):
            break
    note = _note(shown, total, hint) if cut or shown < total else ""
    ordered = [tails[heading] for heading in ("Unmanaged", "Conflicts", "Warnings")]
    return "".join([head, table, *details, *ordered, note]).rstrip("\n") + "\n"


def _note(shown: int, total: int, hint: str) -> str:
    return f"**Note:** Plan truncated: {shown} of {total} changes shown. {hint}\n"


def _changes_by_owner(plan: Plan) -> dict[OwnerRef, list[Change]]:
    """Changes grouped by owner, owners in plan order (the order apply works in)."""
    groups: dict[OwnerRef, list[Change]] = {}
    for change in plan.listed:
        groups.setdefault(change.owner, []).append(change)
    return groups


def _counts_text(changes: Sequence[Change]) -> str:
    counts = Counter(change.action for change in changes)
    parts = [
        f"{counts[Action.CREATE]} to add",
        f"{counts[Action.UPDATE]} to change",
        f"{counts[Action.DELETE]} to destroy",
    ]
    if counts[Action.REPLACE]:
        parts.append(f"{counts[Action.REPLACE]} to replace")
    if counts[Action.DEPLOY]:
        parts.append(f"{counts[Action.DEPLOY]} deploy")
    if counts[Action.RECORD]:
        parts.append(f"{counts[Action.RECORD]} ledger write")
    return ", ".join(parts)


def _table(plan: Plan, by_owner: dict[OwnerRef, list[Change]], budget: int) -> tuple[str, bool]:
    """One row per owner with changes or unmanaged objects; rows cut with a "… N more" row if needed."""
    unmanaged = Counter(item.owner for item in plan.unmanaged)
    owners = list(by_owner) + sorted(set(unmanaged) - set(by_owner), key=lambda o: o.address)
    if not owners:
        return "", False
    actions = [Action.CREATE, Action.UPDATE, Action.DELETE]
    labels = ["Add (+)", "Change (~)", "Destroy (-)"]
    for action, label in (
        (Action.REPLACE, "Replace (-/+)"),
        (Action.DEPLOY, "Deploy (^)"),
        (Action.RECORD, "Ledger (#)"),
    ):
        if any(change.action is action for change in plan.listed):
            actions.append(action)
            labels.append(label)
    columns = ["Owner", *labels, "Unmanaged"]
    header = f"| {' | '.join(columns)} |\n|:--|{'--:|' * (len(columns) - 1)}\n"

    def row(first: str, numbers: Sequence[object]) -> str:
        return f"| {first} | {' | '.join(str(n) for n in numbers)} |\n"

    rows = []
    for owner in owners:
        counts = Counter(change.action for change in by_owner.get(owner, []))
        rows.append(row(code(owner.address), [*(counts[a] for a in actions), unmanaged[owner]]))
    footer = ""
    if len(owners) > 1:
        totals = Counter(change.action for change in plan.listed)
        footer = row("**Total**", [*(totals[a] for a in actions), len(plan.unmanaged)])
    blank = [""] * (len(columns) - 1)
    more = row(f"… {len(rows)} more owners", blank)  # the longest "more" row this table can need
    if len(header) + sum(map(len, rows)) + len(footer) + 1 <= budget:
        return header + "".join(rows) + footer + "\n", False
    kept, room = _fit(rows, budget - len(header) - len(footer) - len(more) - 1)
    if room < 0:
        return "", True
    more = row(f"… {len(rows) - len(kept)} more owners", blank)
    return header + "".join(kept) + more + footer + "\n", True


def _lists(plan: Plan) -> list[tuple[str, str, list[str]]]:
    counts = Counter((item.owner.address, item.kind) for item in plan.unmanaged)
    unmanaged = [f"- {code(owner)} {escape(kind)}: {n}" for (owner, kind), n in sorted(counts.items())]
    intro = (
        "Live objects no manifest declares, left untouched. Declare them, or list the kind under "
        f"{code('prune:')} to delete them."
    )
    refused = "Nothing is planned for these; apply refuses until they are resolved."
    return [  # in the order they get room
        ("Conflicts", refused, _items(plan.conflicts)),
        ("Warnings", "", _items(plan.warnings)),
        ("Unmanaged", intro, unmanaged),
    ]


def _items(texts: Sequence[str]) -> list[str]:
    return [f"- {escape(text)}" for text in texts]


def _bounded_list(heading: str, intro: str, items: list[str], budget: int) -> tuple[str, bool]:
    """A titled bullet list with as many items as fit, then "… N more"; empty when nothing fits."""
    if not items:
        return "", False
    start = f"### {heading}\n\n" + (f"{intro}\n\n" if intro else "")
    lines = [f"{item}\n" for item in items]
    if len(start) + sum(map(len, lines)) + 1 <= budget:
        return start + "".join(lines) + "\n", False
    kept, room = _fit(lines, budget - len(start) - len(f"- … {len(items)} more\n") - 1)
    if room < 0:
        return "", True
    return start + "".join(kept) + f"- … {len(items) - len(kept)} more\n\n", True


def _fit(lines: Sequence[str], room: int) -> tuple[list[str], int]:
    """The leading lines that fit in `room` characters, and the room left (negative: none could)."""
    kept: list[str] = []
    for line in lines:
        if len(line) > room:
            break
        kept.append(line)
        room -= len(line)
    return kept, room


def _owner_section(
    owner: OwnerRef, changes: list[Change], budget: int, calls: Callable[[Change], list[str]]
) -> tuple[str, int]:
    """A collapsible diff of the owner's changes, as many (from the first) as fit; (text, how many).
    Each change lists the API calls apply will send for it (`> POST /api/v1/...`)."""
    blocks = [
        "\n".join(_diff_line(line) for line in change_lines(change, calls=calls(change))) + "\n"
        for change in changes
    ]
    longest = max((len(run) for block in blocks for run in re.findall(r"`+", block)), default=0)
    fence = "`" * max(3, longest + 1)

    def opening(shown: int) -> str:
        part = f" (first {shown} of {len(changes)} shown)" if shown < len(changes) else ""
        counts = escape(_counts_text(changes) + part)
        return f"<details><summary>{code(owner.address)}: {counts}</summary>\n\n{fence}diff\n"

    closing = f"{fence}\n\n</details>\n\n"
    room = budget - len(opening(len(changes) - 1)) - len(closing)  # the longest opening
    kept: list[str] = []
    for block in blocks:
        cost = len(block) + (1 if kept else 0)
        if cost > room:
            break
        kept.append(block)
        room -= cost
    if not kept:
        return "", 0
    return opening(len(kept)) + "\n".join(kept) + closing, len(kept)


def _diff_line(line: str) -> str:
    """Move the `+ ~ -` symbol to column 0 so GitHub colours the line; shorten huge lines."""
    stripped = line.lstrip(" ")
    indent = len(line) - len(stripped)
    symbol, _, rest = stripped.partition(" ")
    out = f"{symbol}{' ' * max(indent - 1, 1)}{rest}"
    if len(out) > MAX_LINE:
        out = f"{out[:MAX_LINE]} … ({len(out) - MAX_LINE} more characters)"
    return out
