#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 7, speed: this server against nginx serving the same response bytes as
# static files, both driven by wrk on loopback.
#
# Usage: bench/compare.sh [seconds per route=10] [connections=32] [rounds=2]
# Each GET is measured ROUNDS times on each side, alternating ours and nginx,
# and the best round of each side is kept (the machine is shared: a round that
# another process disturbed is dropped rather than averaged in).
# Needs build/app/worldflux-console (scripts/build.sh -DCMAKE_BUILD_TYPE=RelWithDebInfo
# -DWFX_WERROR=ON); installs nginx-light and wrk with apt-get when missing.
#
# Pinning (2 cores): the server under test, ours or nginx, runs on core
# $SERVER_CPU (default 1) and wrk (-t1) on core $CLIENT_CPU (default 0), so each
# side owns one core and both servers get the same one. Our server keeps its
# default 4 serving threads (all on that core; WFX_THREADS overrides); nginx
# runs worker_processes 1, access_log off, no daemon, its own config in a
# temporary folder. Our store: SQLite, 100,000 runs in the key's workspace.
# WFX_SHARE_READ_LIMIT is raised to 1,000,000 a minute (its maximum) for the bench so the public share read
# is measured rather than its per-IP rate limit (429). Our access log is off, like
# nginx's (ACCESS_LOG=1 keeps it).
source "$(dirname "$0")/lib.sh"
SECS=${1:-10}
CONNS=${2:-32}
ROUNDS=${3:-2}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
need_bin
need_pkgs nginx:nginx-light wrk:wrk curl:curl
LUA=$BENCH_ROOT/bench/wrk

# --- our server, seeded ------------------------------------------------------
DATA=$BENCH_TMP/data
WFX_SHARE_READ_LIMIT=1000000 start_server "$DATA" "$SERVER_CPU"
bootstrap "$DATA"
seed_runs "$DATA/store.db" 100000
make_share

# --- the same bytes for nginx ------------------------------------------------
WWW=$BENCH_TMP/www
declare -A CTYPE
fetch() { # path, curl args...: our body into $WWW/path, its Content-Type into CTYPE
  local path=$1; shift
  mkdir -p "$(dirname "$WWW$path")"
  local ct
  ct=$(curl -sf -o "$WWW$path" -w '%{content_type}' "$@" "$URL$path")
  CTYPE[$path]=$ct
}
fetch /healthz
fetch /api/runs -G -d limit=50 -H "Authorization: Bearer $KEY"
fetch "/api/public/shares/$TOKEN"
# The deep page (cursor at run 90,000 of 100,000): nginx serves its bytes under
# /deep (a static server has no query strings to tell pages apart).
DEEP_CURSOR=$(cursor_at "$DATA/store.db" 90000)
curl -sf -o "$WWW/deep" -G -d limit=50 --data-urlencode "cursor=$DEEP_CURSOR" -H "Authorization: Bearer $KEY" "$URL/api/runs"
CTYPE[/deep]=${CTYPE[/api/runs]}
chmod -R a+rX "$BENCH_TMP"
NGX=$BENCH_TMP/nginx
mkdir -p "$NGX"
NGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
{
  echo "worker_processes 1; daemon off; pid $NGX/nginx.pid; error_log $NGX/error.log;"
  echo "events { worker_connections 4096; }"
  echo "http { access_log off; types {} client_body_temp_path $NGX/b; proxy_temp_path $NGX/p;"
  echo "  fastcgi_temp_path $NGX/f; uwsgi_temp_path $NGX/u; scgi_temp_path $NGX/s;"
  echo "  server { listen 127.0.0.1:$NGPORT; root $WWW;"
  for path in "${!CTYPE[@]}"; do echo "    location = $path { default_type \"${CTYPE[$path]}\"; }"; done
  echo "  } }"
} > "$NGX/nginx.conf"
taskset -c "$SERVER_CPU" nginx -c "$NGX/nginx.conf" -p "$NGX" > "$NGX/stdout" 2>&1 &
NGX_PID=$!
BENCH_PIDS+=("$NGX_PID")
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$NGPORT/healthz" && break; sleep 0.05; done
NGURL=http://127.0.0.1:$NGPORT
for path in "${!CTYPE[@]}"; do # the same bytes on both sides, checked once
  q=''
  if [[ $path == /api/runs ]]; then q='?limit=50'; fi
  cmp -s "$WWW$path" <(curl -sf "$NGURL$path$q") || { echo "nginx does not serve the bytes of $path" >&2; exit 1; }
done

drive() { # URL, wrk args...: one wrk run pinned to the client core; sets the wrk_parse figures
  local out
  out=$(taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${SECS}s" --latency "$@")
  wrk_parse "$out"
  STATUS=$(awk '/^STATUS/{print $2, $3, $4}' <<< "$out")
}

echo "# bench/compare.sh $SECS $CONNS: $(machine_note)"
echo "# server and nginx on core $SERVER_CPU, wrk -t1 -c$CONNS -d${SECS}s on core $CLIENT_CPU, best of $ROUNDS alternating rounds;" \
     "SQLite store of 100,000 runs; WFX_SHARE_READ_LIMIT=1000000; response sizes:" \
     "healthz $(stat -c %s "$WWW/healthz") B, runs page $(stat -c %s "$WWW/api/runs") B," \
     "share $(stat -c %s "$WWW/api/public/shares/$TOKEN") B"
printf '| %-34s | %9s | %8s | %8s | %9s | %8s | %8s | %6s | %-22s | %s |\n' route "ours req/s" "p50 ms" "p99 ms" \
  "nginx req/s" "p50 ms" "p99 ms" ratio target result
echo '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |'
row() { # label, ratio target, path, wrk args for both sides... (NGPATH: nginx's path when it differs)
  local label=$1 target=$2 path=$3; shift 3
  local ngpath=${NGPATH:-$path}
  local o_rps=-1 o_p50 o_p99 o_err o_non n_rps=-1 n_p50 n_p99 i
  for ((i = 0; i < ROUNDS; i++)); do
    drive "$@" "$URL$path"
    if ((RPS > o_rps)); then o_rps=$RPS o_p50=$P50 o_p99=$P99 o_err=$SOCKERR o_non=$NON2XX; fi
    drive "$@" "$NGURL$ngpath"
    if ((RPS > n_rps)); then n_rps=$RPS n_p50=$P50 n_p99=$P99; fi
  done
  RPS=$n_rps P50=$n_p50 P99=$n_p99
  local r
  r=$(ratio "$o_rps" "$RPS")
  local verdict
  verdict="ratio $(ge "$r" "$target"), p99 $(lt "$o_p99" 10)"
  printf '| %-34s | %9s | %8s | %8s | %9s | %8s | %8s | %6s | %-22s | %s |\n' "$label" "$o_rps" "$o_p50" "$o_p99" \
    "$RPS" "$P50" "$P99" "$r" ">= ${target}x, p99 < 10" "$verdict"
  [[ $o_non == 0 && -z $o_err ]] || echo "  ours: non-2xx $o_non, socket errors: ${o_err:-none}"
}
row "GET /healthz" 0.7 /healthz
WFX_KEY=$KEY row "GET /api/runs?limit=50 (Bearer)" 0.3 "/api/runs?limit=50" -s "$LUA/bearer.lua"
DEEP_Q=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$DEEP_CURSOR")
NGPATH=/deep WFX_KEY=$KEY row "GET /api/runs deep cursor (90,000)" 0.3 "/api/runs?limit=50&cursor=$DEEP_Q" -s "$LUA/bearer.lua"
row "GET /api/public/shares/{token}" 0.3 "/api/public/shares/$TOKEN"
WFX_MODE=sync WFX_KEY=$KEY WFX_PROJECT=$PROJ WFX_RUN_PREFIX=cmp-$$ drive -s "$LUA/load.lua" "$URL/api/sync/runs"
printf '| %-34s | %9s | %8s | %8s | %9s | %8s | %8s | %6s | %-22s | %s |\n' "POST /api/sync/runs (100 points)" "$RPS" \
  "$P50" "$P99" "n/a" "" "" "$(ratio "$RPS" 3000)" ">= 3,000 runs/s" "$(ge "$RPS" 3000), p99 $(lt "$P99" 10)"
echo "  sync answers: $STATUS; socket errors: ${SOCKERR:-none}" \
     "(nginx has no meaningful POST counterpart: the ratio is to the 3,000 runs/s target)"
echo "peak RSS of our server over the whole run (VmHWM): $(awk '/^VmHWM/{printf "%.1f MiB", $2 / 1024}' "/proc/$SRV_PID/status")"
