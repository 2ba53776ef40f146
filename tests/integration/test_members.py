"""Team members through plan and apply: invited with their role, role and site access changed in place,
removed only when this tool added them (or under `prune`), an Owner's removal only with consent."""

from __future__ import annotations

import pytest

from reconciler.apply import apply_plan
from reconciler.model.change import Action
from reconciler.model.errors import ManifestError
from reconciler.plan.safety import violations
from reconciler.session import make_plan
from tests.integration.conftest import converge, write
from tests.support.plans import config_changes, one_change

TEAM = """\
version: 1
teams:
  demo:
    ledger: {integration: members-ledger}
    members:
      ops@acme.dev: {role: Owner}
      dev@acme.dev: {role: Developer, site_access: selected, sites: [team-docs]}
sites:
  team-docs:
    team: demo
"""


def _members(client) -> dict[str, dict]:
    return {m["email"]: m for m in client.get("/demo/members")}


def _converged_team(client, tmp_path):
    path = write(tmp_path, TEAM)
    first = make_plan(client, path)
    assert any("site 'team-docs' is not a site of team 'demo' yet" in w for w in first.plan.warnings)
    apply_plan(client, first.plan, first.procedures)
    # The site exists only after the team's changes: the access to it follows on the next apply.
    change = one_change(make_plan(client, path).plan)
    assert (change.address, [f.path for f in change.fields]) == (
        "team.demo.members.dev@acme.dev",
        [("sites",)],
    )
    converge(client, path)
    return path


def test_members_are_invited_with_role_and_site_access(client, tmp_path):
    _converged_team(client, tmp_path)
    members = _members(client)
    site_id = client.get("/sites/team-docs")["id"]
    assert members["ops@acme.dev"]["role"] == "Owner"
    dev = members["dev@acme.dev"]
    assert (dev["role"], dev["site_access"], dev["site_ids"]) == ("Developer", "selected", [site_id])


def test_role_and_access_change_in_place(client, tmp_path):
    path = _converged_team(client, tmp_path)
    path.write_text(
        TEAM.replace(
            "{role: Developer, site_access: selected, sites: [team-docs]}",
            "{role: Reviewer, site_access: all}",
        )
    )
    planned = make_plan(client, path)
    change = one_change(planned.plan)
    assert change.action is Action.UPDATE
    assert {f.path: (f.before, f.after) for f in change.fields} == {
        ("role",): ("Developer", "Reviewer"), ("site_access",): ("selected", "all"),
    }  # fmt: skip
    assert planned.plan.calls(change) == [
        f"PUT /api/v1/demo/members/{_members(client)['dev@acme.dev']['id']}"
    ]
    converge(client, path)
    assert _members(client)["dev@acme.dev"]["site_ids"] == []


def test_removed_member_added_by_the_tool_is_removed_hand_added_ones_stay(client, tmp_path):
    path = _converged_team(client, tmp_path)
    client.request_json("POST", "/demo/members", body={"email": "hand@acme.dev", "role": "Reviewer"})
    path.write_text(
        TEAM.replace("      dev@acme.dev: {role: Developer, site_access: selected, sites: [team-docs]}\n", "")
    )
    planned = make_plan(client, path)
    change = one_change(planned.plan)
    assert (change.address, change.action) == ("team.demo.members.dev@acme.dev", Action.DELETE)
    unmanaged = {u.identity for u in planned.plan.unmanaged if u.kind == "members"}
    assert "hand@acme.dev" in unmanaged and len(unmanaged) == 2, "the token's own user is not ours either"
    assert violations(planned.plan, planned.desired) == []
    converge(client, path)
    assert set(_members(client)) >= {"ops@acme.dev", "hand@acme.dev"} and "dev@acme.dev" not in _members(
        client
    )


def test_removing_an_owner_needs_consent_and_prune_reaches_hand_added_members(client, tmp_path):
    path = _converged_team(client, tmp_path)
    me = next(email for email, m in _members(client).items() if email not in ("ops@acme.dev", "dev@acme.dev"))
    client.request_json("POST", "/demo/members", body={"email": "hand@acme.dev", "role": "Reviewer"})
    path.write_text(TEAM.replace("    members:\n", "    prune: [members]\n    members:\n").replace(
        "      ops@acme.dev: {role: Owner}\n", f"      {me}: {{role: Owner}}\n"))  # fmt: skip
    planned = make_plan(client, path)
    deleted = {c.identity: c.note for c in config_changes(planned.plan) if c.action is Action.DELETE}
    assert deleted == dict.fromkeys(
        ["hand@acme.dev", "ops@acme.dev"], "not declared, and `prune` lists members"
    )
    (refused,) = violations(planned.plan, planned.desired)
    assert (
        refused.rule == "members-delete"
        and refused.message == "the plan removes ops@acme.dev, an Owner of the team"
    )
    apply_plan(client, planned.plan, planned.procedures)
    assert set(_members(client)) == {me, "dev@acme.dev"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (TEAM.replace(", sites: [team-docs]", ""), "`sites` lists the sites of `site_access: selected`"),
        (
            TEAM.replace("    members:\n", "    prune: [members]\n    members_x: 1\n").split("    members_x")[
                0
            ]
            + "sites: {}\n",
            "every member would be removed",
        ),
        (
            TEAM.replace(
                "ops@acme.dev: {role: Owner}",
                "ops@acme.dev: {role: Owner}\n      OPS@acme.dev: {role: Developer}",
            ),
            "emails ignore case",
        ),
    ],
    ids=["sites without selected", "prune without members", "same email twice"],
)
def test_member_declarations_that_cannot_work_are_manifest_errors(client, tmp_path, text, message):
    with pytest.raises(ManifestError, match=message):
        make_plan(client, write(tmp_path, text))


def _roles(client) -> dict[str, str]:
    return {email: m["role"] for email, m in _members(client).items()}


def _me(client) -> str:
    (me,) = [email for email, m in _members(client).items() if m["role"] == "Owner"]
    return me


def test_a_plan_leaving_the_team_without_an_owner_is_refused(client, tmp_path):
    """Netlify refuses to remove or demote a team's last Owner: before, the plan went ahead and apply
    stopped half-way (a new member invited, then the removal refused)."""
    me = _me(client)
    demoted = f"version: 1\nteams:\n  demo:\n    members:\n      {me}: {{role: Developer}}\n"
    pruned = "version: 1\nteams:\n  demo:\n    prune: [members]\n    members:\n      dev@acme.dev: {role: Developer}\n"
    for text in (demoted, pruned):
        with pytest.raises(ManifestError, match="would leave the team without an Owner"):
            make_plan(client, write(tmp_path, text))
    assert _members(client) == {me: _members(client)[me]}  # nothing was invited


def test_undeclaring_the_owner_this_tool_made_is_refused_when_no_other_owner_stays(client, tmp_path):
    """An undeclared member this tool created is deleted even without `prune` (the team's ledger manages
    it): when it is the only Owner, the plan is refused instead of apply failing at the removal."""
    me = _me(client)
    head = "version: 1\nteams:\n  demo:\n    ledger: {integration: members-ledger}\n    members:\n"
    handed_over = f"{head}      {me}: {{role: Developer}}\n      zed@acme.dev: {{role: Owner}}\n"
    planned = make_plan(client, write(tmp_path, handed_over))
    apply_plan(client, planned.plan, planned.procedures)
    forgotten = f"{head}      {me}: {{role: Developer}}\n"
    with pytest.raises(ManifestError, match="would leave the team without an Owner"):
        make_plan(client, write(tmp_path, forgotten))
    assert _roles(client) == {me: "Developer", "zed@acme.dev": "Owner"}
    kept = forgotten.replace("Developer", "Owner")  # an Owner that stays: zed may go
    planned = make_plan(client, write(tmp_path, kept))
    assert sorted((c.identity, c.action) for c in config_changes(planned.plan)) == [
        (me, Action.UPDATE),
        ("zed@acme.dev", Action.DELETE),
    ]


def test_a_new_owner_is_added_before_the_old_one_is_demoted(client, tmp_path):
    me = _me(client)
    assert me < "zed@acme.dev"  # by email alone, the demotion would come first and be refused
    text = f"version: 1\nteams:\n  demo:\n    members:\n      {me}: {{role: Developer}}\n      zed@acme.dev: {{role: Owner}}\n"
    planned = make_plan(client, write(tmp_path, text))
    assert [(c.identity, c.action) for c in config_changes(planned.plan)] == [
        ("zed@acme.dev", Action.CREATE),
        (me, Action.UPDATE),
    ]
    apply_plan(client, planned.plan, planned.procedures)
    assert _roles(client) == {me: "Developer", "zed@acme.dev": "Owner"}


def test_a_renamed_site_keeps_its_members_access(client, tmp_path):
    """Before: `sites: [new-name]` with the rename in the same plan resolved to no site, and apply took the
    member's access away before renaming the site."""
    path = _converged_team(client, tmp_path)
    site_id = client.get("/sites/team-docs")["id"]
    path.write_text(TEAM.replace("  team-docs:\n", "  team-docs2:\n    previous_names: [team-docs]\n").replace(
        "sites: [team-docs]", "sites: [team-docs2]"
    ))  # fmt: skip
    planned = make_plan(client, path)
    assert not planned.plan.warnings, planned.plan.warnings
    change = one_change(planned.plan)
    assert (change.address, change.fields[0].path) == ("site.team-docs2", ("name",))
    converge(client, path)
    assert client.get(f"/sites/{site_id}")["name"] == "team-docs2"
    assert _members(client)["dev@acme.dev"]["site_ids"] == [site_id]


def test_access_to_a_deleted_site_is_neither_planned_nor_exported(client, tmp_path):
    """Before: the member's stale site id read as a site name, so the plan wanted to take it away on every
    run and an export wrote the raw id into `sites`, which the next plan then warned about."""
    from reconciler.export import Selection, export
    from reconciler.model.ledger import Digester
    from reconciler.resources import all_kinds

    path = _converged_team(client, tmp_path)
    docs = client.get("/sites/team-docs")["id"]
    gone = client.post("/demo/sites", {"name": "team-gone"})["id"]
    dev = _members(client)["dev@acme.dev"]
    client.put(f"/demo/members/{dev['id']}", {"site_access": "selected", "site_ids": [docs, gone]})
    client.delete(f"/sites/{gone}")
    assert gone in _members(client)["dev@acme.dev"]["site_ids"], "the emulator keeps the stale id"

    assert make_plan(client, path).plan.changes == []
    exported = export(client, Selection(teams=("demo",)), all_kinds(Digester(None)))
    team = exported.documents["teams/demo.yaml"]["teams"]["demo"]
    assert team["members"]["dev@acme.dev"]["sites"] == ["team-docs"]
