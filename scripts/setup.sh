#!/usr/bin/env bash
# Installs the Debian 12 packages that are missing, then is a no-op. Run as root or with sudo.
#   scripts/setup.sh        what building, running and testing everything need (scripts/test.sh)
#   scripts/setup.sh --run  only what building and running the console need (scripts/run.sh)
set -euo pipefail
mode=all
case "${1:-}" in
  "") ;;
  --run) mode=run ;;
  *) echo "usage: scripts/setup.sh [--run]" >&2; exit 2 ;;
esac
# What building and running the console need.
PKGS=(
  # build
  cmake ninja-build ccache g++ pkg-config
  qt6-base-dev libqt6opengl6-dev qt6-httpserver-dev qt6-websockets-dev qtkeychain-qt6-dev
  qt6-charts-dev qt6-tools-dev qt6-l10n-tools qt6-tools-dev-tools libssl-dev libgl-dev libxkbcommon-dev
  libsimdjson-dev libsqlite3-dev libpq-dev
  # configuring the one build tree, tests/ included (its translation check is Python)
  python3
  # runtime pieces shared-library detection cannot see
  libqt6sql6-sqlite libqt6sql6-psql qt6-qpa-plugins libsecret-1-0 fonts-dejavu-core
  # the console in other languages: Qt's own translations (qtbase_de.qm, ...) and a
  # Japanese font (IPAGothic, 12 MB; fonts-noto-cjk would be 91 MB)
  qt6-translations-l10n fonts-ipafont-gothic
)
# What the tests need besides.
TEST_PKGS=(
  # PostgreSQL 15, a real keychain on a D-Bus session, the conformance suite,
  # Chromium for the share page test (driven by playwright-core; no browser download)
  postgresql-15 gnome-keyring libsecret-tools dbus python3-cryptography curl chromium
  # the libFuzzer targets (scripts/fuzz.sh): clang 14 and its fuzzer/sanitizer runtimes
  clang-14 libclang-rt-14-dev
  # the format check (scripts/format-check.sh)
  clang-format-14
  # the Debian package checks
  lintian desktop-file-utils appstream dpkg-dev
)
[ "$mode" = all ] && PKGS+=("${TEST_PKGS[@]}")
# npm: bundles Swagger UI for GET /docs at build time (both modes) and installs the
# OpenAPI linter, the share page test's playwright-core and the web client test's
# TypeScript tools at test time. Where Node.js comes from elsewhere (e.g. NodeSource's
# nodejs, which ships npm) npm is already on PATH and Debian's npm would conflict.
command -v npm >/dev/null 2>&1 || PKGS+=(npm)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
