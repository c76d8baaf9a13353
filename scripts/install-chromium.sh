#!/usr/bin/env bash
# Installs what the comment-rendering test (tests/comment_render.rs) needs from Debian: Chromium
# and a colour emoji font (the comment's headline starts with ✅, ⚠️ or ❌). A no-op when both
# are present. Needs root (apt-get); the npm side (markdown-it, playwright-core) is pinned in
# package.json and installed by scripts/test.sh.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "error: ${missing[*]} missing and not root: run \`sudo $0\`" >&2
    exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
/usr/bin/chromium --version
