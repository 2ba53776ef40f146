"""DNS zones and records: `/dns_zones[/{zone_id}[/dns_records[/{dns_record_id}]]]`, every answer checked
against the OpenAPI description."""

from __future__ import annotations

import re
from typing import Any

from reconciler.emulator import EmulatorServer
from tests.support.http import ApiSession, checked
from tests.support.site_config import error_of, other_team


def zone(api: ApiSession, name: str = "acme.dev", **body: Any) -> dict[str, Any]:
    created: dict[str, Any] = checked(
        api.post("/dns_zones", json={"name": name, "account_slug": "demo", **body}), "createDnsZone", 201
    )
    return created


def record(api: ApiSession, zone_id: str, **body: Any) -> dict[str, Any]:
    created: dict[str, Any] = checked(
        api.post(f"/dns_zones/{zone_id}/dns_records", json=body), "createDnsRecord", 201
    )
    return created


def test_zone_is_created_in_a_team_with_netlify_managed_name_servers(api: ApiSession) -> None:
    made = zone(api, "Acme.Dev.")
    assert re.fullmatch(r"[0-9a-f]{24}", made["id"]) and made["name"] == "acme.dev"
    assert made["account_slug"] == "demo" and made["dns_servers"]
    assert {(r["type"], r["value"], r["managed"]) for r in made["records"]} == {
        ("NS", server, True) for server in made["dns_servers"]
    }
    listed = checked(api.get("/dns_zones", params={"account_slug": "demo"}), "getDnsZones", 200)
    assert [z["id"] for z in listed] == [made["id"]]
    assert checked(api.get(f"/dns_zones/{made['id']}"), "getDnsZone", 200) == made
    assert checked(api.get("/dns_zones", params={"account_slug": "nobody"}), "getDnsZones", 200) == []
    taken = api.post("/dns_zones", json={"name": "acme.dev", "account_slug": "demo"})
    assert "already exists" in error_of(taken, 422)["message"]
    assert (
        "must be a domain name"
        in error_of(api.post("/dns_zones", json={"name": "not a domain"}), 422)["message"]
    )


def test_records_are_created_read_and_deleted_never_updated(api: ApiSession) -> None:
    zone_id = zone(api)["id"]
    www = record(api, zone_id, type="CNAME", hostname="www.acme.dev", value="acme-docs.netlify.app")
    assert (www["ttl"], www["managed"], www["dns_zone_id"]) == (3600, False, zone_id)
    assert "priority" not in www
    mx = record(api, zone_id, type="MX", hostname="acme.dev", value="mx1.mail.example", priority=10, ttl=600)
    assert (mx["priority"], mx["ttl"]) == (10, 600)
    listed = checked(api.get(f"/dns_zones/{zone_id}/dns_records"), "getDnsRecords", 200)
    assert [r["id"] for r in listed if not r["managed"]] == [www["id"], mx["id"]]
    path = f"/dns_zones/{zone_id}/dns_records/{mx['id']}"
    assert checked(api.get(path), "getIndividualDnsRecord", 200) == mx
    assert api.put(path, json={"ttl": 60}).status_code == 405, "Netlify has no record update"
    checked(api.delete(path), "deleteDnsRecord", 204)
    assert api.get(path).status_code == 404


def test_a_record_may_be_made_again_with_another_ttl_except_a_cname(api: ApiSession) -> None:
    """What lets a client replace a record without the name ever failing to resolve."""
    zone_id = zone(api)["id"]
    txt = {"type": "TXT", "hostname": "acme.dev", "value": "v=spf1 ~all"}
    record(api, zone_id, **txt)
    record(api, zone_id, **txt, ttl=300)
    copy = api.post(f"/dns_zones/{zone_id}/dns_records", json={**txt, "ttl": 300})
    assert error_of(copy, 422)["message"] == "Validation failed: this record already exists"
    cname = {"type": "CNAME", "hostname": "www.acme.dev", "value": "a.netlify.app"}
    record(api, zone_id, **cname)
    again = api.post(f"/dns_zones/{zone_id}/dns_records", json={**cname, "ttl": 60})
    assert "must be the only record at its name" in error_of(again, 422)["message"]


def test_invalid_records_are_422_naming_the_problem(api: ApiSession) -> None:
    zone_id = zone(api)["id"]
    cases = [
        ({"type": "WAT", "hostname": "acme.dev", "value": "x"}, "type must be one of"),
        ({"type": "A", "hostname": "other.dev", "value": "1.2.3.4"}, "not in the zone acme.dev"),
        ({"type": "A", "hostname": "a b.acme.dev", "value": "1.2.3.4"}, "hostname labels are letters"),
        ({"type": "A", "hostname": "acme.dev", "value": ""}, "value must be a string"),
        ({"type": "MX", "hostname": "acme.dev", "value": "mx.example"}, "priority is required for MX"),
        ({"type": "A", "hostname": "acme.dev", "value": "1.2.3.4", "ttl": 0}, "ttl must be an integer"),
        ({"type": "CAA", "hostname": "acme.dev", "value": "letsencrypt.org"}, "CAA records need flag"),
    ]
    for body, message in cases:
        assert message in error_of(api.post(f"/dns_zones/{zone_id}/dns_records", json=body), 422)["message"]


def test_managed_records_stay_and_a_zone_goes_with_its_records(
    api: ApiSession, emulator: EmulatorServer
) -> None:
    made = zone(api)
    ns = made["records"][0]
    refused = api.delete(f"/dns_zones/{made['id']}/dns_records/{ns['id']}")
    assert "managed by Netlify" in error_of(refused, 422)["message"]
    record(api, made["id"], type="A", hostname="acme.dev", value="198.18.0.1")
    checked(api.delete(f"/dns_zones/{made['id']}"), "deleteDnsZone", 204)
    assert api.get(f"/dns_zones/{made['id']}").status_code == 404
    assert emulator.store is not None
    with emulator.store.tx() as db:
        assert db.execute("SELECT COUNT(*) FROM dns_records").fetchone()[0] == 0


def test_other_teams_see_no_zone(api: ApiSession, emulator: EmulatorServer) -> None:
    made = zone(api)
    other = other_team(emulator)
    assert checked(other.get("/dns_zones"), "getDnsZones", 200) == []
    for path in (f"/dns_zones/{made['id']}", f"/dns_zones/{made['id']}/dns_records"):
        assert other.get(path).status_code == 404
    refused = other.post("/dns_zones", json={"name": "x.dev", "account_slug": "demo"})
    assert "not found" in error_of(refused, 422)["message"]
