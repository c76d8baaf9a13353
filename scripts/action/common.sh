# Shared by the action's step scripts (sourced, not run). Set `step` before sourcing: it titles
# the error annotations.

# Workflow-command data escaping, so a value cannot end the command or start another one.
escape() {
  local text="${1//%/%25}"
  text="${text//$'\r'/%0D}"
  printf '%s' "${text//$'\n'/%0A}"
}

# Reports an error as an annotation and stops the step with gasguard's error code.
fail() {
  echo "::error title=gasguard ${step:-action}::$(escape "$1")"
  exit 2
}

# Appends `--config PATH` to the array named by $1 for each line of the `config` input: one path a
# line, for several projects in one check; blank lines and the spaces around a path are ignored.
add_configs() {
  local -n into="$1"
  local line
  while IFS= read -r line || [[ -n "$line" ]]; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    if [[ -n "$line" ]]; then
      into+=(--config "$line")
    fi
  done <<<"${INPUT_CONFIG:-}"
}

# With `base-ref` (and no `baseline`), gasguard finds the merge base, which may fetch the base
# branch and the stored reports: in a private repository that needs the token, yet the checkout
# keeps no credentials (persist-credentials: false). The token reaches gasguard's git as a header
# for these processes only (git's GIT_CONFIG_COUNT/KEY/VALUE variables, appended to any the
# workflow set), never written to .git/config.
token_for_base_ref() {
  local count auth
  if [[ -n "${INPUT_BASE_REF:-}" && -z "${INPUT_BASELINE:-}" && -n "${GITHUB_TOKEN:-}" && -n "${GITHUB_SERVER_URL:-}" ]]; then
    count="${GIT_CONFIG_COUNT:-0}"
    [[ "$count" =~ ^[0-9]+$ ]] || fail "GIT_CONFIG_COUNT must be a number, not '$count'"
    auth="$(printf 'x-access-token:%s' "$GITHUB_TOKEN" | base64 | tr -d '\n')"
    export "GIT_CONFIG_KEY_$count=http.$GITHUB_SERVER_URL/.extraheader"
    export "GIT_CONFIG_VALUE_$count=AUTHORIZATION: basic $auth"
    export GIT_CONFIG_COUNT=$((count + 1))
  fi
}
