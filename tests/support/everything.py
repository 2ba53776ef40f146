"""A manifest that uses every kind, with a deploy (files and a function) and a rename, for the tests that
apply it end to end: the plan-as-contract check, faults, concurrent applies, crashes. It converges in one
apply, so a member's access to a site this apply creates (which takes two) is not in it."""

from __future__ import annotations

from pathlib import Path

SECRETS = {
    "CONTRACT_SECRET": "contract-secret-value-1",
    "CONTRACT_TEAM_SECRET": "contract-team-secret-1",
    "CONTRACT_PASSWORD": "contract-password-1",
    "NETLIFY_RECONCILER_LEDGER_KEY": "contract-ledger-key",
}

EVERYTHING = """\
version: 1
teams:
  demo:
    env:
      TEAM_PLAIN: one
      TEAM_SECRET: {secret: true, value: "${CONTRACT_TEAM_SECRET}"}
    integrations:
      contract-team: {config: {tier: gold}}
    ledger: {integration: contract-ledger}
    dns_zones:
      contract.example.org:
        records:
          - {hostname: www.contract.example.org, type: CNAME, value: contract-new.netlify.app}
          - {hostname: contract.example.org, type: MX, value: mx.example.org, priority: 10}
          - {hostname: contract.example.org, type: TXT, value: "v=spf1 -all", ttl: 300}
    members:
      contract-dev@example.org: {role: Developer, site_access: none}
sites:
  contract-new:
    team: demo
    custom_domain: contract.example.org
    domain_aliases: [www.contract.example.org]
    ssl: true
    force_ssl: true
    password: "${CONTRACT_PASSWORD}"
    processing_settings: {html: {pretty_urls: true}}
    build_settings: {cmd: make, dir: public}
    build_image: focal
    functions_region: eu-central-1
    branch_deploy_custom_domain: branches.contract.example.org
    deploy_preview_custom_domain: previews.contract.example.org
    repo: {provider: github, path: example/contract, branch: main, deploy_key: true}
    metadata: {owner: contract}
    env:
      PLAIN: p
      MULTI: {scopes: [builds, functions], values: {production: a, "branch:staging": b}}
      SECRET: {secret: true, values: {production: "${CONTRACT_SECRET}"}}
    snippets:
      analytics: {html: '<script src="/a.js"></script>'}
      footer: {html: '<p>{not a placeholder}</p>', position: footer}
    hooks:
      - {type: email, event: deploy_failed, data: {email: ops@example.org}}
      - {type: url, event: deploy_building, data: {url: "https://hooks.example.org/x", signature_secret: s1}, disabled: true}
    build_hooks:
      nightly: {branch: main}
    split_test: {branches: {main: 90, next: 10}}
    integrations:
      contract-site: {config: {k: v}}
    deploy: {dir: public, functions: functions, title: contract}
  contract-renamed:
    team: demo
    previous_names: [contract-old]
    force_ssl: true
    env: {RENAMED: "y"}
    deploy: {dir: public}
  contract-personal:
    env: {MINE: x}
"""


def every_kind_tree(root: Path) -> Path:
    """The manifest and its site files under `root`; returns the manifest's path. `contract-renamed` is
    found under `contract-old` when a site of that name exists."""
    (root / "public").mkdir(parents=True)
    (root / "public" / "index.html").write_text("<h1>contract</h1>")
    (root / "public" / "same.txt").write_text("dup")
    (root / "public" / "copy.txt").write_text("dup")
    (root / "functions").mkdir()
    (root / "functions" / "hello.js").write_text("export default () => new Response('hi')\n")
    manifest = root / "m.yaml"
    manifest.write_text(EVERYTHING)
    return manifest
