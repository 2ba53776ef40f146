"""Ctrl-C during apply: the changes under way finish, nothing new starts, and the user is told what was done.

Before, the interrupt reached only the main thread, which was waiting on the pool of owners: every owner
already queued in that phase was still applied before the process said "Interrupted.", with no count.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.cli.conftest import CLI_TOKEN, console_script, run_cli, start_emulator
from tests.support.http import ApiSession
from tests.support.live_checks import duplicates

SITES = 12


def _manifest(path: Path) -> Path:
    sites = "".join(
        f"  int-{i:02d}:\n    team: demo\n    env: {{KEY: v{i}}}\n"
        f"    snippets:\n      tag: {{html: '<b>{i}</b>', position: head}}\n"
        for i in range(SITES)
    )
    path.write_text(f"version: 1\nsites:\n{sites}")
    return path


def test_ctrl_c_stops_after_the_changes_under_way_and_says_what_was_applied(tmp_path: Path) -> None:
    manifest = _manifest(tmp_path / "m.yaml")
    limits = ("--rate-limit-per-minute", "0", "--latency-ms", "100")
    with start_emulator(tmp_path / "emu", *limits) as emu:
        env = emu.env()
        with (tmp_path / "stdout").open("w") as stdout:
            process = subprocess.Popen(
                [console_script(), "apply", str(manifest), "--auto-approve"],
                env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            assert process.stderr is not None
            seen = []
            while not seen or not seen[-1].startswith("  + "):  # a change carried out: under way
                seen.append(process.stderr.readline())
                assert seen[-1], "the apply ended before its first change"
            process.send_signal(signal.SIGINT)
            stderr = "".join(seen) + process.stderr.read()  # the same buffered reader: no line lost
            process.wait(timeout=120)
        assert process.returncode == 130, stderr
        assert "apply interrupted" in stderr and "Traceback" not in stderr, stderr
        assert "Interrupted: finishing the changes under way" in stderr, "said at once, before the wait"
        counts = re.search(r"(\d+) change\(s\) were applied; (\d+) change\(s\) were not attempted", stderr)
        assert counts is not None, stderr
        applied, not_attempted = int(counts[1]), int(counts[2])
        progress = re.findall(r"^  \S+ (?:site|team)\.\S+: \w+", stderr, re.M)  # one line per change done
        assert applied == len(progress) and not_attempted > 0, stderr
        api = ApiSession(emu.url, CLI_TOKEN)
        created = [s["name"] for s in api.get("/sites", params={"filter": "all"}).json()]
        assert 0 < len(created) < SITES, "owners queued when Ctrl-C came were not started"

        left = run_cli("plan", str(manifest), "--detailed-exitcode", env=env)
        assert left.returncode == 2, left.stderr
        assert run_cli("apply", str(manifest), "--auto-approve", env=env, timeout=300).returncode == 0
        assert run_cli("plan", str(manifest), "--detailed-exitcode", env=env).returncode == 0
        assert duplicates(api) == []


@pytest.mark.parametrize("presses", ["twice", "a burst"])
def test_a_second_ctrl_c_abandons_the_deploy_under_way_and_cancels_it(tmp_path: Path, presses: str) -> None:
    """Twice as a user would, or a burst of 20 presses a millisecond apart (a KeyboardInterrupt raised
    inside the handling of the one before used to end the apply with exit 1, a traceback, and its deploy
    not cancelled)."""
    files = 1500  # at 50 ms a request and 10 uploads at a time, about 8 s of uploads
    public = tmp_path / "public"
    for i in range(files):
        (public / f"d{i // 100}").mkdir(parents=True, exist_ok=True)
        (public / f"d{i // 100}" / f"f{i}.txt").write_text(f"file {i}\n")
    manifest = tmp_path / "m.yaml"
    manifest.write_text("version: 1\nsites:\n  big-one:\n    team: demo\n    deploy: {dir: public}\n")
    log = tmp_path / "requests.jsonl"
    limits = ("--rate-limit-per-minute", "0", "--deploy-rate-limit-per-minute", "0", "--latency-ms", "50")
    with start_emulator(tmp_path / "emu", *limits, "--request-log", str(log)) as emu:
        env = emu.env()
        process = subprocess.Popen(
            [console_script(), "apply", str(manifest), "--auto-approve"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert process.stderr is not None
        seen = [process.stderr.readline()]
        while not seen[-1].startswith("uploading"):
            seen.append(process.stderr.readline())
            assert seen[-1], "the apply ended before its uploads started:\n" + "".join(seen)
        if presses == "twice":
            process.send_signal(signal.SIGINT)
            while not seen[-1].startswith("Interrupted:"):
                seen.append(process.stderr.readline())
                assert seen[-1], "".join(seen)
            assert "Press Ctrl-C again" in seen[-1]
            process.send_signal(signal.SIGINT)
            while not seen[-1].startswith("Interrupted again"):
                seen.append(process.stderr.readline())
                assert seen[-1], "".join(seen)
            given_up = time.time()  # a little after the apply gave up: reading the line takes a moment
        else:
            for _ in range(20):
                process.send_signal(signal.SIGINT)
                time.sleep(0.001)
        again = time.monotonic()
        stderr = "".join(seen) + process.stderr.read()
        process.wait(timeout=60)
        took = time.monotonic() - again
        assert process.returncode == 130, stderr
        assert "Interrupted again: the deploys under way start no more uploads" in stderr
        stopped = re.search(
            r"abandoned \(Ctrl-C twice\) after (\d+) of (\d+) uploads; deploy (\w+) was cancelled", stderr
        )
        assert stopped is not None, stderr
        assert int(stopped[1]) < int(stopped[2]) == files and took < 5, (took, stderr)
        assert "uploading: stopped" in stderr and "uploading: done" not in stderr, stderr
        assert "apply interrupted" in stderr, stderr
        assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
        uploads = [
            entry
            for entry in map(json.loads, log.read_text().splitlines())
            if entry["method"] == "PUT" and entry["path"].startswith(f"/api/v1/deploys/{stopped[3]}/files/")
        ]
        assert len(uploads) == int(stopped[1]), "every upload it started had ended and was counted"
        if presses == "twice":
            late = [e for e in uploads if _started(e) > given_up + 0.1]
            assert late == [], "no upload starts once the deploy is abandoned"
        api = ApiSession(emu.url, CLI_TOKEN)
        site = api.get("/sites", params={"filter": "all"}).json()[0]
        deploy = api.get(f"/sites/{site['id']}/deploys/{stopped[3]}").json()
        assert deploy["state"] != "ready" and deploy["state"] in ("error", "cancelled"), deploy["state"]

        left = run_cli("plan", str(manifest), "--detailed-exitcode", env=env)
        assert left.returncode == 2 and "deploy" in left.stdout, left.stdout + left.stderr


def _started(entry: dict[str, object]) -> float:
    """When a request reached the emulator, from its request log line (`ts` is UTC to the microsecond)."""
    return datetime.strptime(str(entry["ts"]), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()


def test_ctrl_c_while_the_plan_is_read_is_an_interrupt_not_an_abort(tmp_path: Path) -> None:
    manifest = _manifest(tmp_path / "m.yaml")
    with start_emulator(tmp_path / "emu", "--rate-limit-per-minute", "0", "--latency-ms", "300") as emu:
        process = subprocess.Popen(
            [console_script(), "plan", str(manifest)],
            env=emu.env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert process.stderr is not None
        first = process.stderr.readline()
        assert first.startswith("Target:"), first
        time.sleep(0.5)  # reading the sites, 300 ms a request
        process.send_signal(signal.SIGINT)
        stderr = first + process.stderr.read()
        process.wait(timeout=30)
    assert process.returncode == 130, stderr
    assert stderr.rstrip().endswith("Interrupted."), stderr
    assert "Aborted" not in stderr and "Traceback" not in stderr, stderr
