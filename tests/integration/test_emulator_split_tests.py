"""Split tests: `/sites/{site_id}/traffic_splits[/{split_test_id}[/publish|/unpublish]]`, every answer
checked against the OpenAPI description."""

from __future__ import annotations

from reconciler.emulator import EmulatorServer
from tests.support.http import ApiSession, checked
from tests.support.site_config import error_of, new_site, other_team, rows_for_site


def test_one_split_test_per_site_created_changed_published_and_unpublished(
    api: ApiSession, emulator: EmulatorServer
) -> None:
    site = new_site(api, "split")
    collection = f"/sites/{site['id']}/traffic_splits"
    assert checked(api.get(collection), "getSplitTests", 200) == []
    made = checked(
        api.post(collection, json={"branch_tests": {"main": 80, "next": 20}}), "createSplitTest", 201
    )
    assert made["branches"] == [{"branch": "main", "percentage": 80}, {"branch": "next", "percentage": 20}]
    assert made["active"] is False and "unpublished_at" not in made
    second = api.post(collection, json={"branch_tests": {"main": 50, "b": 50}})
    assert "already has a split test" in error_of(second, 422)["message"]

    path = f"{collection}/{made['id']}"
    changed = checked(api.put(path, json={"branch_tests": {"main": 50, "next": 50}}), "updateSplitTest", 201)
    assert [b["percentage"] for b in changed["branches"]] == [50, 50]
    checked(api.post(path + "/publish"), "enableSplitTest", 204)
    assert checked(api.get(path), "getSplitTest", 200)["active"] is True
    checked(api.post(path + "/unpublish"), "disableSplitTest", 204)
    stopped = checked(api.get(collection), "getSplitTests", 200)[0]
    assert stopped["active"] is False and stopped["unpublished_at"]

    assert other_team(emulator).get(path).status_code == 404
    checked(api.delete(f"/sites/{site['id']}"), "deleteSite", 204)
    assert rows_for_site(emulator, "split_tests", site["id"]) == 0


def test_invalid_shares_are_422(api: ApiSession) -> None:
    site = new_site(api, "split")
    for tests, message in [
        ({"main": 100}, "at least two branches"),
        ({"main": 80, "next": 30}, "sum to 110, not 100"),
        ({"main": 80.5, "next": 19.5}, "must be an integer from 0 to 100"),
        ([], "branch_tests must be an object"),
    ]:
        response = api.post(f"/sites/{site['id']}/traffic_splits", json={"branch_tests": tests})
        assert message in error_of(response, 422)["message"]
