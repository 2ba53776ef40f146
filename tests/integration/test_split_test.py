"""A site's split test through plan and apply: created and published, shares changed in place,
`active: false` unpublishing it, percentages checked when the manifests load."""

from __future__ import annotations

import pytest

from reconciler.model.change import Action
from reconciler.model.errors import ManifestError
from reconciler.session import make_plan
from tests.integration.conftest import converge, write
from tests.support.plans import one_change

SITE = """\
version: 1
sites:
  split-site:
    team: demo
    split_test:
      branches: {main: 80, next: 20}
"""


def _test(client) -> dict:
    (found,) = client.get("/sites/split-site/traffic_splits")
    return found


def test_split_test_is_created_running_changed_and_stopped(client, tmp_path):
    path = write(tmp_path, SITE)
    planned = converge(client, path)
    (change,) = [c for c in planned.plan.changes if c.kind == "split_test"]
    assert planned.plan.calls(change) == [
        "POST /api/v1/sites/{site.split-site.id}/traffic_splits",
        "POST /api/v1/sites/{site.split-site.id}/traffic_splits/{site.split-site.split_test.id}/publish",
    ]
    found = _test(client)
    assert found["active"] is True and {b["branch"]: b["percentage"] for b in found["branches"]} == {
        "main": 80,
        "next": 20,
    }

    path.write_text(SITE.replace("{main: 80, next: 20}", "{main: 50, next: 50}\n      active: false"))
    planned = make_plan(client, path)
    change = one_change(planned.plan)
    assert change.action is Action.UPDATE
    site_id = client.get("/sites/split-site")["id"]
    assert planned.plan.calls(change) == [
        f"PUT /api/v1/sites/{site_id}/traffic_splits/{found['id']}",
        f"POST /api/v1/sites/{site_id}/traffic_splits/{found['id']}/unpublish",
    ]
    converge(client, path)
    assert _test(client)["active"] is False

    path.write_text("version: 1\nsites:\n  split-site:\n    team: demo\n")
    assert make_plan(client, path).plan.changes == [], "Netlify cannot delete one: left as it is"


def test_percentages_must_sum_to_100(client, tmp_path):
    with pytest.raises(ManifestError, match="the percentages sum to 110, not 100"):
        make_plan(client, write(tmp_path, SITE.replace("next: 20", "next: 30")))
