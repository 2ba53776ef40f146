"""Team members: validating `accountAddMemberSetup` / `accountUpdateMemberSetup` bodies and rendering the
swagger `member` object.

Besides swagger's fields a member carries `site_access` (`all`, `none`, `selected`) and `site_ids`, the
access a PUT sets (swagger describes the member without them; a client needs them to compare). A team
keeps at least one Owner: removing or demoting the last one is refused.
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.emulator.errors import json_type, unprocessable

ROLES = ("Owner", "Developer", "Billing Admin", "Reviewer")
SITE_ACCESS = ("all", "none", "selected")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def new_member(body: dict[str, Any]) -> tuple[str, str]:
    """(email, role) of an invitation; the role defaults to Developer."""
    email = body.get("email")
    if not isinstance(email, str) or len(email) > 254 or not EMAIL_RE.match(email.strip()):
        raise unprocessable("Validation failed: email must be an email address")
    role = body.get("role", "Developer")
    if role not in ROLES:
        raise unprocessable(f"Validation failed: role must be one of {', '.join(ROLES)}")
    return email.strip().lower(), str(role)


def member_update(body: dict[str, Any]) -> dict[str, Any]:
    """The fields a PUT changes: `role`, `site_access`, `site_ids` (each optional)."""
    update: dict[str, Any] = {}
    if body.get("role") is not None:
        if body["role"] not in ROLES:
            raise unprocessable(f"Validation failed: role must be one of {', '.join(ROLES)}")
        update["role"] = body["role"]
    if body.get("site_access") is not None:
        if body["site_access"] not in SITE_ACCESS:
            raise unprocessable(f"Validation failed: site_access must be one of {', '.join(SITE_ACCESS)}")
        update["site_access"] = body["site_access"]
    if body.get("site_ids") is not None:
        ids = body["site_ids"]
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            shown = json_type(ids)
            raise unprocessable(f"Validation failed: site_ids must be an array of strings, not {shown}")
        update["site_ids"] = sorted(set(ids))
    return update


def render_member(row: Any, site_ids: list[str]) -> dict[str, Any]:
    """The swagger `member` object plus the member's site access."""
    return {
        "id": row["user_id"],
        "full_name": row["full_name"],
        "email": row["email"],
        "avatar": "",
        "role": row["role"],
        "site_access": row["site_access"] or "all",
        "site_ids": site_ids,
    }
