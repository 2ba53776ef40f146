"""Integers from clients are range-checked: out-of-range pages and ids are 4xx (or an empty page), never
a 5xx from SQLite's 64-bit integers. These are the inputs a fuzzer found answering 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reconciler.emulator import EmulatorServer
from tests.support.http import ApiSession, api_session, checked
from tests.support.site_config import seeded_emulator

SEED = """
tokens: [{token: test-token, teams: [demo]}]
sites:
  - name: shop
    team: demo
    forms: [{name: contact, fields: [name], submissions: [{name: Ann}]}]
"""
TOO_BIG = ["92233720368547760", str(2**31), str(2**64), "9" * 5000]


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    with seeded_emulator(tmp_path_factory.mktemp("ranges"), SEED) as server:
        yield server


@pytest.fixture(scope="module")
def api(emu: EmulatorServer) -> ApiSession:
    return api_session(emu)


def _lists(api: ApiSession) -> list[tuple[str, str]]:
    form_id = api.get("/sites/shop/forms").json()[0]["id"]
    return [
        ("/sites", "listSites"),
        ("/demo/sites", "listSitesForAccount"),
        ("/sites/shop/submissions", "listSiteSubmissions"),
        (f"/forms/{form_id}/submissions", "listFormSubmissions"),
        ("/sites/shop/deploys", "listSiteDeploys"),
    ]


@pytest.mark.parametrize("name", ["page", "per_page"])
@pytest.mark.parametrize("value", TOO_BIG)
def test_out_of_range_page_parameters_are_422(api: ApiSession, name: str, value: str) -> None:
    for path, operation in _lists(api):
        error = checked(api.get(path, params={name: value}), operation, 422)
        assert f"{name} must be an integer from 1 to 2147483647" in error["message"], path


def test_the_largest_page_is_an_empty_page(api: ApiSession) -> None:
    for path, operation in _lists(api):
        assert checked(api.get(path, params={"page": 2**31 - 1}), operation, 200) == [], path


@pytest.mark.parametrize("snippet_id", ["9223372036854775808", str(2**64), "9" * 400])
def test_snippet_ids_too_large_to_store_name_no_snippet(api: ApiSession, snippet_id: str) -> None:
    path = f"/sites/shop/snippets/{snippet_id}"
    checked(api.get(path), "getSiteSnippet", 404)
    checked(api.put(path, json={"title": "x"}), "updateSiteSnippet", 404)
    checked(api.delete(path), "deleteSiteSnippet", 404)
    assert api.get("/sites/shop/snippets").status_code == 200, "the connection and the emulator are fine"


def test_integer_settings_outside_int64_are_422(api: ApiSession) -> None:
    response = api.patch("/sites/shop", json={"build_settings": {"installation_id": 2**63}})
    checked(response, "updateSite", 422)
    response = api.patch("/sites/shop", json={"build_settings": {"installation_id": 2**63 - 1}})
    assert checked(response, "updateSite", 200)["build_settings"]["installation_id"] == 2**63 - 1
