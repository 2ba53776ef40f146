"""Field-level diffs: what changed, with sensitive values kept (and so maskable) on both sides."""

from reconciler.model.change import ABSENT
from reconciler.model.diff import field_changes, flatten, project
from reconciler.model.sensitive import Sensitive


def test_equal_objects_have_no_changes():
    assert field_changes({"a": 1, "b": {"c": [1, 2]}}, {"b": {"c": [2, 1]}, "a": 1}) == []


def test_changed_added_and_removed_leaves():
    changes = field_changes({"a": 1, "b": {"c": 2, "d": 3}}, {"a": 2, "b": {"c": 2}, "e": "x"})
    assert [(c.path, c.before, c.after) for c in changes] == [
        (("a",), 1, 2),
        (("b", "d"), 3, ABSENT),
        (("e",), ABSENT, "x"),
    ]


def test_lists_are_reported_whole():
    (change,) = field_changes({"scopes": ["builds"]}, {"scopes": ["builds", "runtime"]})
    assert change.path == ("scopes",)
    assert change.after == ["builds", "runtime"]


def test_sensitive_values_compare_by_value_and_stay_wrapped():
    assert field_changes({"v": "same"}, {"v": Sensitive("same")}) == []
    (change,) = field_changes({"v": "old"}, {"v": Sensitive("new")})
    assert change.sensitive
    assert isinstance(change.after, Sensitive)
    assert "new" not in repr(change) and "new" not in str(change.after)


def test_comparison_views_decide_but_originals_are_reported():
    before, after = {"v": "hidden"}, {"v": Sensitive("x")}
    assert field_changes(before, after, {"v": "?"}, {"v": "?"}) == []


def test_project_keeps_only_declared_fields():
    live = {"a": 1, "b": {"c": 2, "d": 3}, "e": 4}
    assert project(live, {"b": {"c": 0}, "a": 0}) == {"a": 1, "b": {"c": 2}}


def test_flatten_lists_leaves_in_order():
    assert flatten({"b": {"y": 1, "x": [1]}, "a": Sensitive("s")})[0][0] == ("a",)
    assert [p for p, _ in flatten({"b": {"y": 1, "x": [1]}})] == [("b", "x"), ("b", "y")]
