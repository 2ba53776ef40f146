"""TLS certificates: which domains a site's certificate covers, custom-certificate checks, rendering.

The emulator cannot look up DNS, so every custom domain counts as correctly pointed at Netlify; the one
precondition it enforces is Netlify's "No custom domain configured". Let's Encrypt certificates are issued
at once and expire after 90 days; uploaded certificates are stored as given (only their PEM framing is
checked), never parsed.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.emulator.errors import unprocessable

LETS_ENCRYPT_DAYS = 90
CUSTOM_DAYS = 365
CUSTOM_PARAMS = ("certificate", "key", "ca_certificates")
_PEM_MARKERS = {
    "certificate": "-----BEGIN CERTIFICATE-----",
    "key": "PRIVATE KEY-----",
    "ca_certificates": "-----BEGIN CERTIFICATE-----",
}


def certificate_domains(settings: dict[str, Any]) -> list[str]:
    """The custom domain and its aliases; 422 (Netlify's message) when the site has no custom domain."""
    domain = settings.get("custom_domain")
    if not domain:
        raise unprocessable("No custom domain configured")
    return [domain, *[alias for alias in settings.get("domain_aliases", []) if alias != domain]]


def custom_upload(params: dict[str, str], has_certificate: bool) -> bool:
    """Whether the request uploads a custom certificate; incomplete or malformed uploads are a 422.

    Replacing an existing certificate requires an upload, as swagger describes.
    """
    given = {name: params[name] for name in CUSTOM_PARAMS if params.get(name)}
    if not given:
        if has_certificate:
            raise unprocessable("certificate parameter is required when updating an existing certificate")
        return False
    missing = [name for name in CUSTOM_PARAMS if name not in given]
    if missing:
        raise unprocessable(f"{', '.join(missing)} parameter is required with a custom certificate")
    for name, marker in _PEM_MARKERS.items():
        if marker not in given[name]:
            raise unprocessable(f"{name} must be PEM-encoded")
    return True


def render_certificate(row: Any) -> dict[str, Any]:
    """The swagger `sniCertificate` object."""
    return {
        "state": row["state"],
        "domains": json.loads(row["domains"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "expires_at": row["expires_at"],
    }
