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
