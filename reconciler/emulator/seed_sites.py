"""Seed file sections `sites` and `teams`: sites with forms, submissions and enabled integrations.

```yaml
sites:
  - name: shop                      # required; a site name (created unless the team already has it)
    team: acme                      # required; slug of a team (or personal account) of some token
    custom_domain: shop.example.com # optional
    forms:                          # optional; Netlify detects forms on deploy, the emulator cannot
      - name: contact
        paths: [/contact/]          # optional, default ["/"]
        fields: [name, email, {name: message, type: textarea}]   # a name alone means type "text"
        submissions:                # optional; each is the submitted data, oldest first
          - {name: Ann Example, email: ann@example.com, message: Hello}
    integrations:                   # optional; integration slug -> {config: {...}}
      my-integration: {config: {region: eu}}
teams:
  - slug: acme
    integrations:
      my-integration: {config: {plan: pro}}
```

Applying is idempotent across restarts of the same data directory: an existing site, form or enabled
integration is left as it is (never duplicated, never reset). Structural problems are reported by
`parse_content` with their path; problems that depend on the database (unknown team, a name or domain
taken by another team) surface from `apply_content` as ValueError, and nothing of the section is written.
"""

from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from reconciler.emulator.data import accounts, forms, integrations, sites
from reconciler.emulator.data.accounts import SLUG_RE
from reconciler.emulator.errors import ApiError
from reconciler.emulator.models.site import apply_setup, validate_name
from reconciler.emulator.store import Store

SECTIONS = ("sites", "teams")
_SITE_KEYS = {"name", "team", "custom_domain", "forms", "integrations"}
_FORM_KEYS = {"name", "paths", "fields", "submissions"}
_FIELD_KEYS = {"name", "type"}
_SCALARS = (str, int, float, bool)


@dataclass(frozen=True)
class SeedForm:
    name: str
    paths: list[str]
    fields: list[dict[str, str]]
    submissions: list[dict[str, Any]]


@dataclass(frozen=True)
class SeedSite:
    name: str
    team: str
    settings: dict[str, Any]
    forms: list[SeedForm]
    integrations: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class SeedContent:
    sites: list[SeedSite] = field(default_factory=list)
    teams: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)


def parse_content(document: dict[str, Any], problems: list[str]) -> SeedContent:
    """The `sites` and `teams` sections of a seed document; problems are appended with their path."""
    content = SeedContent()
    for index, item in enumerate(_list(document, "sites", "", problems)):
        site = _site(item, f"sites[{index}]", problems)
        if site is not None:
            if any(s.name == site.name for s in content.sites):
                problems.append(f"sites[{index}].name: {site.name!r} listed twice")
            content.sites.append(site)
    for index, item in enumerate(_list(document, "teams", "", problems)):
        where = f"teams[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("slug"), str):
            problems.append(f"{where}: expected a mapping with slug and integrations")
            continue
        problems += [f"{where}.{key}: unknown key" for key in item if key not in ("slug", "integrations")]
        if item["slug"] in content.teams:
            problems.append(f"{where}.slug: {item['slug']!r} listed twice")
        content.teams[item["slug"]] = _integrations(item, where, problems)
    return content


def _list(parent: dict[str, Any], key: str, where: str, problems: list[str]) -> list[Any]:
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{where}{key}: must be a list")
        return []
    return value


def _site(item: Any, where: str, problems: list[str]) -> SeedSite | None:
    if not isinstance(item, dict):
        problems.append(f"{where}: expected a mapping with name, team, custom_domain, forms, integrations")
        return None
    problems += [f"{where}.{key}: unknown key" for key in item if key not in _SITE_KEYS]
    name, team = item.get("name"), item.get("team")
    try:
        name = validate_name(name)
        settings = apply_setup({}, {"custom_domain": item.get("custom_domain")})
    except ApiError as exc:
        problems.append(f"{where}: {exc.message}")
        return None
    if not isinstance(name, str) or not isinstance(team, str) or not SLUG_RE.match(team):
        problems.append(f"{where}.team: required, a team slug")
        return None
    seed_forms: list[SeedForm] = []
    for index, form_item in enumerate(_list(item, "forms", f"{where}.", problems)):
        form = _form(form_item, f"{where}.forms[{index}]", problems)
        if form is not None:
            if any(f.name == form.name for f in seed_forms):
                problems.append(f"{where}.forms[{index}].name: {form.name!r} listed twice")
            seed_forms.append(form)
    return SeedSite(name, team, settings, seed_forms, _integrations(item, where, problems))


def _form(item: Any, where: str, problems: list[str]) -> SeedForm | None:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
        problems.append(f"{where}: expected a mapping with a name (and paths, fields, submissions)")
        return None
    problems += [f"{where}.{key}: unknown key" for key in item if key not in _FORM_KEYS]
    paths = item.get("paths", ["/"])
    if not isinstance(paths, list) or not all(isinstance(p, str) and p.startswith("/") for p in paths):
        problems.append(f"{where}.paths: must be a list of paths starting with /")
        paths = []
    fields: list[dict[str, str]] = []
    for index, entry in enumerate(_list(item, "fields", f"{where}.", problems)):
        if isinstance(entry, str) and entry:
            fields.append({"name": entry, "type": "text"})
        elif isinstance(entry, dict) and isinstance(entry.get("name"), str) and set(entry) <= _FIELD_KEYS:
            fields.append({"name": entry["name"], "type": str(entry.get("type") or "text")})
        else:
            problems.append(f"{where}.fields[{index}]: expected a field name or {{name, type}}")
    submissions: list[dict[str, Any]] = []
    for index, data in enumerate(_list(item, "submissions", f"{where}.", problems)):
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and (isinstance(v, _SCALARS) or _str_list(v)) for k, v in data.items()
        ):
            problems.append(f"{where}.submissions[{index}]: expected a mapping of field names to values")
            continue
        submissions.append(data)
    return SeedForm(item["name"].strip(), paths, fields, submissions)


def _str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _integrations(item: dict[str, Any], where: str, problems: list[str]) -> dict[str, dict[str, Any]]:
    section = item.get("integrations") or {}
    if not isinstance(section, dict):
        problems.append(f"{where}.integrations: must be a mapping of integration slug to {{config: {{...}}}}")
        return {}
    found: dict[str, dict[str, Any]] = {}
    for slug, spec in section.items():
        spec = spec or {}
        config = (spec.get("config") or {}) if isinstance(spec, dict) else None
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            problems.append(f"{where}.integrations: {slug!r} is not an integration slug")
        elif not isinstance(spec, dict) or set(spec) - {"config"} or not isinstance(config, dict):
            problems.append(f"{where}.integrations.{slug}: expected {{config: {{...}}}}")
        else:
            found[slug] = config
    return found


def apply_content(store: Store, content: SeedContent) -> None:
    """Create what is missing, in one transaction; ValueError (with the path) for conflicts with the data."""
    with store.tx() as db:
        for index, site in enumerate(content.sites):
            _apply_site(db, site, f"sites[{index}]")
        for slug, enabled in content.teams.items():
            account = db.execute("SELECT id FROM accounts WHERE slug = ?", (slug,)).fetchone()
            if account is None:
                raise ValueError(f"teams: no team {slug!r} (teams come from the tokens)")
            _enable(db, account["id"], None, enabled)


def _apply_site(db: sqlite3.Connection, site: SeedSite, where: str) -> None:
    account = db.execute("SELECT id FROM accounts WHERE slug = ?", (site.team,)).fetchone()
    if account is None:
        raise ValueError(f"{where}.team: no team {site.team!r} (teams come from the tokens)")
    row = sites.resolve(db, site.name, {account["id"]})
    if row is None or row["name"] != site.name:
        owner = (accounts.account_owner_ids(db, account["id"]) or [""])[0]
        try:
            site_id = sites.create(db, account["id"], owner, site.name, site.settings)
        except ApiError as exc:
            raise ValueError(f"{where}: {exc.message}") from None
    else:
        site_id = row["id"]
    for form in site.forms:
        if forms.by_name(db, site_id, form.name) is None:
            form_id = forms.add_form(db, site_id, form.name, form.paths, form.fields)
            for data in form.submissions:
                forms.add_submission(db, form_id, data)
    _enable(db, account["id"], site_id, site.integrations)


def _enable(db: sqlite3.Connection, account_id: str, site_id: str | None, enabled: dict[str, Any]) -> None:
    for slug, config in enabled.items():
        if integrations.get_config(db, account_id, site_id, slug) is None:
            # Nobody receives this token: it exists only so the row looks like an API-enabled one.
            integrations.enable(db, account_id, site_id, slug, config, secrets.token_urlsafe(32))
