"""Every command's --help ends with one or two examples, and each example is a command line the CLI
accepts as written (its options exist: the line parses with --help appended)."""

from __future__ import annotations

import shlex

import pytest

from tests.cli.conftest import run_cli

COMMANDS = ["validate", "plan", "apply", "drift", "emulator", "demo", "serve"]


def examples(help_text: str) -> list[str]:
    _, marker, tail = help_text.rstrip().rpartition("\n  Examples:\n")
    assert marker, f"no Examples block at the end of:\n{help_text}"
    return [line.strip() for line in tail.splitlines()]


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_ends_with_examples_that_parse(command: str | None) -> None:
    shown = run_cli(*([command] if command else []), "--help")
    assert shown.returncode == 0, shown.stderr
    lines = examples(shown.stdout)
    assert 1 <= len(lines) <= 2, lines
    for line in lines:
        words = shlex.split(line, comments=True)
        assert words[0] == "netlify-reconciler" and (command is None or words[1] == command), line
        parsed = run_cli(*words[1:], "--help")
        assert parsed.returncode == 0, f"{line!r} does not parse:\n{parsed.stderr}"
        assert "Usage: netlify-reconciler" in parsed.stdout
