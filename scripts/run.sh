#!/usr/bin/env bash
# Quick start: install what building and running the console need when missing
# (not the tests' packages: scripts/test.sh adds those), build the console alone
# (not the tests, benchmarks or package), and start it on embedded SQLite. Opens
# the window where a display exists, runs --headless otherwise.
# Extra arguments go to worldflux-console (e.g. --port 0, --data-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --run
scripts/build.sh --target worldflux-console -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWFX_WERROR=ON
args=("$@")
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  args=(--headless "${args[@]}")
fi
exec build/app/worldflux-console "${args[@]}"
