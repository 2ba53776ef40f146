"""Forms and submissions (seeded, since the emulator detects no forms), checked against the OpenAPI spec."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.emulator import EmulatorServer, SeedError, load_seed
from tests.support.http import ApiSession, api_session, checked
from tests.support.site_config import rows_for_site, seeded_emulator

SEED = """
tokens:
  - {token: test-token, teams: [demo]}
  - {token: other-token, teams: [elsewhere]}
sites:
  - name: shop
    team: demo
    custom_domain: shop.example.com
    forms:
      - name: contact
        paths: [/contact/]
        fields: [name, email, {name: message, type: textarea}]
        submissions:
          - {name: Ann Example, email: ann@example.com, message: Hello}
          - {first_name: Bo, last_name: Builder, email: bo@example.com, company: ACME}
          - {email: cy@example.com, message: Third, tags: [a, b], count: 3}
      - name: newsletter
        fields: [email]
  - name: blog
    team: demo
"""


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[EmulatorServer]:
    with seeded_emulator(tmp_path, SEED) as server:
        yield server


@pytest.fixture
def api(seeded: EmulatorServer) -> ApiSession:
    return api_session(seeded, "test-token")


def _forms(api: ApiSession, site: str = "shop") -> dict[str, dict]:
    return {f["name"]: f for f in checked(api.get(f"/sites/{site}/forms"), "listSiteForms", 200)}


def test_seeded_forms_are_listed(api: ApiSession) -> None:
    site = checked(api.get("/sites/shop"), "getSite", 200)
    forms = _forms(api)
    assert list(forms) == ["contact", "newsletter"]
    contact = forms["contact"]
    assert contact["site_id"] == site["id"] and len(contact["id"]) == 24
    assert contact["paths"] == ["/contact/"] and contact["submission_count"] == 3
    assert contact["fields"] == [
        {"name": "name", "type": "text"},
        {"name": "email", "type": "text"},
        {"name": "message", "type": "textarea"},
    ]
    assert forms["newsletter"]["paths"] == ["/"] and forms["newsletter"]["submission_count"] == 0
    assert checked(api.get("/sites/blog/forms"), "listSiteForms", 200) == []


def test_site_submissions_newest_first_with_derived_fields(api: ApiSession) -> None:
    listed = checked(api.get("/sites/shop.example.com/submissions"), "listSiteSubmissions", 200)
    assert [s["number"] for s in listed] == [3, 2, 1]
    third, second, first = listed
    assert first["name"] == "Ann Example" and first["first_name"] == "Ann" and first["last_name"] == "Example"
    assert first["email"] == "ann@example.com" and first["body"] == "Hello"
    assert first["summary"] == "<strong>Ann Example</strong> Hello"
    assert first["data"] == {"name": "Ann Example", "email": "ann@example.com", "message": "Hello"}
    assert first["site_url"] == "https://shop.example.com" and first["form_name"] == "contact"
    assert second["name"] == "Bo Builder" and second["company"] == "ACME" and "body" not in second
    assert third["data"]["tags"] == ["a", "b"] and "name" not in third and None not in third.values()


def test_submissions_are_paginated(api: ApiSession) -> None:
    form_id = _forms(api)["contact"]["id"]
    page = api.get(f"/forms/{form_id}/submissions", params={"per_page": 2})
    assert [s["number"] for s in checked(page, "listFormSubmissions", 200)] == [3, 2]
    assert 'rel="next"' in page.headers["Link"] and 'rel="last"' in page.headers["Link"]
    page2 = api.get(f"/forms/{form_id}/submissions", params={"per_page": 2, "page": 2})
    assert [s["number"] for s in checked(page2, "listFormSubmissions", 200)] == [1]
    assert 'rel="prev"' in page2.headers["Link"] and 'rel="next"' not in page2.headers["Link"]
    site_page = api.get("/sites/shop/submissions", params={"per_page": 1, "page": 3})
    assert [s["number"] for s in checked(site_page, "listSiteSubmissions", 200)] == [1]
    assert "Link" not in api.get("/sites/shop/submissions").headers
    error = checked(api.get("/sites/shop/submissions", params={"per_page": "0"}), "listSiteSubmissions", 422)
    assert "per_page" in error["message"]
    checked(api.get(f"/forms/{form_id}/submissions", params={"page": "x"}), "listFormSubmissions", 422)


def test_delete_form_removes_its_submissions(api: ApiSession, seeded: EmulatorServer) -> None:
    forms = _forms(api)
    contact = forms["contact"]
    response = api.delete(f"/sites/shop/forms/{contact['id']}")
    checked(response, "deleteSiteForm", 204)
    assert response.content == b""
    assert list(_forms(api)) == ["newsletter"]
    assert checked(api.get("/sites/shop/submissions"), "listSiteSubmissions", 200) == []
    checked(api.get(f"/forms/{contact['id']}/submissions"), "listFormSubmissions", 404)
    checked(api.delete(f"/sites/shop/forms/{contact['id']}"), "deleteSiteForm", 404)
    checked(api.delete(f"/sites/blog/forms/{forms['newsletter']['id']}"), "deleteSiteForm", 404)


def test_other_teams_forms_are_404(seeded: EmulatorServer) -> None:
    api, other = api_session(seeded, "test-token"), api_session(seeded, "other-token")
    form_id = _forms(api)["contact"]["id"]
    checked(other.get("/sites/shop/forms"), "listSiteForms", 404)
    checked(other.get("/sites/shop/submissions"), "listSiteSubmissions", 404)
    checked(other.get(f"/forms/{form_id}/submissions"), "listFormSubmissions", 404)
    checked(other.delete(f"/sites/shop/forms/{form_id}"), "deleteSiteForm", 404)
    checked(api.get("/forms/000000000000000000000000/submissions"), "listFormSubmissions", 404)
    checked(api_session(seeded, None).get("/sites/shop/forms"), "listSiteForms", 401)
    assert _forms(api)["contact"]["submission_count"] == 3


def test_site_deletion_removes_forms_and_submissions(api: ApiSession, seeded: EmulatorServer) -> None:
    site_id = api.get("/sites/shop").json()["id"]
    assert rows_for_site(seeded, "forms", site_id) == 2
    assert rows_for_site(seeded, "submissions", site_id) == 3
    checked(api.delete("/sites/shop"), "deleteSite", 204)
    assert rows_for_site(seeded, "forms", site_id) == 0
    assert rows_for_site(seeded, "submissions", site_id) == 0


def test_seeding_again_duplicates_nothing(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED)
    for _ in range(2):
        with EmulatorServer(tmp_path / "data", seed=seed) as server:
            api = api_session(server, "test-token")
            assert [f["submission_count"] for f in _forms(api).values()] == [3, 0]
            assert [s["name"] for s in api.get("/sites").json()] == ["shop", "blog"]


def test_seed_sites_without_tokens_use_the_command_line_tokens(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text('{"sites": [{"name": "solo", "team": "demo", "forms": [{"name": "f"}]}]}')
    with EmulatorServer(tmp_path / "data", tokens=["test-token"], seed=seed) as server:
        site = checked(api_session(server).get("/sites/solo"), "getSite", 200)
        assert site["account_slug"] == "demo"
        assert [f["name"] for f in api_session(server).get("/sites/solo/forms").json()] == ["f"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("sites: nope", "sites: must be a list"),
        ("sites: [{name: Bad_Name, team: demo}]", "sites[0]: Validation failed: name"),
        ("sites: [{name: ok, team: demo, colour: red}]", "sites[0].colour: unknown key"),
        ("sites: [{name: ok}]", "sites[0].team: required"),
        ("sites: [{name: ok, team: demo}, {name: ok, team: demo}]", "sites[1].name: 'ok' listed twice"),
        ("sites: [{name: ok, team: demo, custom_domain: x.netlify.app}]", "sites[0]: Validation failed"),
        ("sites: [{name: ok, team: demo, forms: [{paths: [/]}]}]", "sites[0].forms[0]: expected a mapping"),
        ("sites: [{name: ok, team: demo, forms: [{name: f, paths: [x]}]}]", "forms[0].paths"),
        ("sites: [{name: ok, team: demo, forms: [{name: f, fields: [3]}]}]", "forms[0].fields[0]"),
        ("sites: [{name: ok, team: demo, forms: [{name: f, submissions: [[1]]}]}]", "submissions[0]"),
        ("sites: [{name: ok, team: demo, forms: [{name: f}, {name: f}]}]", "forms[1].name: 'f' listed twice"),
        ("sites: [{name: ok, team: demo, integrations: [a]}]", "sites[0].integrations: must be a mapping"),
        ("sites: [{name: ok, team: demo, integrations: {Bad: {}}}]", "'Bad' is not an integration slug"),
        ("sites: [{name: ok, team: demo, integrations: {a: {config: 1}}}]", "integrations.a: expected"),
        ("teams: [{slug: demo, other: 1}]", "teams[0].other: unknown key"),
        ("teams: [demo]", "teams[0]: expected a mapping"),
        ("tokens: []\nforms: []", "forms: unknown key (expected: tokens, sites, teams)"),
    ],
)
def test_bad_seed_sections_are_rejected_with_their_path(tmp_path: Path, text: str, fragment: str) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(text)
    with pytest.raises(SeedError) as caught:
        load_seed(seed)
    assert fragment in str(caught.value)


def test_seed_conflicts_with_the_data_are_reported(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("sites: [{name: lost, team: nowhere}]")
    with pytest.raises(SeedError, match=r"sites\[0\]\.team: no team 'nowhere'"):
        EmulatorServer(tmp_path / "data", tokens=["t"], seed=seed).start()
    seed.write_text(
        "tokens: [{token: a, teams: [one]}, {token: b, teams: [two]}]\n"
        "sites: [{name: taken, team: one}, {name: taken-too, team: two}]"
    )
    with EmulatorServer(tmp_path / "data", seed=seed):
        pass
    seed.write_text("sites: [{name: taken, team: two}]")
    with pytest.raises(SeedError, match="name taken is already taken"):
        EmulatorServer(tmp_path / "data", seed=seed).start()
