#!/usr/bin/env bash
# Builds the Debian package from the build tree (cpack -G DEB in build/) and
# checks it: every expected path is in it, the control fields (Depends carries
# the shared libraries dpkg-shlibdeps found and the dlopen'ed plugins), the
# maintainer scripts, the desktop entry and metainfo (when the validators are
# installed), lintian (when installed: warnings are shown, errors fail unless
# listed in LINTIAN_ACCEPTED below with the reason), and finally the binary
# extracted into a scratch root runs and prints its version.
# Needs a built tree (scripts/build.sh); cpack takes the build lock because it
# may rebuild what is out of date.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
BUILD="$ROOT/build"
[ -f "$BUILD/CPackConfig.cmake" ] || { echo "package-test: no configured build tree (run scripts/build.sh)"; exit 1; }

passed=0; failed=0
ok()  { passed=$((passed + 1)); echo "  ok    $*"; }
bad() { failed=$((failed + 1)); echo "  FAIL  $*"; }

SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT

echo "package-test: cpack -G DEB"
rm -f "$BUILD"/worldflux-console_*.deb
(
  exec 9>/tmp/wfx-build.lock
  flock 9
  cd "$BUILD" && cpack -G DEB
) > "$SCRATCH/cpack.log" 2>&1
if [ $? -ne 0 ]; then cat "$SCRATCH/cpack.log"; echo "package-test: cpack failed"; exit 1; fi
DEB=$(ls "$BUILD"/worldflux-console_*.deb 2>/dev/null | head -1)
[ -n "$DEB" ] || { cat "$SCRATCH/cpack.log"; echo "package-test: cpack made no .deb"; exit 1; }
echo "package-test: $(basename "$DEB") ($(du -h "$DEB" | cut -f1))"

# Contents.
dpkg-deb -c "$DEB" | awk '{print $6}' > "$SCRATCH/contents"
for p in ./usr/bin/worldflux-console \
         ./usr/share/applications/worldflux-console.desktop \
         ./usr/share/icons/hicolor/scalable/apps/worldflux-console.svg \
         ./usr/share/metainfo/io.worldflux.Console.metainfo.xml \
         ./usr/lib/systemd/system/worldflux-console.service \
         ./usr/share/doc/worldflux-console/README.md \
         ./usr/share/doc/worldflux-console/copyright \
         ./usr/share/doc/worldflux-console/changelog.gz \
         ./usr/share/doc/worldflux-console/examples/worldflux_client.py \
         ./usr/share/doc/worldflux-console/examples/train_example.py; do
  grep -qxF "$p" "$SCRATCH/contents" && ok "contains $p" || bad "missing $p"
done
if grep -v -e '^\./usr/' -e '^\./$' "$SCRATCH/contents" | grep -q .; then
  bad "paths outside /usr: $(grep -v -e '^\./usr/' -e '^\./$' "$SCRATCH/contents" | tr '\n' ' ')"
else
  ok "every path is under /usr"
fi

# Control fields.
field() { dpkg-deb -f "$DEB" "$1"; }
[ "$(field Package)" = worldflux-console ] && ok "Package: worldflux-console" || bad "Package: $(field Package)"
VERSION=$(sed -n 's/^project(worldflux-console VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[ "$(field Version)" = "$VERSION" ] && ok "Version: $VERSION" || bad "Version: $(field Version), expected $VERSION"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] && ok "Architecture: $(field Architecture)" \
  || bad "Architecture: $(field Architecture)"
[ -n "$(field Maintainer)" ] && ok "Maintainer: $(field Maintainer)" || bad "no Maintainer"
[ "$(field Section)" = admin ] && ok "Section: admin" || bad "Section: $(field Section)"
[ -n "$(field Description)" ] && ok "Description present" || bad "no Description"
DEPENDS=$(field Depends)
echo "  Depends: $DEPENDS"
# The dlopen'ed plugins (listed by hand) and what dpkg-shlibdeps found (SHLIBDEPS on).
for d in libqt6sql6-sqlite libqt6sql6-psql qt6-qpa-plugins libsecret-1-0 adduser libqt6core6 libqt6widgets6 libssl3 libc6; do
  echo "$DEPENDS" | tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -qxF "$d" && ok "Depends on $d" || bad "Depends lacks $d"
done

# Maintainer scripts: the system user, no automatic start.
mkdir -p "$SCRATCH/control"
dpkg-deb -e "$DEB" "$SCRATCH/control"
if [ -x "$SCRATCH/control/postinst" ] && grep -q 'adduser --system --group' "$SCRATCH/control/postinst"; then
  ok "postinst creates the system user"
else
  bad "postinst missing, not executable, or not creating the user"
fi
if cat "$SCRATCH/control"/post* | grep -v '^[[:space:]]*#' \
   | grep -qE 'systemctl +(--[a-z]+ +)*(start|enable|restart)|deb-systemd-invoke +(start|restart)'; then
  bad "a maintainer script starts or enables the service"
else
  ok "no maintainer script starts or enables the service"
fi
if command -v sh >/dev/null; then
  for s in postinst prerm postrm; do
    sh -n "$SCRATCH/control/$s" && ok "$s parses" || bad "$s does not parse"
  done
fi

# The files as installed.
dpkg-deb -x "$DEB" "$SCRATCH/root"
UNIT="$SCRATCH/root/usr/lib/systemd/system/worldflux-console.service"
for line in 'ExecStart=/usr/bin/worldflux-console --headless --data-dir /var/lib/worldflux-console' \
            'User=worldflux' 'StateDirectory=worldflux-console' 'NoNewPrivileges=yes' \
            'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes'; do
  grep -qxF "$line" "$UNIT" && ok "unit: $line" || bad "unit lacks $line"
done
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$SCRATCH/root/usr/share/applications/worldflux-console.desktop" \
    && ok "desktop-file-validate" || bad "desktop-file-validate"
else
  echo "  skip  desktop-file-validate is not installed (desktop-file-utils)"
fi
if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net "$SCRATCH/root/usr/share/metainfo/io.worldflux.Console.metainfo.xml" > "$SCRATCH/as.log" 2>&1 \
    && ok "appstreamcli validate --no-net" || { cat "$SCRATCH/as.log"; bad "appstreamcli validate"; }
else
  echo "  skip  appstreamcli is not installed"
fi

# lintian: a report. Errors fail unless accepted here, each with its reason.
# None so far: no-changelog and no-copyright-file were fixed (packaging/debian/);
# the remaining warning no-manual-page is shown, not failed.
LINTIAN_ACCEPTED=(
)
if command -v lintian >/dev/null; then
  lintian --tag-display-limit 0 "$DEB" > "$SCRATCH/lintian.log" 2>&1
  sed 's/^/  lintian: /' "$SCRATCH/lintian.log"
  errors=$(grep '^E: ' "$SCRATCH/lintian.log" | awk '{print $3}' | sort -u)
  unaccepted=""
  for t in $errors; do
    printf '%s\n' "${LINTIAN_ACCEPTED[@]}" | grep -qxF "$t" || unaccepted="$unaccepted $t"
  done
  [ -z "$unaccepted" ] && ok "lintian: no unaccepted errors" || bad "lintian errors:$unaccepted"
else
  echo "  skip  lintian is not installed"
fi

# The extracted binary runs against the system Qt and prints its version.
OUT=$(QT_QPA_PLATFORM=offscreen "$SCRATCH/root/usr/bin/worldflux-console" --version 2>&1)
rc=$?
if [ $rc -eq 0 ] && echo "$OUT" | grep -qF "$VERSION"; then
  ok "extracted /usr/bin/worldflux-console --version: $OUT"
else
  bad "extracted binary --version (exit $rc): $OUT"
fi

echo "package-test: $passed passed, $failed failed"
[ $failed -eq 0 ]
