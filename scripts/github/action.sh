#!/usr/bin/env bash
# The shell logic of the composite GitHub Action (action.yml at the repository root), kept in a file so it
# can be read, linted and tested directly (tests/github run it against the emulator).
#
#   action.sh install   install netlify-reconciler from the action's own checkout ($GITHUB_ACTION_PATH)
#                       into a virtualenv under $RUNNER_TEMP, its dependencies from the hash-checked lock
#                       scripts/github/action-requirements.txt (refreshed by lock-requirements.sh)
#   action.sh run       run one command and publish its reports and step outputs
#
# Inputs arrive as environment variables, never as ${{ }} text pasted into the script:
#   INPUT_COMMAND            validate | plan | apply | drift
#   INPUT_MANIFESTS          manifest file or directory (for apply: or a saved plan *.json; for drift
#                            --merge-reports: the shards' reports, a directory)
#   INPUT_API_URL            Netlify API base URL (empty: $NETLIFY_API_URL, else Netlify's)
#   INPUT_INTEGRATION_API_URL  Integration API base URL (empty: the tool's default)
#   INPUT_EXTRA_ARGS         more arguments, split on whitespace (no quoting, no globbing)
#   INPUT_TOKEN              Netlify token (empty: $NETLIFY_AUTH_TOKEN from the step's env)
#   INPUT_LEDGER_KEY         secret-digest key (empty: $NETLIFY_RECONCILER_LEDGER_KEY from the step's env)
#   INPUT_FAIL_ON_CHANGES    true: exit code 2 (changes / drift) fails the step; default false
# GitHub provides RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and GITHUB_ACTION_PATH.
#
# Failure rule: exit 1 (or any code other than 0 and 2) always fails the step; exit 2 with a report written
# (plan: changes, drift: drifted) fails it only when INPUT_FAIL_ON_CHANGES is true, and exit 2 without a
# report (a usage error) always fails it. The tool's exit code is always in the `exitcode` output.
#
# Test hook: NETLIFY_RECONCILER_SKIP_INSTALL=1 makes `install` do nothing, so tests can run the action
# with a netlify-reconciler that is already on PATH (the repository's editable install).
set -euo pipefail

log_error() {
    # A workflow command: GitHub shows it as an annotation on the run. Never given a secret.
    echo "::error title=netlify-reconciler::$*"
}

install() {
    if [[ "${NETLIFY_RECONCILER_SKIP_INSTALL:-}" == "1" ]]; then
        echo "NETLIFY_RECONCILER_SKIP_INSTALL=1: using $(command -v netlify-reconciler || echo 'no netlify-reconciler on PATH')"
        return 0
    fi
    local source="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set (run this from action.yml)}"
    local venv marker
    venv="$(tool_venv)"
    marker="$venv/installed-from"
    # The action may be used several times in one job (validate, then plan): install once per job.
    if [[ -f "$marker" && "$(cat "$marker")" == "$source" && -x "$venv/bin/netlify-reconciler" ]]; then
        echo "netlify-reconciler is already installed from $source in $venv"
        return 0
    fi
    # A virtualenv of its own: the lock decides every package in it, whatever else the job installed.
    # Dependencies only from the lock, each checked against its SHA-256 (--require-hashes), and no extras:
    # the emulator's web stack is never installed where the Netlify token is. Then the package itself,
    # from this checkout, with nothing downloaded (--no-index) and the locked build backend.
    rm -rf "$venv"
    python3 -m venv "$venv"
    local -a pip=("$venv/bin/python" -m pip --disable-pip-version-check --no-input --quiet)
    "${pip[@]}" install --require-hashes --only-binary :all: -r "$source/scripts/github/action-requirements.txt"
    "${pip[@]}" install --no-deps --no-index --no-build-isolation "$source"
    "${pip[@]}" check
    printf '%s' "$source" >"$marker"
    "$venv/bin/netlify-reconciler" --version
}

# The action's own virtualenv, one per job.
tool_venv() {
    echo "${RUNNER_TEMP:?RUNNER_TEMP is not set}/netlify-reconciler-venv"
}

# The installed tool, or (with the test hook) the one on PATH.
tool() {
    local installed
    installed="$(tool_venv)/bin/netlify-reconciler"
    if [[ "${NETLIFY_RECONCILER_SKIP_INSTALL:-}" != "1" && -x "$installed" ]]; then
        echo "$installed"
    else
        echo netlify-reconciler
    fi
}

is_true() {
    case "${1,,}" in
    true | yes | 1) return 0 ;;
    false | no | 0 | "") return 1 ;;
    *)
        log_error "fail-on-changes must be true or false, not '$1'"
        exit 1
        ;;
    esac
}

# Summary text for a run that produced no Markdown report: the command's own error lines (the tool never
# prints secret values, in errors either), in an open <details> block.
error_summary() {
    local command="$1" code="$2" stderr_log="$3"
    echo "### ❌ netlify-reconciler $command failed (exit $code)"
    echo
    if [[ -s "$stderr_log" ]]; then
        echo "<details open><summary>Last lines of the command's error output</summary>"
        echo
        echo "<pre>"
        tail -n 40 "$stderr_log" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'
        echo "</pre>"
        echo
        echo "</details>"
    else
        echo "The command printed no error output; see the step log."
    fi
    echo
}

run() {
    local command="${INPUT_COMMAND:-}"
    case "$command" in
    validate | plan | apply | drift) ;;
    *)
        log_error "command must be one of validate, plan, apply, drift (got '$command')"
        exit 1
        ;;
    esac
    local manifests="${INPUT_MANIFESTS:-}"
    if [[ -z "$manifests" ]]; then
        log_error "the manifests input is empty"
        exit 1
    fi
    local fail_on_changes=false
    if is_true "${INPUT_FAIL_ON_CHANGES:-false}"; then
        fail_on_changes=true
    fi

    # Secrets go to the tool through its environment only (never argv, never echoed).
    if [[ -n "${INPUT_TOKEN:-}" ]]; then
        export NETLIFY_AUTH_TOKEN="$INPUT_TOKEN"
    fi
    if [[ -n "${INPUT_LEDGER_KEY:-}" ]]; then
        export NETLIFY_RECONCILER_LEDGER_KEY="$INPUT_LEDGER_KEY"
    fi
    unset INPUT_TOKEN INPUT_LEDGER_KEY

    local out_dir
    out_dir="$(mktemp -d "${RUNNER_TEMP:?RUNNER_TEMP is not set}/netlify-reconciler-$command-XXXXXX")"
    local json_report="$out_dir/report.json" markdown_report="$out_dir/report.md"
    local plan_file="" stderr_log="$out_dir/stderr.log" error_report="$out_dir/errors.md"

    local -a args=("$command" "$manifests")
    case "$command" in
    plan)
        plan_file="$out_dir/plan.json"
        args+=(--detailed-exitcode --out "$plan_file")
        ;;
    apply) args+=(--auto-approve) ;;
    drift) args+=(--fail-on drift) ;;
    esac
    if [[ "$command" != validate ]]; then
        args+=(--json-out "$json_report" --markdown-out "$markdown_report")
        if [[ -n "${INPUT_API_URL:-}" ]]; then
            args+=(--api-url "$INPUT_API_URL")
        fi
        if [[ -n "${INPUT_INTEGRATION_API_URL:-}" ]]; then
            args+=(--integration-api-url "$INPUT_INTEGRATION_API_URL")
        fi
    fi
    local -a extra=()
    read -r -a extra <<<"${INPUT_EXTRA_ARGS:-}"
    args+=("${extra[@]}")

    echo "netlify-reconciler ${args[*]}"
    local code executable
    executable="$(tool)"
    # stdout straight to the log; stderr to the log and to a file for the summary on failure.
    set +e
    {
        "$executable" "${args[@]}" 2>&1 1>&3 3>&- | tee "$stderr_log" 1>&2 3>&-
        code=${PIPESTATUS[0]}
    } 3>&1
    set -e

    [[ -s "$json_report" ]] || json_report=""
    [[ -s "$markdown_report" ]] || markdown_report=""
    # Exit 2 means "changes" only when the command wrote its report: click also exits 2 on a usage error
    # (a bad extra-args, say), and that must fail like any other error.
    local failed=false
    if [[ $code -ne 0 && $code -ne 2 ]] || [[ $code -eq 2 && -z "$json_report" ]]; then
        failed=true
    fi
    [[ -n "$plan_file" && -s "$plan_file" && $failed == false ]] || plan_file=""
    if [[ $failed == true ]]; then
        error_summary "$command" "$code" "$stderr_log" >"$error_report"
    else
        error_report=""
    fi

    local has_changes=false
    if [[ -n "$json_report" ]]; then
        has_changes="$(python3 -c 'import json, sys
print("true" if json.load(open(sys.argv[1], encoding="utf-8"))["summary"]["total"] > 0 else "false")' \
            "$json_report")"
    fi

    {
        echo "exitcode=$code"
        echo "has-changes=$has_changes"
        echo "json-report=$json_report"
        echo "markdown-report=$markdown_report"
        echo "plan-file=$plan_file"
        echo "error-summary=$error_report"
    } >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"

    {
        if [[ -n "$markdown_report" ]]; then
            cat "$markdown_report"
            echo
        fi
        if [[ $failed == true ]]; then
            cat "$error_report"
        elif [[ "$command" == validate ]]; then
            echo "### ✅ netlify-reconciler validate"
            echo
            echo "The manifests in \`$manifests\` are valid."
            echo
        fi
    } >>"${GITHUB_STEP_SUMMARY:?GITHUB_STEP_SUMMARY is not set}"

    if [[ $failed == true ]]; then
        log_error "netlify-reconciler $command failed (exit $code); see the log above"
        exit 1
    fi
    if [[ $code -eq 2 ]]; then
        if [[ "$fail_on_changes" == true ]]; then
            log_error "$command found changes (exit 2) and fail-on-changes is true"
            exit 2
        fi
        echo "$command found changes (exit 2); not a failure (set fail-on-changes: true to fail)"
    fi
}

case "${1:-}" in
install) install ;;
run) run ;;
*)
    echo "usage: $0 install|run" >&2
    exit 64
    ;;
esac
