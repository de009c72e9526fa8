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

DATA=$(mktemp -d)
LOG="$DATA/server.log"
"${WFX_CONSOLE_BIN:-build/app/worldflux-console}" --headless --port 0 --data-dir "$DATA" > "$LOG" 2>&1 &
PID=$!
stop() { kill -TERM "$PID" 2>/dev/null; wait "$PID"; local rc=$?; rm -rf "$DATA"; return $rc; }
for _ in $(seq 1 150); do grep -q '^listening on ' "$LOG" 2>/dev/null && break; sleep 0.2; done
URL=$(sed -n 's/^listening on //p' "$LOG" | head -1)
if [ -z "$URL" ]; then cat "$LOG"; kill "$PID" 2>/dev/null; rm -rf "$DATA"; fail "the server did not start"; fi

curl -fsS "$URL/openapi.json" -o "$WORK/openapi.json" || { stop; fail "could not fetch $URL/openapi.json"; }
(cd "$WORK" && node_modules/.bin/openapi-typescript openapi.json --output openapi.d.ts --silent) \
  || { stop; fail "openapi-typescript could not turn /openapi.json into types"; }
echo "web-client-test: tsc --noEmit on client.ts with the types of /openapi.json"
(cd "$WORK" && node_modules/.bin/tsc -p tsconfig.json --noEmit) \
  || { stop; fail "client.ts does not type-check against /openapi.json (a response schema differs from what the client reads)"; }
(cd "$WORK" && node_modules/.bin/tsc -p tsconfig.json) || { stop; fail "tsc could not compile client.ts"; }

WFX_BASE_URL="$URL" WFX_OPENAPI="$WORK/openapi.json" node "$WORK/dist/client.js"
rc=$?
stop; stop_rc=$?
if [ $stop_rc -ne 0 ]; then echo "web-client-test: the server exited with $stop_rc on SIGTERM"; rc=1; fi
exit $rc
