#!/usr/bin/env bash
# Configures and builds the one build tree (build/) with Ninja and ccache.
# Extra arguments go to CMake's configure step. Builds are serialised with a lock.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
exec 9>/tmp/wfx-build.lock
flock 9
cmake -S . -B build -G Ninja -DCMAKE_CXX_COMPILER_LAUNCHER=ccache "$@" > build.configure.log 2>&1 \
  || { cat build.configure.log; exit 1; }
cmake --build build
