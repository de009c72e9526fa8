#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster under build/pg for the tests.
#   scripts/pg.sh start   -> prints the admin URL
#   scripts/pg.sh stop
#   scripts/pg.sh status  -> exit 0 when it runs
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=/usr/lib/postgresql/15/bin
DIR="$PWD/build/pg"
PORT="${WFX_PG_PORT:-55432}"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
running() { [ -f "$DIR/data/PG_VERSION" ] && as_pg "$BIN/pg_ctl" -D "$DIR/data" status > /dev/null 2>&1; }
case "${1:-}" in
  status)
    running
    ;;
  start)
    if running; then
      echo "postgresql://wfx@127.0.0.1:$PORT/postgres"
      exit 0
    fi
    if [ ! -f "$DIR/data/PG_VERSION" ]; then
      rm -rf "$DIR"; mkdir -p "$DIR"
      [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DIR"
      as_pg "$BIN/initdb" -D "$DIR/data" -U wfx --auth=trust -E UTF8 --locale=C.UTF-8 > "$DIR/initdb.log" 2>&1 \
        || { cat "$DIR/initdb.log"; exit 1; }
    fi
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start > /dev/null \
      || { cat "$DIR/server.log"; exit 1; }
    echo "postgresql://wfx@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    [ -f "$DIR/data/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop > /dev/null || true
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
