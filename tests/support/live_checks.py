"""What must hold on the emulator after any apply, however it went: no object twice, no deploy left
half-done. Read straight from the API (faults off), independent of the tool under test."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from tests.support.http import ApiSession

UNFINISHED = {"new", "pending_review", "preparing", "prepared", "uploading", "uploaded", "processing"}


def duplicates(api: ApiSession) -> list[str]:
    """Every object that exists more than once on any site (snippets and build hooks by title, outgoing
    hooks by type, event and data, env vars by key, split tests), and on any team (env vars by key, DNS
    zones by name, records by hostname, type and value, members by email)."""
    found: list[str] = []
    for site in api.get("/sites", params={"filter": "all", "per_page": 100}).json():
        sid, name = site["id"], site["name"]
        collections: dict[str, list[Any]] = {
            "snippets": [s["title"] for s in api.get(f"/sites/{sid}/snippets").json()],
            "build_hooks": [h["title"] for h in api.get(f"/sites/{sid}/build_hooks").json()],
            "hooks": [
                (h["type"], h["event"], json.dumps(h.get("data"), sort_keys=True))
                for h in api.get("/hooks", params={"site_id": sid}).json()
            ],
            "env": [
                v["key"]
                for v in api.get(f"/accounts/{site['account_id']}/env", params={"site_id": sid}).json()
            ],
            "split tests": ["split test" for _ in api.get(f"/sites/{sid}/traffic_splits").json()],
        }
        for kind, identities in collections.items():
            found += [f"site {name}: {kind} {i!r} x{n}" for i, n in Counter(identities).items() if n > 1]
    for account in api.get("/accounts").json():
        keys = [v["key"] for v in api.get(f"/accounts/{account['id']}/env").json()]
        found += [f"team {account['slug']}: env {k!r} x{n}" for k, n in Counter(keys).items() if n > 1]
        found += _team_duplicates(api, account)
    return found


def _team_duplicates(api: ApiSession, account: dict[str, Any]) -> list[str]:
    slug = account["slug"]
    zones = api.get("/dns_zones", params={"account_slug": slug}).json()
    records = [  # a half-done replace would leave one hostname, type and value twice (another TTL)
        (zone["name"], record["hostname"], record["type"], record["value"])
        for zone in zones
        for record in api.get(f"/dns_zones/{zone['id']}/dns_records").json()
    ]
    members = api.get(f"/{slug}/members").json() if account["type"] == "team" else []
    identities = {
        "DNS zones": [zone["name"] for zone in zones],
        "DNS records": records,
        "members": [member["email"] for member in members],
    }
    return [
        f"team {slug}: {kind} {i!r} x{n}"
        for kind, found in identities.items()
        for i, n in Counter(found).items()
        if n > 1
    ]


def unfinished_deploys(api: ApiSession) -> list[str]:
    """Deploys on any site still in a state that only ends when someone finishes or cancels them."""
    out = []
    for site in api.get("/sites", params={"filter": "all", "per_page": 100}).json():
        for deploy in api.get(f"/sites/{site['id']}/deploys", params={"per_page": 100}).json():
            if deploy["state"] in UNFINISHED:
                out.append(f"site {site['name']}: deploy {deploy['id']} is {deploy['state']}")
    return out
