"""Owner statuses from a plan, and the CI run link: counts and checked parts only."""

from __future__ import annotations

from datetime import UTC, datetime

from reconciler.model.change import Action, Change
from reconciler.model.owner import OwnerRef
from reconciler.model.status import one_line
from reconciler.plan.model import Plan
from reconciler.status.build import error_status, owner_statuses
from reconciler.status.ci import ci_run_url
from tests.support.status import valid_status

SITE, OTHER, TEAM = OwnerRef("site", "a"), OwnerRef("site", "b"), OwnerRef("team", "t")
AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _change(owner: OwnerRef, action: Action, identity: str) -> Change:
    return Change(owner=owner, kind="env", identity=identity, action=action)


def test_each_owner_counts_its_own_object_changes_but_not_ledger_writes():
    plan = Plan(
        changes=[
            _change(SITE, Action.UPDATE, "A"),
            _change(SITE, Action.DELETE, "B"),
            _change(SITE, Action.RECORD, "ledger"),
            _change(TEAM, Action.RECORD, "ledger"),
        ],
        conflicts=["site.b.snippets: two live snippets are titled 'x'"],
    )
    statuses = owner_statuses(plan, [TEAM, SITE, OTHER], "drift", at=AT)
    team, site, other = (valid_status(statuses[o.address].to_json()) for o in (TEAM, SITE, OTHER))
    assert team["state"] == "in_sync" and team["counts"]["total"] == 0
    assert site["state"] == "drifted" and site["counts"]["update"] == 1 and site["counts"]["total"] == 2
    assert site["summary"] == "Drifted: 2 object(s) differ from the manifests (0 missing, 1 changed, 1 not declared)."
    assert other["state"] == "error" and other["conflicts"] == 1
    assert site["checked_at"] == "2026-01-02T03:04:05Z" and "run_url" not in site


def test_an_error_is_one_bounded_line():
    status = valid_status(error_status(SITE, "GET /sites: HTTP 500: boom\nsecond line", "serve", at=AT).to_json())
    assert status["summary"] == "Error: GET /sites: HTTP 500: boom" and status["state"] == "error"
    assert len(one_line("x" * 1000)) == 300


def test_the_run_link_only_from_github_actions_and_only_well_formed():
    base = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "12"}
    assert ci_run_url(base) == "https://github.com/o/r/actions/runs/12"
    assert ci_run_url({**base, "GITHUB_RUN_ATTEMPT": "3"}) == "https://github.com/o/r/actions/runs/12/attempts/3"
    assert ci_run_url({**base, "GITHUB_SERVER_URL": "https://ghe.example:8443/"}).startswith("https://ghe.example:8443/o/r/")
    assert ci_run_url({k: v for k, v in base.items() if k != "GITHUB_ACTIONS"}) is None
    for planted in ({"GITHUB_REPOSITORY": "o/r\"><script>"}, {"GITHUB_RUN_ID": "12?x=1"},
                    {"GITHUB_SERVER_URL": "javascript:alert(1)"}):
        assert ci_run_url({**base, **planted}) is None
