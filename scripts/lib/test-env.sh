# SPDX-License-Identifier: Apache-2.0
# Sourced by scripts/test.sh and scripts/sanitize-test.sh: what the Qt Test
# binaries need around them. Run from the repository root.

# The PostgreSQL the tests use: WFX_TEST_PG_URL when it is already set (a
# developer's server), else the throwaway cluster of scripts/pg.sh. A cluster
# that was already running is used and left running by wfx_pg_down.
wfx_pg_up() {
  WFX_PG_STARTED=0
  if [ -z "${WFX_TEST_PG_URL:-}" ]; then
    if ! scripts/pg.sh status; then WFX_PG_STARTED=1; fi
    WFX_TEST_PG_URL=$(scripts/pg.sh start)
  fi
  export WFX_TEST_PG_URL WFX_TEST_REQUIRE_PG=1
  export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
}
wfx_pg_down() {
  if [ "${WFX_PG_STARTED:-0}" = 1 ]; then scripts/pg.sh stop; fi
}

# Runs a command inside a private D-Bus session with an unlocked gnome-keyring
# in a fresh HOME (the keychain tests need a Secret Service: PLATFORM.md 5),
# with WFX_TEST_KEYRING=1. Returns the command's exit status.
wfx_with_keyring() {
  local home rc
  home=$(mktemp -d)
  HOME="$home" dbus-run-session -- bash -c '
    eval "$(printf %s ci-password | gnome-keyring-daemon --unlock --components=secrets)"
    export GNOME_KEYRING_CONTROL WFX_TEST_KEYRING=1
    exec "$@"' wfx-keyring "$@" 2> >(grep -v "Failed to set fd limit" >&2)
  rc=$?
  rm -rf "$home"
  return $rc
}
