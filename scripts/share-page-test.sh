#!/usr/bin/env bash
# The share page in a real browser: starts the built server headless on SQLite in
# a fresh data folder with a small share read budget and password budget, and runs
# tests/share-page (playwright-core, pinned, installed with npm ci into
# build/share-page) against it in Debian's Chromium (/usr/bin/chromium, from
# scripts/setup.sh; no browser download). One PNG per share state goes to
# build/share-page-screenshots/. The last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
command -v npm >/dev/null || { echo "share-page-test: npm is not on PATH (scripts/setup.sh installs it)"; echo "0 passed, 1 failed"; exit 1; }
[ -x /usr/bin/chromium ] || { echo "share-page-test: /usr/bin/chromium is missing (scripts/setup.sh installs it)"; echo "0 passed, 1 failed"; exit 1; }

TOOLS="$ROOT/build/share-page"
mkdir -p "$TOOLS"
# Reinstall only when the lock changed. No install scripts: playwright-core downloads nothing.
if ! cmp -s "$ROOT/tests/share-page/package-lock.json" "$TOOLS/package-lock.json" \
   || [ ! -d "$TOOLS/node_modules/playwright-core" ]; then
  cp "$ROOT/tests/share-page/package.json" "$ROOT/tests/share-page/package-lock.json" "$TOOLS/"
  (cd "$TOOLS" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) \
    || { echo "share-page-test: npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
fi
cp "$ROOT/tests/share-page/share-page-test.mjs" "$TOOLS/"

READ_LIMIT=5
PASSWORD_ATTEMPTS=3
. scripts/lib/server.sh
WFX_SHARE_READ_LIMIT=$READ_LIMIT WFX_SHARE_PASSWORD_ATTEMPTS=$PASSWORD_ATTEMPTS wfx_server_start \
  || { echo "share-page-test: no server"; echo "0 passed, 1 failed"; exit 1; }
URL=$WFX_SERVER_URL

SHOTS="$ROOT/build/share-page-screenshots"
rm -rf "$SHOTS"
WFX_BASE_URL="$URL" WFX_SHARE_READ_LIMIT=$READ_LIMIT WFX_SHARE_PASSWORD_ATTEMPTS=$PASSWORD_ATTEMPTS \
WFX_SCREENSHOT_DIR="$SHOTS" node "$TOOLS/share-page-test.mjs"
rc=$?
if ! wfx_server_stop; then echo "share-page-test: the server did not stop cleanly"; rc=1; fi
exit $rc
