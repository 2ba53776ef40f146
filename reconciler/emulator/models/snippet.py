"""Snippets: validating bodies and rendering the swagger `snippet` object.

A snippet is HTML injected into every page (`general`) and into form-success pages (`goal`), either before
`</head>` (`head`) or before `</body>` (`footer`). PUT changes only the fields it names, so a client that
edits the HTML alone does not have to resend the title and positions.
"""

from __future__ import annotations

from typing import Any

from reconciler.emulator.errors import json_type, unprocessable

POSITIONS = ("head", "footer")
DEFAULT_POSITION = "footer"
FIELDS = ("title", "general", "general_position", "goal", "goal_position")


def new_snippet(body: dict[str, Any]) -> dict[str, str]:
    """The stored fields of a snippet created from `body` (a title is required, the rest defaults)."""
    base = {
        "title": "",
        "general": "",
        "general_position": DEFAULT_POSITION,
        "goal": "",
        "goal_position": DEFAULT_POSITION,
    }
    return apply_changes(base, body)


def apply_changes(current: dict[str, str], body: dict[str, Any]) -> dict[str, str]:
    """`current` with the writable fields of `body` applied; `id` and `site_id` are read-only and ignored.

    `null` empties the HTML fields; a title must stay non-empty, positions must be `head` or `footer`.
    """
    updated = dict(current)
    for field in ("general", "goal"):
        if field in body:
            value = body[field]
            if value is not None and not isinstance(value, str):
                raise unprocessable(f"Validation failed: {field} must be a string, not {json_type(value)}")
            updated[field] = value or ""
    for field in ("general_position", "goal_position"):
        if field in body:
            value = body[field]
            if value not in POSITIONS:
                raise unprocessable(f"Validation failed: {field} must be one of head, footer, got {value!r}")
            updated[field] = value
    if "title" in body:
        title = body["title"]
        if title is not None and not isinstance(title, str):
            raise unprocessable(f"Validation failed: title must be a string, not {json_type(title)}")
        updated["title"] = (title or "").strip()
    if not updated["title"]:
        raise unprocessable("Validation failed: title can't be blank")
    return updated


def render_snippet(row: Any) -> dict[str, Any]:
    """The swagger `snippet` object from a `snippets` row."""
    snippet: dict[str, Any] = {"id": row["id"], "site_id": row["site_id"]}
    for field in FIELDS:
        snippet[field] = row[field]
    return snippet
