# SPDX-License-Identifier: Apache-2.0
# Sourced by the scripts that test against the real server (conformance,
# share page, web client, Python client). Run from the repository root.

# Starts the built server headless on SQLite in a fresh data folder:
#   wfx_server_start [flag...]    (environment settings: put them before the call)
# runs ${WFX_CONSOLE_BIN:-build/app/worldflux-console} --headless --port 0
# --data-dir <fresh> [flag...], waits up to 30 s for its "listening on" line (less when it exits) and
# sets WFX_SERVER_URL, WFX_SERVER_PID, WFX_SERVER_DATA and WFX_SERVER_LOG. When it
# does not start, prints its output, removes the folder and returns 1.
wfx_server_start() {
  WFX_SERVER_DATA=$(mktemp -d)
  WFX_SERVER_LOG="$WFX_SERVER_DATA/server.log"
  "${WFX_CONSOLE_BIN:-build/app/worldflux-console}" --headless --port 0 --data-dir "$WFX_SERVER_DATA" "$@" \
    > "$WFX_SERVER_LOG" 2>&1 &
  WFX_SERVER_PID=$!
  for _ in $(seq 1 150); do
    grep -q '^listening on ' "$WFX_SERVER_LOG" 2>/dev/null && break
    kill -0 "$WFX_SERVER_PID" 2>/dev/null || break
    sleep 0.2
  done
  WFX_SERVER_URL=$(sed -n 's/^listening on //p' "$WFX_SERVER_LOG" | head -1)
  if [ -z "$WFX_SERVER_URL" ]; then
    echo "the server did not start:"; cat "$WFX_SERVER_LOG"
    kill "$WFX_SERVER_PID" 2>/dev/null; wait "$WFX_SERVER_PID" 2>/dev/null; rm -rf "$WFX_SERVER_DATA"
    return 1
  fi
}

# Stops it with SIGTERM, waits and removes its data folder. Returns 1 (after
# printing the end of its log) when it did not exit with 0, as a clean stop must.
wfx_server_stop() {
  local rc
  kill -TERM "$WFX_SERVER_PID" 2>/dev/null; wait "$WFX_SERVER_PID"; rc=$?
  if [ $rc -ne 0 ]; then
    echo "the server exited with $rc on SIGTERM:"; tail -20 "$WFX_SERVER_LOG"
  fi
  rm -rf "$WFX_SERVER_DATA"
  [ $rc -eq 0 ]
}
