#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 7, scale: the same runs page (GET /api/runs?limit=50, Bearer key) over
# HTTP on stores of 10k, 100k and 1M runs, at the start of the list and deep in
# it (the keyset cursor of the row at 90 %), one connection at a time (wrk -t1
# -c1: latency, not throughput). Target: each latency within 1.2x of the 10k one.
#
# Usage: bench/scale.sh [seconds per measure=5] [sizes="10000 100000 1000000"]
# Needs build/app/worldflux-console (scripts/build.sh -DCMAKE_BUILD_TYPE=RelWithDebInfo
# -DWFX_WERROR=ON); installs wrk when missing. Server on core $SERVER_CPU
# (default 1), wrk on core $CLIENT_CPU (default 0). Store: SQLite, a fresh one
# per size, filled with SQL (set-up, not measured).
source "$(dirname "$0")/lib.sh"
SECS=${1:-5}
read -r -a SIZES <<< "${2:-10000 100000 1000000}"
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
need_bin
need_pkgs wrk:wrk curl:curl

echo "# bench/scale.sh $SECS: $(machine_note)"
echo "# GET /api/runs?limit=50 with a Bearer key, wrk -t1 -c1 -d${SECS}s on core $CLIENT_CPU, server on core $SERVER_CPU"
echo '| runs in store | page | req/s | p50 ms | p99 ms | p50 / p50 at first size | target | result |'
echo '| ---: | --- | ---: | ---: | ---: | ---: | --- | --- |'
declare -A BASE
for n in "${SIZES[@]}"; do
  DATA=$BENCH_TMP/store-$n
  start_server "$DATA" "$SERVER_CPU"
  bootstrap "$DATA"
  seed_runs "$DATA/store.db" "$n"
  deep_row=$((n * 9 / 10))
  DEEP=$(cursor_at "$DATA/store.db" "$deep_row")
  # Both pages must answer 50 rows before they are timed.
  for c in "" "$DEEP"; do
    got=$(curl -sf -G -H "Authorization: Bearer $KEY" -d limit=50 ${c:+--data-urlencode "cursor=$c"} "$URL/api/runs" \
      | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
    [[ $got == 50 ]] || { echo "runs page with cursor '$c' answered $got rows" >&2; exit 1; }
  done
  ENC=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$DEEP")
  for where in start deep; do
    path="/api/runs?limit=50"
    [[ $where == deep ]] && path="$path&cursor=$ENC"
    out=$(WFX_KEY=$KEY taskset -c "$CLIENT_CPU" wrk -t1 -c1 -d"${SECS}s" --latency \
      -s "$BENCH_ROOT/bench/wrk/bearer.lua" "$URL$path")
    wrk_parse "$out"
    [[ $NON2XX == 0 ]] || { echo "non-2xx answers: $NON2XX" >&2; exit 1; }
    [[ -n ${BASE[$where]:-} ]] || BASE[$where]=$P50
    r=$(ratio "$P50" "${BASE[$where]}")
    label=$where
    [[ $where == deep ]] && label="row $deep_row"
    printf '| %s | %s | %s | %s | %s | %sx | <= 1.2x | %s |\n' "$n" "$label" "$RPS" "$P50" "$P99" "$r" \
      "$(awk -v r="$r" 'BEGIN { print (r <= 1.2 ? "PASS" : "MISS") }')"
  done
  stop_pid "$SRV_PID"
  rm -rf "$DATA"
done
