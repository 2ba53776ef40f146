#!/usr/bin/env bash
# Install Node.js >= 22.13 and netlify-cli 27 into the repository (default: .tools/netlify-cli), so the
# emulator can be checked against Netlify's own, unmodified CLI. netlify-cli 27 refuses older Node
# releases, and machines often have an older system Node, so Node itself comes from the npm package
# `node` (a registry package shipping the binary): only the npm registry is needed.
#
# Idempotent: an existing install of the right versions is kept. Exits non-zero with a message saying
# what failed (no npm, no network, wrong versions). Afterwards run the CLI with
#   PATH="<dir>/node_modules/.bin:$PATH" netlify ...
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${NETLIFY_CLI_DIR:-$repo/.tools/netlify-cli}"
node_spec="${NETLIFY_CLI_NODE:-^22.13.0}"
cli_spec="${NETLIFY_CLI_VERSION:-^27.10.0}"
bin="$dir/node_modules/.bin"

fail() {
    echo "install-netlify-cli: $*" >&2
    exit 1
}

node_ok() {
    # True when the bundled node exists and is >= 22.13 (netlify-cli 27's engines field).
    [ -x "$bin/node" ] || return 1
    "$bin/node" -e '
        const [maj, min] = process.versions.node.split(".").map(Number);
        process.exit(maj > 22 || (maj === 22 && min >= 13) ? 0 : 1);' 2>/dev/null
}

cli_ok() {
    [ -x "$bin/netlify" ] || return 1
    PATH="$bin:$PATH" "$bin/netlify" --version 2>/dev/null | grep -q 'netlify-cli/27\.'
}

if node_ok && cli_ok; then
    echo "install-netlify-cli: already installed in $dir ($(PATH="$bin:$PATH" "$bin/netlify" --version))"
    exit 0
fi

command -v npm >/dev/null 2>&1 || fail "npm is not on PATH; install Node.js and npm first"

mkdir -p "$dir"
# Keep the install out of Git without touching the repository's .gitignore.
tools_root="$(dirname "$dir")"
[ -f "$tools_root/.gitignore" ] || printf '*\n' >"$tools_root/.gitignore"
[ -f "$dir/package.json" ] || printf '{"name": "netlify-cli-tools", "private": true}\n' >"$dir/package.json"

log="$dir/install.log"
echo "install-netlify-cli: installing node@$node_spec and netlify-cli@$cli_spec into $dir (log: $log)"
if ! npm install --prefix "$dir" --no-audit --no-fund --no-update-notifier --loglevel=error \
    "node@$node_spec" "netlify-cli@$cli_spec" >"$log" 2>&1; then
    tail -n 15 "$log" >&2 || true
    fail "npm install failed (no access to the npm registry?); see $log"
fi

node_ok || fail "the installed node is missing or older than 22.13 ($bin/node)"
cli_ok || fail "netlify-cli 27 did not install correctly ($bin/netlify --version failed)"
echo "install-netlify-cli: installed $(PATH="$bin:$PATH" "$bin/netlify" --version) with node $("$bin/node" --version)"
