"""Two or three applies of the same manifests at once: the leases keep them apart, nothing is made twice,
and the plan after them is empty.

Each round declares new snippets, build hooks and outgoing hooks on sites that already exist, then starts
the applies together. One of them takes each site's lease first; the others wait for it, then read the site
again: as their plan saw it, they go on; already as the manifests want it (the first did the work), they
have nothing left to do there; otherwise they refuse there ("plan again"). Whatever the order, the objects
exist once and the next plan is empty.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from reconciler.resources.lease import SETTLE, SETTLE_VARIABLE
from tests.cli.conftest import CLI_TOKEN, console_script, run_cli, start_emulator
from tests.support.http import ApiSession
from tests.support.live_checks import duplicates

SITES = ("race-a", "race-b")
ROUNDS = 3


def _manifest(rounds: int) -> str:
    lines = ["version: 1", "sites:"]
    for site in SITES:
        lines += [f"  {site}:", "    team: demo", "    env: {BASE: one}"]
        if rounds:
            lines.append("    snippets:")
            lines += [f"      s{r}: {{html: '<p>{site} {r}</p>'}}" for r in range(rounds)]
            lines.append("    build_hooks:")
            lines += [f"      b{r}: {{branch: main}}" for r in range(rounds)]
            lines.append("    hooks:")
            lines += [
                f"      - {{type: email, event: deploy_failed, data: {{email: r{r}@example.org}}}}"
                for r in range(rounds)
            ]
    return "\n".join(lines) + "\n"


def _apply_together(
    manifest: Path, env: dict[str, str], count: int
) -> list[subprocess.CompletedProcess[str]]:
    command = [console_script(), "apply", str(manifest), "--auto-approve", "--lease-timeout", "60"]
    running = [
        subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    done = []
    for process in running:
        out, err = process.communicate(timeout=300)
        done.append(subprocess.CompletedProcess(command, process.returncode, out, err))
    return done


@pytest.mark.parametrize("count", [2, 3])
def test_simultaneous_applies_make_nothing_twice(tmp_path, count):
    limits = ("--rate-limit-per-minute", "0", "--deploy-rate-limit-per-minute", "0")
    with start_emulator(tmp_path / "emu", *limits) as emu:
        env = emu.env(**{SETTLE_VARIABLE: str(SETTLE)})  # the real settling time, not the tests' shorter one
        manifest = tmp_path / "m.yaml"
        manifest.write_text(_manifest(0))
        assert run_cli("apply", str(manifest), "--auto-approve", env=env).returncode == 0
        api = ApiSession(emu.url, CLI_TOKEN)
        outcomes = []
        for round_ in range(1, ROUNDS + 1):
            manifest.write_text(_manifest(round_))
            results = _apply_together(manifest, env, count)
            for result in results:
                refused = "another apply" in result.stderr and "plan again" in result.stderr
                assert result.returncode == 0 or refused, result.stderr[-2000:]
                assert "Traceback" not in result.stderr
            waited = [r for r in results if "another apply, which held its lease first" in r.stderr]
            outcomes.append((sorted(r.returncode for r in results), len(waited)))
            assert duplicates(api) == [], f"round {round_}"
            final = run_cli("plan", str(manifest), "--detailed-exitcode", env=env)
            assert final.returncode == 0, f"round {round_}: {final.stdout}"
        assert any(waited for _, waited in outcomes), f"the applies never met at a lease: {outcomes}"
        for site in SITES:
            site_id = api.get(f"/sites/{site}").json()["id"]
            assert len(api.get(f"/sites/{site_id}/snippets").json()) == ROUNDS
            assert "lease" not in api.get(f"/sites/{site_id}/metadata").json()["netlify-reconciler"]


def test_an_apply_that_planned_before_another_finished_a_site_makes_nothing_twice(tmp_path):
    """The second apply plans while the first holds the team's lease, waits for that lease, and reaches
    the site only once the first has finished there and given its lease back: it found the site free, so it
    used to send its stale creates (two snippets `b`, two build hooks `nightly`). The site's ledger moved
    since its plan, so it reads the site again first and finds nothing left to do."""
    log = tmp_path / "requests.jsonl"
    with start_emulator(tmp_path / "emu", "--rate-limit-per-minute", "0", "--request-log", str(log)) as emu:
        env = emu.env(**{SETTLE_VARIABLE: "3"})  # the first apply's pause at the team lease: time to plan
        manifest = tmp_path / "m.yaml"
        team = "version: 1\nteams:\n  demo:\n    ledger: {integration: race-ledger}\n    env: {TEAM_VAR: %s}\n"
        site = "sites:\n  race-site:\n    team: demo\n    snippets:\n%s"
        manifest.write_text(team % "one" + site % "      a: {html: '<p>a</p>'}\n")
        assert run_cli("apply", str(manifest), "--auto-approve", env=env).returncode == 0
        manifest.write_text(
            team % "two" + site % "      a: {html: '<p>a</p>'}\n      b: {html: '<p>b</p>'}\n"
            "    build_hooks:\n      nightly: {branch: main}\n"
        )
        command = [console_script(), "apply", str(manifest), "--auto-approve", "--lease-timeout", "60"]
        start = len(log.read_text().splitlines())
        first = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)  # fmt: skip
        deadline = time.monotonic() + 30
        while not any('"PUT"' in line and "race-ledger" in line for line in log.read_text().splitlines()[start:]):
            assert time.monotonic() < deadline and first.poll() is None, "the first apply never took a lease"
            time.sleep(0.02)
        second = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)  # fmt: skip
        results = [process.communicate(timeout=120) for process in (first, second)]
        assert [first.returncode, second.returncode] == [0, 0], [err[-1500:] for _, err in results]
        api = ApiSession(emu.url, CLI_TOKEN)
        assert duplicates(api) == []
        site_id = api.get("/sites/race-site").json()["id"]
        assert sorted(s["title"] for s in api.get(f"/sites/{site_id}/snippets").json()) == ["a", "b"]
        assert [h["title"] for h in api.get(f"/sites/{site_id}/build_hooks").json()] == ["nightly"]
        assert run_cli("plan", str(manifest), "--detailed-exitcode", env=env).returncode == 0
