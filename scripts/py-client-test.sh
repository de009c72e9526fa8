#!/usr/bin/env bash
# The Python example client (docs/examples/) against the real server: starts the
# built server headless on SQLite in a fresh data folder with a 64 KiB artifact
# part size, and runs tests/py-client/test_example.py against it (Debian's
# python3, standard library only): docs/examples/train_example.py syncs a growing
# run in 3 batches, finishes it, uploads a checkpoint in 3 parts and shares it;
# the test checks what it created through the API, and that batches whose
# answers were lost are stored once. The last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
. scripts/lib/server.sh
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

wfx_server_start --part-size 65536 || { echo "py-client-test: no server"; echo "0 passed, 1 failed"; exit 1; }
"$PYTHON" "$ROOT/tests/py-client/test_example.py" --base-url "$WFX_SERVER_URL"
rc=$?
if ! wfx_server_stop; then echo "py-client-test: the server did not stop cleanly"; rc=1; fi
exit $rc
