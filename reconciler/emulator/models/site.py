"""Site settings: validating siteSetup bodies and rendering the swagger `site` object.

Writable settings live in one JSON document per site; read-only fields (ids, urls, timestamps) are derived
at render time, which is why updates can simply ignore them. Keys whose value would be null are omitted,
since swagger declares none of these fields nullable and strict clients reject nulls.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from reconciler.emulator.errors import json_type, unprocessable

NETLIFY_DOMAIN = "netlify.app"
NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
DOMAIN_RE = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})+$")

DEFAULT_SETTINGS: dict[str, Any] = {
    "domain_aliases": [],
    "force_ssl": False,
    "processing_settings": {"html": {"pretty_urls": True}},
    "build_settings": {},
    "build_image": "noble",
    "functions_region": "us-east-2",
    "prevent_non_git_prod_deploys": False,
}
_OPTIONAL_STRINGS = ("password", "notification_email", "functions_region", "build_image")
_BOOLS = ("force_ssl", "prevent_non_git_prod_deploys")
_DOMAINS = ("custom_domain", "branch_deploy_custom_domain", "deploy_preview_custom_domain")


def _is_str(v: object) -> bool:
    return isinstance(v, str)


def _is_bool(v: object) -> bool:
    return isinstance(v, bool)


def _is_int(v: object) -> bool:
    """An integer swagger's `int64` can hold."""
    return isinstance(v, int) and not isinstance(v, bool) and -(2**63) <= v < 2**63


def _is_str_list(v: object) -> bool:
    return isinstance(v, list) and all(isinstance(i, str) for i in v)


# repoInfo fields we keep (plus `base`, which the live API has although swagger omits it).
_BUILD_FIELDS: dict[str, tuple[Callable[[object], bool], str]] = {
    "cmd": (_is_str, "string"),
    "dir": (_is_str, "string"),
    "functions_dir": (_is_str, "string"),
    "base": (_is_str, "string"),
    "repo_branch": (_is_str, "string"),
    "stop_builds": (_is_bool, "boolean"),
    "allowed_branches": (_is_str_list, "array of strings"),
    "provider": (_is_str, "string"),
    "repo_path": (_is_str, "string"),
    "repo_url": (_is_str, "string"),
    "public_repo": (_is_bool, "boolean"),
    "private_logs": (_is_bool, "boolean"),
    "installation_id": (_is_int, "integer"),
    "deploy_key_id": (_is_str, "string"),
}


def validate_name(name: object) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise unprocessable(
            "Validation failed: name must be 1-63 lowercase letters, digits or hyphens, "
            "not starting or ending with a hyphen"
        )
    return name


def _domain(field: str, value: object) -> str:
    if not isinstance(value, str) or not DOMAIN_RE.match(value.lower()):
        raise unprocessable(f"Validation failed: {field} must be a domain name like www.example.com")
    domain = value.lower()
    if domain == NETLIFY_DOMAIN or domain.endswith("." + NETLIFY_DOMAIN):
        raise unprocessable(f"Validation failed: {field} cannot be a {NETLIFY_DOMAIN} domain")
    return domain


def _expect(field: str, value: object, ok: bool, kind: str) -> None:
    if not ok:
        raise unprocessable(f"Validation failed: {field} must be a {kind}, not {json_type(value)}")


def apply_setup(settings: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Settings after applying the writable fields of a siteSetup body; unknown/read-only keys are ignored.

    `null` clears an optional string field. `processing_settings` is deep-merged; `repo` and
    `build_settings` both update the build settings, field by field.
    """
    new = {**settings}
    for field in _DOMAINS:
        if field in body:
            value = body[field]
            if value is None or value == "":
                new.pop(field, None)
            else:
                new[field] = _domain(field, value)
    if "domain_aliases" in body:
        aliases = body["domain_aliases"] or []
        _expect("domain_aliases", aliases, isinstance(aliases, list), "array of domain names")
        cleaned = [_domain("domain_aliases", a) for a in aliases]
        if len(set(cleaned)) != len(cleaned):
            raise unprocessable("Validation failed: domain_aliases contains duplicates")
        new["domain_aliases"] = cleaned
    for field in _OPTIONAL_STRINGS:
        if field in body:
            value = body[field]
            if value is None:
                new.pop(field, None)
            else:
                _expect(field, value, isinstance(value, str), "string")
                new[field] = value
    for field in _BOOLS:
        if field in body and body[field] is not None:
            _expect(field, body[field], isinstance(body[field], bool), "boolean")
            new[field] = body[field]
    if body.get("processing_settings") is not None:
        new["processing_settings"] = _merge_processing(new.get("processing_settings", {}), body)
    for field in ("build_settings", "repo"):
        if body.get(field) is not None:
            new["build_settings"] = _merge_build(new.get("build_settings", {}), field, body[field])
    if new.get("custom_domain") and new["custom_domain"] in new.get("domain_aliases", []):
        raise unprocessable("Validation failed: custom_domain cannot also be a domain alias")
    return new


def _merge_processing(current: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    incoming = body["processing_settings"]
    _expect("processing_settings", incoming, isinstance(incoming, dict), "object")
    html = incoming.get("html")
    if html is not None:
        _expect("processing_settings.html", html, isinstance(html, dict), "object")
        pretty = html.get("pretty_urls")
        if pretty is not None:
            _expect("processing_settings.html.pretty_urls", pretty, isinstance(pretty, bool), "boolean")
    return _deep_merge(current, incoming)


def _deep_merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    merged = {**base}
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        elif value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _merge_build(current: dict[str, Any], field: str, incoming: object) -> dict[str, Any]:
    _expect(field, incoming, isinstance(incoming, dict), "object")
    assert isinstance(incoming, dict)
    merged = {**current}
    for key, value in incoming.items():
        rule = _BUILD_FIELDS.get(key)
        if rule is None:
            continue
        if value is None:
            merged.pop(key, None)
            continue
        check, kind = rule
        _expect(f"{field}.{key}", value, check(value), kind)
        merged[key] = value
    return merged


def site_domains(settings: dict[str, Any]) -> list[tuple[str, str]]:
    """(domain, kind) pairs that must resolve to this site and be unique across sites."""
    pairs = [(settings[f], f) for f in _DOMAINS if settings.get(f)]
    return pairs + [(alias, "alias") for alias in settings.get("domain_aliases", [])]


def render_site(row: Any) -> dict[str, Any]:
    """The swagger `site` object from a joined sites/accounts row."""
    settings: dict[str, Any] = {**DEFAULT_SETTINGS, **_loads(row["settings"])}
    name: str = row["name"]
    default_domain = f"{name}.{NETLIFY_DOMAIN}"
    host = settings.get("custom_domain") or default_domain
    site: dict[str, Any] = {
        "id": row["id"],
        "site_id": row["id"],
        "state": "current",
        "plan": "nf_team_dev",
        "name": name,
        "url": f"http://{host}",
        "ssl_url": f"https://{host}",
        "admin_url": f"https://app.netlify.com/sites/{name}",
        "deploy_url": f"http://{default_domain}",
        "default_domain": default_domain,
        "id_domain": f"{row['id']}.{NETLIFY_DOMAIN}",
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "user_id": row["user_id"],
        "ssl": False,
        "managed_dns": False,
        "account_id": row["account_id"],
        "account_name": row["account_name"],
        "account_slug": row["account_slug"],
        "capabilities": {},
    }
    for key, value in settings.items():
        if value is not None:
            site[key] = value
    return site


def _loads(text: str) -> dict[str, Any]:
    value = json.loads(text)
    return value if isinstance(value, dict) else {}
