"""Rendering the swagger `form` and `submission` objects.

A submission's well-known fields (`email`, `name`, `first_name`, `last_name`, `company`, `body`) are lifted
from the submitted data by field name, and `summary` combines name and message, which is what Netlify
does for its notification e-mails and dashboard. Fields with no value are omitted rather than null.
"""

from __future__ import annotations

import json
from typing import Any

_SUMMARY_LENGTH = 100


def render_form(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "site_id": row["site_id"],
        "name": row["name"],
        "paths": json.loads(row["paths"]),
        "submission_count": int(row["submission_count"]),
        "fields": json.loads(row["fields"]),
        "created_at": row["created_at"],
    }


def _text(data: dict[str, Any], *names: str) -> str:
    for name in names:
        value = data.get(name)
        if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return ""


def render_submission(row: Any, site_url: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(row["data"])
    first, last = _text(data, "first_name", "firstname"), _text(data, "last_name", "lastname")
    name = _text(data, "name", "full_name") or " ".join(p for p in (first, last) if p)
    body = _text(data, "body", "message", "comments")
    derived = {
        "email": _text(data, "email"),
        "name": name,
        "first_name": first or name.partition(" ")[0],
        "last_name": last or name.partition(" ")[2],
        "company": _text(data, "company", "organization"),
        "body": body,
        "summary": (f"<strong>{name}</strong> " if name else "") + body[:_SUMMARY_LENGTH],
    }
    submission: dict[str, Any] = {"id": row["id"], "number": int(row["number"])}
    submission.update({key: value for key, value in derived.items() if value})
    submission.update(
        {
            "data": data,
            "created_at": row["created_at"],
            "site_url": site_url,
            "form_id": row["form_id"],
            "form_name": row["form_name"],
        }
    )
    return submission
