"""A create-first replace (a DNS record's new TTL, a hook's new signature secret) stopped between its create
and its delete leaves two live objects with one identity. The ledger notes the old one's id with the lease,
before the replace begins, so the next plan deletes exactly that one and nothing else, instead of reporting
a conflict no apply can get past."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from reconciler.apply import ApplyFailed, apply_plan
from reconciler.model.change import Action
from reconciler.session import make_plan
from tests.integration.conftest import converge, write
from tests.integration.test_dns import ZONES, _zone_id
from tests.support.plans import config_changes

HOOK = """\
version: 1
sites:
  hooked:
    team: demo
    hooks:
      - {type: url, event: deploy_created, data: {url: "https://hooks.example.org/x", signature_secret: s1}}
"""


def _faults(emulator: Any, **config: Any) -> None:
    requests.put(f"{emulator.url}/_emulator/faults", json=config, timeout=5).raise_for_status()


def _txt_records(client) -> list[dict[str, Any]]:
    return [
        r for r in client.get(f"/dns_zones/{_zone_id(client, 'acme.dev')}/dns_records") if r["type"] == "TXT"
    ]


def _hooks(client) -> list[dict[str, Any]]:
    site = client.get("/sites/hooked")
    return client.get("/hooks", {"site_id": site["id"]})


CASES = {
    "dns": (ZONES, ('~all"}', '~all", ttl: 300}'), r"^DELETE /api/v1/dns_zones/", _txt_records),
    "hook": (HOOK, ("signature_secret: s1", "signature_secret: s2"), r"^DELETE /api/v1/hooks/", _hooks),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_next_plan_deletes_the_old_object_a_failed_replace_left(client, emulator, tmp_path, case):
    manifest, (old, new), delete_path, listed = CASES[case]
    path = write(tmp_path, manifest)
    converge(client, path)
    (before,) = listed(client)
    path.write_text(manifest.replace(old, new))
    planned = make_plan(client, path)
    (change,) = config_changes(planned.plan)
    assert change.action is Action.REPLACE
    _faults(emulator, error_rate=1, paths=delete_path)  # the new one is made, the old one stays
    with pytest.raises(ApplyFailed):
        apply_plan(client, planned.plan, planned.procedures)
    _faults(emulator)
    assert len(listed(client)) == 2

    again = make_plan(client, path)
    assert again.plan.conflicts == []
    (finish,) = config_changes(again.plan)
    assert finish.action is Action.DELETE and finish.live_ref["id"] == before["id"]
    assert str(before["id"]) in finish.address
    apply_plan(client, again.plan, again.procedures)
    (after,) = listed(client)
    assert after["id"] != before["id"]
    assert make_plan(client, path).plan.changes == []  # the ledger's note is gone with the last write


def test_a_duplicate_the_ledger_does_not_name_stays_a_conflict(client, emulator, tmp_path):
    """Only the id noted by an interrupted replace is deleted: a hand-made twin is never guessed at."""
    path = write(tmp_path, ZONES)
    converge(client, path)
    (txt,) = _txt_records(client)
    twin = {key: txt[key] for key in ("type", "hostname", "value")} | {"ttl": 300}
    client.request_json("POST", f"/dns_zones/{_zone_id(client, 'acme.dev')}/dns_records", body=twin)
    planned = make_plan(client, path)
    assert len(planned.plan.conflicts) == 1 and "share the identity" in planned.plan.conflicts[0]
    assert config_changes(planned.plan) == []
