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
