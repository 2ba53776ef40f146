"""`netlify-reconciler serve` (the console script) against an emulator: the API handlers answer calls
shaped like `surfaceState.fetch(name)` for the site or team they name, only to a token Netlify says may
see it; the status page is complete HTML without JavaScript, escaped, behind sign-in; and nothing secret
(manifest secrets, values changed on Netlify, any token) appears in an answer, the page or the log."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
import requests

from tests.cli.conftest import CLI_TOKEN, EmulatorProcess, run_cli, start_emulator
from tests.support.serve import spawn_serve
from tests.support.status import REPO, valid_status

OUTSIDER = "outsider-token-PLANTED-5"
SECRET = "serve-secret-PLANTED-66"
ROTATED = "rotated-on-netlify-PLANTED-12"
PLAN_SCHEMA = json.loads((REPO / "schemas" / "plan.schema.json").read_text())
SEED = f"""
tokens: [{{token: {OUTSIDER}, teams: [elsewhere]}}]
sites: [{{name: elsewhere-site, team: elsewhere}}]
"""
MANIFEST = """\
version: 1
teams:
  demo:
    env:
      TEAM_FLAG: "on"
sites:
  served-site:
    team: demo
    metadata: {owner: "<script>alert('declared')</script>"}
    env:
      API_URL: https://api.example.org
      TOKEN:
        secret: true
        values: {production: "${SERVE_SECRET}"}
  quiet-site:
    team: demo
    env:
      MODE: calm
"""


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[tuple[EmulatorProcess, Path, dict[str, str]]]:
    """An emulator with the manifests applied, then served-site changed behind the tool's back."""
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED)
    with start_emulator(tmp_path / "emu", "--seed", str(seed)) as emu:
        manifest = tmp_path / "netlify.yaml"
        manifest.write_text(MANIFEST)
        env = emu.env(SERVE_SECRET=SECRET)
        applied = run_cli("apply", str(manifest), "--auto-approve", env=env)
        assert applied.returncode == 0, applied.stderr
        site_id = emu.api("GET", "/sites/served-site").json()["id"]
        emu.api("PATCH", "/accounts/demo/env/API_URL", params={"site_id": site_id},
                json={"context": "all", "value": "https://changed.example.org"})
        emu.api("PATCH", "/accounts/demo/env/TOKEN", params={"site_id": site_id},
                json={"context": "production", "value": ROTATED})
        metadata = emu.api("GET", f"/sites/{site_id}/metadata").json()  # the ledger lives there too
        emu.api("PUT", f"/sites/{site_id}/metadata", json={**metadata, "owner": "<img src=x onerror=alert('live')>"})
        yield emu, manifest, env


def _ids(emu: EmulatorProcess) -> tuple[str, str, str, str]:
    served = emu.api("GET", "/sites/served-site").json()
    quiet = emu.api("GET", "/sites/quiet-site").json()["id"]
    elsewhere = requests.get(f"{emu.url}/api/v1/sites/elsewhere-site", headers={"Authorization": f"Bearer {OUTSIDER}"},
                             timeout=10).json()["id"]
    return served["id"], served["account_id"], quiet, elsewhere


def _no_secrets(*texts: str) -> None:
    for text in texts:
        for planted in (SECRET, ROTATED, OUTSIDER, CLI_TOKEN):
            assert planted not in text


def test_handlers_answer_fetch_shaped_calls_for_what_the_token_may_see(fleet):
    emu, manifest, env = fleet
    served, account, quiet, elsewhere = _ids(emu)
    with spawn_serve(manifest, env, "--interval", "0") as serve:
        status = serve.fetch("status", CLI_TOKEN, site_id=served, team_id=account)
        assert status.status_code == 200, status.text
        assert status.headers["access-control-allow-origin"] == "*"
        document = valid_status(status.json())
        assert document["state"] == "drifted" and document["source"] == "serve"
        assert document["owner"]["address"] == "site.served-site"
        assert document["counts"]["update"] == 3 and document["counts"]["total"] == 3

        assert valid_status(serve.fetch("status", CLI_TOKEN, site_id=quiet).json())["state"] == "in_sync"
        for team in (account, "demo"):
            team_status = valid_status(serve.fetch("status", CLI_TOKEN, team_id=team).json())
            assert team_status["owner"]["address"] == "team.demo" and team_status["state"] == "in_sync"
        cookie = serve.fetch("status", None, site_id=served, cookies={"_nf-auth": CLI_TOKEN})
        assert cookie.status_code == 200 and cookie.json()["state"] == "drifted"

        plan = serve.fetch("plan", CLI_TOKEN, site_id=served, team_id=account)
        assert plan.status_code == 200, plan.text
        jsonschema.validate(plan.json(), PLAN_SCHEMA)
        cli_plan = json.loads(run_cli("plan", str(manifest), "--format", "json", env=env).stdout)
        site_changes = [c for c in cli_plan["changes"] if c["owner"]["name"] == "served-site"]
        assert plan.json()["changes"] == site_changes  # the same document `plan --format json` has for it
        drift = serve.fetch("drift", CLI_TOKEN, site_id=served, method="POST").json()
        assert drift["summary"]["text"].startswith("Drift: 3 object(s) on Netlify differ")

        refusals = {
            "no token": serve.fetch("status", None, site_id=served),
            "wrong token": serve.fetch("status", "not-a-valid-token", site_id=served),
            "another team's token": serve.fetch("status", OUTSIDER, site_id=served, team_id=account),
            "a site the token cannot see": serve.fetch("plan", CLI_TOKEN, site_id=elsewhere),
            "a site of another team than named": serve.fetch("status", CLI_TOKEN, site_id=served, team_id="elsewhere"),
            "a team the token cannot see": serve.fetch("status", CLI_TOKEN, team_id="elsewhere"),
            "a site nobody declared": serve.fetch("status", OUTSIDER, site_id=elsewhere),
            "no site or team": serve.fetch("status", CLI_TOKEN),
            "no such handler": serve.fetch("deploy", CLI_TOKEN, site_id=served),
        }
        codes = {what: response.status_code for what, response in refusals.items()}
        assert codes == {
            "no token": 401, "wrong token": 401, "another team's token": 404, "a site the token cannot see": 404,
            "a site of another team than named": 404, "a team the token cannot see": 404,
            "a site nobody declared": 404, "no site or team": 400, "no such handler": 404,
        }
        assert all(set(r.json()) == {"error"} for r in refusals.values())
        preflight = requests.options(f"{serve.url}/.netlify/functions/handler/status", timeout=10)
        assert preflight.status_code == 204 and "netlify-token" in preflight.headers["access-control-allow-headers"]

        answers = [status.text, plan.text, json.dumps(drift), *(r.text for r in refusals.values())]
    _no_secrets(*answers, "".join(serve.log))
    assert not any("Traceback" in line for line in serve.log)


def test_the_status_page_signs_in_escapes_and_shows_only_what_the_token_sees(fleet):
    emu, manifest, env = fleet
    served, _, _, _ = _ids(emu)
    with spawn_serve(manifest, env) as serve:
        anonymous = requests.get(serve.url + "/", timeout=60)
        assert anonymous.status_code == 200 and 'action="/sign-in"' in anonymous.text
        assert "served-site" not in anonymous.text

        browser = requests.Session()
        origin = {"Origin": serve.url}
        refused = browser.post(serve.url + "/sign-in", data={"token": "wrong-token"}, headers=origin, timeout=60)
        assert refused.status_code == 401 and "Netlify refused that token." in refused.text
        forged = browser.post(serve.url + "/sign-in", data={"token": CLI_TOKEN}, headers={"Origin": "http://evil.example"},
                              timeout=60)
        assert forged.status_code == 403 and not browser.cookies
        signed = browser.post(serve.url + "/sign-in", data={"token": CLI_TOKEN}, headers=origin, timeout=60,
                              allow_redirects=False)
        assert signed.status_code == 303
        assert re.search(r"_nf-auth=[^;]+; HttpOnly; Path=/; SameSite=strict", signed.headers["set-cookie"])

        page = browser.get(serve.url + "/", timeout=120)
        assert page.status_code == 200
        assert "default-src 'none'" in page.headers["content-security-policy"]
        html = page.text
        row = re.search(r'<tr data-owner="site.served-site" data-state="drifted" data-site-id="([^"]+)">(.*?)</tr>', html)
        assert row and row.group(1) == served and ">Drifted<" in row.group(2)
        assert re.search(r'<tr data-owner="site.quiet-site" data-state="in_sync"', html)
        assert re.search(r'<tr data-owner="team.demo" data-state="in_sync"', html)
        assert "1 drifted" in html and "<table" in html and '<th scope="col">Status</th>' in html
        # The plan, as the Markdown report has it, with both sides of the metadata change escaped.
        assert "~ site.served-site.env.API_URL" in html and "&quot;https://changed.example.org&quot;" in html
        assert "&lt;img src=x onerror=alert(&#x27;live&#x27;)&gt;" in html
        assert "&lt;script&gt;alert(&#x27;declared&#x27;)&lt;/script&gt;" in html
        assert "<script>alert" not in html and "<img" not in html
        assert "&gt; PATCH /api/v1/accounts/" in html  # the requests apply would send
        assert len(re.findall(r"<script", html)) == 1  # only the page's own, from /assets/
        assert browser.get(serve.url + "/assets/status.js", timeout=10).headers["content-type"].startswith("text/javascript")

        outsider = requests.Session()
        outsider.post(serve.url + "/sign-in", data={"token": OUTSIDER}, headers=origin, timeout=60)
        theirs = outsider.get(serve.url + "/", timeout=60).text
        assert "served-site" not in theirs and "team.demo" not in theirs
        assert "3 declared team(s) or site(s) are not visible to your token" in theirs

        # The service follows the manifests it points at: broken, they are said so above the last checks.
        manifest.write_text(MANIFEST + "  broken-site: {unknown_field: 1}\n")
        browser.post(serve.url + "/check", headers=origin, timeout=120)
        broken = browser.get(serve.url + "/", timeout=120).text
        assert '<p class="alert" role="alert">The manifests do not load' in broken and "unknown_field" in broken
        assert 'data-owner="site.served-site"' in broken

        out = browser.post(serve.url + "/sign-out", headers=origin, timeout=60)
        assert 'action="/sign-in"' in out.text and not browser.cookies
    _no_secrets(html, theirs, "".join(serve.log))


def test_checks_are_bounded_and_joined(tmp_path):
    """Eight simultaneous drift calls for one site share one check: the site listing (slowed down) is read
    once or twice, not eight times, and every call gets the answer."""
    manifest = tmp_path / "netlify.yaml"
    manifest.write_text(MANIFEST)
    log = tmp_path / "requests.jsonl"
    slow = ("--request-log", str(log), "--latency-ms", "300", "--fault-paths", "^GET /api/v1/sites$")
    with start_emulator(tmp_path / "emu", *slow) as emu:
        env = emu.env(SERVE_SECRET=SECRET)
        assert run_cli("apply", str(manifest), "--auto-approve", env=env).returncode == 0
        served = emu.api("GET", "/sites/served-site").json()["id"]
        with spawn_serve(manifest, env, "--interval", "0", "--concurrency", "1") as serve:
            serve.fetch("status", CLI_TOKEN, site_id=served)  # locates the site (a first round)
            before = _listings(log)
            answers: list[requests.Response] = []
            calls = [threading.Thread(target=lambda: answers.append(serve.fetch("drift", CLI_TOKEN, site_id=served)))
                     for _ in range(8)]
            for call in calls:
                call.start()
            for call in calls:
                call.join()
            listings = _listings(log) - before
    assert [a.status_code for a in answers] == [200] * 8
    assert 1 <= listings <= 2, listings


def _listings(log: Path) -> int:
    entries = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    return sum(1 for e in entries if e["method"] == "GET" and e["path"] == "/api/v1/sites")


def test_serve_refuses_bad_manifests_before_listening(tmp_path, emulator_process):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nsites:\n  x: {unknown_field: 1}\n")
    result = run_cli("serve", str(bad), "--port", "0", env=emulator_process.env(), timeout=60)
    assert result.returncode == 1 and "unknown_field" in result.stderr and "listening" not in result.stderr
