"""Site endpoints of the emulator, with every response validated against Netlify's OpenAPI."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from reconciler.emulator import EmulatorServer
from tests.support.http import ApiSession, checked

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def create(api: ApiSession, **body: object) -> dict[str, Any]:
    site: dict[str, Any] = checked(api.post("/sites", json=body), "createSite", 201)
    return site


def test_create_site_in_personal_account(api: ApiSession) -> None:
    site = create(api, name="my-docs")
    personal = api.get("/accounts").json()[0]
    assert str(uuid.UUID(site["id"], version=4)) == site["id"]
    assert site["name"] == "my-docs"
    assert site["account_id"] == personal["id"] and site["account_slug"] == personal["slug"]
    assert site["account_name"] == personal["name"]
    assert site["state"] == "current"
    assert site["url"] == "http://my-docs.netlify.app"
    assert site["ssl_url"] == "https://my-docs.netlify.app"
    assert site["default_domain"] == "my-docs.netlify.app"
    assert site["processing_settings"] == {"html": {"pretty_urls": True}}
    assert site["ssl"] is False and site["force_ssl"] is False
    assert site["prevent_non_git_prod_deploys"] is False
    assert site["capabilities"] == {} and site["build_settings"] == {} and site["domain_aliases"] == []
    assert ISO_MS.match(site["created_at"]) and ISO_MS.match(site["updated_at"])
    assert None not in site.values()
    assert "published_deploy" not in site and "custom_domain" not in site and "password" not in site


def test_create_site_in_team_and_generated_name(api: ApiSession) -> None:
    site = checked(api.post("/demo/sites", json={}), "createSiteInTeam", 201)
    assert site["account_slug"] == "demo"
    assert re.match(r"^[a-z]+-[a-z]+-[0-9a-f]{6}$", site["name"])
    empty_body = checked(api.post("/sites"), "createSite", 201)
    assert empty_body["name"] != site["name"]


def test_create_site_with_settings(api: ApiSession) -> None:
    site = create(
        api,
        name="full",
        custom_domain="Docs.Example.com",
        domain_aliases=["www.example.org"],
        force_ssl=True,
        password="hunter2",
        processing_settings={"html": {"pretty_urls": False}},
        repo={"cmd": "make", "dir": "public", "repo_branch": "main", "stop_builds": True, "unknown": 1},
        id="ignored",
        url="http://ignored",
    )
    assert site["custom_domain"] == "docs.example.com"
    assert site["url"] == "http://docs.example.com" and site["ssl_url"] == "https://docs.example.com"
    assert site["domain_aliases"] == ["www.example.org"]
    assert site["force_ssl"] is True and site["password"] == "hunter2"
    assert site["processing_settings"] == {"html": {"pretty_urls": False}}
    assert site["build_settings"] == {
        "cmd": "make",
        "dir": "public",
        "repo_branch": "main",
        "stop_builds": True,
    }
    assert site["id"] != "ignored"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"name": "Upper"}, "lowercase"),
        ({"name": "a" * 64}, "lowercase"),
        ({"name": "-dash"}, "hyphen"),
        ({"name": 5}, "lowercase"),
        ({"custom_domain": "not a domain"}, "custom_domain"),
        ({"custom_domain": "x.netlify.app"}, "netlify.app"),
        ({"force_ssl": "yes"}, "force_ssl must be a boolean"),
        ({"repo": {"cmd": 1}}, "repo.cmd must be a string"),
        ({"processing_settings": []}, "processing_settings must be a object"),
        ({"domain_aliases": "a.example.com"}, "domain_aliases"),
    ],
)
def test_invalid_site_setup_is_422(api: ApiSession, body: dict[str, Any], fragment: str) -> None:
    error = checked(api.post("/sites", json=body), "createSite", 422)
    assert error["code"] == 422 and fragment in error["message"]


def test_name_is_globally_unique(api: ApiSession, emulator: EmulatorServer) -> None:
    create(api, name="taken")
    error = checked(api.post("/demo/sites", json={"name": "taken"}), "createSiteInTeam", 422)
    assert "already taken" in error["message"]
    emulator.register_token("other", ["elsewhere"])
    other = ApiSession(emulator.url, "other")
    checked(other.post("/sites", json={"name": "taken"}), "createSite", 422)


def test_custom_domains_are_unique(api: ApiSession) -> None:
    create(api, name="one", custom_domain="shop.example.com")
    error = checked(
        api.post("/sites", json={"name": "two", "domain_aliases": ["shop.example.com"]}), "createSite", 422
    )
    assert "shop.example.com" in error["message"]


def test_lookup_by_id_name_domains(api: ApiSession) -> None:
    site = create(
        api, name="lookup", custom_domain="lookup.example.com", domain_aliases=["alias.example.com"]
    )
    refs = [
        site["id"],
        "lookup",
        "lookup.netlify.app",
        f"{site['id']}.netlify.app",
        "lookup.example.com",
        "alias.example.com",
        "LOOKUP.example.com",
    ]
    for ref in refs:
        found = checked(api.get(f"/sites/{ref}", params={"feature_flags": "cli"}), "getSite", 200)
        assert found["id"] == site["id"], ref
    checked(api.get("/sites/missing"), "getSite", 404)


def test_patch_updates_given_fields_and_ignores_read_only(api: ApiSession) -> None:
    site = create(api, name="patchme", repo={"cmd": "make"}, password="p")
    body = {
        "force_ssl": True,
        "custom_domain": "patch.example.com",
        "processing_settings": {"html": {"pretty_urls": False}, "css": {"bundle": True}},
        "build_settings": {"dir": "out", "cmd": None},
        "password": None,
        "id": "nope",
        "created_at": "2000-01-01T00:00:00.000Z",
        "url": "http://nope",
    }
    updated = checked(api.patch(f"/sites/{site['id']}", json=body), "updateSite", 200)
    assert updated["id"] == site["id"] and updated["created_at"] == site["created_at"]
    assert updated["updated_at"] > site["updated_at"]
    assert updated["force_ssl"] is True and updated["url"] == "http://patch.example.com"
    assert updated["processing_settings"] == {"html": {"pretty_urls": False}, "css": {"bundle": True}}
    assert updated["build_settings"] == {"dir": "out"}
    assert "password" not in updated
    again = checked(api.get("/sites/patch.example.com"), "getSite", 200)
    assert again == updated


def test_put_updates_like_patch_and_renames(api: ApiSession) -> None:
    # PUT is not in the spec; Netlify serves it like PATCH, so its body is checked as updateSite.
    site = create(api, name="before", custom_domain="old.example.com")
    create(api, name="occupied")
    renamed = checked(api.put(f"/sites/{site['id']}", json={"name": "after"}), "updateSite", 200)
    assert renamed["name"] == "after" and renamed["custom_domain"] == "old.example.com"
    checked(api.get("/sites/before"), "getSite", 404)
    checked(api.get("/sites/after.netlify.app"), "getSite", 200)
    error = checked(api.put("/sites/after", json={"name": "occupied"}), "updateSite", 422)
    assert "already taken" in error["message"]
    unchanged = checked(api.patch("/sites/after", json={"name": "after"}), "updateSite", 200)
    assert unchanged["name"] == "after"
    cleared = checked(api.patch("/sites/after", json={"custom_domain": None}), "updateSite", 200)
    assert "custom_domain" not in cleared
    checked(api.get("/sites/old.example.com"), "getSite", 404)


def test_delete_site_removes_it_and_its_data(api: ApiSession) -> None:
    site = create(api, name="doomed", custom_domain="doomed.example.com")
    personal = api.get("/accounts").json()[0]["slug"]
    api.put("/sites/doomed/metadata", json={"a": 1})
    created = api.post(f"/accounts/{personal}/env", params={"site_id": "doomed"}, json=[{"key": "K"}])
    assert created.status_code == 201
    response = api.delete(f"/sites/{site['id']}")
    checked(response, "deleteSite", 204)
    checked(api.get("/sites/doomed"), "getSite", 404)
    checked(api.delete("/sites/doomed"), "deleteSite", 404)
    checked(api.get("/sites/doomed.example.com"), "getSite", 404)
    again = create(api, name="doomed", custom_domain="doomed.example.com")
    assert api.get(f"/sites/{again['id']}/metadata").json() == {}
    assert api.get(f"/sites/{again['id']}/env").json() == []
