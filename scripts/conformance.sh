#!/usr/bin/env bash
# Starts the real server headless on SQLite in a fresh data folder and runs the
# black-box conformance suite (../shared/conformance) against it: every check.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
# The whole suite runs; CONFORMANCE_AREAS (a regular expression on check names or
# areas) narrows it for a quick local run.
CONFORMANCE_AREAS="${CONFORMANCE_AREAS:-}"
. scripts/lib/server.sh
WFX_BILLING_WEBHOOK_SECRET=whsec_ci wfx_server_start || { echo "conformance: no server"; exit 1; }
URL=$WFX_SERVER_URL
ONLY=(); [ -n "$CONFORMANCE_AREAS" ] && ONLY=(--only "$CONFORMANCE_AREAS")
python3 "$ROOT/../shared/conformance/run.py" --base-url "$URL" --webhook-secret whsec_ci "${ONLY[@]}"
rc=$?
if ! wfx_server_stop; then echo "conformance: the server did not stop cleanly"; rc=1; fi
exit $rc
