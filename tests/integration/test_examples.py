"""The shipped examples: apply from empty, re-plan empty, then edit each kind and see exactly that change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reconciler.model.change import Action
from reconciler.session import make_plan
from tests.integration.conftest import converge
from tests.support.plans import one_change

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# (file, text to replace, replacement, the one address expected to change, its action)
EDITS = [
    ("teams.yaml", "LOG_LEVEL: info", "LOG_LEVEL: debug", "team.demo.env.LOG_LEVEL", Action.UPDATE),
    ("teams.yaml", "retention_days: 30", "retention_days: 90", "team.demo.integrations.demo-observability", Action.UPDATE),
    ("sites/docs.yaml", "force_ssl: true", "force_ssl: false", "site.demo-docs", Action.UPDATE),
    ("sites/docs.yaml", "tier: gold", "tier: platinum", "site.demo-docs.metadata", Action.UPDATE),
    ("sites/docs.yaml", "deploy-preview: search\n", "deploy-preview: search,preview\n", "site.demo-docs.env.FEATURE_FLAGS", Action.UPDATE),
    ("sites/docs.yaml", 'src="/stats.js"', 'src="/stats2.js"', "site.demo-docs.snippets.analytics", Action.UPDATE),
    ("sites/docs.yaml", '"https://ci.demo.example/netlify"}, disabled: true}', '"https://ci.demo.example/netlify"}}', None, Action.UPDATE),
    ("sites/docs.yaml", "nightly-rebuild: {branch: main}", "nightly-rebuild: {branch: release}", "site.demo-docs.build_hooks.nightly-rebuild", Action.UPDATE),
    ("sites/docs.yaml", "index: docs,", "index: docs-v2,", "site.demo-docs.integrations.demo-search", Action.UPDATE),
    (
        "sites/docs.yaml",
        "      thanks-tracker:\n        goal_html: <script>window.signup = true</script>\n        goal_position: footer\n",
        "",
        "site.demo-docs.snippets.thanks-tracker",
        Action.DELETE,  # pruned kind: removing it from the manifest deletes it
    ),
    ("sites/blog.yaml", "purpose: experiments", "purpose: staging", "site.demo-sandbox.metadata", Action.UPDATE),
    ("teams.yaml", '~all", ttl: 3600}', '~all", ttl: 600}', "team.demo.dns_records.demo.example/demo.example/TXT/v=spf1 include:_spf.mail.demo.example ~all", Action.REPLACE),
    ("teams.yaml", "          - {hostname: demo.example, type: MX, value: mx1.mail.demo.example, priority: 10}\n", "", "team.demo.dns_records.demo.example/demo.example/MX/mx1.mail.demo.example", Action.DELETE),
    ("teams.yaml", "writer@demo.example: {role: Developer}", "writer@demo.example: {role: Reviewer}", "team.demo.members.writer@demo.example", Action.UPDATE),
    ("sites/blog.yaml", "{main: 90, redesign: 10}", "{main: 80, redesign: 20}", "site.demo-blog.split_test", Action.UPDATE),
    ("sites/blog.yaml", "      branch: main\n      deploy_key", "      branch: trunk\n      deploy_key", "site.demo-blog.repo", Action.UPDATE),
    ("sites/docs.yaml", "previews.demo.example", "preview.demo.example", "site.demo-docs", Action.UPDATE),
]


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    target = tmp_path / "examples"
    shutil.copytree(EXAMPLES, target)
    return target


def test_examples_converge_and_each_edit_is_exactly_one_change(client, examples):
    first = converge(client, examples)
    kinds = {change.kind for change in first.plan.changes}
    assert kinds == {
        "site", "env", "metadata", "snippets", "hooks", "build_hooks", "integrations", "deploy", "lease", "ledger",
        "dns_zones", "dns_records", "members", "repo", "split_test",
    }  # fmt: skip
    assert {c.owner.address for c in first.plan.changes} >= {"team.demo", "site.demo-docs", "site.demo-sandbox"}

    page = examples / "site" / "public" / "404.html"
    page.write_text(page.read_text().replace("Not found", "Gone"))
    change = one_change(make_plan(client, examples).plan)
    assert (change.address, change.action, [f.path for f in change.fields]) == (
        "site.demo-docs.deploy", Action.DEPLOY, [("files", "404.html")]
    )
    converge(client, examples)

    for file, old, new, address, action in EDITS:
        path = examples / file
        text = path.read_text()
        assert old in text, (file, old)
        path.write_text(text.replace(old, new))
        planned = make_plan(client, examples)
        change = one_change(planned.plan)  # with its owner's lease before it and ledger write after it
        if address is not None:
            assert change.address == address, old
        assert change.action is action, old
        converge(client, examples)
