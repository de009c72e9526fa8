#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 7, load: 200 concurrent well-behaved connections for 60 s mixing runs
# page reads (Bearer key), syncs (100 points each) and public share reads, in
# three wrk instances, plus 20 slowloris sockets (bench/slowloris.py) from
# another loopback address that trickle header bytes and never end the head.
# Reports per client kind the answers by status class (5xx must be 0), socket
# errors and timeouts (wrk's 2 s timeout; must be 0), p99 (target < 100 ms),
# the server's RSS sampled every second, and how the slowloris sockets ended
# (the server's header timeout must close them).
#
# Usage: bench/load.sh [seconds=60] [read conns=100] [share conns=60] [sync conns=40] [slowloris=20]
# Needs build/app/worldflux-console (scripts/build.sh -DCMAKE_BUILD_TYPE=RelWithDebInfo
# -DWFX_WERROR=ON); installs wrk when missing. Server on core $SERVER_CPU
# (default 1), the clients on core $CLIENT_CPU (default 0). Store: SQLite,
# 100,000 runs. WFX_SHARE_READ_LIMIT=1000000 (its maximum) so share reads are
# served, not rate limited (429) from the one client address.
source "$(dirname "$0")/lib.sh"
SECS=${1:-60}
C_READ=${2:-100}
C_SHARE=${3:-60}
C_SYNC=${4:-40}
N_SLOW=${5:-20}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
need_bin
need_pkgs wrk:wrk curl:curl python3:python3
LUA=$BENCH_ROOT/bench/wrk/load.lua

DATA=$BENCH_TMP/data
WFX_SHARE_READ_LIMIT=1000000 start_server "$DATA" "$SERVER_CPU"
bootstrap "$DATA"
seed_runs "$DATA/store.db" 100000
make_share
RSS_START=$(rss_kib "$SRV_PID")

echo "# bench/load.sh $SECS: $(machine_note)"
echo "# server on core $SERVER_CPU; wrk instances and slowloris on core $CLIENT_CPU; SQLite, 100,000 runs"

# RSS every second, bounded by the duration.
(for _ in $(seq $((SECS + 5))); do rss_kib "$SRV_PID" || break; sleep 1; done) > "$BENCH_TMP/rss" 2> /dev/null &
BENCH_PIDS+=("$!")
taskset -c "$CLIENT_CPU" python3 "$BENCH_ROOT/bench/slowloris.py" 127.0.0.1 "${HOSTPORT#*:}" "$N_SLOW" "$SECS" 1 \
  > "$BENCH_TMP/slowloris" 2>&1 &
SLOW_PID=$!
BENCH_PIDS+=("$SLOW_PID")
load_wrk() { # name, connections, URL, env...
  local name=$1 conns=$2 url=$3; shift 3
  env "$@" taskset -c "$CLIENT_CPU" wrk -t1 -c"$conns" -d"${SECS}s" --latency -s "$LUA" "$url" > "$BENCH_TMP/wrk-$name" 2>&1 &
  BENCH_PIDS+=("$!")
  WRK_PIDS+=("$!")
}
WRK_PIDS=()
load_wrk read "$C_READ" "$URL/api/runs?limit=50" WFX_MODE=get WFX_KEY="$KEY"
load_wrk share "$C_SHARE" "$URL/api/public/shares/$TOKEN" WFX_MODE=get WFX_KEY=
load_wrk sync "$C_SYNC" "$URL/api/sync/runs" WFX_MODE=sync WFX_KEY="$KEY" WFX_PROJECT="$PROJ" WFX_RUN_PREFIX="load-$$"
for pid in "${WRK_PIDS[@]}"; do wait "$pid"; done
wait "$SLOW_PID" || true
RSS_END=$(rss_kib "$SRV_PID")
kill -0 "$SRV_PID" 2> /dev/null || { echo "the server died during the load:" >&2; tail -20 "$DATA/log" >&2; exit 1; }

echo "| client | connections | requests | req/s | p50 ms | p99 ms | 2xx | 4xx | 5xx | socket errors | p99 < 100 ms | 5xx = 0 | no errors |"
echo '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |'
TOTAL5=0
for kind in read:"GET /api/runs?limit=50":$C_READ share:"GET /api/public/shares/{token}":$C_SHARE \
            sync:"POST /api/sync/runs (100 points)":$C_SYNC; do
  name=${kind%%:*}; rest=${kind#*:}; label=${rest%:*}; conns=${rest##*:}
  out=$(cat "$BENCH_TMP/wrk-$name")
  wrk_parse "$out"
  read -r s2 s4 s5 s503 <<< "$(awk '/^STATUS/{gsub(/[0-9]xx=|503=/, ""); print $2, $3, $4, $5}' <<< "$out")"
  TOTAL5=$((TOTAL5 + ${s5:-0}))
  five=${s5:-?}
  [[ ${s503:-0} == 0 ]] || five="$five (503: $s503)"
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$conns" "$REQS" "$RPS" \
    "$P50" "$P99" "$s2" "$s4" "$five" "${SOCKERR:-none}" "$(lt "$P99" 100)" \
    "$( ((${s5:-1} == 0)) && echo PASS || echo MISS)" "$([[ -z $SOCKERR ]] && echo PASS || echo MISS)"
done
echo
sort -n "$BENCH_TMP/rss" | awk -v s="$RSS_START" -v e="$RSS_END" '
  { v[NR] = $1 } END { printf "server RSS (KiB): before load %d, during load min %d max %d (%d samples, 1 s apart), after %d\n", s, v[1], v[NR], NR, e }'
cat "$BENCH_TMP/slowloris"
echo "slowloris: the server's header timeout is 15 s (GuardLimits::headTimeoutMs); every socket should be closed by then"
echo "5xx total: $TOTAL5"
