"""The `${{ }}` helper the local workflow runner uses: GitHub's rules for the expressions the workflows use."""

from __future__ import annotations

from typing import Any

import pytest

from tests.github.expressions import ExpressionError, Status, condition, evaluate, substitute

CONTEXTS: dict[str, Any] = {
    "github": {
        "repository": "acme/site",
        "ref_name": "main",
        "event": {"pull_request": {"number": 7, "head": {"repo": {"full_name": "mallory/site"}}},
                  "repository": {"default_branch": "main"}},
    },
    "secrets": {"NETLIFY_AUTH_TOKEN": "t0k"},
    "steps": {"plan": {"outcome": "success", "outputs": {"has-changes": "true", "exitcode": "2"}}},
    "env": {"HAS_NETLIFY_TOKEN": "true"},
    "inputs": {"python-version": "3.12"},
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("github.event.pull_request.number", 7),
        ("github.event.pull_request.head.repo.full_name != github.repository", True),
        ("github.ref_name == github.event.repository.default_branch", True),
        ("secrets.NETLIFY_AUTH_TOKEN != ''", True),
        ("secrets.MISSING != ''", False),
        ("steps.plan.outputs.has-changes == 'true'", True),
        ("steps.plan.outputs.has-changes == 'TRUE'", True),  # strings compare case-insensitively
        ("steps.plan.outputs.exitcode == 2", True),  # mismatched types compare as numbers
        ("steps.nope.outputs.exitcode", None),  # a missing property is null
        ("inputs.python-version != ''", True),
        ("env.HAS_NETLIFY_TOKEN == 'true' && 'yes' || 'no'", "yes"),
        ("!(1 == 2)", True),
        ("contains('netlify-reconciler', 'RECONCILER')", True),
        ("'it''s'", "it's"),
        ("format('{0}/{1} {{literal}}', 2, 'three')", "2/three {literal}"),
        # A secret by computed name, and the fallback when it is not set.
        ("secrets[format('NETLIFY_AUTH_{0}', 'TOKEN')] || 'none'", "t0k"),
        ("secrets[format('NETLIFY_AUTH_TOKEN_{0}', 2)] || secrets.NETLIFY_AUTH_TOKEN", "t0k"),
    ],
)
def test_evaluate(expression: str, expected: Any) -> None:
    assert evaluate(expression, CONTEXTS) == expected


def test_substitute_writes_values_as_github_does() -> None:
    text = "pr ${{ github.event.pull_request.number }} fork=${{ github.event.pull_request.head.repo.full_name != github.repository }} x=${{ steps.nope.outputs.y }}."
    assert substitute(text, CONTEXTS) == "pr 7 fork=true x=."


def test_conditions_imply_success_unless_a_status_function_is_used() -> None:
    failed = Status(failed=True)
    assert condition(None, CONTEXTS, Status()) and not condition(None, CONTEXTS, failed)
    assert not condition("env.HAS_NETLIFY_TOKEN == 'true'", CONTEXTS, failed)
    assert condition("${{ !cancelled() }}", CONTEXTS, failed)
    assert condition("always() && steps.plan.outcome == 'success'", CONTEXTS, failed)
    assert not condition("${{ failure() }}", CONTEXTS, Status())
    # A job whose needed job was skipped: not success, not failure.
    unfinished = Status(needs_unfinished=True)
    assert not condition(None, CONTEXTS, unfinished) and not condition("failure()", CONTEXTS, unfinished)


@pytest.mark.parametrize(
    "expression", ["hashFiles('x')", "matrix.os", "1 +", "github.event[", "'open", "format('{1}', 'x')", "format('{')"]
)
def test_anything_outside_the_subset_is_an_error(expression: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(expression, CONTEXTS)
