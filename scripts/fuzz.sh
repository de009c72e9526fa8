#!/usr/bin/env bash
# libFuzzer targets (tests/fuzz/fuzz_*.cpp) built with Debian's clang 14 in
# build-fuzz/ (ASan + UBSan + fuzzer coverage; only wfx_models, wfx_server and
# the targets), then run from their seed corpora.
#   scripts/fuzz.sh [short]          every target for WFX_FUZZ_SECONDS (default 10) s each
#   scripts/fuzz.sh long [target..]  every (or the named) target for WFX_FUZZ_RUNS
#                                    (default 10,000,000) executions, one at a time, at nice 19
#   scripts/fuzz.sh build            only build (WFX_FUZZ_SKIP_BUILD=1: run without building)
# New inputs go to a scratch corpus, never into tests/fuzz/corpus/. A crash,
# leak or timeout leaves its reproducer in build-fuzz/artifacts/. Logs in build-fuzz/logs/.
# Ends with "N passed, N failed" (one per target).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
MODE=${1:-short}
[ $# -gt 0 ] && shift
export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1
RT=/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux
[ -f "$RT/libclang_rt.fuzzer-x86_64.a" ] || { echo "libFuzzer runtime missing: apt-get install clang-14" >&2; exit 1; }

# The build shares scripts/build.sh's global lock (2 cores for every build on the machine).
# WFX_FUZZ_SKIP_BUILD=1 reruns what build-fuzz/ holds.
[ "${WFX_FUZZ_SKIP_BUILD:-0}" = 1 ] || (
  flock 9
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DWFX_FUZZ=ON -DWFX_WERROR=ON -DWFX_DOCS_BUNDLE=OFF > build-fuzz.configure.log 2>&1 \
    || { cat build-fuzz.configure.log; exit 1; }
  cmake --build build-fuzz
) 9>/tmp/wfx-build.lock
[ "$MODE" = build ] && exit 0

TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  for src in tests/fuzz/fuzz_*.cpp; do TARGETS+=("$(basename "$src" .cpp)"); done
fi
mkdir -p build-fuzz/logs build-fuzz/artifacts
# Qt's SQL and platform plugins are loaded from the system; scratch files on tmpfs.
export TMPDIR=${WFX_FUZZ_TMPDIR:-/dev/shm} QT_QPA_PLATFORM=offscreen
# A smaller quarantine: over millions of multi-KB inputs the default one and the
# allocator's caches grew RSS past 1 GB (flat at 75 MB without it: not a leak).
# Allocation and free stacks of 10 frames, not 30: ASan keeps every distinct
# one, and recursive parsers over fuzzed nesting keep making new ones; with 30,
# storing them took 7.6% of fuzz_jcs's time when fresh and 36% after 2.6 M
# inputs (perf; 20% after 1.4 M with 10). Reports still show the full stack of
# the bad access; rerun a reproducer with malloc_context_size=30 for the rest.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1:quarantine_size_mb=32:malloc_context_size=10${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$ROOT/tests/sanitize/lsan.supp:print_suppressions=0"
passed=0; failed=0
for t in "${TARGETS[@]}"; do
  bin="build-fuzz/tests/fuzz/$t"
  # The target's store and data folder live in $TMPDIR for the whole process; a
  # folder per run, removed afterwards (also after a crash).
  scratch=$(mktemp -d)
  work=$(mktemp -d)
  args=(-timeout=10 -rss_limit_mb=2560 -max_len=8192 -print_final_stats=1
        -artifact_prefix="$ROOT/build-fuzz/artifacts/$t-")
  [ -f "tests/fuzz/$t.dict" ] && args+=(-dict="tests/fuzz/$t.dict")
  if [ "$MODE" = long ]; then
    # At nice 19 on a loaded machine a process can stall for over 10 s (load 20:
    # a 0.2 s unit was reported as a timeout), so long runs allow 60 s.
    args[0]=-timeout=60
    args+=(-runs="${WFX_FUZZ_RUNS:-10000000}")
    cmd=(nice -n 19 "$bin" "${args[@]}" "$scratch" "tests/fuzz/corpus/$t")
  else
    args+=(-max_total_time="${WFX_FUZZ_SECONDS:-10}")
    cmd=("$bin" "${args[@]}" "$scratch" "tests/fuzz/corpus/$t")
  fi
  log="build-fuzz/logs/$t.$MODE.log"
  start=$(date +%s)
  echo "fuzz $t: ${cmd[*]}" > "$log"
  if TMPDIR="$work" "${cmd[@]}" >> "$log" 2>&1; then rc=0; else rc=$?; fi
  secs=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1))
    echo "fuzz $t: ok, ${execs:-?} executions in ${secs} s (${rate:-?}/s), coverage ${cov:-?} edges"
  else
    failed=$((failed + 1))
    echo "fuzz $t: FAILED (exit $rc after ${execs:-?} executions); last lines of $log:"
    grep -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==' "$log" | head -20 || true
  fi
  rm -rf "$scratch" "$work"
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
