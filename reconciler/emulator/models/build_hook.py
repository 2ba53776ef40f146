"""Build hooks: validating buildHookSetup bodies and rendering the swagger `buildHook` object.

The trigger `url` is derived at render time from the address the request came in on
(`http://127.0.0.1:PORT/build_hooks/<id>`), the emulator's counterpart of Netlify's
`https://api.netlify.com/build_hooks/<id>`: it follows the emulator to another port after a restart and can
never point a client at production.
"""

from __future__ import annotations

from typing import Any

from reconciler.emulator.errors import json_type, unprocessable

DEFAULT_BRANCH = "main"


def _text(body: dict[str, Any], field: str) -> str | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise unprocessable(f"Validation failed: {field} must be a string, not {json_type(value)}")
    return value.strip() or None


def apply_setup(current: dict[str, str], body: dict[str, Any], default_branch: str) -> dict[str, str]:
    """`current` (empty for a new hook) with `title` and `branch` from `body` applied.

    A title is required; a missing branch means the site's production branch, as on Netlify.
    """
    updated = dict(current)
    title = _text(body, "title")
    if title is not None:
        updated["title"] = title
    elif "title" in body or "title" not in updated:
        raise unprocessable("Validation failed: title can't be blank")
    branch = _text(body, "branch")
    if branch is not None:
        updated["branch"] = branch
    elif "branch" in body or "branch" not in updated:
        updated["branch"] = default_branch
    return updated


def render_build_hook(row: Any, origin: str) -> dict[str, Any]:
    """The swagger `buildHook` object; `origin` is `scheme://host[:port]` of the current request."""
    return {
        "id": row["id"],
        "title": row["title"],
        "branch": row["branch"],
        "url": f"{origin}/build_hooks/{row['id']}",
        "site_id": row["site_id"],
        "created_at": row["created_at"],
    }
