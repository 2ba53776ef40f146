"""load_manifests: files and directories, ${VAR} secrets, merging, and one located error per bad input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.manifest.load import load_manifests
from reconciler.model.errors import ManifestError
from reconciler.model.location import Location
from reconciler.model.sensitive import Sensitive
from reconciler.session import load_and_check

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "bad_manifests"
DEMO = ROOT / "tests" / "fixtures" / "manifests"
DEMO_ENV = {
    "DEMO_STRIPE_LIVE_KEY": "sk_live_123",
    "DEMO_STRIPE_TEST_KEY": "sk_test_456",
    "DEMO_APP_PASSWORD": "open-sesame",
    "DEMO_HOST": "app.demo.example",
}

# (fixture below tests/bad_manifests, file:line:col, doc path, message fragment)
BAD_CASES = [
    (
        "duplicate_key.yaml",
        "6:5",
        "sites.docs.force_ssl",
        "duplicate key 'force_ssl' (first defined at tests/bad_manifests/duplicate_key.yaml:4:5)",
    ),
    ("wrong_type.yaml", "4:16", "sites.docs.force_ssl", "expected boolean, got string"),
    (
        "unknown_site_field.yaml",
        "5:5",
        "sites.docs.custom_domian",
        "unknown field 'custom_domian' (expected one of: team, previous_names, state, custom_domain, domain_aliases,",
    ),
    (
        "unknown_env_field.yaml",
        "7:9",
        "sites.docs.env.API_KEY.secert",
        "unknown field 'secert' (expected one of: secret, scopes, value, values); did you mean 'secret'?",
    ),
    (
        "bad_site_name.yaml",
        "3:3",
        "sites.Docs_Site",
        "site name must be lowercase letters, digits and hyphens",
    ),
    ("bad_team_slug.yaml", "3:3", "teams.-acme", "team slug must be lowercase letters, digits and hyphens"),
    (
        "bad_env_name.yaml",
        "5:7",
        "teams.acme.env.API-URL",
        "environment variable name must be letters, digits and underscores",
    ),
    ("missing_version.yaml", "2:1", "", "missing required field 'version'"),
    ("wrong_version.yaml", "1:10", "version", "unsupported manifest version 2"),
    ("yaml_syntax_error.yaml", "5:4", "", "(while parsing a block mapping at line 3, column 3)"),
    (
        "missing_env_var.yaml",
        "5:19",
        "sites.docs.env.STRIPE_KEY",
        "environment variable STRIPE_KEY is not set",
    ),
    (
        "malformed_reference.yaml",
        "5:16",
        "sites.docs.env.API_URL",
        "malformed environment variable reference '${}'",
    ),
    (
        "malformed_reference_name.yaml",
        "4:15",
        "sites.docs.password",
        "malformed environment variable reference '${1A}'",
    ),
    (
        "all_with_other_context.yaml",
        "6:9",
        "sites.docs.env.API_URL.values",
        "'all' covers every context and cannot be combined with other contexts",
    ),
    (
        "unknown_context.yaml",
        "8:11",
        "sites.docs.env.API_URL.values.staging",
        "unknown deploy context 'staging' (expected one of: all, dev, dev-server, branch-deploy, "
        "deploy-preview, production, branch:NAME)",
    ),
    (
        "unknown_scope.yaml",
        "7:26",
        "sites.docs.env.API_URL.scopes[1]",
        "expected one of: builds, functions, runtime, post-processing; got 'edge'",
    ),
    (
        "empty_values.yaml",
        "6:9",
        "sites.docs.env.API_URL.values",
        "values must name at least one deploy context",
    ),
    (
        "value_and_values.yaml",
        "5:7",
        "sites.docs.env.API_URL",
        "set exactly one of 'value' (all contexts) or 'values' (per context)",
    ),
    (
        "number_env_value.yaml",
        "5:13",
        "sites.docs.env.PORT",
        "expected a string or a mapping with value/values, got integer; quote numbers and booleans",
    ),
    (
        "too_many_aliases.yaml",
        "10:11",
        "sites.docs.metadata.f[0]",
        "too many YAML aliases / alias expansion too large",
    ),
    ("two_documents.yaml", "4:1", "", "only one YAML document per file is allowed"),
    (
        "non_string_key.yaml",
        "5:7",
        "sites.docs.metadata",
        "keys must be strings: '404' is read as an integer",
    ),
    ("unsupported_tag.yaml", "4:15", "sites.docs.password", "unsupported YAML tag '!vault'"),
    ("empty_file.yaml", "1:1", "", "file is empty"),
    (
        "dup_site_dir",
        "b.yaml:4:3",
        "sites.docs",
        "site 'docs' is also declared at tests/bad_manifests/dup_site_dir/a.yaml:3:3",
    ),
    # One per resource kind (issue 4): wrong type, unknown field, duplicate title, secret without a value...
    (
        "duplicate_snippet_title.yaml",
        "6:7",
        "sites.docs.snippets.analytics",
        "duplicate key 'analytics' (first defined at",
    ),
    ("snippet_wrong_type.yaml", "5:25", "sites.docs.snippets.analytics.html", "expected string, got integer"),
    (
        "snippet_bad_position.yaml",
        "5:29",
        "sites.docs.snippets.analytics.position",
        "expected one of: head, footer; got 'middle'",
    ),
    ("hook_missing_event.yaml", "5:9", "sites.docs.hooks[0]", "missing required field 'event'"),
    ("hook_data_not_object.yaml", "5:45", "sites.docs.hooks[0].data", "expected object, got array"),
    (
        "duplicate_build_hook_title.yaml",
        "6:7",
        "sites.docs.build_hooks.nightly",
        "duplicate key 'nightly' (first defined at",
    ),
    (
        "build_hook_unknown_field.yaml",
        "5:17",
        "sites.docs.build_hooks.nightly.brnch",
        "unknown field 'brnch' (expected one of: branch); did you mean 'branch'?",
    ),
    (
        "secret_without_value.yaml",
        "5:7",
        "sites.docs.env.STRIPE_KEY",
        "set exactly one of 'value' (all contexts) or 'values' (per context)",
    ),
    (
        "integration_without_config.yaml",
        "5:7",
        "sites.docs.integrations.acme",
        "missing required field 'config'",
    ),
    (
        "bad_domain_alias.yaml",
        "4:22",
        "sites.docs.domain_aliases[0]",
        "must be a hostname such as docs.example.com",
    ),
    (
        "build_settings_wrong_type.yaml",
        "4:27",
        "sites.docs.build_settings.cmd",
        "expected string, got integer",
    ),
    ("bad_state.yaml", "4:12", "sites.docs.state", "expected one of: present, absent; got 'gone'"),
    # What apply would refuse, refused while loading: each kind's own checks (no API needed).
    (
        "hook_form_on_deploy_event.yaml",
        "5:9",
        "sites.docs.hooks[0]",
        "`form` is only for submission_created hooks",
    ),
    (
        "absent_site_with_settings.yaml",
        "4:5",
        "sites.docs.state",
        "a site declared absent is deleted with everything in it: remove what else it declares (env, force_ssl)",
    ),
    (
        "env_name_underscore_alone.yaml",
        "5:7",
        "sites.docs.env._",
        "environment variable name must be letters, digits and underscores, not starting with a digit, and not",
    ),
    (
        "previous_name_is_declared.yaml",
        "3:31",
        "sites.docs-new.previous_names[0]",
        "'docs' is declared as a site of its own, so it cannot become 'docs-new'",
    ),
    (
        "previous_name_claimed_twice.yaml",
        "5:32",
        "sites.docs-b.previous_names[1]",
        "'docs' is already a previous name of site 'docs-a' (tests/bad_manifests/previous_name_claimed_twice.yaml"
        ":3:3): one site cannot be renamed to two",
    ),
    ("pin_not_a_deploy_id.yaml", "4:14", "sites.docs.deploy.pin", "'latest' is not a deploy id"),
    ("zip_with_functions.yaml", "4:36", "sites.docs.deploy.method", "the zip method deploys files only"),
    # Team configuration (issue 15): DNS zones and records.
    (
        "dns_record_bad_type.yaml",
        "7:40",
        "teams.acme.dns_zones.acme.dev.records[0].type",
        "expected one of: A, AAAA, ALIAS, CAA, CNAME, MX, NS, SPF, SRV, TXT; got 'PTR'",
    ),
    (
        "dns_record_outside_zone.yaml",
        "7:13",
        "teams.acme.dns_zones.acme.dev.records[0]",
        "hostname www.other.dev is not in the zone acme.dev",
    ),
    (
        "dns_mx_without_priority.yaml",
        "7:13",
        "teams.acme.dns_zones.acme.dev.records[0]",
        "MX records need a priority",
    ),
    (
        "member_unknown_role.yaml",
        "5:28",
        "teams.acme.members.dev@acme.dev.role",
        "expected one of: Owner, Developer, Billing Admin, Reviewer; got 'Admin'",
    ),
    (
        "member_sites_without_selected.yaml",
        "5:7",
        "teams.acme.members.dev@acme.dev",
        "`sites` lists the sites of `site_access: selected`",
    ),
    (
        "split_test_not_100.yaml",
        "5:7",
        "sites.docs.split_test.branches",
        "the percentages sum to 110, not 100",
    ),
    ("repo_bad_path.yaml", "4:36", "sites.docs.repo.path", "must be a repository path such as acme/docs"),
    (
        "dns_zone_absent_with_records.yaml",
        "5:7",
        "teams.acme.dns_zones.old.acme.dev",
        "a zone declared absent is deleted with every record in it: remove what else it declares (records)",
    ),
]


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    """File names in messages are relative to the working directory."""
    monkeypatch.chdir(ROOT)


def _issues(path: Path | str, environ: dict[str, str] | None = None) -> ManifestError:
    """Everything `validate` reports: the loader's findings, then each kind's own checks."""
    with pytest.raises(ManifestError) as caught:
        load_and_check(Path(path), {} if environ is None else environ)
    return caught.value


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize(
    ("fixture", "where", "doc_path", "fragment"), BAD_CASES, ids=[c[0] for c in BAD_CASES]
)
def test_bad_manifest_is_reported_at_its_node(fixture: str, where: str, doc_path: str, fragment: str) -> None:
    error = _issues(BAD / fixture)
    assert len(error.issues) == 1, str(error)
    issue = error.issues[0]
    shown = f"tests/bad_manifests/{fixture}" + (f"/{where}" if fixture.endswith("_dir") else f":{where}")
    assert str(issue.location) == shown
    assert issue.doc_path == doc_path
    assert fragment in issue.message
    assert f"  {shown}: {doc_path + ': ' if doc_path else ''}{issue.message}" in str(error)


def test_every_bad_fixture_has_a_case() -> None:
    listed = {case[0] for case in BAD_CASES}
    present = {entry.name for entry in BAD.iterdir() if not entry.name.startswith(".")}
    assert present == listed


def test_demo_manifest_loads(in_repo: None) -> None:
    state = load_manifests(DEMO, DEMO_ENV)
    assert state.files == ["tests/fixtures/manifests/demo.yaml"]
    assert list(state.teams) == ["demo"]
    assert list(state.sites) == ["demo-docs", "demo-app"]
    team = state.teams["demo"]
    assert (team.kind, team.doc_path, team.address) == ("team", ("teams", "demo"), "team.demo")
    assert team.spec == {"env": {"SENTRY_DSN": "https://example.ingest/1"}}
    docs = state.sites["demo-docs"].spec
    assert docs["force_ssl"] is True and docs["password"] is None
    assert docs["metadata"] == {"owner": "docs-team", "tier": 1, "released": "2024-05-01"}  # no dates
    assert docs["processing_settings"] == {"html": {"pretty_urls": True}}
    assert docs["prune"] == ["env"]


def test_shorthand_and_full_env_forms() -> None:
    state = load_manifests(DEMO, DEMO_ENV)
    app_env = state.sites["demo-app"].spec["env"]
    assert app_env["PORT"] == "8080"
    assert app_env["LOG_LEVEL"] == {"secret": False, "values": {"all": "info"}}
    stripe = state.sites["demo-docs"].spec["env"]["STRIPE_KEY"]
    assert stripe["secret"] is True and stripe["scopes"] == ["functions", "runtime"]
    assert set(stripe["values"]) == {"production", "deploy-preview", "branch:staging"}


def test_references_become_sensitive() -> None:
    state = load_manifests(DEMO, DEMO_ENV)
    values = state.sites["demo-docs"].spec["env"]["STRIPE_KEY"]["values"]
    live = values["production"]
    assert isinstance(live, Sensitive)
    assert str(live) == "(sensitive)" and f"{live}" == "(sensitive)"
    assert live.reveal() == "sk_live_123"
    assert values["branch:staging"].reveal() == "sk_test_456"
    app = state.sites["demo-app"].spec
    assert app["password"].reveal() == "open-sesame"
    assert app["env"]["CALLBACK_URL"].reveal() == "https://app.demo.example/callback"  # embedded reference
    assert "open-sesame" not in repr(app)


def test_dollar_dollar_brace_is_a_literal(tmp_path: Path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        "version: 1\nsites:\n  s:\n    metadata:\n      a: 'pay $${AMOUNT} now'\n      b: 'cost: $$5 or $9'\n"
        "      c: '${A}${B}'\n      '${KEY}': kept\n      d: ['${A}', plain]\n"
    )
    metadata = load_manifests(manifest, {"A": "1", "B": "2"}).sites["s"].spec["metadata"]
    assert metadata["a"] == "pay ${AMOUNT} now" and not isinstance(metadata["a"], Sensitive)
    assert metadata["b"] == "cost: $$5 or $9"
    assert metadata["c"].reveal() == "12"
    assert metadata["${KEY}"] == "kept"  # keys are never substituted
    assert isinstance(metadata["d"][0], Sensitive) and metadata["d"][1] == "plain"


def test_environ_defaults_to_process_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text("version: 1\nsites:\n  s:\n    password: ${RECONCILER_TEST_PW}\n")
    monkeypatch.setenv("RECONCILER_TEST_PW", "from-os")
    assert load_manifests(str(manifest)).sites["s"].spec["password"].reveal() == "from-os"


def test_locations_of_nested_nodes(in_repo: None) -> None:
    state = load_manifests(DEMO, DEMO_ENV)
    docs, app = state.sites["demo-docs"], state.sites["demo-app"]
    file = "tests/fixtures/manifests/demo.yaml"
    assert docs.location() == Location(file, 9, 3)
    assert docs.location("env", "STRIPE_KEY", "values", "production") == Location(file, 22, 11)
    assert docs.location("env", "STRIPE_KEY", "scopes", 1) == Location(file, 20, 29)
    assert docs.location("processing_settings", "html", "pretty_urls") == Location(file, 14, 34)
    assert app.location("processing_settings", "html", "pretty_urls") == Location(file, 33, 9)
    assert app.location("env", "NOT_DECLARED") == app.location("env") == Location(file, 35, 5)


def test_directory_loads_recursively_in_sorted_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "b.yaml").write_text("version: 1\nsites:\n  bee: {team: acme}\n")
    (tmp_path / "a.yml").write_text("version: 1\nteams:\n  acme: {}\n")
    (tmp_path / "sub" / "c.yaml").write_text("version: 1\nsites:\n  sea: {}\n")
    (tmp_path / ".hidden.yaml").write_text("not: [valid")
    (tmp_path / ".git" / "x.yaml").write_text("not: [valid")
    (tmp_path / "notes.txt").write_text("not: [valid")
    monkeypatch.chdir(tmp_path)
    state = load_manifests(".", {})
    assert state.files == ["a.yml", "b.yaml", os.path.join("sub", "c.yaml")]
    assert list(state.teams) == ["acme"] and list(state.sites) == ["bee", "sea"]
    assert state.sites["sea"].location() == Location(os.path.join("sub", "c.yaml"), 3, 3)


def test_undeclared_team_and_empty_sections_are_fine(tmp_path: Path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text("version: 1\nteams:\nsites:\n  s: {team: nobody-declared-me}\n")
    assert load_manifests(manifest, {}).sites["s"].spec == {"team": "nobody-declared-me"}


def test_merge_keys_and_aliases(tmp_path: Path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        "version: 1\nsites:\n  a:\n    env: &common\n      LOG: info\n      URL: x\n"
        "  b:\n    env:\n      <<: *common\n      URL: y\n  c:\n    env: *common\n"
    )
    state = load_manifests(manifest, {})
    assert state.sites["b"].spec["env"] == {"LOG": "info", "URL": "y"}
    assert state.sites["c"].spec["env"] == {"LOG": "info", "URL": "x"}
    assert state.sites["b"].location("env", "URL").line == 10  # the explicit key wins


def test_all_errors_of_all_files_are_reported_together(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text("version: 1\nsites:\n  s:\n    force_ssl: 1\n    bogus: 2\n")
    (tmp_path / "two.yaml").write_text("version: 3\nsites:\n  t:\n    password: ${NOPE}\n")
    error = _issues(tmp_path)
    messages = [issue.message for issue in error.issues]
    assert len(messages) == 4, str(error)
    assert str(error).startswith("4 errors in manifests:\n")


def test_error_output_never_contains_a_set_variable(tmp_path: Path) -> None:
    planted = "PLANTED-s3cr3t-value-7781"
    (tmp_path / "m.yaml").write_text(
        "version: 1\nsites:\n  s:\n    password: ${SITE_PW}\n    custom_domain: ${SITE_PW}\n"
        "    env:\n      KEY: {secret: true, value: '${SITE_PW}', bogus: '${SITE_PW}'}\n"
        "      OTHER: '${MISSING} and ${SITE_PW}'\n  s:\n    password: '${SITE_PW}'\n"
    )
    error = _issues(tmp_path, {"SITE_PW": planted})
    assert len(error.issues) >= 3
    text = str(error) + repr(error.issues) + repr(error.args)
    assert planted not in text and "s3cr3t" not in text


def test_missing_path_and_empty_directory(tmp_path: Path) -> None:
    missing = _issues(tmp_path / "nope")
    assert "no such file or directory" in str(missing) and missing.issues[0].location is None
    os.mkfifo(tmp_path / "pipe.yaml")  # what `/dev/stdin` is when a manifest is piped in
    piped = _issues(tmp_path / "pipe.yaml")
    assert "pipe.yaml: not a regular file or a directory" in str(piped), str(piped)
    (tmp_path / "ok.yaml").write_text("version: 1\n")
    in_directory = _issues(tmp_path)  # before, reading the FIFO in the directory blocked for ever
    assert "pipe.yaml: not a regular file (manifests are read from files" in str(in_directory)
    (tmp_path / "pipe.yaml").unlink()
    (tmp_path / "ok.yaml").unlink()
    empty = _issues(tmp_path)
    assert "no manifest files (*.yaml, *.yml)" in str(empty)


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "latin1.yaml").write_bytes(b"version: 1\nsites:\n  s:\n    metadata: {city: M\xfcnchen}\n")
    (issue,) = _issues(tmp_path / "latin1.yaml").issues
    assert (issue.location.line, issue.location.column) == (4, 23)  # type: ignore[union-attr]
    assert issue.message == "file is not valid UTF-8 (byte 0xfc)"


def test_utf8_bom_does_not_shift_columns(tmp_path: Path) -> None:
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbfversion: 1\nbogus: 1\n")
    (issue,) = _issues(tmp_path / "bom.yaml").issues
    assert (issue.location.line, issue.location.column) == (2, 1)  # type: ignore[union-attr]


def test_unreadable_file_is_an_issue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locked.yaml").write_text("version: 1\n")

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)  # chmod 000 does not stop root
    (issue,) = _issues(tmp_path).issues
    assert issue.message == "cannot read file (Permission denied)"
    assert str(issue.location).endswith("locked.yaml:1:1")


def test_alias_expansion_is_bounded_with_few_aliases_too(tmp_path: Path) -> None:
    items = ", ".join(["x"] * 10_000)
    lines = "".join(f"      k{n}: *big\n" for n in range(11))
    (tmp_path / "big.yaml").write_text(
        f"version: 1\nsites:\n  s:\n    metadata:\n      big: &big [{items}]\n{lines}"
    )
    (issue,) = _issues(tmp_path / "big.yaml").issues
    assert "too many YAML aliases / alias expansion too large" in issue.message
    assert issue.doc_path == "sites.s.metadata.k9"  # the tenth copy of 10,001 nodes passes 100,000


def test_a_large_fleet_without_aliases_is_not_limited(tmp_path: Path) -> None:
    sites = "".join(
        f"  s{n:05d}:\n    metadata: {{a: 1, b: [1, 2, 3], c: {{d: x}}}}\n" for n in range(20_000)
    )
    (tmp_path / "fleet.yaml").write_text(f"version: 1\nsites:\n{sites}")
    desired, _ = load_and_check(tmp_path / "fleet.yaml", {})
    assert len(desired.sites) == 20_000  # 200,000 nodes, none through an alias


def test_a_fleet_sharing_settings_through_an_alias_per_site_loads(tmp_path: Path) -> None:
    sites = "".join(
        f"  s{n:04d}:\n    build_settings: *build\n    metadata: {{n: {n}}}\n" for n in range(1, 2_000)
    )
    (tmp_path / "fleet.yaml").write_text(
        "version: 1\nsites:\n  s0000:\n    build_settings: &build {cmd: make, dir: public}\n" + sites
    )
    desired, _ = load_and_check(tmp_path / "fleet.yaml", {})
    assert len(desired.sites) == 2_000
    assert desired.sites["s1999"].spec["build_settings"] == {"cmd": "make", "dir": "public"}


def test_recursive_alias_is_an_issue(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text("version: 1\nsites:\n  s:\n    metadata: &m {self: *m}\n")
    (issue,) = _issues(tmp_path / "r.yaml").issues
    assert "recursive YAML alias" in issue.message and issue.doc_path == "sites.s.metadata.self"


def test_yaml_11_scalars(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        "version: 1\nsites:\n  s:\n    force_ssl: yes\n"
        "    metadata: {n: 0x10, f: 1.5, z: ~, d: 2024-01-02 10:00:00}\n"
    )
    spec = load_manifests(tmp_path, {}).sites["s"].spec
    assert spec["force_ssl"] is True
    assert spec["metadata"] == {"n": 16, "f": 1.5, "z": None, "d": "2024-01-02 10:00:00"}


def test_numbers_json_cannot_hold_are_refused_where_written(tmp_path: Path) -> None:
    """Before: `.inf` was planned, then apply failed to encode its request after creating the site."""
    (tmp_path / "m.yaml").write_text(
        "version: 1\nsites:\n  s:\n    metadata: {a: .inf, b: [-.Inf, .NaN], c: 1.0e+400, d: '.inf', e: 1e300}\n"
    )
    issues = _issues(tmp_path / "m.yaml").issues
    assert [(str(i.location).rsplit(":", 2)[1:], i.doc_path) for i in issues] == [
        (["4", "19"], "sites.s.metadata.a"),
        (["4", "29"], "sites.s.metadata.b[0]"),
        (["4", "36"], "sites.s.metadata.b[1]"),
        (["4", "46"], "sites.s.metadata.c"),
    ]
    assert issues[0].message == ".inf is not a number JSON can hold; quote it: '.inf'"


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        ("a: 1\n b: 2\n", (2, 3), "mapping values are not allowed"),
        ("é: ü\nb:\n\tc: 1\n", (3, 1), "; tabs cannot be used for indentation"),
        ("a: [1, 2\nb: 3\n", (2, 2), "(while parsing a flow sequence at line 1, column 4)"),
        ("a: *nope\n", (1, 4), "found undefined alias 'nope'"),
        # An unquoted ${VAR} inside a flow collection: its braces end the collection; the fix is named.
        ("a: {p: ${K}}\n", (1, 9), ' must be quoted: "${K}"'),
        ("a: [x, ${K}]\n", (1, 9), ' must be quoted: "${K}"'),
        ('a: {p: "${Q}",\n    r: ${K}}\n', (2, 9), ' must be quoted: "${K}"'),
        ("a: \x07\n", (1, 4), "unexpected character '\\x07'"),
    ],
)
def test_yaml_syntax_errors(tmp_path: Path, text: str, where: tuple[int, int], fragment: str) -> None:
    (tmp_path / "s.yaml").write_text(text)
    (issue,) = _issues(tmp_path / "s.yaml").issues
    assert issue.location is not None and (issue.location.line, issue.location.column) == where
    assert issue.message.startswith("YAML syntax error: ") and fragment in issue.message
    assert ("must be quoted" in issue.message) == ("must be quoted" in fragment)  # no hint where none fits


def test_an_env_name_longer_than_netlify_takes_is_refused_with_its_length(tmp_path: Path) -> None:
    """Netlify keeps names to 255 characters; before, plan passed a longer one and apply stopped half-way."""
    longest, too_long = "K" * 255, "L" * 256
    manifest = tmp_path / "m.yaml"
    manifest.write_text(f"version: 1\nsites:\n  docs:\n    env:\n      {longest}: a\n      {too_long}: b\n")
    (issue,) = _issues(manifest).issues
    assert issue.doc_path == f"sites.docs.env.{too_long}"
    assert issue.message.endswith("must be at most 255 characters, got 256")


def test_a_reference_repeated_in_one_value_is_reported_once(tmp_path: Path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text('version: 1\nsites:\n  docs:\n    env:\n      TWO: "${DB_PASS}-${DB_PASS}"\n')
    (issue,) = _issues(manifest).issues
    assert issue.message == "environment variable DB_PASS is not set"
