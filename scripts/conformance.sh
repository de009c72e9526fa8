#!/usr/bin/env bash
# Starts the real server headless on SQLite in a fresh data folder and runs the
# black-box conformance suite (../shared/conformance) against it: every check.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
# The whole suite runs; CONFORMANCE_AREAS (a regular expression on check names or
# areas) narrows it for a quick local run.
CONFORMANCE_AREAS="${CONFORMANCE_AREAS:-}"
DATA=$(mktemp -d)
LOG="$DATA/server.log"
WFX_BILLING_WEBHOOK_SECRET=whsec_ci build/app/worldflux-console --headless --port 0 --data-dir "$DATA" > "$LOG" 2>&1 &
PID=$!
for _ in $(seq 1 150); do grep -q '^listening on ' "$LOG" && break; sleep 0.2; done
URL=$(sed -n 's/^listening on //p' "$LOG" | head -1)
if [ -z "$URL" ]; then
  echo "conformance: the server did not start:"; cat "$LOG"; kill "$PID" 2>/dev/null; exit 1
fi
ONLY=(); [ -n "$CONFORMANCE_AREAS" ] && ONLY=(--only "$CONFORMANCE_AREAS")
python3 "$ROOT/../shared/conformance/run.py" --base-url "$URL" --webhook-secret whsec_ci "${ONLY[@]}"
rc=$?
kill -TERM "$PID"; wait "$PID"; stop_rc=$?
if [ $stop_rc -ne 0 ]; then echo "conformance: the server exited with $stop_rc on SIGTERM"; rc=1; fi
rm -rf "$DATA"
exit $rc
