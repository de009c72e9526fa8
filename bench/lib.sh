# SPDX-License-Identifier: Apache-2.0
# Shared helpers of the issue 7 bench scripts (compare.sh, scale.sh, load.sh,
# memory.sh). Sourced, never run. Everything runs on loopback; every process a
# script starts is recorded in BENCH_PIDS and stopped by PID on exit, and its
# temporary folder is removed.
set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${WFX_BIN:-$BENCH_ROOT/build/app/worldflux-console}
BENCH_TMP=$(mktemp -d /tmp/wfx-benchsh-XXXXXX)
BENCH_PIDS=()

# A recorded PID is signalled only while it is still a child of this shell.
is_ours() { [[ $(awk '{print $4}' "/proc/$1/stat" 2> /dev/null) == "$$" ]]; }

bench_cleanup() {
  local pid
  for pid in "${BENCH_PIDS[@]}"; do if is_ours "$pid"; then kill "$pid" 2> /dev/null || true; fi; done
  for pid in "${BENCH_PIDS[@]}"; do wait "$pid" 2> /dev/null || true; done
  [[ -n ${KEEP_TMP:-} ]] || rm -rf "$BENCH_TMP"
}
trap bench_cleanup EXIT

need_bin() {
  if [[ ! -x $BIN ]]; then
    echo "No $BIN. Build it first from the checkout:" >&2
    echo "  scripts/build.sh -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWFX_WERROR=ON   (or set WFX_BIN)" >&2
    exit 1
  fi
}

# need_pkgs cmd:package ...: installs the Debian packages whose command is missing.
need_pkgs() {
  local pair missing=()
  for pair; do command -v "${pair%%:*}" > /dev/null || missing+=("${pair#*:}"); done
  if ((${#missing[@]})); then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null
  fi
}

# start_server DIR CPUS: the headless server on a free loopback port, pinned with
# taskset; extra settings through the environment (WFX_*). Its per-request access
# log (category wfx.server.access) is off, as nginx's is in compare.sh; ACCESS_LOG=1
# keeps it (written to DIR/log). Sets SRV_PID, URL and HOSTPORT.
start_server() {
  local dir=$1 cpus=$2 rules=wfx.server.access.info=false
  [[ ${ACCESS_LOG:-0} != 1 ]] || rules=
  mkdir -p "$dir"
  QT_LOGGING_RULES=$rules taskset -c "$cpus" "$BIN" --headless --listen 127.0.0.1 --port 0 --data-dir "$dir" > "$dir/log" 2>&1 &
  SRV_PID=$!
  BENCH_PIDS+=("$SRV_PID")
  local _
  for _ in $(seq 600); do grep -q "^listening on" "$dir/log" && break; kill -0 "$SRV_PID" 2>/dev/null || break; sleep 0.05; done
  URL=$(sed -n 's/^listening on //p' "$dir/log" | head -1)
  if [[ -z $URL ]]; then cat "$dir/log" >&2; exit 1; fi
  HOSTPORT=${URL#http://}
}

stop_pid() {
  if is_ours "$1"; then kill "$1" 2> /dev/null || true; fi
  wait "$1" 2> /dev/null || true
}

json_get() { python3 -c 'import json,sys
v=json.load(sys.stdin)
for k in sys.argv[1:]: v=v[k]
print(v)' "$@"; }

# bootstrap DIR: first account (loopback), an API key, a workspace and a project.
# Sets KEY, WS, PROJ.
bootstrap() {
  local jar=$1/jar csrf
  curl -sf -c "$jar" -H 'Content-Type: application/json' \
    -d '{"email":"bench@example.com","password":"bench-password-1"}' "$URL/api/auth/signup" > /dev/null
  csrf=$(awk '$6=="wfx_csrf"{print $7}' "$jar")
  KEY=$(curl -sf -b "$jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' -d '{"name":"bench"}' \
    "$URL/api/cloud/api-keys" | json_get secret)
  AUTH=(-H "Authorization: Bearer $KEY" -H 'Content-Type: application/json')
  WS=$(curl -sf "${AUTH[@]}" -d '{"name":"bench"}' "$URL/api/workspaces" | json_get workspace id)
  PROJ=$(curl -sf "${AUTH[@]}" -d "{\"workspace_id\":\"$WS\",\"name\":\"bench\"}" "$URL/api/projects" | json_get project id)
}

# seed_runs DB N: N completed runs straight into the SQLite store in one
# transaction (set-up, not measured; the server may run meanwhile: WAL).
seed_runs() {
  python3 - "$1" "$WS" "$PROJ" "$2" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=60)
db.execute("""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
  INSERT INTO runs (id, project_id, workspace_id, client_run_id, name, status, created_at, manifest, evidence)
  SELECT printf('%08x-0000-4000-8000-%012x', i, i), ?, ?, 'seed-' || i, 'run-' || i, 'completed',
         1700000000000 + i, '{}', 'unsigned' FROM n""", (int(sys.argv[4]), sys.argv[3], sys.argv[2]))
db.commit()
db.execute("ANALYZE")
PY
}

# cursor_at DB ROW: the runs-list cursor of the row at that position (newest
# first), signed with the store's cursor key as the server does.
cursor_at() {
  python3 - "$1" "$WS" "$2" <<'PY'
import base64, hashlib, hmac, json, sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=60)
key = base64.b64decode(db.execute("SELECT value FROM instance_settings WHERE key = 'cursor_key'").fetchone()[0])
t, i = db.execute("SELECT created_at, id FROM runs WHERE workspace_id = ? ORDER BY created_at DESC, id DESC "
                  "LIMIT 1 OFFSET ?", (sys.argv[2], int(sys.argv[3]) - 1)).fetchone()
payload = json.dumps([t, i], separators=(",", ":")).encode()
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
print(b64(payload) + "." + b64(hmac.new(key, payload, hashlib.sha256).digest()[:12]))
PY
}

# make_share: one synced run with a few metric points, shared. Sets TOKEN.
make_share() {
  local run
  run=$(curl -sf "${AUTH[@]}" -d "{\"project_id\":\"$PROJ\",\"client_run_id\":\"share-me\",\"name\":\"shared\",\"status\":\"completed\",\"manifest\":{\"lr\":0.001},\"metrics\":[{\"name\":\"loss\",\"step\":0,\"value\":1.0},{\"name\":\"loss\",\"step\":1,\"value\":0.5}]}" \
    "$URL/api/sync/runs" | json_get run id)
  TOKEN=$(curl -sf "${AUTH[@]}" -d "{\"run_id\":\"$run\"}" "$URL/api/shares" | json_get token)
}

# rss_kib PID: resident set size in KiB.
rss_kib() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }

# to_ms 1.23ms|456.00us|1.02s|2.00m -> milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.2f", n }'
}

# wrk_parse OUTPUT: sets RPS, P50 and P99 (ms), REQS, SOCKERR (text), NON2XX.
wrk_parse() {
  local out=$1
  RPS=$(awk '/^Requests\/sec/{printf "%.0f", $2}' <<< "$out")
  REQS=$(awk '/requests in/{print $1}' <<< "$out")
  P50=$(to_ms "$(awk '$1=="50%"{print $2}' <<< "$out")")
  P99=$(to_ms "$(awk '$1=="99%"{print $2}' <<< "$out")")
  SOCKERR=$(awk '/Socket errors/{sub(/^ *Socket errors: */, ""); print}' <<< "$out")
  NON2XX=$(awk '/Non-2xx/{print $NF}' <<< "$out")
  NON2XX=${NON2XX:-0}
}

# ratio A B -> A/B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
# ge A B -> PASS when A >= B, else MISS; lt likewise for A < B.
ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 >= b + 0 ? "PASS" : "MISS") }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 < b + 0 ? "PASS" : "MISS") }'; }

machine_note() {
  echo "date $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)" \
       "(shared machine: other builds may run)"
}
