#!/usr/bin/env bash
# Packages and records gasguard releases. The release workflow (.github/workflows/release.yml)
# runs these same commands, so a local release and a CI release never disagree.
#
#   scripts/release.sh package TARGET BINARY OUTDIR
#       Writes OUTDIR/gasguard-vVERSION-TARGET.tar.gz (a folder gasguard-vVERSION-TARGET/ holding
#       the binary and README.md) and OUTDIR/gasguard-vVERSION-TARGET.tar.gz.sha256.
#   scripts/release.sh record DIR
#       Writes DIR/SHA256SUMS for every archive in DIR and records their checksums under
#       `sha256.VERSION` in action-version.json, with `version` set to VERSION.
#   scripts/release.sh pin COMMIT
#       Records in action-version.json the commit whose action-version.json holds VERSION's
#       checksums: `gasguard init` pins workflows to it.
#   scripts/release.sh local [OUTDIR]
#       Builds the host target with the `dist` profile, then `package` and `record` (default
#       OUTDIR: target/release-assets).
#
# VERSION is Cargo.toml's package version. Needs bash, tar, gzip, jq and sha256sum (or shasum).
set -euo pipefail

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
pins="$root/action-version.json"

die() {
  echo "error: $*" >&2
  exit 2
}

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)"
[[ -n "$version" ]] || die "no package version in \`$root/Cargo.toml\`"

sha256_of() {
  if command -v sha256sum >/dev/null; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

# The five targets a release ships; anything else is refused so a typo cannot publish a stray name.
targets=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-apple-darwin aarch64-apple-darwin x86_64-pc-windows-msvc)

known_target() {
  local target
  for target in "${targets[@]}"; do
    [[ "$1" == "$target" ]] && return 0
  done
  return 1
}

package() {
  local target="$1" binary="$2" outdir="$3"
  known_target "$target" || die "unknown target \`$target\` (expected one of ${targets[*]})"
  [[ -f "$binary" ]] || die "no binary at \`$binary\`"
  local name="gasguard-v$version-$target"
  local exe=""
  [[ "$target" == *windows* ]] && exe=".exe"
  local staging
  staging="$(mktemp -d)"
  mkdir -p "$staging/$name" "$outdir"
  install -m 0755 "$binary" "$staging/$name/gasguard$exe"
  cp "$root/README.md" "$staging/$name/README.md"
  # Sorted names, fixed owner and times: the same binary gives the same archive bytes.
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2000-01-01 00:00:00Z' \
    -C "$staging" -cf - "$name" | gzip -9n >"$outdir/$name.tar.gz"
  rm -rf "$staging"
  printf '%s  %s\n' "$(sha256_of "$outdir/$name.tar.gz")" "$name.tar.gz" >"$outdir/$name.tar.gz.sha256"
  echo "$outdir/$name.tar.gz"
}

record() {
  local dir="$1"
  shopt -s nullglob
  local archives=("$dir"/gasguard-v"$version"-*.tar.gz)
  ((${#archives[@]} > 0)) || die "no gasguard-v$version-*.tar.gz archives in \`$dir\`"
  local sums="" checksums="{}" archive file target sum
  for archive in "${archives[@]}"; do
    file="$(basename "$archive")"
    target="${file#gasguard-v"$version"-}"
    target="${target%.tar.gz}"
    known_target "$target" || die "\`$file\` is not for a release target"
    sum="$(sha256_of "$archive")"
    sums+="$sum  $file"$'\n'
    checksums="$(jq --arg target "$target" --arg sum "$sum" '.[$target] = $sum' <<<"$checksums")"
  done
  printf '%s' "$sums" >"$dir/SHA256SUMS"
  local updated
  updated="$(jq --indent 2 --arg version "$version" --argjson checksums "$checksums" \
    '.version = $version | .sha256[$version] = $checksums | .commit = null' "$pins")"
  printf '%s\n' "$updated" >"$pins"
  echo "recorded ${#archives[@]} checksums of gasguard $version in action-version.json and $dir/SHA256SUMS"
}

pin() {
  local commit="$1"
  [[ "$commit" =~ ^[0-9a-f]{40}$ ]] || die "\`$commit\` is not a full commit SHA"
  jq -e --arg version "$version" '.sha256[$version] | length > 0' "$pins" >/dev/null ||
    die "action-version.json has no checksums for $version: run \`record\` first"
  local updated
  updated="$(jq --indent 2 --arg commit "$commit" '.commit = $commit' "$pins")"
  printf '%s\n' "$updated" >"$pins"
}

host_target() {
  case "$(uname -s)/$(uname -m)" in
    Linux/x86_64) echo x86_64-unknown-linux-musl ;;
    Linux/aarch64) echo aarch64-unknown-linux-musl ;;
    Darwin/x86_64) echo x86_64-apple-darwin ;;
    Darwin/arm64) echo aarch64-apple-darwin ;;
    *) die "no release target for $(uname -s)/$(uname -m)" ;;
  esac
}

command="${1:-}"
case "$command" in
  package)
    (($# == 4)) || die "usage: scripts/release.sh package TARGET BINARY OUTDIR"
    package "$2" "$3" "$4"
    ;;
  record)
    (($# == 2)) || die "usage: scripts/release.sh record DIR"
    record "$2"
    ;;
  pin)
    (($# == 2)) || die "usage: scripts/release.sh pin COMMIT"
    pin "$2"
    ;;
  local)
    outdir="${2:-$root/target/release-assets}"
    target="$(host_target)"
    cargo build --locked --profile dist --target "$target" --manifest-path "$root/Cargo.toml"
    package "$target" "$root/target/$target/dist/gasguard" "$outdir"
    record "$outdir"
    ;;
  *)
    die "usage: scripts/release.sh package|record|pin|local …"
    ;;
esac
