"""Field-level differences between a live and a desired object, computed with deepdiff.

deepdiff compares the revealed values (so a sensitive value that did not change is not a
change); the FieldChanges keep the original objects, so renderers can still mask them. Lists are
compared as sets and reported whole: a field like `scopes` is one value to the reader.
"""

from __future__ import annotations

from typing import Any

from deepdiff import DeepDiff

from reconciler.model.change import ABSENT, FieldChange, FieldPath
from reconciler.model.sensitive import Sensitive, reveal


def field_changes(
    before: Any, after: Any, compare_before: Any = None, compare_after: Any = None
) -> list[FieldChange]:
    """Changed fields from `before` to `after`; optional comparison views replace what is compared."""
    left = reveal(before if compare_before is None else compare_before)
    right = reveal(after if compare_after is None else compare_after)
    if left == right:
        return []
    if not isinstance(left, dict) or not isinstance(right, dict):
        return [FieldChange((), before, after)]
    if not left or not right:  # deepdiff reports an empty side as one change of the whole object
        keys = sorted(set(left) | set(right), key=str)
        return [FieldChange((str(k),), lookup(before, (str(k),)), lookup(after, (str(k),))) for k in keys]
    diff = DeepDiff(left, right, ignore_order=True, view="tree", verbose_level=2)
    paths: set[FieldPath] = set()
    for levels in diff.values():
        for level in levels:
            paths.add(_dict_prefix(level.path(output_format="list")))
    return [FieldChange(path, lookup(before, path), lookup(after, path)) for path in sorted(paths)]


def _dict_prefix(path: list[Any]) -> FieldPath:
    """Cut a deepdiff path at the first list index: lists are shown whole."""
    out: list[str] = []
    for part in path:
        if not isinstance(part, str):
            break
        out.append(part)
    return tuple(out)


def lookup(value: Any, path: FieldPath) -> Any:
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return ABSENT
        value = value[part]
    return value


def project(live: Any, template: Any) -> Any:
    """The part of `live` that `template` declares: undeclared fields are not ours to compare."""
    if not isinstance(template, dict) or not isinstance(live, dict):
        return live
    return {key: project(live[key], template[key]) for key in template if key in live}


def flatten(value: Any, prefix: FieldPath = ()) -> list[tuple[FieldPath, Any]]:
    """Leaves of a nested dict (sensitive values and lists are leaves), for showing whole objects."""
    if isinstance(value, dict) and not isinstance(value, Sensitive) and value:
        out: list[tuple[FieldPath, Any]] = []
        for key in sorted(value):
            out.extend(flatten(value[key], (*prefix, str(key))))
        return out
    return [(prefix, value)]
