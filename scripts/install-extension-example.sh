#!/usr/bin/env bash
# Prepare the example Netlify extension (examples/extension/) for its tests: copy it to
# .tools/extension-example/ (default) and install its pinned @netlify/sdk there, with a Node.js >= 22.13 of
# its own (see scripts/lib/node-tools.sh). The copy keeps node_modules out of examples/, which is a
# manifest directory the tool reads (YAML files inside node_modules would be read as manifests).
# Idempotent: the sources are copied afresh every time, npm runs only when the pinned SDK is missing.
# Afterwards: (cd <dir> && node_modules/.bin/node --test test/extension.test.js)
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib/node-tools.sh
. "$repo/scripts/lib/node-tools.sh"
TOOL=install-extension-example
source_dir="$repo/examples/extension"
dir="${EXTENSION_EXAMPLE_DIR:-$repo/.tools/extension-example}"
pin="$(sed -n 's/.*"@netlify\/sdk": *"\([^"]*\)".*/\1/p' "$source_dir/package.json")"
[ -n "$pin" ] || tools_fail "no pinned @netlify/sdk in $source_dir/package.json"
sdk="$dir/node_modules/@netlify/sdk/package.json"

mkdir -p "$dir"
rm -rf "$dir/src" "$dir/test"
cp -R "$source_dir/src" "$source_dir/test" "$dir/"
cp "$source_dir/package.json" "$dir/package.json"

installed_ok() {
    tools_node_ok "$dir" && [ -f "$sdk" ] && grep -q "\"version\": \"$pin\"" "$sdk"
}

if installed_ok; then
    echo "$TOOL: already installed in $dir (@netlify/sdk $pin)"
    exit 0
fi
# `npm install` with the copied package.json installs its dependencies (the pinned SDK) and the Node.
tools_npm_install "$dir" installed_ok "node@$TOOLS_NODE_SPEC"
cp "$source_dir/package.json" "$dir/package.json"  # npm added node to the copy's dependencies
tools_node_ok "$dir" || tools_fail "the installed node is missing or older than 22.13 ($dir/node_modules/.bin/node)"
grep -q "\"version\": \"$pin\"" "$sdk" 2>/dev/null || tools_fail "@netlify/sdk $pin did not install correctly ($sdk)"
echo "$TOOL: installed @netlify/sdk $pin with node $("$dir/node_modules/.bin/node" --version) in $dir"
