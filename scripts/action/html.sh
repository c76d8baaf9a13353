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

# Finding the merge base may fetch (see common.sh).
token_for_base_ref

exec gasguard "${args[@]}"
