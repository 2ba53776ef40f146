"""Values that every plan shows, or that this tool reads itself, take no `${NAME}`: an error names them."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.manifest.literals import literal_only
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
