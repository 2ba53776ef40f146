"""DNS zones and records through plan and apply on the emulator: creation in one apply, a TTL change as
one replace (new record first, except a CNAME), what this tool made deleted when dropped, hand-made and
Netlify-managed records left alone, and a zone deleted only when declared absent (with consent)."""

from __future__ import annotations

import pytest

from reconciler.apply import apply_plan
from reconciler.model.change import Action
from reconciler.model.errors import ManifestError
from reconciler.plan.safety import violations
from reconciler.session import make_plan
from tests.integration.conftest import converge, write
from tests.support.plans import config_changes, one_change

ZONES = """\
version: 1
teams:
  demo:
    ledger: {integration: dns-ledger}
    dns_zones:
      acme.dev:
        records:
          - {hostname: www.acme.dev, type: CNAME, value: acme-docs.netlify.app, ttl: 3600}
          - {hostname: acme.dev, type: MX, value: mx1.mail.example, priority: 10}
          - {hostname: acme.dev, type: TXT, value: "v=spf1 include:_spf.mail.example ~all"}
      empty.dev: {}
"""


def _records(client, zone: str) -> list[dict]:
    (found,) = [z for z in client.get("/dns_zones", {"account_slug": "demo"}) if z["name"] == zone]
    return [r for r in client.get(f"/dns_zones/{found['id']}/dns_records") if not r["managed"]]


def _zone_id(client, zone: str) -> str:
    return next(z["id"] for z in client.get("/dns_zones", {"account_slug": "demo"}) if z["name"] == zone)


def test_zones_and_records_are_created_in_one_apply(client, tmp_path):
    planned = converge(client, write(tmp_path, ZONES))
    made = [(c.address, c.action) for c in config_changes(planned.plan)]
    assert made[:2] == [
        ("team.demo.dns_zones.acme.dev", Action.CREATE),
        ("team.demo.dns_zones.empty.dev", Action.CREATE),
    ]
    assert ("team.demo.dns_records.acme.dev/www.acme.dev/CNAME/acme-docs.netlify.app", Action.CREATE) in made
    calls = [call for c in planned.plan.changes for call in planned.plan.calls(c)]
    assert "POST /api/v1/dns_zones/{team.demo.dns_zones.acme.dev.id}/dns_records" in calls
    records = _records(client, "acme.dev")
    assert {(r["hostname"], r["type"], r["ttl"], r.get("priority")) for r in records} == {
        ("www.acme.dev", "CNAME", 3600, None), ("acme.dev", "MX", 3600, 10), ("acme.dev", "TXT", 3600, None),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "first"),
    [
        ('include:_spf.mail.example ~all"}', 'include:_spf.mail.example ~all", ttl: 300}', "POST"),
        ("priority: 10}", "priority: 20}", "POST"),
        ("value: acme-docs.netlify.app, ttl: 3600}", "value: acme-docs.netlify.app, ttl: 60}", "DELETE"),
    ],
    ids=["ttl", "priority", "cname"],
)
def test_a_changed_ttl_or_priority_is_one_replace(client, tmp_path, old, new, first):
    path = write(tmp_path, ZONES)
    converge(client, path)
    path.write_text(ZONES.replace(old, new))
    planned = make_plan(client, path)
    change = one_change(planned.plan)
    assert change.action is Action.REPLACE and change.kind == "dns_records"
    assert [call.split(" ")[0] for call in planned.plan.calls(change)] == (
        [first, "DELETE" if first == "POST" else "POST"]
    ), "the new record is created first, except a CNAME, which must be alone at its name"
    converge(client, path)
    assert len(_records(client, "acme.dev")) == 3


def test_dropped_records_this_tool_made_go_hand_made_and_managed_ones_stay(client, tmp_path):
    path = write(tmp_path, ZONES)
    converge(client, path)
    zone_id = _zone_id(client, "acme.dev")
    hand_made = {"type": "A", "hostname": "legacy.acme.dev", "value": "198.18.0.7"}
    client.request_json("POST", f"/dns_zones/{zone_id}/dns_records", body=hand_made)

    path.write_text(
        ZONES.replace(
            "          - {hostname: acme.dev, type: MX, value: mx1.mail.example, priority: 10}\n", ""
        )
    )
    planned = make_plan(client, path)
    change = one_change(planned.plan)
    assert (change.address, change.action) == (
        "team.demo.dns_records.acme.dev/acme.dev/MX/mx1.mail.example",
        Action.DELETE,
    )
    assert "this tool created or adopted it" in change.note
    assert [(u.kind, u.identity) for u in planned.plan.unmanaged] == [
        ("dns_records", "acme.dev/legacy.acme.dev/A/198.18.0.7")
    ]
    converge(client, path)
    assert {r["hostname"] for r in _records(client, "acme.dev")} == {
        "www.acme.dev",
        "acme.dev",
        "legacy.acme.dev",
    }
    assert len(client.get(f"/dns_zones/{zone_id}/dns_records")) == 3 + 4, "Netlify's NS records untouched"

    path.write_text(path.read_text().replace("    dns_zones:", "    prune: [dns_records]\n    dns_zones:"))
    change = one_change(make_plan(client, path).plan)
    assert (change.identity, change.action) == ("acme.dev/legacy.acme.dev/A/198.18.0.7", Action.DELETE)


def test_records_of_a_zone_no_longer_declared_are_found_through_the_ledger(client, tmp_path):
    path = write(tmp_path, ZONES)
    converge(client, path)
    path.write_text("version: 1\nteams:\n  demo:\n    ledger: {integration: dns-ledger}\n")
    deleted = {c.identity for c in config_changes(make_plan(client, path).plan)}
    assert len(deleted) == 3 and all(identity.startswith("acme.dev/") for identity in deleted)
    converge(client, path)
    assert _records(client, "acme.dev") == [], "the zone itself stays: zones go only when declared absent"


def test_a_zone_is_deleted_only_when_declared_absent_and_with_consent(client, tmp_path):
    path = write(tmp_path, ZONES)
    converge(client, path)
    path.write_text(ZONES.replace("      empty.dev: {}\n", ""))
    assert make_plan(client, path).plan.changes == [], "a zone no longer declared is left alone"

    path.write_text(ZONES.replace("      empty.dev: {}\n", "      empty.dev: {state: absent}\n"))
    planned = make_plan(client, path)
    change = one_change(planned.plan)
    assert (change.address, change.action) == ("team.demo.dns_zones.empty.dev", Action.DELETE)
    (refused,) = violations(planned.plan, planned.desired)
    assert refused.rule == "dns_zones-delete" and "every record in it" in refused.message
    apply_plan(client, planned.plan, planned.procedures)
    assert make_plan(client, path).plan.changes == []
    assert [z["name"] for z in client.get("/dns_zones", {"account_slug": "demo"})] == ["acme.dev"]


def test_a_zone_declared_absent_takes_its_managed_records_along_in_one_apply(client, tmp_path):
    """The zone's deletion deletes its records: before, each managed record was deleted after it (404)."""
    path = write(tmp_path, ZONES)
    converge(client, path)
    zone_id = _zone_id(client, "acme.dev")
    start = ZONES.index("      acme.dev:")
    path.write_text(ZONES[:start] + "      acme.dev: {state: absent}\n      empty.dev: {}\n")
    planned = make_plan(client, path)
    change = one_change(planned.plan)
    assert (change.address, change.action) == ("team.demo.dns_zones.acme.dev", Action.DELETE)
    assert planned.plan.calls(change) == [f"DELETE /api/v1/dns_zones/{zone_id}"]
    apply_plan(client, planned.plan, planned.procedures)
    assert make_plan(client, path).plan.changes == []
    assert [z["name"] for z in client.get("/dns_zones", {"account_slug": "demo"})] == ["empty.dev"]


BAD = [
    (
        "      empty.dev: {state: absent, records: []}\n",
        "a zone declared absent is deleted with every record",
    ),
    ("          - {hostname: www.other.dev, type: A, value: 198.18.0.1}\n", "is not in the zone acme.dev"),
    ("          - {hostname: acme.dev, type: MX, value: mx2.mail.example}\n", "MX records need a priority"),
    (
        "          - {hostname: acme.dev, type: A, value: 198.18.0.1, priority: 1}\n",
        "priority is only for MX",
    ),
    (
        "          - {hostname: www.acme.dev, type: A, value: 198.18.0.1}\n",
        "a CNAME record must be the only record",
    ),
    ("          - {hostname: acme.dev, type: NS, value: ns1.example}\n", "Netlify's name servers"),
    ("          - {hostname: acme.dev, type: CAA, value: letsencrypt.org}\n", "a CAA record needs a tag"),
    (
        "          - {hostname: _sip._tcp.acme.dev, type: SRV, value: sip.acme.dev, priority: 1, port: 5060}\n",
        "an SRV record needs a weight and a port",
    ),
    (
        "          - {hostname: acme.dev, type: A, value: 198.18.0.1, port: 80}\n",
        "weight and port are only for SRV",
    ),
    (
        "          - {hostname: _sip._tcp.acme.dev, type: SRV, value: 198.18.0.1, priority: 1, weight: 1, port: 1}\n",
        "an SRV record's value must be a host name",
    ),
]


@pytest.mark.parametrize(("line", "message"), BAD, ids=[m for _, m in BAD])
def test_what_netlify_would_refuse_is_a_manifest_error(client, tmp_path, line, message):
    if line.startswith("      empty.dev"):
        text = ZONES.replace("      empty.dev: {}\n", line)
    else:
        text = ZONES.replace("        records:\n", "        records:\n" + line)
    with pytest.raises(ManifestError, match=message):
        make_plan(client, write(tmp_path, text))


def test_a_zone_that_exists_in_another_account_is_a_manifest_error(client, tmp_path):
    """A domain has one zone in all of Netlify: before, the plan created it and apply was refused (422)."""
    client.post("/dns_zones", {"name": "empty.dev"})  # in the token's personal account
    with pytest.raises(ManifestError) as info:
        make_plan(client, write(tmp_path, ZONES))
    assert "dns_zones.empty.dev: the zone empty.dev exists already, in " in str(info.value)
    assert client.get("/dns_zones", {"account_slug": "demo"}) == []  # nothing was created


SRV = ZONES.replace(
    "        records:\n",
    "        records:\n"
    "          - {hostname: _sip._tcp.acme.dev, type: SRV, value: sip1.acme.dev, priority: 10, weight: 5, port: 5060}\n"
    "          - {hostname: _sip._tcp.acme.dev, type: SRV, value: sip1.acme.dev, priority: 10, weight: 5, port: 5061}\n",
)


def test_srv_records_are_declared_with_weight_and_port_and_a_new_weight_replaces_one(client, tmp_path):
    """Netlify's SRV records (priority, weight, port): before, the manifest could not declare them and an
    export of a zone holding one failed as an internal error."""
    path = write(tmp_path, SRV)
    converge(client, path)
    srv = sorted(
        (r["port"], r["priority"], r["weight"]) for r in _records(client, "acme.dev") if r["type"] == "SRV"
    )
    assert srv == [(5060, 10, 5), (5061, 10, 5)], "one target on two ports: two records"

    path.write_text(SRV.replace("weight: 5, port: 5061", "weight: 7, port: 5061"))
    change = one_change(make_plan(client, path).plan)
    assert change.action is Action.REPLACE
    assert change.address == "team.demo.dns_records.acme.dev/_sip._tcp.acme.dev/SRV/5061 sip1.acme.dev"
    converge(client, path)

    path.write_text(SRV.replace("port: 5061", "port: 5062"))
    changes = {(c.address.rsplit("/", 1)[-1], c.action) for c in config_changes(make_plan(client, path).plan)}
    assert changes == {("5062 sip1.acme.dev", Action.CREATE), ("5061 sip1.acme.dev", Action.DELETE)}
    converge(client, path)
    ports = sorted(r["port"] for r in _records(client, "acme.dev") if r["type"] == "SRV")
    assert ports == [5060, 5062]
