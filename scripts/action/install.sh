#!/usr/bin/env bash
# Puts the gasguard binary on PATH for the rest of the job.
#
# A release asset is downloaded only when action-version.json pins its SHA-256 for this version and
# runner target, and it is installed only if the download matches: on a mismatch the step fails
# and the binary is never run. A verified binary is kept in the runner's tool cache
# ($RUNNER_TOOL_CACHE/gasguard/VERSION/ARCH, with an ARCH.complete marker holding the checksum it
# was verified against), so later jobs on the same runner skip the download. With no checksummed
# asset for this platform, the action's own source (the checkout GitHub made of this action) is
# built with `cargo install --locked`, which takes minutes and is only correct when that source is
# the requested version. An unchecked download is never installed.
#
# Environment: INPUT_VERSION (optional), GASGUARD_RELEASE_URL (optional: a mirror of the release
# assets, `BASE/vVERSION/ASSET`; the checksums still come from action-version.json; plain http
# only on loopback), and the runner's GITHUB_ACTION_PATH, GITHUB_PATH, RUNNER_TEMP,
# RUNNER_TOOL_CACHE, RUNNER_OS, RUNNER_ARCH, GITHUB_ACTION_REPOSITORY, GITHUB_SERVER_URL.
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
  Linux/X64) target="x86_64-unknown-linux-musl" ;;
  Linux/ARM64) target="aarch64-unknown-linux-musl" ;;
  macOS/X64) target="x86_64-apple-darwin" ;;
  macOS/ARM64) target="aarch64-apple-darwin" ;;
  Windows/X64) target="x86_64-pc-windows-msvc" ;;
  *) target="" ;;
esac
exe=""
if [[ "${RUNNER_OS:-}" == "Windows" ]]; then
  exe=".exe"
fi

arch="$(printf '%s' "${RUNNER_ARCH:-unknown}" | tr '[:upper:]' '[:lower:]')"
cache="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:?RUNNER_TEMP is not set}}/gasguard/$version"
bin="$cache/$arch/bin"
marker="$cache/$arch.complete"

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

if [[ -n "$checksum" ]]; then
  if ! [[ "$checksum" =~ ^[0-9a-f]{64}$ ]]; then
    fail "action-version.json has a malformed sha256 for $version/$target"
  fi
  if [[ -x "$bin/gasguard$exe" && -f "$marker" && "$(cat "$marker")" == "$checksum" ]]; then
    echo "gasguard $version ($target) is in the tool cache: $bin"
  else
    asset="gasguard-v$version-$target.tar.gz"
    proto="=https"
    if [[ -n "${GASGUARD_RELEASE_URL:-}" ]]; then
      base="${GASGUARD_RELEASE_URL%/}"
      if [[ "$base" =~ ^http://(127\.[0-9.]+|localhost|\[::1\])(:[0-9]+)?(/|$) ]]; then
        proto="=http"
      fi
    else
      [[ -n "${GITHUB_ACTION_REPOSITORY:-}" ]] || fail "GITHUB_ACTION_REPOSITORY is not set: run this from the action"
      base="${GITHUB_SERVER_URL:-https://github.com}/$GITHUB_ACTION_REPOSITORY/releases/download"
    fi
    url="$base/v$version/$asset"
    download="$(mktemp -d)"
    trap 'rm -rf "$download"' EXIT
    echo "Downloading $url"
    curl --proto "$proto" --proto-redir =https --tlsv1.2 --fail --silent --show-error --location --retry 3 \
      --output "$download/$asset" "$url" || fail "could not download $url"
    actual="$(sha256_of "$download/$asset")"
    if [[ "$actual" != "$checksum" ]]; then
      fail "checksum mismatch for $asset: expected $checksum (action-version.json), got $actual; not installing it"
    fi
    mkdir -p "$download/unpacked"
    tar -xzf "$download/$asset" -C "$download/unpacked" || fail "$asset is not a gzipped tar archive"
    found="$(find "$download/unpacked" -type f -name "gasguard$exe" | head -n 1)"
    [[ -n "$found" ]] || fail "$asset does not contain gasguard$exe"
    rm -f "$marker"
    mkdir -p "$bin"
    install -m 0755 "$found" "$bin/gasguard$exe"
    printf '%s' "$checksum" >"$marker"
  fi
else
  root="${RUNNER_TEMP:?RUNNER_TEMP is not set}/gasguard-$version"
  bin="$root/bin"
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
