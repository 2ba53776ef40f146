"""Split tests: validating `branch_tests` bodies and rendering the swagger `splitTest` object.

A split test shares a site's traffic between branches (`{"branch_tests": {"main": 80, "next": 20}}`):
at least two branches, whole percentages summing to 100. A new one is inactive until published.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.emulator.errors import json_type, unprocessable

MAX_BRANCH = 255


def branch_tests(body: dict[str, Any]) -> dict[str, int]:
    """The branches and their percentages a POST or PUT body gives."""
    tests = body.get("branch_tests")
    if not isinstance(tests, dict):
        raise unprocessable(f"Validation failed: branch_tests must be an object, not {json_type(tests)}")
    if len(tests) < 2:
        raise unprocessable("Validation failed: a split test needs at least two branches")
    shares: dict[str, int] = {}
    for branch, share in tests.items():
        if not branch.strip() or len(branch) > MAX_BRANCH:
            raise unprocessable(f"Validation failed: branch names are 1 to {MAX_BRANCH} characters")
        if not isinstance(share, int) or isinstance(share, bool) or not 0 <= share <= 100:
            raise unprocessable(
                f"Validation failed: the share of {branch[:80]} must be an integer from 0 to 100"
            )
        shares[branch] = share
    if sum(shares.values()) != 100:
        raise unprocessable(f"Validation failed: the shares sum to {sum(shares.values())}, not 100")
    return shares


def render_split_test(row: Any) -> dict[str, Any]:
    """The swagger `splitTest` object; `unpublished_at` once it was unpublished."""
    shares: dict[str, int] = json.loads(row["branches"])
    test: dict[str, Any] = {
        "id": row["id"],
        "site_id": row["site_id"],
        "path": "/",
        "branches": [{"branch": branch, "percentage": share} for branch, share in shares.items()],
        "active": bool(row["active"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }
    if row["unpublished_at"]:
        test["unpublished_at"] = row["unpublished_at"]
    return test
