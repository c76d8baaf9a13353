#!/usr/bin/env bash
# Writes the HTML report (`gasguard html`) into .gasguard/html after the check, from the report
# the check saved (or the `report` input) and the same base, so nothing is profiled twice. The
# history charts come from the store branch when the check fetched it (with `base-ref`) or it
# exists locally.
#
# Environment: INPUT_WORKING_DIRECTORY, INPUT_CONFIG, INPUT_BASELINE, INPUT_BASE_REF,
# INPUT_IF_NO_BASELINE, INPUT_REPORT, and GITHUB_TOKEN for fetches.
set -euo pipefail

step=html
# shellcheck source=scripts/action/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

cd -- "${INPUT_WORKING_DIRECTORY:-.}"

args=(html --out .gasguard/html --if-no-baseline "${INPUT_IF_NO_BASELINE:-error}")
add_configs args
if [[ -n "${INPUT_BASELINE:-}" ]]; then
  args+=(--baseline "$INPUT_BASELINE")
elif [[ -n "${INPUT_BASE_REF:-}" ]]; then
  args+=(--base-ref "$INPUT_BASE_REF")
fi
if [[ -n "${INPUT_REPORT:-}" ]]; then
  args+=(--report "$INPUT_REPORT")
elif [[ -f .gasguard/report.json ]]; then
  args+=(--report .gasguard/report.json)
fi
if git rev-parse --verify --quiet refs/heads/gasguard-baseline >/dev/null 2>&1 \
  || git rev-parse --verify --quiet refs/remotes/origin/gasguard-baseline >/dev/null 2>&1; then
  args+=(--history)
fi

# As in check.sh: finding the merge base may fetch, which in a private repository needs the
# token, given to gasguard's git as a header for these processes only.
if [[ -n "${INPUT_BASE_REF:-}" && -z "${INPUT_BASELINE:-}" && -n "${GITHUB_TOKEN:-}" && -n "${GITHUB_SERVER_URL:-}" ]]; then
  count="${GIT_CONFIG_COUNT:-0}"
  [[ "$count" =~ ^[0-9]+$ ]] || fail "GIT_CONFIG_COUNT must be a number, not '$count'"
  auth="$(printf 'x-access-token:%s' "$GITHUB_TOKEN" | base64 | tr -d '\n')"
  export "GIT_CONFIG_KEY_$count=http.$GITHUB_SERVER_URL/.extraheader"
  export "GIT_CONFIG_VALUE_$count=AUTHORIZATION: basic $auth"
  export GIT_CONFIG_COUNT=$((count + 1))
fi

exec gasguard "${args[@]}"
