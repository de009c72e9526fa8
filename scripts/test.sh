#!/usr/bin/env bash
# Every test: installs what is missing, builds with -Werror, starts a throwaway
# PostgreSQL 15 and a D-Bus session with an unlocked gnome-keyring, runs the Qt
# Test binaries (SQLite and PostgreSQL), the OpenAPI lint, the conformance
# suite, the share page in Chromium and the typed web client against the real
# server, and the Debian package checks, then stops what it started. Run as root or with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
scripts/setup.sh
scripts/build.sh -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWFX_WERROR=ON

# A cluster that was already running (a developer's) is used and left running.
if scripts/pg.sh status; then PG_STARTED=0; else PG_STARTED=1; fi
PG_URL=$(scripts/pg.sh start)
cleanup() { if [ "$PG_STARTED" = 1 ]; then scripts/pg.sh stop; fi; }
trap cleanup EXIT

export WFX_TEST_PG_URL="$PG_URL" WFX_TEST_REQUIRE_PG=1
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
KEYRING_HOME=$(mktemp -d)
LOGS=$(mktemp -d)
set +e
# The keychain tests need a Secret Service: a private D-Bus session with an
# unlocked gnome-keyring in a fresh HOME (PLATFORM.md 5).
HOME="$KEYRING_HOME" dbus-run-session -- bash -c '
  eval "$(printf %s ci-password | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL WFX_TEST_KEYRING=1
  cd build && ctest --output-on-failure --timeout 900 -j2
' 2> >(grep -v "Failed to set fd limit" >&2) | tee "$LOGS/ctest.log"
ctest_rc=${PIPESTATUS[0]}
rm -rf "$KEYRING_HOME"

# /openapi.json of the real server must lint without errors (Redocly CLI).
scripts/lint-openapi.sh
lint_rc=$?

# The black-box conformance suite against the real server.
scripts/conformance.sh | tee "$LOGS/conformance.log"
conf_rc=${PIPESTATUS[0]}

# The share page in Debian's Chromium, one page per public share state.
scripts/share-page-test.sh | tee "$LOGS/share-page.log"
page_rc=${PIPESTATUS[0]}

# The dashboard's client typed from /openapi.json, type-checked and run.
scripts/web-client-test.sh | tee "$LOGS/web-client.log"
client_rc=${PIPESTATUS[0]}

# The Debian package: built with CPack, contents, control fields, lintian, --version.
scripts/package-test.sh
pkg_rc=$?
set -e

# One summary line for everything: ctest binaries, the lint, conformance checks,
# the share page's and the web client's checks.
ct_total=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$LOGS/ctest.log" | tail -1)
ct_failed=$(sed -n 's/.* \([0-9]*\) tests failed out of.*/\1/p' "$LOGS/ctest.log" | tail -1)
cf_passed=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$LOGS/conformance.log" | tail -1)
cf_failed=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$LOGS/conformance.log" | tail -1)
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
pkg_failed=$([ $pkg_rc -eq 0 ] && echo 0 || echo 1)
rm -rf "$LOGS"
echo "summary: ctest $((ct_total - ct_failed))/$ct_total binaries passed, openapi lint $([ $lint_rc -eq 0 ] && echo ok || echo FAILED), conformance $cf_passed passed / $cf_failed failed, share page $sp_passed passed / $sp_failed failed, web client $wc_passed passed / $wc_failed failed, package $([ $pkg_rc -eq 0 ] && echo ok || echo FAILED)"
echo "$((ct_total - ct_failed + cf_passed + 1 - lint_failed + sp_passed + wc_passed + 1 - pkg_failed)) passed, $((ct_failed + cf_failed + lint_failed + sp_failed + wc_failed + pkg_failed)) failed"
[ $ctest_rc -eq 0 ] && [ $lint_rc -eq 0 ] && [ $conf_rc -eq 0 ] && [ $page_rc -eq 0 ] && [ $client_rc -eq 0 ] && [ $pkg_rc -eq 0 ]
