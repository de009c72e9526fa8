#!/usr/bin/env bash
# Configures and builds the one build tree (build/) with Ninja and ccache.
#   scripts/build.sh [--target NAME]... [CMake configure arguments]
# Builds everything, or only NAME and what it needs (the tree is configured the
# same either way, so a later full build reuses what was built). Builds are
# serialised with a lock.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=()
while [ "${1:-}" = --target ]; do
  [ $# -ge 2 ] || { echo "build.sh: --target needs a name" >&2; exit 2; }
  targets+=(--target "$2"); shift 2
done
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
exec 9>/tmp/wfx-build.lock
flock 9
cmake -S . -B build -G Ninja -DCMAKE_CXX_COMPILER_LAUNCHER=ccache "$@" > build.configure.log 2>&1 \
  || { cat build.configure.log; exit 1; }
cmake --build build "${targets[@]}"
