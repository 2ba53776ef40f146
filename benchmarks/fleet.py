"""A generated fleet of sites declaring every configuration kind: shared by the budget test and benchmark."""

from __future__ import annotations

SITE_TEMPLATE = """\
  {name}:
    team: demo
    custom_domain: {name}.fleet.example
    force_ssl: true
    metadata: {{owner: fleet, index: {index}}}
    env:
      API_URL: https://api.fleet.example/{index}
      FLAGS: {{scopes: [builds, functions], values: {{production: a, deploy-preview: b}}}}
    snippets:
      analytics: {{html: <script src="/a.js"></script>}}
    hooks:
      - {{type: email, event: deploy_failed, data: {{email: ops@fleet.example}}}}
    build_hooks:
      nightly: {{branch: main}}
    integrations:
      fleet-search: {{config: {{index: site-{index}}}}}
"""


def fleet_manifest(count: int) -> str:
    """A manifest with `count` sites in team `demo`, each using every kind."""
    sites = "".join(SITE_TEMPLATE.format(name=f"fleet-{i:04d}", index=i) for i in range(count))
    return "version: 1\nsites:\n" + sites
