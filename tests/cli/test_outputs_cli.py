"""Output files (--out, --json-out, --markdown-out) that cannot be written: one line naming the path, exit 1,
and a missing directory is refused before Netlify is read at all."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import run_cli, start_emulator

MANIFEST = "version: 1\nsites:\n  out-site:\n    team: demo\n"


def _one_clear_line(run, path: str) -> None:
    assert run.returncode == 1, (run.stdout, run.stderr)
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and path in errors[0], run.stderr
    assert "Traceback" not in run.stderr and "Internal error" not in run.stderr


def test_unwritable_outputs_are_one_clear_error(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    manifest = tmp_path / "m.yaml"
    manifest.write_text(MANIFEST)
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    with start_emulator(tmp_path / "emu", "--request-log", str(log)) as emu:
        env = emu.env()
        missing = [
            ("plan", str(manifest), "--out", "/nonexistent/p.json"),
            ("plan", str(manifest), "--json-out", str(tmp_path / "no" / "p.json")),
            ("plan", str(manifest), "--markdown-out", str(a_file / "p.md")),
            ("drift", str(manifest), "--json-out", "/nonexistent/d.json"),
            ("drift", str(manifest), "--markdown-out", str(tmp_path / "no" / "d.md")),
            ("apply", str(manifest), "--auto-approve", "--json-out", "/nonexistent/a.json"),
            ("apply", str(manifest), "--auto-approve", "--markdown-out", str(a_file / "a.md")),
        ]
        for args in missing:
            run = run_cli(*args, env=env)
            _one_clear_line(run, args[-1])
            assert "is not an existing directory" in run.stderr
        assert not log.exists() or log.read_text() == "", "refused before anything was read"

        for flag in ("--out", "--json-out", "--markdown-out"):
            run = run_cli("plan", str(manifest), flag, "/dev/full", env=env)
            _one_clear_line(run, "/dev/full")
            assert "cannot write it" in run.stderr
        drift = run_cli("drift", str(manifest), "--json-out", "/dev/full", env=env)
        _one_clear_line(drift, "/dev/full")
