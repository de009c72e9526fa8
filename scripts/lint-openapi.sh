#!/usr/bin/env bash
# Starts the built server headless on SQLite in a fresh data folder, fetches its
# /openapi.json and lints it with Redocly CLI (pinned in tests/openapi-lint,
# installed with npm ci into build/openapi-lint). Errors fail; warnings are shown.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
command -v npm >/dev/null || { echo "lint-openapi: npm is not on PATH (scripts/setup.sh installs it)"; exit 1; }

TOOLS="$ROOT/build/openapi-lint"
mkdir -p "$TOOLS"
# Reinstall only when the lock changed.
if ! cmp -s "$ROOT/tests/openapi-lint/package-lock.json" "$TOOLS/package-lock.json" \
   || [ ! -x "$TOOLS/node_modules/.bin/redocly" ]; then
  cp "$ROOT/tests/openapi-lint/package.json" "$ROOT/tests/openapi-lint/package-lock.json" "$TOOLS/"
  (cd "$TOOLS" && npm ci --no-audit --no-fund --loglevel=error) || { echo "lint-openapi: npm ci failed"; exit 1; }
fi

DATA=$(mktemp -d)
LOG="$DATA/server.log"
WFX_BILLING_WEBHOOK_SECRET=whsec_ci build/app/worldflux-console --headless --port 0 --data-dir "$DATA" > "$LOG" 2>&1 &
PID=$!
for _ in $(seq 1 150); do grep -q '^listening on ' "$LOG" 2>/dev/null && break; sleep 0.2; done
URL=$(sed -n 's/^listening on //p' "$LOG" | head -1)
if [ -z "$URL" ]; then
  echo "lint-openapi: the server did not start:"; cat "$LOG"; kill "$PID" 2>/dev/null; rm -rf "$DATA"; exit 1
fi
curl -fsS "$URL/openapi.json" -o "$DATA/openapi.json"
rc=$?
kill -TERM "$PID"; wait "$PID"
if [ $rc -ne 0 ]; then echo "lint-openapi: could not fetch $URL/openapi.json"; rm -rf "$DATA"; exit 1; fi

# tests/openapi-lint/redocly.yaml: the recommended ruleset and declared tags.
# No telemetry, no update check.
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
  "$TOOLS/node_modules/.bin/redocly" lint --config "$ROOT/tests/openapi-lint/redocly.yaml" --max-problems=1000 --format=stylish "$DATA/openapi.json" 2>&1 \
  | grep -v -e '^ *║' -e '^ *╔' -e '^ *╚' -e '^\s*$'
rc=${PIPESTATUS[0]}
rm -rf "$DATA"
[ $rc -eq 0 ] && echo "lint-openapi: no errors" || echo "lint-openapi: /openapi.json has lint errors"
exit $rc
