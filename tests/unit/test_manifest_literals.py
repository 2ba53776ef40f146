"""Values that every plan shows, or that this tool reads itself, take no `${NAME}`: an error names them."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.manifest.literals import MESSAGE as LITERAL_ONLY_MESSAGE
from reconciler.manifest.literals import literal_only
from reconciler.manifest.schema import REFERENCE_HINT
from reconciler.model.errors import ManifestError
from reconciler.session import load_and_check

PLANTED = "planted-value-7f3a"


@pytest.mark.parametrize(
    ("text", "doc_path", "where"),
    [
        (
            "teams:\n  acme:\n    dns_zones:\n      acme.dev:\n        records:\n"
            "          - {hostname: a.acme.dev, type: A, value: '${V}'}\n",
            "teams.acme.dns_zones.acme.dev.records[0].value",
            "7:52",
        ),
        ("sites:\n  docs:\n    deploy: {dir: '${V}'}\n", "sites.docs.deploy.dir", "4:19"),
        (
            "sites:\n  docs:\n    deploy: {dir: site, functions: '${V}'}\n",
            "sites.docs.deploy.functions",
            "4:36",
        ),
        ("sites:\n  docs:\n    deploy: {pin: '${V}'}\n", "sites.docs.deploy.pin", "4:19"),
        ("sites:\n  docs:\n    deploy: {dir: site, title: 'v ${V}'}\n", "sites.docs.deploy.title", "4:32"),
        (
            "sites:\n  docs:\n    hooks:\n"
            "      - {type: email, event: submission_created, form: '${V}', data: {email: a@b.example}}\n",
            "sites.docs.hooks[0].form",
            "5:56",
        ),
        (  # before: an internal error (AttributeError) while the hook's identity was made
            "sites:\n  docs:\n    hooks:\n      - {type: email, event: '${V}', data: {email: a@b.example}}\n",
            "sites.docs.hooks[0].event",
            "5:30",
        ),
    ],
)
def test_a_reference_where_a_value_is_shown_is_refused(
    tmp_path: Path, text: str, doc_path: str, where: str
) -> None:
    (tmp_path / "site").mkdir()
    manifest = tmp_path / "m.yaml"
    manifest.write_text("version: 1\n" + text)
    with pytest.raises(
        ManifestError
    ) as caught:  # before: a traceback (deploy.dir), or the mask sent as value
        load_and_check(manifest, {"V": PLANTED})
    (issue,) = caught.value.issues
    assert issue.doc_path == doc_path and str(issue.location).endswith(f"m.yaml:{where}")
    assert "a ${...} reference cannot be used here" in issue.message
    assert PLANTED not in str(caught.value)


def test_only_those_places_are_literal() -> None:
    assert literal_only(("sites", "docs", "deploy", "dir"))
    assert literal_only(("teams", "acme", "dns_zones", "acme.dev", "records", 3, "value"))
    assert not literal_only(("sites", "docs", "env", "KEY", "value"))
    assert not literal_only(("sites", "docs", "hooks", 0, "data", "url"))  # a secret hook URL is fine
    assert not literal_only(("sites", "docs", "deploy"))


def test_an_escaped_reference_is_literal_text(tmp_path: Path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text("version: 1\nsites:\n  docs:\n    deploy: {dir: 'site', title: 'build $${N}'}\n")
    (tmp_path / "site").mkdir()
    state, _ = load_and_check(manifest, {})
    assert state.sites["docs"].spec["deploy"]["title"] == "build ${N}"


@pytest.mark.parametrize("environ", [{}, {"V": PLANTED}], ids=["unset", "set"])
def test_a_literal_place_reports_the_reference_once_whether_or_not_it_is_set(
    tmp_path: Path, environ: dict[str, str]
) -> None:
    """Before: an unset variable there gave two errors at one place ("not set", then "cannot be used")."""
    manifest = tmp_path / "m.yaml"
    manifest.write_text("version: 1\nsites:\n  docs:\n    deploy: {dir: '${V}'}\n")
    with pytest.raises(ManifestError) as caught:
        load_and_check(manifest, environ)
    assert [issue.message for issue in caught.value.issues] == [LITERAL_ONLY_MESSAGE]


@pytest.mark.parametrize(
    ("field", "doc_path", "expected"),
    [
        ("team: '${T}'", "sites.docs.team", "team slug must be"),
        ("custom_domain: '${T}'", "sites.docs.custom_domain", "must be a hostname"),
        ("functions_region: 'x${T}'", "sites.docs.functions_region", "must be a region"),
        ("snippets: {a: {html: x, position: '${T}'}}", "sites.docs.snippets.a.position", "expected one of"),
    ],
)
@pytest.mark.parametrize("environ", [{}, {"T": PLANTED}], ids=["unset", "set"])
def test_a_reference_in_a_field_checked_by_pattern_or_choice_says_why_it_fails(
    tmp_path: Path, field: str, doc_path: str, expected: str, environ: dict[str, str]
) -> None:
    """Such fields are checked as written, before substitution; the pattern's message alone read as a typo."""
    manifest = tmp_path / "m.yaml"
    manifest.write_text(f"version: 1\nsites:\n  docs:\n    {field}\n")
    with pytest.raises(ManifestError) as caught:
        load_and_check(manifest, environ)
    (issue,) = caught.value.issues  # one error, not also "environment variable T is not set"
    assert issue.doc_path == doc_path and expected in issue.message
    assert issue.message.endswith(REFERENCE_HINT)
    assert PLANTED not in str(caught.value)


def test_an_escaped_reference_in_a_checked_field_gets_no_hint(tmp_path: Path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text("version: 1\nsites:\n  docs:\n    build_image: '$${X}'\n")
    with pytest.raises(ManifestError) as caught:
        load_and_check(manifest, {})
    (issue,) = caught.value.issues
    assert "build image" in issue.message and REFERENCE_HINT not in issue.message
