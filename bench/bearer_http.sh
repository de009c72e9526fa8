#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Bearer authentication cost (issue 13): a cheap authenticated route, GET /api/me
# with an API key (bench/wrk/bearer.lua), on an SQLite store. Several server
# binaries are measured in turns within one run (A B A B ...) so that they
# compare as ratios on this shared machine: say the binary from before the cache
# of resolved keys against the one after.
# Usage: bench/bearer_http.sh [seconds=10] [connections=32] [rounds=2] [BIN...]
#   (default BIN: build/app/worldflux-console). Server on core $SERVER_CPU
#   (default 1), wrk -t1 on core $CLIENT_CPU (default 0), as in compare.sh.
source "$(dirname "$0")/lib.sh"
SECS=${1:-10}; CONNS=${2:-32}; ROUNDS=${3:-2}
shift $(( $# < 3 ? $# : 3 ))
BINS=("$@"); [ ${#BINS[@]} -gt 0 ] || BINS=("$BIN")
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
need_pkgs wrk:wrk curl:curl
echo "GET /api/me with an API key: ${SECS}s x $ROUNDS round(s) per binary, $CONNS connections; $(machine_note)"
for round in $(seq "$ROUNDS"); do
  for i in "${!BINS[@]}"; do
    BIN=${BINS[$i]}
    need_bin
    start_server "$BENCH_TMP/r$round-b$i" "$SERVER_CPU"
    bootstrap "$BENCH_TMP/r$round-b$i"
    [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" "$URL/api/me") == 200 ]] \
      || { echo "GET /api/me is not 200" >&2; exit 1; }
    wrk_parse "$(WFX_KEY=$KEY taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${SECS}s" --latency \
      -s "$BENCH_ROOT/bench/wrk/bearer.lua" "$URL/api/me")"
    printf '%-50s %7s req/s   p50 %6s ms   p99 %6s ms   non-2xx %s\n' "$BIN (round $round)" "$RPS" "$P50" "$P99" "$NON2XX"
    stop_pid "$SRV_PID"
  done
done
