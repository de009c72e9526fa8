#!/usr/bin/env bash
# The dashboard's typed client against the real server: starts the built server
# headless on SQLite in a fresh data folder, fetches its /openapi.json, generates
# TypeScript types from it (openapi-typescript), type-checks tests/web-client/client.ts
# (openapi-fetch on those types) with tsc --noEmit, so a response schema that does
# not declare a field the client reads, or declares it with another type, fails
# here; then compiles it and runs it with node against the same server: signup
# with cookies + CSRF, workspace, project, a synced run, runs and shares through
# the BFF proxy, the public read. Tools pinned in tests/web-client, installed with
# npm ci into build/web-client. The last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
fail() { echo "web-client-test: $*"; echo "0 passed, 1 failed"; exit 1; }
command -v npm >/dev/null || fail "npm is not on PATH (scripts/setup.sh installs it)"

WORK="$ROOT/build/web-client"
mkdir -p "$WORK"
# Reinstall only when the lock changed.
if ! cmp -s "$ROOT/tests/web-client/package-lock.json" "$WORK/package-lock.json" \
   || [ ! -x "$WORK/node_modules/.bin/tsc" ] || [ ! -x "$WORK/node_modules/.bin/openapi-typescript" ]; then
  cp "$ROOT/tests/web-client/package.json" "$ROOT/tests/web-client/package-lock.json" "$WORK/"
  (cd "$WORK" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) || fail "npm ci failed"
fi
rm -rf "$WORK/dist" "$WORK/openapi.json" "$WORK/openapi.d.ts"
cp "$ROOT/tests/web-client/client.ts" "$ROOT/tests/web-client/tsconfig.json" "$WORK/"

. scripts/lib/server.sh
wfx_server_start || fail "no server"
URL=$WFX_SERVER_URL
stop() { wfx_server_stop; }

curl -fsS "$URL/openapi.json" -o "$WORK/openapi.json" || { stop; fail "could not fetch $URL/openapi.json"; }
(cd "$WORK" && node_modules/.bin/openapi-typescript openapi.json --output openapi.d.ts --silent) \
  || { stop; fail "openapi-typescript could not turn /openapi.json into types"; }
echo "web-client-test: tsc --noEmit on client.ts with the types of /openapi.json"
(cd "$WORK" && node_modules/.bin/tsc -p tsconfig.json --noEmit) \
  || { stop; fail "client.ts does not type-check against /openapi.json (a response schema differs from what the client reads)"; }
(cd "$WORK" && node_modules/.bin/tsc -p tsconfig.json) || { stop; fail "tsc could not compile client.ts"; }

WFX_BASE_URL="$URL" WFX_OPENAPI="$WORK/openapi.json" node "$WORK/dist/client.js"
rc=$?
if ! stop; then echo "web-client-test: the server did not stop cleanly"; rc=1; fi
exit $rc
