# shellcheck shell=bash
# Shared by scripts/install-*.sh: install npm packages, with a Node.js >= 22.13 of their own, into a
# directory under .tools/ (kept out of Git), so tests can run Netlify's own JavaScript tools. Node itself
# comes from the npm package `node` (a registry package shipping the binary): only the npm registry is
# needed, and an older system Node does not matter. Source this file, set TOOL (the script's name), then
# call the functions below.

# The Node.js release both tools accept (netlify-cli 27 and @netlify/api 15 ask for >= 22.12/22.13).
TOOLS_NODE_SPEC="${NETLIFY_TOOLS_NODE:-^22.13.0}"
export TOOLS_NODE_SPEC

tools_fail() {
    echo "$TOOL: $*" >&2
    exit 1
}

# True when "$1/node_modules/.bin/node" exists and is >= 22.13 (what netlify-cli 27 and @netlify/api 15
# declare in their engines field).
tools_node_ok() {
    local node="$1/node_modules/.bin/node"
    [ -x "$node" ] || return 1
    "$node" -e '
        const [maj, min] = process.versions.node.split(".").map(Number);
        process.exit(maj > 22 || (maj === 22 && min >= 13) ? 0 : 1);' 2>/dev/null
}

# tools_npm_install DIR CHECK PACKAGE_SPEC...: npm install into DIR (log in DIR/install.log), after which the
# command CHECK must succeed. An earlier install that was interrupted (Ctrl-C during a first test run, a
# killed job) can leave node_modules half written, in a way npm then fails on or does not notice: when npm
# fails or CHECK does, the install is made once more from an empty node_modules. Fails with the log's tail
# when npm (or the registry) is not there; when only CHECK still fails, returns and leaves the message to
# the caller, which knows what is missing.
tools_npm_install() {
    local dir="$1" check="$2"
    shift 2
    command -v npm >/dev/null 2>&1 || tools_fail "npm is not on PATH; install Node.js and npm first"
    mkdir -p "$dir"
    local root
    root="$(dirname "$dir")"
    [ -f "$root/.gitignore" ] || printf '*\n' >"$root/.gitignore"
    [ -f "$dir/package.json" ] || printf '{"name": "%s", "private": true}\n' "$(basename "$dir")-tools" >"$dir/package.json"
    local log="$dir/install.log"
    echo "$TOOL: installing $* into $dir (log: $log)"
    if _tools_npm "$dir" "$@" >"$log" 2>&1 && "$check"; then
        return 0
    fi
    if [ -d "$dir/node_modules" ]; then
        echo "$TOOL: the install in $dir is broken or incomplete (an earlier install interrupted?); installing again into an empty node_modules"
        rm -rf "$dir/node_modules" "$dir/package-lock.json"
        if _tools_npm "$dir" "$@" >>"$log" 2>&1; then
            return 0
        fi
    fi
    tail -n 15 "$log" >&2 || true
    tools_fail "npm install failed (no access to the npm registry?); see $log"
}

_tools_npm() {
    local dir="$1"
    shift
    npm install --prefix "$dir" --no-audit --no-fund --no-update-notifier --loglevel=error "$@"
}
