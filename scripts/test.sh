#!/usr/bin/env bash
# Every test: installs what is missing, builds with -Werror, starts a throwaway
# PostgreSQL 15 and a D-Bus session with an unlocked gnome-keyring, runs the Qt
# Test binaries (SQLite and PostgreSQL), the libFuzzer targets briefly
# (scripts/fuzz.sh), the Qt Test binaries again under ASan/LSan/UBSan
# (scripts/sanitize-test.sh), the OpenAPI lint, the conformance
# suite, the share page in Chromium, the typed web client and the Python example
# client against the real server, and the Debian package checks, then stops what it started. Run as root or with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
scripts/setup.sh
scripts/build.sh -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWFX_WERROR=ON

. scripts/lib/test-env.sh
# A cluster that was already running (a developer's) is used and left running.
wfx_pg_up
trap wfx_pg_down EXIT

LOGS=$(mktemp -d)
set +e
# The Qt Test binaries, SQLite and PostgreSQL, with the keychain tests.
wfx_with_keyring bash -c 'cd build && ctest --output-on-failure --timeout 900 -j2' | tee "$LOGS/ctest.log"
ctest_rc=${PIPESTATUS[0]}

# WFX_TEST_HARDENING=0 leaves out the two runs below (a quicker local loop).
if [ "${WFX_TEST_HARDENING:-1}" = 1 ]; then
  # The libFuzzer targets, briefly, from their seed corpora (clang, build-fuzz/).
  scripts/fuzz.sh short | tee "$LOGS/fuzz.log"
  fuzz_rc=${PIPESTATUS[0]}

  # The whole Qt Test suite again under ASan, LSan and UBSan (GCC, build-asan/).
  scripts/sanitize-test.sh | tee "$LOGS/sanitize.log"
  san_rc=${PIPESTATUS[0]}
else
  echo "0 passed, 0 failed" > "$LOGS/fuzz.log"; fuzz_rc=0
  echo "skipped: 0 tests failed out of 0" > "$LOGS/sanitize.log"; san_rc=0
fi

# /openapi.json of the real server must lint without errors (Redocly CLI).
scripts/lint-openapi.sh
lint_rc=$?

# Every C++ source in .clang-format's layout.
scripts/format-check.sh
format_rc=$?

# The black-box conformance suite against the real server.
scripts/conformance.sh | tee "$LOGS/conformance.log"
conf_rc=${PIPESTATUS[0]}

# The share page in Debian's Chromium, one page per public share state.
scripts/share-page-test.sh | tee "$LOGS/share-page.log"
page_rc=${PIPESTATUS[0]}

# The dashboard's client typed from /openapi.json, type-checked and run.
scripts/web-client-test.sh | tee "$LOGS/web-client.log"
client_rc=${PIPESTATUS[0]}

# The Python example client (docs/examples/) against the real server, its run checked through the API.
scripts/py-client-test.sh | tee "$LOGS/py-client.log"
py_rc=${PIPESTATUS[0]}

# The Debian package: built with CPack, contents, control fields, lintian, --version.
scripts/package-test.sh
pkg_rc=$?
set -e

# One summary line for everything: ctest binaries (plain and sanitized), the fuzz
# targets, the lint, conformance checks, the share page's, the web client's and the Python client's checks.
ct_total=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$LOGS/ctest.log" | tail -1)
ct_failed=$(sed -n 's/.* \([0-9]*\) tests failed out of.*/\1/p' "$LOGS/ctest.log" | tail -1)
cf_passed=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$LOGS/conformance.log" | tail -1)
cf_failed=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$LOGS/conformance.log" | tail -1)
san_total=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$LOGS/sanitize.log" | tail -1)
san_failed=$(sed -n 's/.* \([0-9]*\) tests failed out of.*/\1/p' "$LOGS/sanitize.log" | tail -1)
san_total=${san_total:-0}; san_failed=${san_failed:-1}
[ $san_rc -ne 0 ] && [ "$san_failed" -eq 0 ] && san_failed=1
ct_total=${ct_total:-0}; ct_failed=${ct_failed:-1}; cf_passed=${cf_passed:-0}; cf_failed=${cf_failed:-1}
lint_failed=$([ $lint_rc -eq 0 ] && echo 0 || echo 1)
# "N passed, N failed" of a script's log; a script that failed without saying so counts one failure.
counts() {
  local p f
  p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$1" | tail -1)
  f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$1" | tail -1)
  p=${p:-0}; f=${f:-1}
  [ "$2" -ne 0 ] && [ "$f" -eq 0 ] && f=1
  echo "$p $f"
}
read -r sp_passed sp_failed < <(counts "$LOGS/share-page.log" $page_rc)
read -r wc_passed wc_failed < <(counts "$LOGS/web-client.log" $client_rc)
read -r py_passed py_failed < <(counts "$LOGS/py-client.log" $py_rc)
read -r fz_passed fz_failed < <(counts "$LOGS/fuzz.log" $fuzz_rc)
pkg_failed=$([ $pkg_rc -eq 0 ] && echo 0 || echo 1)
format_failed=$([ $format_rc -eq 0 ] && echo 0 || echo 1)
rm -rf "$LOGS"
echo "summary: ctest $((ct_total - ct_failed))/$ct_total binaries passed, sanitized ctest $((san_total - san_failed))/$san_total passed, fuzz targets $fz_passed passed / $fz_failed failed, openapi lint $([ $lint_rc -eq 0 ] && echo ok || echo FAILED), conformance $cf_passed passed / $cf_failed failed, share page $sp_passed passed / $sp_failed failed, web client $wc_passed passed / $wc_failed failed, Python client $py_passed passed / $py_failed failed, package $([ $pkg_rc -eq 0 ] && echo ok || echo FAILED), format $([ $format_rc -eq 0 ] && echo ok || echo FAILED)"
echo "$((ct_total - ct_failed + san_total - san_failed + fz_passed + cf_passed + 1 - lint_failed + sp_passed + wc_passed + py_passed + 1 - pkg_failed + 1 - format_failed)) passed, $((ct_failed + san_failed + fz_failed + cf_failed + lint_failed + sp_failed + wc_failed + py_failed + pkg_failed + format_failed)) failed"
[ $ctest_rc -eq 0 ] && [ $fuzz_rc -eq 0 ] && [ $san_rc -eq 0 ] && [ $lint_rc -eq 0 ] && [ $conf_rc -eq 0 ] && [ $page_rc -eq 0 ] && [ $client_rc -eq 0 ] && [ $py_rc -eq 0 ] && [ $pkg_rc -eq 0 ] && [ $format_rc -eq 0 ]
