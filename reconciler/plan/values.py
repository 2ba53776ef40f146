"""How plan values look in every output: one set of masking and formatting rules for all renderers.

A secret masked by one renderer and printed by another is still leaked, and a value shown one way in
the terminal and another way in a pull-request comment confuses reviewers. So the text, JSON and
Markdown plans all go through this module: `jsonable` (structure kept, sensitive parts replaced),
`format_value` (one value as text) and `change_lines` (the Terraform-style lines of one change).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

from reconciler.model.change import ABSENT, KNOWN_AFTER_APPLY, Action, Change, FieldChange, FieldPath
from reconciler.model.diff import flatten
from reconciler.model.request import Placeholder
from reconciler.model.sensitive import MASK, Sensitive

SYMBOLS = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.DELETE: "-",
    Action.REPLACE: "-/+",
    Action.DEPLOY: "^",
    Action.RECORD: "#",
}
MAX_DEPLOY_LINES = 20  # a deploy can touch thousands of files: show the first ones, count the rest
KNOWN_AFTER_APPLY_TEXT = repr(KNOWN_AFTER_APPLY)

Paint = Callable[[str, str], str]
# C0/C1 controls, line and paragraph separators, bidirectional overrides: in a name (a deployed file's,
# say) they could forge plan lines or reorder what a reviewer reads.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with every character that could forge or reorder a plan line shown as its escape (`\\n`)."""
    return _UNPRINTABLE.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), text)


def has_sensitive(value: Any) -> bool:
    """True when a value is, or contains anywhere (sets included), a sensitive part."""
    if isinstance(value, Sensitive):
        return True
    if isinstance(value, Mapping):
        return any(has_sensitive(k) or has_sensitive(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(has_sensitive(v) for v in value)
    return False


def jsonable(value: Any, hidden: Any = MASK) -> Any:
    """A JSON-safe copy of a value with every sensitive part replaced by `hidden`.

    Kinds may put tuples, sets, enums or other objects in their state; a renderer must not crash on
    them, and must print the same thing for the same plan, so sets become sorted lists and unknown
    objects their text form. ABSENT inside a structure is dropped (the key does not exist).
    """
    if isinstance(value, Sensitive):
        return hidden
    if value is KNOWN_AFTER_APPLY or isinstance(value, Placeholder):
        return KNOWN_AFTER_APPLY_TEXT
    if value is None or value is ABSENT:
        return None
    if isinstance(value, Enum):
        return jsonable(value.value, hidden)
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v, hidden) for k, v in value.items() if v is not ABSENT}
    if isinstance(value, list | tuple):
        return [jsonable(v, hidden) for v in value if v is not ABSENT]
    if isinstance(value, set | frozenset):
        return sorted((jsonable(v, hidden) for v in value if v is not ABSENT), key=_sort_key)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _sort_key(item: Any) -> str:
    """Order of set members: by their JSON text, which exists for every converted value."""
    return json.dumps(item, sort_keys=True, ensure_ascii=False, default=lambda _: MASK)


def format_value(value: Any) -> str:
    """One value as the reader would type it; anything sensitive is the mask, whole."""
    if has_sensitive(value):
        return MASK
    if value is ABSENT:
        return "(absent)"
    if value is KNOWN_AFTER_APPLY or isinstance(value, Placeholder):
        return KNOWN_AFTER_APPLY_TEXT
    return printable(json.dumps(jsonable(value), sort_keys=True, ensure_ascii=False))


def field_hidden(entry: FieldChange) -> bool:
    """One sensitive side hides both: the old value of a rotated secret is as secret as the new one."""
    return has_sensitive(entry.before) or has_sensitive(entry.after)


def leaves(value: Any) -> list[tuple[FieldPath, Any]]:
    """The non-root leaves of an object (`flatten`), whatever types its keys have."""
    return [(path, leaf) for path, leaf in flatten(_string_keys(value)) if path]


def _string_keys(value: Any) -> Any:
    """Dict keys as text, so mixed key types can be sorted; leaves (sensitive ones too) untouched."""
    if isinstance(value, Mapping):
        return {str(k): _string_keys(v) for k, v in value.items()}
    return value


def shown_fields(change: Change) -> list[FieldChange]:
    """The fields a reader sees under a change: every leaf of a new object, the changed ones of an update."""
    if change.action is Action.CREATE:
        return [FieldChange(path, ABSENT, value) for path, value in leaves(change.after)]
    if change.action in (Action.UPDATE, Action.REPLACE, Action.RECORD):
        return change.fields
    if change.action is Action.DEPLOY:
        return change.fields[:MAX_DEPLOY_LINES]
    return []


def _plain(symbol: str, text: str) -> str:
    return text


def change_lines(change: Change, paint: Paint = _plain, calls: list[str] | None = None) -> list[str]:
    """The Terraform-style lines of one change: `  + address`, one line per shown field, then (when
    given) the API calls apply will send for it."""
    symbol = SYMBOLS[change.action]
    header = f"  {symbol} {change.address}"
    if change.action is Action.CREATE:
        header += "  (create)"
    elif change.action is Action.DELETE:
        header += f"  (destroy{': ' + change.note if change.note else ''})"
    elif change.note:
        header += f"  ({change.note})"
    lines = [paint(symbol, printable(header))]
    entries = shown_fields(change)
    width = max((len(printable(e.dotted)) for e in entries), default=0)
    lines.extend(_field_line(entry, width, paint) for entry in entries)
    hidden = len(change.fields) - len(entries) if change.action is Action.DEPLOY else 0
    if hidden > 0:
        lines.append(f"      … and {hidden} more file(s) (all of them in --format json)")
    lines.extend(f"      = {name}: known after apply, printed then" for name in change.outputs)
    lines.extend(f"      > {call}" for call in calls or ())
    return lines


def _field_line(entry: FieldChange, width: int, paint: Paint) -> str:
    name = printable(entry.dotted).ljust(width)
    hide = field_hidden(entry)
    before = MASK if hide and entry.before is not ABSENT else format_value(entry.before)
    after = MASK if hide and entry.after is not ABSENT else format_value(entry.after)
    if entry.before is ABSENT:
        return paint("+", f"      + {name} = {after}")
    if entry.after is ABSENT:
        return paint("-", f"      - {name} = {before}")
    if hide:
        return paint("~", f"      ~ {name} = {MASK} (changed)")
    return paint("~", f"      ~ {name} = {before} → {after}")
