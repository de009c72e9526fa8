#!/usr/bin/env bash
# The whole Qt Test suite (SQLite and PostgreSQL, keychain included) built with
# AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer in build-asan/
# (GCC, ccache, Ninja, scripts/build.sh's global lock). Any report fails the
# test that made it. tests/sanitize/lsan.supp holds the leak suppressions, all
# of them for frames in third-party libraries. Extra arguments go to ctest
# (e.g. -R tst_runs). Ends with ctest's "N tests failed out of M" line.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
(
  flock 9
  cmake -S . -B build-asan -G Ninja -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DCMAKE_CXX_FLAGS="$SAN" -DCMAKE_EXE_LINKER_FLAGS="$SAN" -DCMAKE_SHARED_LINKER_FLAGS="$SAN" \
    -DWFX_WERROR=ON -DWFX_BUILD_BENCH=OFF > build-asan.configure.log 2>&1 \
    || { cat build-asan.configure.log; exit 1; }
  cmake --build build-asan
) 9>/tmp/wfx-build.lock

. scripts/lib/test-env.sh
wfx_pg_up
trap wfx_pg_down EXIT

# Reports go to stderr (ctest shows them with --output-on-failure); the first one ends the binary.
# Fast unwinding (the default): with full unwinding (fast_unwind_on_malloc=0)
# the suite ran ~3x slower and tst_backup hit QTest's 300 s limit.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:check_initialization_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$ROOT/tests/sanitize/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
set +e
wfx_with_keyring bash -c 'cd build-asan && exec ctest --output-on-failure --timeout 1800 -j2 "$@"' ctest "$@"
