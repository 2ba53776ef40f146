"""A manifest that uses every kind, with a deploy (files and a function) and a rename, for the tests that
apply it end to end: the plan-as-contract check, faults, concurrent applies, crashes."""

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
