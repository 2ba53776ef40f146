"""The `${NAME}`s export gives secret values: never one the runner's environment defines for itself, and
the same whatever else the export holds."""

from __future__ import annotations

from reconciler.export import Selection, export
from reconciler.model.ledger import Digester
from reconciler.resources import all_kinds


def _secret(client, key: str, value: str, site_id: str | None = None, context: str = "production") -> None:
    body = [{"key": key, "is_secret": True, "values": [{"context": context, "value": value}]}]
    client.post("/accounts/demo/env" + (f"?site_id={site_id}" if site_id else ""), body)


def _names(client, selection: Selection) -> dict[tuple[str, str], str]:
    exported = export(client, selection, all_kinds(Digester(None)))
    return {(v.owner, v.what): v.name for v in exported.variables}


def test_secret_names_avoid_the_runners_variables_and_do_not_depend_on_the_export_scope(client):
    site = client.post("/demo/sites", {"name": "demo"})["id"]  # a site named like its team
    other = client.post("/demo/sites", {"name": "names-other"})["id"]
    for key in ("PATH", "NETLIFY_AUTH_TOKEN", "GITHUB_TOKEN"):  # one value for all: wants `${KEY}` itself
        _secret(client, key, "s-" + key.lower(), site, "all")
    _secret(client, "STRIPE_KEY", "site-stripe", site)
    _secret(client, "STRIPE_KEY", "team-stripe")  # the team's: team.demo and site.demo both want DEMO__...
    _secret(client, "OTHER_KEY", "o", other)

    narrow = _names(client, Selection(teams=("demo",), sites=("demo",)))
    wide = _names(client, Selection(teams=("demo",), sites=("demo", "names-other")))
    assert {k: v for k, v in wide.items() if k[0] != "site.names-other"} == narrow, "same names either way"
    site_names = sorted(name for (owner, _), name in narrow.items() if owner == "site.demo")
    assert site_names[:3] == ["DEMO__GITHUB_TOKEN", "DEMO__NETLIFY_AUTH_TOKEN", "DEMO__PATH"]
    stripe = sorted(name for (_, what), name in narrow.items() if "STRIPE_KEY" in what)
    assert len(stripe) == 2 and len(set(stripe)) == 2
    assert all(name.startswith("DEMO__STRIPE_KEY__PRODUCTION_") for name in stripe), stripe
