#!/usr/bin/env bash
# Runs `gasguard check` with the action's inputs, which arrive as environment variables (never
# pasted into the script), so no input can inject shell code.
#
# Environment: INPUT_WORKING_DIRECTORY, INPUT_CONFIG, INPUT_BASELINE, INPUT_BASE_REF,
# INPUT_IF_NO_BASELINE, INPUT_REPORT, INPUT_COMMENT, INPUT_COMMENT_ON, INPUT_FAIL_ON_REGRESSION,
# INPUT_FLAMEGRAPHS, INPUT_HTML, and GITHUB_TOKEN for the comment.
set -euo pipefail

step=action
# shellcheck source=scripts/action/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

boolean() {
  case "$2" in
    true | false) ;;
    *) fail "input '$1' must be 'true' or 'false', not '$2'" ;;
  esac
}

comment="${INPUT_COMMENT:-true}"
if_no_baseline="${INPUT_IF_NO_BASELINE:-error}"
case "$if_no_baseline" in
  error | pass) ;;
  *) fail "input 'if-no-baseline' must be 'error' or 'pass', not '$if_no_baseline'" ;;
esac
comment_on="${INPUT_COMMENT_ON:-always}"
fail_on_regression="${INPUT_FAIL_ON_REGRESSION:-true}"
flamegraphs="${INPUT_FLAMEGRAPHS:-true}"
html="${INPUT_HTML:-true}"
boolean comment "$comment"
boolean fail-on-regression "$fail_on_regression"
boolean flamegraphs "$flamegraphs"
boolean html "$html"
case "$comment_on" in
  always | changes | failure) ;;
  *) fail "input 'comment-on' must be 'always', 'changes' or 'failure', not '$comment_on'" ;;
esac

cd -- "${INPUT_WORKING_DIRECTORY:-.}"

args=(check)
add_configs args
# A baseline file, when given, wins over the merge base.
if [[ -n "${INPUT_BASELINE:-}" ]]; then
  args+=(--baseline "$INPUT_BASELINE")
elif [[ -n "${INPUT_BASE_REF:-}" ]]; then
  args+=(--base-ref "$INPUT_BASE_REF")
fi
args+=(--if-no-baseline "$if_no_baseline")
if [[ -n "${INPUT_REPORT:-}" ]]; then
  args+=(--report "$INPUT_REPORT")
else
  args+=(--save-report .gasguard/report.json)
fi
args+=(--diff-json .gasguard/diff.json)
if [[ "$flamegraphs" == "true" ]]; then
  args+=(--flamegraph-dir .gasguard/flamegraphs)
fi
if [[ "$html" == "true" ]]; then
  args+=(--link-html-report)
fi
if [[ "$comment" == "true" ]]; then
  args+=(--comment --comment-on "$comment_on")
fi
if [[ "$fail_on_regression" == "false" ]]; then
  args+=(--no-fail-on-regression)
fi

# Finding the merge base may fetch the base branch and the stored reports (see common.sh).
token_for_base_ref

exec gasguard "${args[@]}"
