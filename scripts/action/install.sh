#!/usr/bin/env bash
# Puts the gasguard binary on PATH for the rest of the job.
#
# A release asset is downloaded only when action-version.json pins its SHA-256 for this version and
# runner target, and it is installed only if the download matches. Otherwise the action's own
# source (the checkout GitHub made of this action) is built with `cargo install --locked`, which is
# only correct when that source is the requested version. An unchecked download is never installed.
#
# Environment: INPUT_VERSION (optional), and the runner's GITHUB_ACTION_PATH, GITHUB_PATH,
# RUNNER_TEMP, RUNNER_OS, RUNNER_ARCH, GITHUB_ACTION_REPOSITORY, GITHUB_SERVER_URL.
set -euo pipefail

action_path="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set: run this from the action}"
pins="$action_path/action-version.json"

step=install
# shellcheck source=scripts/action/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

command -v jq >/dev/null || fail "jq is required to read action-version.json"

pinned="$(jq -er '.version' "$pins")" || fail "action-version.json has no version"
version="${INPUT_VERSION:-$pinned}"
version="${version#v}"
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]]; then
  fail "invalid version '$version': expected MAJOR.MINOR.PATCH"
fi

case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target="x86_64-unknown-linux-gnu" ;;
  Linux/ARM64) target="aarch64-unknown-linux-gnu" ;;
  macOS/X64) target="x86_64-apple-darwin" ;;
  macOS/ARM64) target="aarch64-apple-darwin" ;;
  Windows/X64) target="x86_64-pc-windows-msvc" ;;
  *) target="" ;;
esac
exe=""
if [[ "${RUNNER_OS:-}" == "Windows" ]]; then
  exe=".exe"
fi

root="${RUNNER_TEMP:?RUNNER_TEMP is not set}/gasguard-$version"
bin="$root/bin"

if [[ -x "$bin/gasguard$exe" ]] && [[ "$("$bin/gasguard$exe" --version 2>/dev/null || true)" == "gasguard $version" ]]; then
  echo "gasguard $version is already installed in $bin"
  echo "$bin" >>"${GITHUB_PATH:?}"
  exit 0
fi

sha256_of() {
  if command -v sha256sum >/dev/null; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

checksum=""
if [[ -n "$target" ]]; then
  checksum="$(jq -r --arg version "$version" --arg target "$target" '.sha256[$version][$target] // empty' "$pins")"
fi

if [[ -n "$checksum" && -n "${GITHUB_ACTION_REPOSITORY:-}" ]]; then
  if ! [[ "$checksum" =~ ^[0-9a-f]{64}$ ]]; then
    fail "action-version.json has a malformed sha256 for $version/$target"
  fi
  asset="gasguard-v$version-$target.tar.gz"
  url="${GITHUB_SERVER_URL:-https://github.com}/$GITHUB_ACTION_REPOSITORY/releases/download/v$version/$asset"
  download="$(mktemp -d)"
  echo "Downloading $url"
  curl --proto '=https' --tlsv1.2 --fail --silent --show-error --location --retry 3 \
    --output "$download/$asset" "$url" || fail "could not download $url"
  actual="$(sha256_of "$download/$asset")"
  if [[ "$actual" != "$checksum" ]]; then
    fail "checksum mismatch for $asset: expected $checksum, got $actual; not installing it"
  fi
  mkdir -p "$bin"
  tar -xzf "$download/$asset" -C "$download"
  found="$(find "$download" -type f -name "gasguard$exe" | head -n 1)"
  [[ -n "$found" ]] || fail "$asset does not contain gasguard$exe"
  install -m 0755 "$found" "$bin/gasguard$exe"
  rm -rf "$download"
else
  source_version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$action_path/Cargo.toml" | head -n 1)"
  if [[ "$version" != "$source_version" ]]; then
    fail "no checksummed release asset of gasguard $version for ${target:-this runner}, and the action's source is version ${source_version:-unknown}; use version $source_version or a release with checksums in action-version.json"
  fi
  command -v cargo >/dev/null ||
    fail "no checksummed release asset for ${target:-this runner} and no cargo to build from source; install a Rust toolchain before this action"
  echo "::notice title=gasguard install::$(escape "no checksummed release asset of gasguard $version for ${target:-this runner}; building the action's source with cargo install --locked (several minutes)")"
  cargo install --locked --quiet --path "$action_path" --root "$root"
fi

"$bin/gasguard$exe" --version
echo "$bin" >>"${GITHUB_PATH:?}"
