#!/usr/bin/env bash
# The test command: installs the pinned tools the tests need, then runs the whole suite with one
# cargo command. Works on a fresh machine with the Rust toolchain, Node.js, npm and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned npm tools (anvil, forge, cast, solc): `npm ci` installs exactly what package-lock.json
# pins (it lists every platform's optional Foundry package, and only this platform's is fetched)
# and never writes package.json or the lockfile, so the checkout stays clean.
if ! node scripts/check-node-tools.mjs 2>/dev/null; then
    npm ci --no-audit --no-fund --loglevel=error
    node scripts/check-node-tools.mjs
fi

# Pinned Python linters for the GitHub Action files, in a private venv. Never skipped: without
# the script the test command fails.
if [ ! -x scripts/lint-github.sh ]; then
    echo "error: \`scripts/lint-github.sh\` is missing or not executable: the GitHub Action files cannot be linted" >&2
    exit 2
fi
scripts/lint-github.sh

# Debian's Chromium (and an emoji font) for the tests that render pages in a real browser; a
# no-op when they are installed.
scripts/install-chromium.sh

exec cargo test --locked "$@"
