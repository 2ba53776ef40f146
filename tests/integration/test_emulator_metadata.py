"""Site metadata: GET answers the object, PUT replaces it whole with 204."""

from __future__ import annotations

from tests.support.http import ApiSession, checked


def test_metadata_starts_empty_and_is_replaced(api: ApiSession) -> None:
    site = api.post("/sites", json={"name": "meta"}).json()
    assert checked(api.get(f"/sites/{site['id']}/metadata"), "getSiteMetadata", 200) == {}
    document = {"owner": "docs-team", "nested": {"list": [1, 2], "flag": True}, "unicode": "é✓"}
    response = api.put("/sites/meta/metadata", json=document)
    checked(response, "updateSiteMetadata", 204)
    assert response.content == b""
    assert checked(api.get("/sites/meta.netlify.app/metadata"), "getSiteMetadata", 200) == document
    api.put("/sites/meta/metadata", json={"only": 1})
    assert api.get("/sites/meta/metadata").json() == {"only": 1}, "PUT replaces, never merges"


def test_metadata_must_be_an_object(api: ApiSession) -> None:
    api.post("/sites", json={"name": "meta"})
    for body in ([1, 2], "text", 3, None):
        error = checked(api.put("/sites/meta/metadata", json=body), "updateSiteMetadata", 422)
        assert error["code"] == 422 and "object" in error["message"]
    checked(api.put("/sites/meta/metadata", data=b"{not json", headers={"Content-Type": "application/json"}), "updateSiteMetadata", 400)


def test_metadata_of_missing_site_is_404(api: ApiSession) -> None:
    checked(api.get("/sites/none/metadata"), "getSiteMetadata", 404)
    checked(api.put("/sites/none/metadata", json={}), "updateSiteMetadata", 404)
