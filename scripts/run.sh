#!/usr/bin/env bash
# Quick start: install what is missing, build, and start the console on embedded
# SQLite. Opens the window where a display exists, runs --headless otherwise.
# Extra arguments go to worldflux-console (e.g. --port 0, --data-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWFX_WERROR=ON
args=("$@")
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  args=(--headless "${args[@]}")
fi
exec build/app/worldflux-console "${args[@]}"
