"""Free-form values (metadata, a hook's data, an integration's config) nested deeper than Netlify accepts.

Netlify refuses a JSON body whose arrays and objects nest more than 100 levels (a 400, Ruby's JSON
`max_nesting`). A manifest that would meet that refusal at apply is refused by `validate` and `plan`
instead, at the first node too deep, so nothing is half-applied.
"""

from __future__ import annotations

from typing import Any

from reconciler.manifest.model import Owner
from reconciler.model.errors import ManifestIssue

MAX_BODY_NESTING = 100


def nesting_issues(
    owner: Owner, relative: tuple[str | int, ...], value: Any, levels_above: int
) -> list[ManifestIssue]:
    """The first array or object in `value` (at `relative` below `owner`) deeper than a request body may
    nest, given that the body wraps `value` in `levels_above` levels of its own."""
    stack: list[tuple[Any, tuple[str | int, ...], int]] = [(value, relative, levels_above + 1)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, dict):
            children: list[tuple[str | int, Any]] = list(node.items())
        elif isinstance(node, list):
            children = list(enumerate(node))
        else:
            continue
        if depth > MAX_BODY_NESTING:
            _, text, where = owner.node(*path)
            message = (
                f"nested {depth} levels deep in the request body that sends it; Netlify refuses a body "
                f"nested more than {MAX_BODY_NESTING} levels"
            )
            return [ManifestIssue(where, text, message)]
        stack.extend((child, (*path, key), depth + 1) for key, child in reversed(children))
    return []
