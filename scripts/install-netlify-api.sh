#!/usr/bin/env bash
# Install Netlify's official JavaScript API client, @netlify/api (pinned), with a Node.js >= 22.13 of its
# own, into the repository (default: .tools/netlify-api), so tests can drive the emulator with it (see
# scripts/lib/node-tools.sh). Idempotent; exits non-zero with a message saying what failed.
# Afterwards: <dir>/node_modules/.bin/node a-script.mjs, importing
#   <dir>/node_modules/@netlify/api/lib/index.js
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib/node-tools.sh
. "$repo/scripts/lib/node-tools.sh"
TOOL=install-netlify-api
dir="${NETLIFY_API_DIR:-$repo/.tools/netlify-api}"
api_version="${NETLIFY_API_VERSION:-15.1.2}"
package="$dir/node_modules/@netlify/api/package.json"

api_ok() {
    [ -f "$package" ] && grep -q "\"version\": \"$api_version\"" "$package"
}

installed_ok() {
    tools_node_ok "$dir" && api_ok
}

if installed_ok; then
    echo "$TOOL: already installed in $dir (@netlify/api $api_version)"
    exit 0
fi
tools_npm_install "$dir" installed_ok "node@$TOOLS_NODE_SPEC" "@netlify/api@$api_version"
tools_node_ok "$dir" || tools_fail "the installed node is missing or older than 22.13 ($dir/node_modules/.bin/node)"
api_ok || tools_fail "@netlify/api $api_version did not install correctly ($package)"
echo "$TOOL: installed @netlify/api $api_version with node $("$dir/node_modules/.bin/node" --version)"
