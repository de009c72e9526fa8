#!/usr/bin/env bash
# Every C++ source of the repository (product, tests, benches) must be in the
# layout .clang-format sets, as Debian's clang-format-14 writes it. Lists the
# files that are not; fix them with: clang-format-14 -i FILE...
# The last line is "N passed, N failed" (files).
set -uo pipefail
cd "$(dirname "$0")/.."
FORMAT=${CLANG_FORMAT:-clang-format-14}
command -v "$FORMAT" >/dev/null || { echo "format-check: $FORMAT is not installed (scripts/setup.sh installs it)"; echo "0 passed, 1 failed"; exit 1; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.h')
else
  mapfile -t files < <(find app server models ui tests bench -name '*.cpp' -o -name '*.h' | sort)
fi
bad=0
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  if ! "$FORMAT" --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "format-check: not in .clang-format's layout: $f"
    bad=$((bad + 1))
  fi
done
echo "format-check: ${#files[@]} files, $bad not formatted"
echo "$(( ${#files[@]} - bad )) passed, $bad failed"
[ $bad -eq 0 ]
