#!/usr/bin/env bash
# Install Netlify's OpenAPI description of its REST API, the npm package @netlify/open-api (pinned; it ships
# dist/swagger.json), into the repository (default: .tools/netlify-openapi), so the tests can check every
# emulator response and fuzz every served operation against it (tests/support/openapi.py).
#
# Idempotent: an existing install of the pinned version is kept. Needs only npm (no Node.js of its own: the
# package is data). Exits non-zero with a message saying what failed. Afterwards the description is
#   <dir>/node_modules/@netlify/open-api/dist/swagger.json
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib/node-tools.sh
. "$repo/scripts/lib/node-tools.sh"
TOOL=install-netlify-openapi
dir="${NETLIFY_OPENAPI_DIR:-$repo/.tools/netlify-openapi}"
version="${NETLIFY_OPENAPI_VERSION:-2.60.0}"
package="$dir/node_modules/@netlify/open-api"

openapi_ok() {
    [ -f "$package/dist/swagger.json" ] && grep -q "\"version\": \"$version\"" "$package/package.json"
}

if openapi_ok; then
    echo "$TOOL: already installed in $dir (@netlify/open-api $version)"
    exit 0
fi
tools_npm_install "$dir" openapi_ok "@netlify/open-api@$version"
openapi_ok || tools_fail "@netlify/open-api $version did not install correctly ($package/dist/swagger.json)"
echo "$TOOL: installed @netlify/open-api $version ($package/dist/swagger.json)"
