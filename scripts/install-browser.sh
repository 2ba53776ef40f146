#!/usr/bin/env bash
# Install Debian's Chromium and its WebDriver (packages `chromium` and `chromium-driver`, whose versions
# match) for the status page's browser test (tests/browser/). Idempotent: nothing is done when both are
# installed. Needs apt-get, as root or through sudo; exits non-zero with a message saying what failed.
# Afterwards: /usr/bin/chromium and /usr/bin/chromedriver (or where `command -v` finds them).
set -euo pipefail

TOOL=install-browser
fail() {
    echo "$TOOL: $*" >&2
    exit 1
}

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    echo "$TOOL: already installed ($(chromium --version 2>/dev/null || echo chromium); $(chromedriver --version 2>/dev/null | cut -d' ' -f1-2))"
    exit 0
fi
command -v apt-get >/dev/null 2>&1 || fail "apt-get is not available: install Chromium and chromedriver (the same version) by hand"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "not root and no sudo: run as root, or install chromium and chromium-driver"
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
echo "$TOOL: apt-get install chromium chromium-driver"
"${sudo[@]}" apt-get update -qq || fail "apt-get update failed (no access to the Debian mirrors?)"
"${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null ||
    fail "apt-get install chromium chromium-driver failed"
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    fail "chromium or chromedriver is still missing after the install"
fi
echo "$TOOL: installed $(chromium --version 2>/dev/null || echo chromium)"
