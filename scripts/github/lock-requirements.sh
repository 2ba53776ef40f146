#!/usr/bin/env bash
# Refresh scripts/github/action-requirements.txt, the lock file the GitHub Action installs from with
# `pip install --require-hashes`: every package the core install needs (pyproject.toml's dependencies, no
# extras: the action never runs the emulator) plus the build backend (action-build.in), each pinned to one
# version with the SHA-256 of every file PyPI has for it, resolved for every Python >= 3.11 and platform
# (uv's universal resolution: one file serves any runner).
#
# Run it after changing pyproject.toml's dependencies, and now and then to pick up fixes; commit the
# result. It installs uv (pinned) into a temporary virtualenv, so it needs python3 and access to PyPI.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
uv_version="${UV_VERSION:-0.13.9}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$uv_version"
cd "$repo"
"$work/venv/bin/uv" pip compile --quiet --universal --python-version 3.11 --generate-hashes \
    --index-url https://pypi.org/simple \
    --custom-compile-command "scripts/github/lock-requirements.sh" \
    --output-file scripts/github/action-requirements.txt \
    pyproject.toml scripts/github/action-build.in
echo "lock-requirements: wrote scripts/github/action-requirements.txt ($(grep -c '==' scripts/github/action-requirements.txt) packages)"
