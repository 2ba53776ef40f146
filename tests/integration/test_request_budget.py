"""Reading live state of N declared sites costs at most 1 + 7·N requests (plus pagination)."""

from __future__ import annotations

import json

from benchmarks.fleet import fleet_manifest
from reconciler.emulator.app import EmulatorOptions
from reconciler.emulator.server import EmulatorServer
from reconciler.session import ApiTarget, make_plan
from tests.integration.conftest import TOKEN, converge, write

SITES = 20


def test_plan_reads_within_budget(tmp_path):
    log = tmp_path / "requests.jsonl"
    options = EmulatorOptions(rate_limit_per_minute=0)
    with EmulatorServer(tmp_path / "data", tokens=[TOKEN], request_log=log, options=options) as server:
        client = ApiTarget(server.api_url, TOKEN, server.url + options.integration_prefix).client()
        path = write(tmp_path, fleet_manifest(SITES))
        converge(client, path)

        before = len(log.read_text().splitlines())
        planned = make_plan(client, path)
        lines = [json.loads(line) for line in log.read_text().splitlines()[before:]]
        client.close()

    assert planned.plan.changes == []
    assert all(line["method"] == "GET" for line in lines)
    assert len(lines) <= 1 + 7 * SITES, len(lines)
    per_path = {line["path"].split("/")[-1] for line in lines}
    assert {"sites", "env", "metadata", "snippets", "build_hooks", "hooks", "fleet-search"} <= per_path


TEAM = """\
version: 1
teams:
  demo:
    env: {SHARED: one}
    ledger: {integration: budget-ledger}
sites:
  budget-site:
    team: demo
    env: {PLAIN: p}
"""


def test_kinds_a_manifest_does_not_use_cost_no_request(tmp_path):
    """DNS, members and split tests are read only for owners that declare them (or whose ledger says this
    tool made some): a team and a site declaring none of them are planned as before they existed."""
    log = tmp_path / "requests.jsonl"
    options = EmulatorOptions(rate_limit_per_minute=0)
    with EmulatorServer(tmp_path / "data", tokens=[TOKEN], request_log=log, options=options) as server:
        client = ApiTarget(server.api_url, TOKEN, server.url + options.integration_prefix).client()
        path = write(tmp_path, TEAM)
        converge(client, path)
        before = len(log.read_text().splitlines())
        assert make_plan(client, path).plan.changes == []
        paths = [json.loads(line)["path"] for line in log.read_text().splitlines()[before:]]
        client.close()
    assert not [p for p in paths if "dns_zones" in p or "/members" in p or "traffic_splits" in p], paths
