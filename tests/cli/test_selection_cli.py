"""Selecting what a run reads and changes: --target, --changed-since, --shard, and shard reports merged."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.cli.conftest import CLI_TOKEN, run_cli, start_emulator
from tests.support.http import ApiSession

NAMES = ("sel-alpha", "sel-beta", "other-gamma")


def _site(name: str, value: str = "one") -> str:
    return f"  {name}:\n    team: demo\n    env: {{KEY: {value}}}\n"


@pytest.fixture
def logged(tmp_path: Path):
    log = tmp_path / "requests.jsonl"
    with start_emulator(tmp_path / "emu", "--rate-limit-per-minute", "0", "--request-log", str(log)) as emu:
        yield emu, log


def _reads_by_site(log: Path, start: int, api: ApiSession) -> set[str]:
    """The sites whose own objects were read (the one site listing aside)."""
    ids = {s["id"]: s["name"] for s in api.get("/sites", params={"filter": "all"}).json()}
    read = set()
    for line in log.read_text().splitlines()[start:]:
        entry = json.loads(line)
        for site_id, name in ids.items():
            if site_id in entry["path"] or site_id in entry["query"]:
                read.add(name)
    return read


def test_target_plans_and_reads_only_the_selected_sites(logged, tmp_path):
    emu, log = logged
    manifest = tmp_path / "m.yaml"
    manifest.write_text("version: 1\nsites:\n" + "".join(_site(n) for n in NAMES))
    env = emu.env()
    assert run_cli("apply", str(manifest), "--auto-approve", env=env).returncode == 0
    manifest.write_text("version: 1\nsites:\n" + "".join(_site(n, "two") for n in NAMES))
    api = ApiSession(emu.url, CLI_TOKEN)

    start = len(log.read_text().splitlines())
    planned = run_cli("plan", str(manifest), "--target", "site.sel-*", "--format", "json", env=env)
    assert planned.returncode == 0, planned.stderr
    document = json.loads(planned.stdout)
    assert {c["owner"]["name"] for c in document["changes"]} == {"sel-alpha", "sel-beta"}
    assert (
        "only 2 of the 3 declared teams and sites are planned (--target site.sel-*)" in document["warnings"]
    )
    assert _reads_by_site(log, start, api) == {"sel-alpha", "sel-beta"}, "the other site was not even read"

    saved = tmp_path / "alpha.plan"
    assert (
        run_cli("plan", str(manifest), "--target", "site.sel-alpha", "--out", str(saved), env=env).returncode
        == 0
    )
    refused = run_cli("apply", str(saved), "--target", "site.sel-beta", env=env)
    assert refused.returncode == 1 and "applies the selection it was made with" in refused.stderr
    assert run_cli("apply", str(saved), env=env).returncode == 0
    values = {}
    for name in NAMES:
        site_id = api.get(f"/sites/{name}").json()["id"]
        (var,) = api.get("/accounts/demo/env", params={"site_id": site_id}).json()
        values[name] = var["values"][0]["value"]
    assert values == {"sel-alpha": "two", "sel-beta": "one", "other-gamma": "one"}, "only the saved selection"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--target", "site.a.env.KEY"), "expected a team or site address"),
        (("--target", "site.b*"), "--target 'site.b*' matches no team or site declared in the manifests"),
        (("--target", "site.a", "--target", "team.a"), "--target 'team.a' matches no team or site"),
        (("--shard", "4/3"), "expected K/N with 1 <= K <= N"),
        (("--shard", "one"), "expected K/N"),
    ],
)
def test_bad_selections_are_refused_before_anything_is_read(tmp_path, args, message):
    manifest = tmp_path / "m.yaml"
    manifest.write_text("version: 1\nsites:\n" + _site("a"))
    env = {"NETLIFY_API_URL": "http://127.0.0.1:9", "NETLIFY_AUTH_TOKEN": "t"}
    result = run_cli("plan", str(manifest), *args, env=env)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "selection", [(), ("--target", "site.dup-a"), ("--shard", "1/3"), ("--shard", "2/3")]
)
def test_two_declared_sites_wanting_one_domain_are_refused_whatever_is_selected(tmp_path, selection):
    """A manifest-only conflict: before, a selection holding one of the two sites planned it (and applied
    it), and a sharded drift reported what an unsharded one refused."""
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        "version: 1\nsites:\n  dup-a: {team: demo, custom_domain: same.example.org}\n"
        "  dup-b: {team: demo, domain_aliases: [same.example.org]}\n"
    )
    env = {"NETLIFY_API_URL": "http://127.0.0.1:9", "NETLIFY_AUTH_TOKEN": "t"}  # nothing listens: offline
    for command in ("plan", "drift"):
        result = run_cli(command, str(manifest), *selection, env=env)
        assert result.returncode == 1, result.stdout
        assert (
            "sites.dup-b.domain_aliases[0]: same.example.org is declared for site 'dup-a' too"
            in result.stderr
        )
        assert "Traceback" not in result.stderr
    assert run_cli("validate", str(manifest)).returncode == 1


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def test_changed_since_selects_the_owners_of_changed_files(logged, tmp_path):
    emu, _ = logged
    repo = tmp_path / "repo"
    (repo / "netlify").mkdir(parents=True)
    (repo / "site" / "public").mkdir(parents=True)
    (repo / "site" / "public" / "index.html").write_text("v1")
    (repo / "netlify" / "a.yaml").write_text("version: 1\nsites:\n" + _site("cs-a"))
    (repo / "netlify" / "b.yaml").write_text("version: 1\nsites:\n" + _site("cs-b"))
    deploying = "version: 1\nsites:\n  cs-c:\n    team: demo\n    deploy: {dir: ../site/public}\n"
    (repo / "netlify" / "c.yaml").write_text(deploying)
    _git(repo, "init", "-q")
    _git(repo, "-c", "user.email=t@example.org", "-c", "user.name=t", "add", ".")
    _git(repo, "-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-qm", "base")
    env = emu.env()

    def planned_owners() -> set[str]:
        result = run_cli(
            "plan", str(repo / "netlify"), "--changed-since", "HEAD", "--format", "json", env=env
        )
        assert result.returncode == 0, result.stderr
        return {c["owner"]["name"] for c in json.loads(result.stdout)["changes"]}

    assert planned_owners() == set(), "nothing changed since HEAD"
    (repo / "netlify" / "b.yaml").write_text("version: 1\nsites:\n" + _site("cs-b", "two"))
    assert planned_owners() == {"cs-b"}
    (repo / "site" / "public" / "new.html").write_text("untracked, in a deploy directory")
    assert planned_owners() == {"cs-b", "cs-c"}
    bad = run_cli("plan", str(repo / "netlify"), "--changed-since", "no-such-ref", env=env)
    assert bad.returncode == 1 and "--changed-since: git diff --name-only failed" in bad.stderr


def test_a_sharded_drift_reports_what_an_unsharded_drift_reports(logged, tmp_path):
    emu, _ = logged
    names = [f"shard-{i}" for i in range(9)]
    manifest = tmp_path / "m.yaml"
    # Every site also declares a secret, and no ledger key is set: each shard warns that secrets cannot be
    # compared, and the merged report says it once, where one run does.
    secret = "    TOKEN: {secret: true, scopes: [builds], value: '${SHARD_SECRET}'}\n"
    manifest.write_text(
        "version: 1\nteams:\n  demo:\n    env: {TEAM_KEY: t}\nsites:\n"
        + "".join(
            _site(n).replace("    env: {KEY: one}\n", "    env:\n      KEY: one\n" + "  " + secret)
            for n in names
        )
    )
    env = emu.env(SHARD_SECRET="s3cr3t-value")
    applied = run_cli("apply", str(manifest), "--auto-approve", env=env)
    assert applied.returncode == 0, applied.stderr
    api = ApiSession(emu.url, CLI_TOKEN)
    for name in names[::2]:  # changed behind the tool's back
        site_id = api.get(f"/sites/{name}").json()["id"]
        api.patch(
            "/accounts/demo/env/KEY", params={"site_id": site_id}, json={"context": "all", "value": "hand"}
        )

    whole = run_cli("drift", str(manifest), "--format", "json", env=env)
    reports = []
    (tmp_path / "reports").mkdir()
    for k in (1, 2, 3):
        report = tmp_path / "reports" / f"drift-{k}.json"
        shard = run_cli("drift", str(manifest), "--shard", f"{k}/3", "--json-out", str(report), env=env)
        assert shard.returncode in (0, 2), shard.stderr
        reports.append(str(report))
    shard_sizes = [len(json.loads(Path(r).read_text())["changes"]) for r in reports]
    assert sum(1 for size in shard_sizes if size) >= 2, f"the drift was spread over the shards: {shard_sizes}"
    merged = run_cli("drift", "--merge-reports", *reports, "--format", "json", env=env)

    assert whole.returncode == merged.returncode == 2, merged.stderr + merged.stdout[:500]

    def addresses(text: str) -> list[tuple[str, str]]:
        return sorted((c["address"], c["action"]) for c in json.loads(text)["changes"])

    assert merged.stdout.startswith("{"), (merged.stdout[:300], merged.stderr)
    assert addresses(merged.stdout) == addresses(whole.stdout) and len(addresses(whole.stdout)) == 5
    assert json.loads(merged.stdout)["summary"] == json.loads(whole.stdout)["summary"]

    # Entry for entry, in the same order (teams, then sites by name), with the manifest locations and the
    # calls an apply would make: the drift issue reads the same whatever the shard count.
    def entries(text: str) -> list[dict[str, object]]:
        return list(json.loads(text)["changes"])

    assert all("location" in c and c["calls"] for c in entries(whole.stdout))

    assert entries(merged.stdout) == entries(whole.stdout)
    warned = json.loads(whole.stdout)["warnings"]
    assert any("NETLIFY_RECONCILER_LEDGER_KEY is not set" in w for w in warned), warned
    assert json.loads(merged.stdout)["warnings"] == warned, "each warning once, in one run's order"
    markdown = {}
    for name, args in (("whole", [str(manifest)]), ("merged", ["--merge-reports", *reports])):
        run_cli("drift", *args, "--markdown-out", str(tmp_path / f"{name}.md"), env=env)
        markdown[name] = (tmp_path / f"{name}.md").read_text()
    assert markdown["whole"].count("PATCH /api/v1/accounts/") == 5, "each change with its call"
    assert markdown["merged"] == markdown["whole"], "the drift issue's text does not depend on sharding"

    # The directory the workflow downloads the shards' artifacts into stands for every report in it.
    (tmp_path / "reports" / "notes.txt").write_text("not a report")
    from_dir = run_cli("drift", "--merge-reports", str(tmp_path / "reports"), "--format", "json", env=env)
    assert from_dir.returncode == 2, from_dir.stderr
    assert addresses(from_dir.stdout) == addresses(whole.stdout)
    # One shard of one is everything (the example workflow's default matrix).
    single = run_cli("drift", str(manifest), "--shard", "1/1", "--format", "json", env=env)
    assert single.returncode == 2 and addresses(single.stdout) == addresses(whole.stdout), single.stderr


def test_merging_a_directory_without_reports_is_an_error(tmp_path):
    """A lost download must not read as "no drift" (which would close the drift issue)."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "drift-1.md").write_text("# not JSON")
    for directory in ("empty", "other"):
        result = run_cli(
            "drift", "--merge-reports", str(tmp_path / directory), "--json-out", str(tmp_path / "m.json")
        )
        assert result.returncode == 1, result.stdout + result.stderr
        assert "a directory without JSON reports (*.json) to merge" in result.stderr
        assert not (tmp_path / "m.json").exists()


@pytest.mark.parametrize("extra", [("--shard", "1/2"), ("--target", "site.a"), ("--publish-status", "x")])
def test_merging_reports_refuses_what_only_a_read_can_do(tmp_path, extra):
    report = tmp_path / "r.json"
    report.write_text("{}")
    result = run_cli("drift", "--merge-reports", str(report), *extra)
    assert result.returncode == 1 and "--merge-reports reads only the reports" in result.stderr


@pytest.mark.parametrize("ref", ["--output={victim}", "-p", "--no-index"])
def test_a_changed_since_ref_is_never_read_as_a_git_option(tmp_path, ref):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "m.yaml").write_text("version: 1\nsites:\n" + _site("a"))
    _git(repo, "init", "-q")
    _git(repo, "-c", "user.email=t@example.org", "-c", "user.name=t", "add", ".")
    _git(repo, "-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-qm", "base")
    victim = tmp_path / "victim.txt"
    victim.write_text("kept")
    env = {"NETLIFY_API_URL": "http://127.0.0.1:9", "NETLIFY_AUTH_TOKEN": "t"}
    result = run_cli("plan", str(repo / "m.yaml"), f"--changed-since={ref.format(victim=victim)}", env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "a ref cannot start with '-'" in result.stderr, result.stderr
    assert "127.0.0.1:9" not in result.stderr.split("Error:")[-1], "refused before anything was read"
    assert victim.read_text() == "kept"
