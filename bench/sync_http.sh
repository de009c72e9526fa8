#!/usr/bin/env bash
# Sync ingest over HTTP (issue 7): POST /api/sync/runs with 100 metric points
# each (bench/wrk/sync.lua, a new client_run_id per request), wrk with 2 threads.
# Several server binaries are measured in turns within one run (A B A B ...), so
# they compare as ratios on this shared machine.
# Usage: bench/sync_http.sh [seconds=10] [connections=32] [rounds=2] [BIN...]
#   (default BIN: build/app/worldflux-console)
#   PG=postgresql://wfx@127.0.0.1:55432/postgres: each server gets a fresh
#   PostgreSQL database on that cluster instead of an SQLite store.
#   PERF=DIR: a perf record (dwarf call graphs) of each server while wrk runs,
#   DIR/sync-b<i>-r<round>.data.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}; CONNS=${2:-32}; ROUNDS=${3:-2}
shift $(( $# < 3 ? $# : 3 ))
BINS=("$@"); [ ${#BINS[@]} -gt 0 ] || BINS=(build/app/worldflux-console)
WORK=$(mktemp -d)
PID=""; DBS=()
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  for db in "${DBS[@]}"; do psql -q "$PG" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" > /dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
json() { python3 -c "import json,sys;d=json.load(sys.stdin);print($1)"; }
echo "$(date -u +%FT%TZ) sync over HTTP: ${SECS}s x $ROUNDS round(s) per binary, $CONNS connections, $(nproc) cores shared with wrk, ${PG:+PostgreSQL}${PG:-SQLite}"
for round in $(seq "$ROUNDS"); do
  for i in "${!BINS[@]}"; do
    BIN=${BINS[$i]}; DATA="$WORK/r$round-b$i"; mkdir -p "$DATA"
    ARGS=(--headless --port 0 --data-dir "$DATA")
    if [ -n "${PG:-}" ]; then
      db="wfx_sync_${round}_${i}_$$"; DBS+=("$db")
      psql -q "$PG" -c "CREATE DATABASE $db" > /dev/null
      ARGS+=(--database "${PG%/*}/$db")
    fi
    "$BIN" "${ARGS[@]}" > "$DATA/log" 2>&1 &
    PID=$!
    for _ in $(seq 100); do grep -q '^listening on' "$DATA/log" && break; sleep 0.1; done
    URL=$(sed -n 's/^listening on //p' "$DATA/log")
    J="$DATA/jar"
    curl -s -c "$J" -H 'Content-Type: application/json' -d '{"email":"bench@example.com","password":"bench-password-1"}' "$URL/api/auth/signup" > /dev/null
    CSRF=$(awk '$6=="wfx_csrf"{print $7}' "$J")
    KEY=$(curl -s -b "$J" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d '{"name":"bench"}' "$URL/api/cloud/api-keys" | json 'd["secret"]')
    H=(-H "Authorization: Bearer $KEY" -H 'Content-Type: application/json')
    WS=$(curl -s "${H[@]}" -d '{"name":"bench"}' "$URL/api/workspaces" | json 'd["workspace"]["id"]')
    PROJ=$(curl -s "${H[@]}" -d "{\"workspace_id\":\"$WS\",\"name\":\"bench\"}" "$URL/api/projects" | json 'd["project"]["id"]')
    PP=""
    if [ -n "${PERF:-}" ]; then
      perf record -F 499 --call-graph dwarf -p "$PID" -o "$PERF/sync-b$i-r$round.data" -- sleep "$SECS" > /dev/null 2>&1 &
      PP=$!
    fi
    out=$(WFX_KEY=$KEY WFX_PROJECT=$PROJ wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s bench/wrk/sync.lua "$URL/api/sync/runs")
    [ -n "$PP" ] && wait "$PP"
    rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
    p50=$(echo "$out" | awk '$1=="50%"{print $2}')
    p99=$(echo "$out" | awk '$1=="99%"{print $2}')
    non2xx=$(echo "$out" | awk '/Non-2xx/{print $5}')
    printf '%-60s %9s runs/s   p50 %8s   p99 %8s   non-2xx %s\n' "$BIN (round $round)" "$rps" "$p50" "$p99" "${non2xx:-0}"
    kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  done
done
