"""Env vars: normalisation of both sides and the narrowest call for each kind of update."""

from reconciler.model.change import Action, Change
from reconciler.model.objects import DesiredObject, Target
from reconciler.model.owner import OwnerRef
from reconciler.model.sensitive import UNREADABLE, Sensitive
from reconciler.resources.env import ALL_SCOPES, EnvKind, desired_var, live_var

SITE = Target("site", "docs", account="acct1", site_id="site1")


def test_shorthand_means_all_contexts_and_scopes():
    assert desired_var("x") == {"scopes": list(ALL_SCOPES), "secret": False, "values": {"all": "x"}}


def test_full_form_normalises_scopes_and_wraps_secrets():
    state = desired_var({"secret": True, "scopes": ["runtime", "functions"], "values": {"production": "p"}})
    assert state["scopes"] == ["functions", "runtime"]
    assert isinstance(state["values"]["production"], Sensitive)


def test_live_var_reads_post_processing_branch_contexts_and_hidden_values():
    raw = {
        "key": "K",
        "scopes": ["post_processing", "builds"],
        "is_secret": True,
        "updated_at": "2026-01-01T00:00:00Z",
        "values": [
            {"id": "v1", "context": "branch", "context_parameter": "staging", "value": "s"},
            {"id": "v2", "context": "production"},
        ],
    }
    obj = live_var(raw)
    assert obj.state["scopes"] == ["builds", "post-processing"]
    assert obj.state["values"] == {"branch:staging": Sensitive("s"), "production": UNREADABLE}
    assert str(obj.state["values"]["branch:staging"]) == "(sensitive)", "a secret's shown value stays hidden"
    assert obj.ref["value_ids"] == {"branch:staging": "v1", "production": "v2"}


def _update(before_values, after_values, secret=False):
    kind = EnvKind()
    raw = {
        "key": "K",
        "is_secret": secret,
        "values": [{"id": f"id-{c}", "context": c, "value": v} for c, v in before_values.items()],
    }
    have = live_var(raw)
    want = DesiredObject("K", desired_var({"values": after_values, "secret": secret}))
    fields = kind.diff(want, have)
    change = Change(
        OwnerRef("site", "docs"), "env", "K", Action.UPDATE, have.state, want.state, fields, live_ref=have.ref
    )
    return kind.requests(change, SITE)


def test_one_changed_value_is_a_patch():
    (request,) = _update({"production": "a", "dev": "d"}, {"production": "b", "dev": "d"})
    assert (request.method, request.path) == ("PATCH", "/accounts/acct1/env/K")
    assert request.params == {"site_id": "site1"}
    assert request.body == {"context": "production", "value": "b"}


def test_one_removed_value_deletes_that_value():
    (request,) = _update({"production": "a", "dev": "d"}, {"dev": "d"})
    assert (request.method, request.path) == ("DELETE", "/accounts/acct1/env/K/value/id-production")


def test_several_changes_are_one_put_without_scopes_when_all_four():
    (request,) = _update({"production": "a", "dev": "d"}, {"production": "b", "dev": "e"})
    assert request.method == "PUT"
    assert "scopes" not in request.body
    assert request.body["values"] == [
        {"context": "dev", "value": "e"},
        {"context": "production", "value": "b"},
    ]


def test_hidden_secret_values_only_compare_contexts():
    kind = EnvKind()
    have = live_var({"key": "K", "is_secret": True, "values": [{"id": "1", "context": "production"}]})
    same = DesiredObject("K", desired_var({"secret": True, "values": {"production": "anything"}}))
    assert kind.diff(same, have) == []
    more = DesiredObject("K", desired_var({"secret": True, "values": {"production": "x", "dev": "y"}}))
    assert [f.path for f in kind.diff(more, have)] == [("values", "dev")]
