"""A planted secret never appears in any output of validate, plan, apply or an error path."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import CLI_TOKEN, EmulatorProcess, run_cli

SECRET = "sk_live_PLANTED_9f8e7d6c"
PASSWORD = "pw-PLANTED-31337"
EXPOSED_VIA_VAR = "var-PLANTED-c0ffee"

MANIFEST = """\
version: 1
sites:
  secret-site:
    team: demo
    password: ${SITE_PASSWORD}
    env:
      PAYMENT_KEY:
        secret: true
        values: {production: "${PAYMENT_KEY}", deploy-preview: "${PAYMENT_KEY}"}
      FROM_VAR: ${FROM_VAR}
      PLAIN: visible-value
"""


def _env(emu: EmulatorProcess, **overrides: str) -> dict[str, str]:
    values = {"PAYMENT_KEY": SECRET, "SITE_PASSWORD": PASSWORD, "FROM_VAR": EXPOSED_VIA_VAR, **overrides}
    return emu.env(**values)


def _assert_clean(*outputs: str) -> None:
    for output in outputs:
        for planted in (SECRET, PASSWORD, EXPOSED_VIA_VAR, CLI_TOKEN):
            assert planted not in output, f"{planted!r} leaked into output:\n{output}"


def test_secrets_never_printed(emulator_process: EmulatorProcess, tmp_path: Path) -> None:
    manifest = tmp_path / "secret.yaml"
    manifest.write_text(MANIFEST)
    env = _env(emulator_process)
    runs = [
        run_cli("validate", str(manifest), env=env),
        run_cli("plan", str(manifest), env=env),
        run_cli("apply", str(manifest), "--auto-approve", env=env),
        run_cli("-vv", "plan", str(manifest), "--detailed-exitcode", env=env),
    ]
    assert [r.returncode for r in runs] == [0, 0, 0, 0], [r.stderr for r in runs]
    assert "(sensitive)" in runs[1].stdout
    assert "visible-value" in runs[1].stdout

    rotated = _env(emulator_process, FROM_VAR="var-PLANTED-rotated", SITE_PASSWORD="pw-PLANTED-rotated")
    changed = run_cli("plan", str(manifest), "--detailed-exitcode", env=rotated)
    assert changed.returncode == 2
    assert "(sensitive) (changed)" in changed.stdout
    runs.append(changed)

    broken = tmp_path / "broken.yaml"
    broken.write_text(MANIFEST + "    bogus: ${PAYMENT_KEY}\n")
    failed = run_cli("plan", str(broken), env=env)
    assert failed.returncode == 1
    runs.append(failed)

    _assert_clean(*(r.stdout + r.stderr for r in runs))
