"""Site listing: pagination with Link headers, per_page cap, name and filter parameters."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from reconciler.emulator import EmulatorServer
from tests.support.http import ApiSession, api_session, checked


@pytest.fixture(scope="module")
def many_sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    """One emulator with 250 sites (240 in team demo, 10 in the personal account), shared by the module."""
    with EmulatorServer(tmp_path_factory.mktemp("pages"), tokens=["test-token"]) as server:
        api = api_session(server)
        for i in range(250):
            path = "/sites" if i % 25 == 0 else "/demo/sites"
            assert api.post(path, json={"name": f"site-{i:03d}"}).status_code == 201
        yield server


def links(response: requests.Response) -> dict[str, dict[str, list[str]]]:
    """rel → query parameters of its URL (from requests' parsed Link header)."""
    return {rel: parse_qs(urlsplit(link["url"]).query) for rel, link in response.links.items()}


def test_first_page_has_next_and_last(many_sites: EmulatorServer) -> None:
    api = api_session(many_sites)
    response = api.get("/sites")
    sites = checked(response, "listSites", 200)
    assert [s["name"] for s in sites] == [f"site-{i:03d}" for i in range(100)]
    rels = links(response)
    assert set(rels) == {"next", "last"}
    assert rels["next"]["page"] == ["2"] and rels["last"]["page"] == ["3"]
    assert response.links["next"]["url"].startswith(f"{many_sites.url}/api/v1/sites?")


def test_following_next_reads_everything_once(many_sites: EmulatorServer) -> None:
    api = api_session(many_sites)
    url: str | None = f"{api.api_url}/sites?per_page=40&filter=all"
    names: list[str] = []
    pages = 0
    while url:
        response = api.get(url)
        names += [s["name"] for s in checked(response, "listSites", 200)]
        assert links(response).get("next", {}).get("filter", ["all"]) == ["all"], "other params are kept"
        url = response.links.get("next", {}).get("url")
        pages += 1
    assert pages == 7
    assert names == [f"site-{i:03d}" for i in range(250)]


def test_middle_page_has_all_four_rels(many_sites: EmulatorServer) -> None:
    response = api_session(many_sites).get("/sites", params={"page": 2, "per_page": 100})
    assert len(response.json()) == 100
    rels = links(response)
    assert {rel: q["page"][0] for rel, q in rels.items()} == {
        "first": "1",
        "prev": "1",
        "next": "3",
        "last": "3",
    }
    assert all(q["per_page"] == ["100"] for q in rels.values())
    last = api_session(many_sites).get("/sites", params={"page": 3})
    assert len(last.json()) == 50 and set(links(last)) == {"first", "prev"}


def test_per_page_is_capped_at_100(many_sites: EmulatorServer) -> None:
    response = api_session(many_sites).get("/sites", params={"per_page": 500})
    assert len(response.json()) == 100
    assert links(response)["last"]["page"] == ["3"]


def test_page_beyond_the_end_is_empty(many_sites: EmulatorServer) -> None:
    response = api_session(many_sites).get("/sites", params={"page": 9})
    assert checked(response, "listSites", 200) == []
    assert {rel: q["page"] for rel, q in links(response).items()} == {"first": ["1"], "prev": ["3"]}


@pytest.mark.parametrize("params", [{"page": "0"}, {"per_page": "x"}, {"page": "-1"}, {"filter": "mine"}])
def test_bad_list_parameters_are_422(many_sites: EmulatorServer, params: dict[str, str]) -> None:
    checked(api_session(many_sites).get("/sites", params=params), "listSites", 422)


def test_no_link_header_when_one_page(many_sites: EmulatorServer) -> None:
    response = api_session(many_sites).get("/sites", params={"name": "site-24"})
    assert [s["name"] for s in checked(response, "listSites", 200)] == [f"site-24{i}" for i in range(10)]
    assert "Link" not in response.headers


def test_name_filter_is_a_substring_match(many_sites: EmulatorServer) -> None:
    api = api_session(many_sites)
    assert [s["name"] for s in api.get("/sites", params={"name": "e-007"}).json()] == ["site-007"]
    assert len(api.get("/sites", params={"name": "SITE-1"}).json()) == 100
    assert api.get("/sites", params={"name": "absent"}).json() == []


def test_filters(many_sites: EmulatorServer) -> None:
    api = api_session(many_sites)
    for site_filter in ("all", "owner"):
        assert len(api.get("/sites", params={"filter": site_filter, "per_page": 100}).json()) == 100
    assert api.get("/sites", params={"filter": "guest"}).json() == []


def test_account_sites_lists_one_account(many_sites: EmulatorServer) -> None:
    api: ApiSession = api_session(many_sites)
    personal = api.get("/accounts").json()[0]
    response = api.get(f"/{personal['slug']}/sites")
    own = checked(response, "listSitesForAccount", 200)
    assert [s["name"] for s in own] == [f"site-{i:03d}" for i in range(0, 250, 25)]
    by_id = api.get(f"/{personal['id']}/sites").json()
    assert by_id == own
    team = api.get("/demo/sites", params={"per_page": 100, "page": 3})
    assert len(checked(team, "listSitesForAccount", 200)) == 40
    assert set(links(team)) == {"first", "prev"}
    checked(api.get("/nobody/sites"), "listSitesForAccount", 404)
