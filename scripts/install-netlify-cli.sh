#!/usr/bin/env bash
# Install Node.js >= 22.13 and netlify-cli 27 into the repository (default: .tools/netlify-cli), so the
# emulator can be checked against Netlify's own, unmodified CLI (see scripts/lib/node-tools.sh).
#
# Idempotent: an existing install of the right versions is kept. Exits non-zero with a message saying
# what failed (no npm, no network, wrong versions). Afterwards run the CLI with
#   PATH="<dir>/node_modules/.bin:$PATH" netlify ...
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib/node-tools.sh
. "$repo/scripts/lib/node-tools.sh"
TOOL=install-netlify-cli
dir="${NETLIFY_CLI_DIR:-$repo/.tools/netlify-cli}"
cli_spec="${NETLIFY_CLI_VERSION:-^27.10.0}"
bin="$dir/node_modules/.bin"

cli_ok() {
    [ -x "$bin/netlify" ] || return 1
    PATH="$bin:$PATH" "$bin/netlify" --version 2>/dev/null | grep -q 'netlify-cli/27\.'
}

installed_ok() {
    tools_node_ok "$dir" && cli_ok
}

if installed_ok; then
    echo "$TOOL: already installed in $dir ($(PATH="$bin:$PATH" "$bin/netlify" --version))"
    exit 0
fi
tools_npm_install "$dir" installed_ok "node@$TOOLS_NODE_SPEC" "netlify-cli@$cli_spec"
tools_node_ok "$dir" || tools_fail "the installed node is missing or older than 22.13 ($bin/node)"
cli_ok || tools_fail "netlify-cli 27 did not install correctly ($bin/netlify --version failed)"
echo "$TOOL: installed $(PATH="$bin:$PATH" "$bin/netlify" --version) with node $("$bin/node" --version)"
