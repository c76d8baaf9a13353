#!/usr/bin/env bash
# Runs `gasguard record` to publish the report to the on-chain registry. The private key stays in
# GASGUARD_PRIVATE_KEY and is read by gasguard from there (`--private-key-env`), and the RPC URL
# (which often embeds an API key) goes through GASGUARD_RPC_URL: neither is passed as an argument
# where process listings could show it.
#
# Environment: INPUT_WORKING_DIRECTORY, INPUT_REPORT, REPORT_PATH (the check step's report-path
# output), INPUT_REGISTRY, INPUT_RPC_URL, INPUT_CHAIN_ID, INPUT_CONTRACTS (one `ID=0xADDRESS` per
# line), GASGUARD_PRIVATE_KEY.
set -euo pipefail

step=record
# shellcheck source=scripts/action/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

report="${INPUT_REPORT:-${REPORT_PATH:-}}"
[[ -n "$report" ]] || fail "no report to record: set the 'report' input"
[[ -n "${INPUT_REGISTRY:-}" ]] || fail "input 'registry' is required when 'record' is true"
[[ -n "${INPUT_RPC_URL:-}" ]] || fail "input 'rpc-url' is required when 'record' is true"
[[ -n "${GASGUARD_PRIVATE_KEY:-}" ]] || fail "input 'private-key' is required when 'record' is true"

# An RPC URL often embeds an API key; hide it from the rest of the log.
echo "::add-mask::$(escape "$INPUT_RPC_URL")"

cd -- "${INPUT_WORKING_DIRECTORY:-.}"

export GASGUARD_RPC_URL="$INPUT_RPC_URL"
args=(record --report "$report" --registry "$INPUT_REGISTRY" --send --private-key-env GASGUARD_PRIVATE_KEY)
if [[ -n "${INPUT_CHAIN_ID:-}" ]]; then
  [[ "$INPUT_CHAIN_ID" =~ ^[0-9]+$ ]] || fail "input 'chain-id' must be a decimal number, not '$INPUT_CHAIN_ID'"
  args+=(--chain-id "$INPUT_CHAIN_ID")
fi
while IFS= read -r line; do
  line="${line#"${line%%[![:space:]]*}"}"
  line="${line%"${line##*[![:space:]]}"}"
  if [[ -n "$line" ]]; then
    args+=(--contract "$line")
  fi
done <<<"${INPUT_CONTRACTS:-}"

exec gasguard "${args[@]}"
