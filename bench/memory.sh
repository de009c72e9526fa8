#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 7, memory and startup of the headless server:
#  - idle RSS: empty store, and with 100,000 runs (2 s after start, no request yet);
#  - RSS after 100,000 and after 1,000,000 requests (no growth): a mix of 18 x
#    GET /healthz, 1 x GET /api/runs?limit=50 (Bearer) and 1 x the public share
#    read per 20 requests, wrk -t1 -c32 in 10 s rounds until the count is reached;
#  - startup to the first 200 on /healthz (exec to answer, 10 starts each) on an
#    empty store and on a store of 100,000 runs.
# The console's RSS with 1M runs loaded in the Runs panel is printed by
# build/bench/bench_gui_stall (the real panel; see bench/RESULTS.md).
#
# Usage: bench/memory.sh [requests=1000000] [starts=10]
# Needs build/app/worldflux-console (scripts/build.sh -DCMAKE_BUILD_TYPE=RelWithDebInfo
# -DWFX_WERROR=ON); installs wrk when missing. Server on core $SERVER_CPU
# (default 1), wrk on core $CLIENT_CPU (default 0). WFX_SHARE_READ_LIMIT=1000000.
source "$(dirname "$0")/lib.sh"
TOTAL=${1:-1000000}
STARTS=${2:-10}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
need_bin
need_pkgs wrk:wrk curl:curl python3:python3
export WFX_SHARE_READ_LIMIT=1000000

echo "# bench/memory.sh $TOTAL $STARTS: $(machine_note)"
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

# --- idle RSS -------------------------------------------------------------------
EMPTY=$BENCH_TMP/empty
start_server "$EMPTY" "$SERVER_CPU"
sleep 2
echo "idle RSS, empty store (its first start, which creates it): $(mib "$(rss_kib "$SRV_PID")")"
stop_pid "$SRV_PID"

DATA=$BENCH_TMP/data
start_server "$DATA" "$SERVER_CPU"
bootstrap "$DATA"
seed_runs "$DATA/store.db" 100000
make_share
stop_pid "$SRV_PID"
start_server "$DATA" "$SERVER_CPU"
sleep 2
RSS0=$(rss_kib "$SRV_PID")
echo "idle RSS, 100,000 runs: $(mib "$RSS0")"

# --- RSS over 1M requests --------------------------------------------------------
PATHS=$(python3 -c 'import sys; print(",".join(["/healthz"] * 18 + ["/api/runs?limit=50", "/api/public/shares/" + sys.argv[1]]))' "$TOKEN")
done_reqs=0
rounds=0
RSS_100K=
FAILS=0
echo "| requests served | RSS | 5xx | socket errors |"
echo '| ---: | ---: | ---: | --- |'
while ((done_reqs < TOTAL && rounds < 200)); do
  out=$(WFX_PATHS=$PATHS WFX_KEY=$KEY taskset -c "$CLIENT_CPU" wrk -t1 -c32 -d10s -s "$BENCH_ROOT/bench/wrk/load.lua" "$URL/")
  if ! grep -q '^Requests/sec' <<< "$out"; then
    echo "wrk failed: $out" >&2
    tail -5 "$DATA/log" >&2
    exit 1
  fi
  wrk_parse "$out"
  s5=$(awk '/^STATUS/{sub(/5xx=/, "", $4); print $4}' <<< "$out")
  FAILS=$((FAILS + ${s5:-0}))
  done_reqs=$((done_reqs + REQS))
  rounds=$((rounds + 1))
  rss=$(rss_kib "$SRV_PID")
  [[ -z $RSS_100K && $done_reqs -ge $((TOTAL / 10)) ]] && RSS_100K=$rss
  printf '| %d | %s | %s | %s |\n' "$done_reqs" "$(mib "$rss")" "${s5:-?}" "${SOCKERR:-none}"
done
RSS_1M=$(rss_kib "$SRV_PID")
echo "RSS idle $(mib "$RSS0"), after >= $((TOTAL / 10)) requests $(mib "$RSS_100K"), after $done_reqs requests" \
     "$(mib "$RSS_1M"): growth from the 100k sample $(awk -v a="$RSS_1M" -v b="$RSS_100K" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }'); 5xx $FAILS"
stop_pid "$SRV_PID"

# --- startup to first 200 --------------------------------------------------------
startup() { # data dir -> "median min max" in ms over $STARTS starts
  python3 - "$BIN" "$1" "$STARTS" "$SERVER_CPU" <<'PY'
import socket, statistics, subprocess, sys, time
binary, data, starts, cpu = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
def ok(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as c:
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return c.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False
times = []
for _ in range(starts):
    port = free_port()
    t0 = time.monotonic()
    p = subprocess.Popen(["taskset", "-c", cpu, binary, "--headless", "--listen", "127.0.0.1", "--port", str(port),
                          "--data-dir", data], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not ok(port):
            if p.poll() is not None or time.monotonic() - t0 > 30:
                sys.exit("the server did not answer 200 on /healthz")
            time.sleep(0.002)
        times.append((time.monotonic() - t0) * 1000)
    finally:
        p.terminate(); p.wait()
print(f"{statistics.median(times):.0f} {min(times):.0f} {max(times):.0f}")
PY
}
echo "| store | startup to first 200, median | min | max |"
echo '| --- | ---: | ---: | ---: |'
read -r med lo hi <<< "$(startup "$EMPTY")"
echo "| empty (created by an earlier start) | $med ms | $lo ms | $hi ms |"
read -r med lo hi <<< "$(startup "$DATA")"
echo "| 100,000 runs | $med ms | $lo ms | $hi ms |"
