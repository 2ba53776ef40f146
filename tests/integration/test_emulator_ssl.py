"""TLS certificates: `POST|GET /sites/{site_id}/ssl`, checked against the OpenAPI spec.

The spec lists the 422 of provisioning with a description only, so that body is checked against the
`error` definition instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from reconciler.emulator import EmulatorServer
from tests.support.http import ApiSession, api_session, checked
from tests.support.site_config import error_of, new_site, other_team, rows_for_site

CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"


def _time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_provisioning_needs_a_custom_domain(api: ApiSession) -> None:
    new_site(api, "plain")
    error = error_of(api.post("/sites/plain/ssl"), 422)
    assert error["message"] == "No custom domain configured"
    checked(api.get("/sites/plain/ssl"), "showSiteTLSCertificate", 404)
    assert api.get("/sites/plain").json()["ssl"] is False


def test_provision_issues_a_certificate_and_marks_the_site(api: ApiSession) -> None:
    site = new_site(api, "shop", custom_domain="shop.example.com", domain_aliases=["www.shop.example.com"])
    cert = checked(api.post("/sites/shop/ssl"), "provisionSiteTLSCertificate", 200)
    assert cert["state"] == "issued"
    assert cert["domains"] == ["shop.example.com", "www.shop.example.com"]
    assert cert["created_at"] == cert["updated_at"]
    assert _time(cert["expires_at"]) - _time(cert["created_at"]) == timedelta(days=90)
    assert checked(api.get("/sites/shop.example.com/ssl"), "showSiteTLSCertificate", 200) == cert
    after = checked(api.get("/sites/shop"), "getSite", 200)
    assert after["ssl"] is True and after["updated_at"] > site["updated_at"]
    patched = checked(api.patch("/sites/shop", json={"ssl": False, "force_ssl": True}), "updateSite", 200)
    assert patched["ssl"] is True, "ssl is read-only: it follows the certificate"


def test_replacing_a_certificate_needs_an_upload(api: ApiSession) -> None:
    new_site(api, "shop", custom_domain="shop.example.com")
    issued = checked(api.post("/sites/shop/ssl"), "provisionSiteTLSCertificate", 200)
    error = error_of(api.post("/sites/shop/ssl"), 422)
    assert error["message"] == "certificate parameter is required when updating an existing certificate"
    params = {"certificate": CERT, "key": KEY, "ca_certificates": CERT}
    custom = checked(api.post("/sites/shop/ssl", params=params), "provisionSiteTLSCertificate", 200)
    assert custom["state"] == "custom" and custom["domains"] == ["shop.example.com"]
    assert custom["created_at"] == issued["created_at"] and custom["updated_at"] > issued["updated_at"]
    assert api.get("/sites/shop/ssl").json() == custom


def test_incomplete_or_malformed_uploads_are_422(api: ApiSession) -> None:
    new_site(api, "shop", custom_domain="shop.example.com")
    error = error_of(api.post("/sites/shop/ssl", params={"certificate": CERT}), 422)
    assert "key, ca_certificates parameter is required" in error["message"]
    bad = {"certificate": CERT, "key": "not a key", "ca_certificates": CERT}
    assert "key must be PEM-encoded" in error_of(api.post("/sites/shop/ssl", params=bad), 422)["message"]
    checked(api.get("/sites/shop/ssl"), "showSiteTLSCertificate", 404)
    good = {"certificate": CERT, "key": KEY, "ca_certificates": CERT}
    uploaded = checked(api.post("/sites/shop/ssl", params=good), "provisionSiteTLSCertificate", 200)
    assert uploaded["state"] == "custom"


def test_other_teams_certificates_are_404(api: ApiSession, emulator: EmulatorServer) -> None:
    new_site(api, "shop", custom_domain="shop.example.com")
    checked(api.post("/sites/shop/ssl"), "provisionSiteTLSCertificate", 200)
    other = other_team(emulator)
    checked(other.get("/sites/shop/ssl"), "showSiteTLSCertificate", 404)
    checked(other.get("/sites/shop.example.com/ssl"), "showSiteTLSCertificate", 404)
    checked(other.post("/sites/shop/ssl"), "provisionSiteTLSCertificate", 404)
    checked(api.get("/sites/missing/ssl"), "showSiteTLSCertificate", 404)
    checked(api_session(emulator, None).post("/sites/shop/ssl"), "provisionSiteTLSCertificate", 401)


def test_site_deletion_removes_the_certificate(api: ApiSession, emulator: EmulatorServer) -> None:
    site = new_site(api, "shop", custom_domain="shop.example.com")
    checked(api.post("/sites/shop/ssl"), "provisionSiteTLSCertificate", 200)
    assert rows_for_site(emulator, "site_certificates", site["id"]) == 1
    checked(api.delete("/sites/shop"), "deleteSite", 204)
    assert rows_for_site(emulator, "site_certificates", site["id"]) == 0
    fresh = new_site(api, "shop", custom_domain="shop.example.com")
    assert fresh["ssl"] is False
    checked(api.get("/sites/shop/ssl"), "showSiteTLSCertificate", 404)
