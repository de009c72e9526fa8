#!/usr/bin/env bash
# HTTP load figures (issues 3 and 4): GET /api/runs?limit=50 over 100,000 runs
# with a Bearer key, POST /api/sync/runs (100 points each), GET /healthz, and the
# public share read (active, and a share in the rate-limited state).
# Usage: bench/http_load.sh [seconds=10] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}; CONNS=${2:-32}
BIN=build/app/worldflux-console
DATA=$(mktemp -d)
trap 'kill $PID 2>/dev/null; kill $PID2 2>/dev/null; rm -rf "$DATA"' EXIT
start() { # $1 data dir, extra env via env
  "$BIN" --headless --port 0 --data-dir "$1" > "$1/log" 2>&1 &
  echo $!
}
PID=$(WFX_SHARE_READ_LIMIT=1000000 start "$DATA")
for _ in $(seq 100); do grep -q '^listening on' "$DATA/log" && break; sleep 0.1; done
URL=$(sed -n 's/^listening on //p' "$DATA/log")
J="$DATA/jar"
curl -s -c "$J" -H 'Content-Type: application/json' -d '{"email":"bench@example.com","password":"bench-password-1"}' "$URL/api/auth/signup" > /dev/null
CSRF=$(awk '$6=="wfx_csrf"{print $7}' "$J")
KEY=$(curl -s -b "$J" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d '{"name":"bench"}' "$URL/api/cloud/api-keys" | python3 -c 'import json,sys;print(json.load(sys.stdin)["secret"])')
H=(-H "Authorization: Bearer $KEY" -H 'Content-Type: application/json')
WS=$(curl -s "${H[@]}" -d '{"name":"bench"}' "$URL/api/workspaces" | python3 -c 'import json,sys;print(json.load(sys.stdin)["workspace"]["id"])')
PROJ=$(curl -s "${H[@]}" -d "{\"workspace_id\":\"$WS\",\"name\":\"bench\"}" "$URL/api/projects" | python3 -c 'import json,sys;print(json.load(sys.stdin)["project"]["id"])')
# 100,000 runs straight into the store (set-up, not measured).
python3 - "$DATA/store.db" "$WS" "$PROJ" <<'PY'
import sqlite3, sys, uuid
db = sqlite3.connect(sys.argv[1], timeout=30)
db.executemany("INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, status, created_at, manifest, evidence)"
               " VALUES (?, ?, ?, ?, ?, 'completed', ?, '{}', 'unsigned')",
               ((str(uuid.uuid4()), sys.argv[3], sys.argv[2], f"seed-{i}", f"run-{i}", 1700000000000 + i) for i in range(100000)))
db.commit()
PY
RUN=$(curl -s "${H[@]}" -d "{\"project_id\":\"$PROJ\",\"client_run_id\":\"share-me\",\"name\":\"shared\",\"status\":\"completed\",\"manifest\":{\"lr\":0.001},\"metrics\":[{\"name\":\"loss\",\"step\":0,\"value\":1.0}]}" "$URL/api/sync/runs" | python3 -c 'import json,sys;print(json.load(sys.stdin)["run"]["id"])')
TOKEN=$(curl -s "${H[@]}" -d "{\"run_id\":\"$RUN\"}" "$URL/api/shares" | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')
HOSTPORT=${URL#http://}
run_wrk() { # label, wrk args...
  local label=$1; shift
  local out; out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$@")
  local rps p50 p99 non2xx
  rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
  p50=$(echo "$out" | awk '$1=="50%"{print $2}')
  p99=$(echo "$out" | awk '$1=="99%"{print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/{print $5}')
  printf '%-46s %10s req/s   p50 %8s   p99 %8s   non-2xx %s\n' "$label" "$rps" "$p50" "$p99" "${non2xx:-0}"
}
echo "server $URL, $CONNS connections, ${SECS}s each, $(nproc) cores shared with wrk"
run_wrk "GET /healthz" "$URL/healthz"
WFX_KEY=$KEY run_wrk "GET /api/runs?limit=50 (100,000 runs)" -s bench/wrk/bearer.lua "$URL/api/runs?limit=50"
WFX_KEY=$KEY WFX_PROJECT=$PROJ run_wrk "POST /api/sync/runs (100 points)" -s bench/wrk/sync.lua "$URL/api/sync/runs"
run_wrk "GET /api/public/shares/{token} (active)" "$URL/api/public/shares/$TOKEN"
# A second server with the default read budget: after 120 reads a minute the share answers 429.
DATA2="$DATA/second"; mkdir -p "$DATA2"
PID2=$(start "$DATA2")
for _ in $(seq 100); do grep -q '^listening on' "$DATA2/log" && break; sleep 0.1; done
URL2=$(sed -n 's/^listening on //p' "$DATA2/log")
J2="$DATA2/jar"
curl -s -c "$J2" -H 'Content-Type: application/json' -d '{"email":"bench@example.com","password":"bench-password-1"}' "$URL2/api/auth/signup" > /dev/null
CSRF2=$(awk '$6=="wfx_csrf"{print $7}' "$J2")
KEY2=$(curl -s -b "$J2" -H "X-CSRF-Token: $CSRF2" -H 'Content-Type: application/json' -d '{"name":"bench"}' "$URL2/api/cloud/api-keys" | python3 -c 'import json,sys;print(json.load(sys.stdin)["secret"])')
H2=(-H "Authorization: Bearer $KEY2" -H 'Content-Type: application/json')
WS2=$(curl -s "${H2[@]}" -d '{"name":"b"}' "$URL2/api/workspaces" | python3 -c 'import json,sys;print(json.load(sys.stdin)["workspace"]["id"])')
P2=$(curl -s "${H2[@]}" -d "{\"workspace_id\":\"$WS2\",\"name\":\"b\"}" "$URL2/api/projects" | python3 -c 'import json,sys;print(json.load(sys.stdin)["project"]["id"])')
R2=$(curl -s "${H2[@]}" -d "{\"project_id\":\"$P2\",\"client_run_id\":\"x\",\"name\":\"x\",\"status\":\"completed\"}" "$URL2/api/sync/runs" | python3 -c 'import json,sys;print(json.load(sys.stdin)["run"]["id"])')
T2=$(curl -s "${H2[@]}" -d "{\"run_id\":\"$R2\"}" "$URL2/api/shares" | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')
for _ in $(seq 121); do curl -s -o /dev/null "$URL2/api/public/shares/$T2"; done
run_wrk "GET /api/public/shares/{token} (rate limited, 429)" "$URL2/api/public/shares/$T2"
run_wrk "GET /api/public/shares/{unknown} (404)" "$URL2/api/public/shares/wfxs_0000000000000000000000000000000000000000000"
