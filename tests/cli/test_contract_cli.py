"""The plan is the contract: the write requests apply sends are exactly the `calls` of `plan --format json`.

Each test plans with the console script, applies with it, and compares the emulator's request log of the
apply with the plan: the same multiset of write requests, in plan order per owner, placeholders filled with
the ids Netlify gave. Only uploads (counted against the plan's "N uploads") and status polls (reads) are
not listed one by one. A second apply with nothing changed must record no write at all.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote_plus

import pytest
import requests

from tests.cli.conftest import CLI_TOKEN, EXAMPLES, EmulatorProcess, run_cli, start_emulator
from tests.support.everything import SECRETS, every_kind_tree

UPLOAD = re.compile(r"^PUT /api/v1/deploys/[^/]+/(files|functions)/")
UPLOADS_ENTRY = re.compile(r"^(\d+) uploads?$")
PLACEHOLDER = re.compile(r"\{((?:site|team)\.[^{}\s]+)\}")
SEGMENT = re.compile(PLACEHOLDER.pattern + r"|(?<=/build_hooks/)\(sensitive\)")
READS = frozenset({"GET", "HEAD", "OPTIONS"})
# Round two: an update of each shape (narrow PATCH, PUT, settings, metadata), a replace, a deletion by
# inventory, a secret rewritten, and a new deploy; for the team: a DNS record replaced (new TTL) and one
# deleted, a member given access to a site; a repository's branch and a split test's shares changed.
EDITS = [
    ("production: a,", "production: a2,"),
    ("force_ssl: true\n    password", "force_ssl: false\n    password"),
    ("metadata: {owner: contract}", "metadata: {owner: contract, tier: 2}"),
    ("signature_secret: s1", "signature_secret: s2"),
    ("      footer: {html: '<p>{not a placeholder}</p>', position: footer}\n", ""),
    ("TEAM_PLAIN: one", "TEAM_PLAIN: two"),
    ('value: "v=spf1 -all", ttl: 300}', 'value: "v=spf1 -all", ttl: 600}'),
    ("          - {hostname: contract.example.org, type: MX, value: mx.example.org, priority: 10}\n", ""),
    ("{role: Developer, site_access: none}", "{role: Developer, site_access: selected, sites: [contract-new]}"),
    ("branch: main, deploy_key: true", "branch: trunk, deploy_key: true"),
    ("{main: 90, next: 10}", "{main: 50, next: 50}"),
    ("nightly: {branch: main}", "nightly: {branch: next}"),  # a build hook's id shows masked in the call
]


@pytest.fixture
def logged_emulator(tmp_path: Path) -> Iterator[tuple[EmulatorProcess, Path]]:
    log = tmp_path / "requests.jsonl"
    limits = ("--rate-limit-per-minute", "0", "--deploy-rate-limit-per-minute", "0")
    with start_emulator(tmp_path / "emu-data", "--request-log", str(log), *limits) as emu:
        yield emu, log


def _api(emu: EmulatorProcess, method: str, path: str, **kwargs: object) -> requests.Response:
    response = requests.request(
        method, f"{emu.url}/api/v1{path}", headers={"Authorization": f"Bearer {CLI_TOKEN}"}, timeout=10, **kwargs
    )
    response.raise_for_status()
    return response


def _write_requests(log: Path, start: int) -> tuple[list[str], int]:
    """The writes logged from line `start` on, as `METHOD /path?query`, and how many were uploads."""
    writes, uploads = [], 0
    for line in log.read_text().splitlines()[start:]:
        entry = json.loads(line)
        if entry["method"] in READS:
            continue
        query = unquote_plus(entry["query"]) if entry["query"] else ""
        call = f"{entry['method']} {entry['path']}" + (f"?{query}" if query else "")
        if UPLOAD.match(call):
            uploads += 1
        else:
            writes.append(call)
    return writes, uploads


def _known_ids(emu: EmulatorProcess) -> dict[str, str]:
    """What the placeholders of sites stand for, read from Netlify after the apply."""
    sites = _api(emu, "GET", "/sites", params={"filter": "all", "per_page": 100}).json()
    known: dict[str, str] = {}
    for site in sites:
        known[f"site.{site['name']}.id"] = site["id"]
        known[f"site.{site['name']}.account_id"] = site["account_id"]
    return known


def _pattern(call: str, known: dict[str, str]) -> re.Pattern[str]:
    """A planned call as a regex: known placeholders replaced by their ids, others (and a masked build hook
    id) one path segment."""
    parts, end = [], 0
    for match in SEGMENT.finditer(call):
        parts.append(re.escape(call[end : match.start()]))
        name = match.group(1)
        parts.append(re.escape(known[name]) if name in known else "[^/?&]+")
        end = match.end()
    parts.append(re.escape(call[end:]))
    return re.compile("".join(parts) + "$")


def _anchored(owner: str, call: str, known: dict[str, str]) -> bool:
    """Whether a call names its own owner's id, known after the apply: it matches that owner's writes only."""
    return any(name in known and name.startswith(owner + ".") for name in PLACEHOLDER.findall(call))


def _assign(by_owner: dict[str, list[str]], writes: list[str], known: dict[str, str]) -> list[bool]:
    """Give every planned call a logged write, each owner's in plan order; which writes were taken.

    Calls that name their owner's id are matched first, in order per owner. The others (a site's creation,
    `POST /{team}/sites`, looks the same for every site of a team, and sites are created in parallel, so
    the log may hold them in either order) then fit between their owner's matched calls, the one whose
    next matched call comes first taking the earliest write: a fixed order of owners could hand one site's
    creation to another and fail although an assignment exists."""
    used = [False] * len(writes)
    slots: dict[str, list[int | None]] = {}

    def place(owner: str, k: int, low: int, high: int) -> int | None:
        pattern = _pattern(by_owner[owner][k], known)
        found = next((i for i in range(low + 1, high) if not used[i] and pattern.match(writes[i])), None)
        if found is not None:
            used[found] = True
            slots[owner][k] = found
        return found

    for owner, calls in by_owner.items():
        slots[owner] = [None] * len(calls)
        position = -1
        for k, call in enumerate(calls):
            if _anchored(owner, call, known):
                found = place(owner, k, position, len(writes))
                assert found is not None, (
                    f"{owner}: planned {call!r} was not sent after its predecessors; sent: {writes}"
                )
                position = found

    def deadline(item: tuple[str, int]) -> tuple[int, int]:
        owner, k = item
        later = [slot for slot in slots[owner][k + 1 :] if slot is not None]
        return (min(later, default=len(writes)), k)

    floating = [
        (owner, k) for owner, calls in by_owner.items() for k in range(len(calls)) if slots[owner][k] is None
    ]
    for owner, k in sorted(floating, key=deadline):
        low = max((slot for slot in slots[owner][:k] if slot is not None), default=-1)
        found = place(owner, k, low, deadline((owner, k))[0])
        call = by_owner[owner][k]
        assert found is not None, (
            f"{owner}: planned {call!r} was not sent in its place in plan order; sent: {writes}"
        )
    return used


def _check_contract(document: dict, writes: list[str], uploads: int, known: dict[str, str]) -> int:
    """Every logged write is a planned call of one owner, each owner's calls appear in plan order, and no
    write is left over. Returns how many calls were matched."""
    by_owner: dict[str, list[str]] = {}
    expected_uploads = 0
    for change in document["changes"]:
        owner = f"{change['owner']['kind']}.{change['owner']['name']}"
        for call in change["calls"]:
            counted = UPLOADS_ENTRY.match(call)
            if counted:
                expected_uploads += int(counted.group(1))
            else:
                by_owner.setdefault(owner, []).append(call)
    used = _assign(by_owner, writes, known)
    leftover = [w for w, taken in zip(writes, used, strict=True) if not taken]
    assert leftover == [], f"apply sent writes the plan did not show: {leftover}"
    # Netlify's `required` answer decides; content it already holds (from another site) is not asked for.
    assert 0 < uploads <= expected_uploads if expected_uploads else uploads == 0
    return sum(map(len, by_owner.values()))


def _plan_apply_compare(emu: EmulatorProcess, log: Path, manifests: Path, env: dict[str, str]) -> dict:
    planned = run_cli("plan", str(manifests), "--format", "json", env=env)
    assert planned.returncode == 0, planned.stderr
    document = json.loads(planned.stdout)
    start = len(log.read_text().splitlines())
    applied = run_cli("apply", str(manifests), "--auto-approve", env=env, timeout=300)
    assert applied.returncode == 0, applied.stderr
    writes, uploads = _write_requests(log, start)
    matched = _check_contract(document, writes, uploads, _known_ids(emu))
    assert matched == len(writes) > 0
    return document


def _nothing_left(emu: EmulatorProcess, log: Path, manifests: Path, env: dict[str, str]) -> None:
    """Plan says no changes (exit 0), and an apply then writes nothing at all."""
    assert run_cli("plan", str(manifests), "--detailed-exitcode", env=env).returncode == 0
    start = len(log.read_text().splitlines())
    again = run_cli("apply", str(manifests), "--auto-approve", env=env)
    assert again.returncode == 0, again.stderr
    writes, uploads = _write_requests(log, start)
    assert (writes, uploads) == ([], 0), "a second apply with nothing changed sends no write request"
    assert len(log.read_text().splitlines()) > start, "the apply did read live state (the log works)"


def test_examples_apply_exactly_their_plan(logged_emulator, tmp_path):
    emu, log = logged_emulator
    manifests = tmp_path / "examples"
    shutil.copytree(EXAMPLES, manifests)
    env = emu.env()
    document = _plan_apply_compare(emu, log, manifests, env)
    assert any(call.startswith("POST /api/v1/demo/sites") for c in document["changes"] for call in c["calls"])
    assert any("{site.demo-docs.id}" in call for c in document["changes"] for call in c["calls"])
    _nothing_left(emu, log, manifests, env)


def test_every_kind_with_a_deploy_and_a_rename_applies_exactly_its_plan(logged_emulator, tmp_path):
    emu, log = logged_emulator
    manifest = every_kind_tree(tmp_path / "everything")
    root = manifest.parent
    _api(emu, "POST", "/demo/sites", json={"name": "contract-old"})
    env = emu.env(**SECRETS)

    document = _plan_apply_compare(emu, log, manifest, env)
    actions = {(c["address"], c["action"]) for c in document["changes"]}
    assert {("site.contract-renamed", "update"), ("site.contract-new", "create")} <= actions
    assert {("site.contract-new.deploy", "deploy"), ("team.demo.ledger", "record")} <= actions
    calls = [call for c in document["changes"] for call in c["calls"]]
    assert "POST /api/v1/accounts/{site.contract-personal.account_id}/env?site_id={site.contract-personal.id}" in calls
    assert any(PLACEHOLDER.search(call) and ".hooks." in call for call in calls), "a disabled hook's new id"
    assert any(re.match(r"POST /integrations-api/team/\w+/integrations/contract-ledger$", call) for call in calls)
    assert "POST /api/v1/dns_zones/{team.demo.dns_zones.contract.example.org.id}/dns_records" in calls
    assert "PATCH /api/v1/sites/{site.contract-new.id}" in calls and "POST /api/v1/deploy_keys" in calls
    assert not any(secret in json.dumps(document) for secret in SECRETS.values())
    _nothing_left(emu, log, manifest, env)

    text = manifest.read_text()
    for old, new in EDITS:
        assert old in text, old
        text = text.replace(old, new)
    manifest.write_text(text)
    (root / "public" / "index.html").write_text("<h1>contract v2</h1>")
    env["CONTRACT_SECRET"] = "contract-secret-value-2"
    document = _plan_apply_compare(emu, log, manifest, env)
    actions = {(c["address"], c["action"]) for c in document["changes"]}
    assert ("site.contract-new.snippets.footer", "delete") in actions
    assert any(action == "replace" and ".hooks.url:" in address for address, action in actions)
    assert ("site.contract-new.deploy", "deploy") in actions
    assert ("site.contract-new.env.SECRET", "update") in actions
    assert ("team.demo.dns_records.contract.example.org/contract.example.org/TXT/v=spf1 -all", "replace") in actions
    assert ("team.demo.dns_records.contract.example.org/contract.example.org/MX/mx.example.org", "delete") in actions
    assert {("team.demo.members.contract-dev@example.org", "update"), ("site.contract-new.repo", "update")} <= actions
    assert ("site.contract-new.split_test", "update") in actions
    hook = next(c for c in document["changes"] if c["address"] == "site.contract-new.build_hooks.nightly")
    assert re.fullmatch(r"PUT /api/v1/sites/[^/]+/build_hooks/\(sensitive\)", hook["calls"][0]), hook["calls"]
    _nothing_left(emu, log, manifest, env)


SAVED = """\
version: 1
sites:
  saved-site:
    team: demo
    env:
      TOKEN: {secret: true, value: "${CONTRACT_SECRET}"}
    deploy: {dir: public, functions: functions}
"""


def _saved_tree(tmp_path: Path, word: str) -> Path:
    """The SAVED manifest with its site and one function, each saying `word`."""
    root = tmp_path / "saved"
    (root / "public").mkdir(parents=True)
    (root / "public" / "index.html").write_text(f"<h1>{word}</h1>")
    (root / "functions").mkdir()
    (root / "functions" / "hello.js").write_text(f"export default () => new Response('{word}')\n")
    (root / "m.yaml").write_text(SAVED)
    return root


def test_saved_plan_with_a_site_creation_and_a_deploy_is_applied_by_a_new_process(logged_emulator, tmp_path):
    emu, log = logged_emulator
    root = _saved_tree(tmp_path, "saved")
    env = emu.env(**SECRETS)
    plan_file = tmp_path / "reviewed.plan"  # any name: a saved plan is known by its content
    made = run_cli("plan", str(root / "m.yaml"), "--out", str(plan_file), "--format", "json", env=env)
    assert made.returncode == 0, made.stderr
    document = json.loads(made.stdout)
    saved_text = plan_file.read_text()
    assert SECRETS["CONTRACT_SECRET"] not in saved_text and "$sensitive" in saved_text

    start = len(log.read_text().splitlines())
    applied = run_cli("apply", str(plan_file), env=env, timeout=300)  # a new process, no --auto-approve
    assert applied.returncode == 0, applied.stderr
    assert "Applying the saved plan" in applied.stdout
    writes, uploads = _write_requests(log, start)
    _check_contract(document, writes, uploads, _known_ids(emu))
    site = _api(emu, "GET", "/sites/saved-site").json()
    assert site["published_deploy"]["available_functions"][0]["n"] == "hello"
    env_var = _api(emu, "GET", "/accounts/demo/env/TOKEN", params={"site_id": site["id"]}).json()
    assert env_var["is_secret"] is True
    _nothing_left(emu, log, root / "m.yaml", env)


def test_saved_plan_refuses_content_that_moved_after_the_review(logged_emulator, tmp_path):
    emu, _ = logged_emulator
    root = _saved_tree(tmp_path, "reviewed")
    env = emu.env(**SECRETS)
    plan_file = tmp_path / "plan.json"
    assert run_cli("plan", str(root / "m.yaml"), "--out", str(plan_file), env=env).returncode == 0

    (root / "functions" / "hello.js").write_text("export default () => new Response('not reviewed')\n")
    refused = run_cli("apply", str(plan_file), env=env)
    assert refused.returncode == 1
    assert "functions in" in refused.stderr and "changed since the plan was made (hello)" in refused.stderr
    missing = requests.get(f"{emu.url}/api/v1/sites/saved-site", headers={"Authorization": f"Bearer {CLI_TOKEN}"}, timeout=10)
    assert missing.status_code == 404, "refused before the first request: the site was not created"

    (root / "functions" / "hello.js").write_text("export default () => new Response('reviewed')\n")
    (root / "public" / "index.html").write_text("<h1>edited after the review</h1>")
    edited = run_cli("apply", str(plan_file), env=env)
    assert edited.returncode == 1
    assert "changed since it was hashed" in edited.stderr and "was cancelled" in edited.stderr
    assert "Traceback" not in refused.stderr + edited.stderr
