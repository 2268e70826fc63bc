#!/usr/bin/env bash
# Builds the .deb, .rpm and .tar.gz packages, validates the desktop integration, runs lintian,
# installs the .debs on this machine, exercises them (versions; the server from the installed
# files with its config; a real protocol session; a restart with the account intact), then
# purges them and checks nothing is left. Needs root. Ends every process it starts by PID.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "check-packages: needs root (it installs packages)"; exit 1; }

bash scripts/install-deps.sh
need=()
for p in dpkg-dev rpm lintian desktop-file-utils appstream file python3; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "== desktop integration"
desktop-file-validate resources/io.presently.Presently.desktop
appstreamcli validate --no-net --pedantic resources/io.presently.Presently.metainfo.xml

echo "== build packages"
# Usage: check-packages.sh [BUILD_DIR] - reuses a configured build (scripts/test.sh passes its
# own) or makes a release build of its own.
build=${1:-build-packages}
if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPRESENTLY_BUILD_TESTS=OFF >/dev/null
fi
cmake -S . -B "$build" -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$build" --parallel "$(nproc)"
rm -f "$build"/*.deb "$build"/*.rpm "$build"/*.tar.gz
(cd "$build" && cpack >/dev/null)
ls -1 "$build"/*.deb "$build"/*.rpm "$build"/*.tar.gz
client_deb=$(ls "$build"/presently_*.deb)
server_deb=$(ls "$build"/presently-server_*.deb)
dpkg-deb --info "$server_deb" | grep -E "Depends|Package|Version"
dpkg-deb --info "$client_deb" | grep -E "Depends|Package|Version"

echo "== lintian (known findings with reasons: packaging/linux/lintian-expected.txt)"
lintian --tag-display-limit 0 "$client_deb" "$server_deb" 2>/dev/null | grep -E '^[EWX]: ' |
    sed -E 's/ \[[^]]*\]$//' | sort -u > "$build"/lintian.txt || true
cat "$build"/lintian.txt
grep -vxF -f <(grep -v '^#' packaging/linux/lintian-expected.txt | sed '/^$/d' | cut -d'|' -f1 | sed 's/ *$//') "$build"/lintian.txt \
    > "$build"/lintian-unexpected.txt || true
if [ -s "$build"/lintian-unexpected.txt ]; then
    echo "unexpected lintian findings:"; cat "$build"/lintian-unexpected.txt; exit 1
fi

echo "== install"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$client_deb" "./$server_deb" >/dev/null
presently --version
presently-server --version
getent passwd presently >/dev/null
test -f /etc/presently/server.conf
test "$(stat -c '%a %U:%G' /etc/presently/server.conf)" = "640 root:presently" # it may hold secrets
test -f /lib/systemd/system/presently-server.service
test -f /usr/share/applications/io.presently.Presently.desktop
test -f /usr/share/icons/hicolor/scalable/apps/io.presently.Presently.svg

echo "== run the installed server as its service user, sign in, restart, sign in again"
# The packaged configuration as it is (127.0.0.1:8765), unless something here already uses 8765.
if python3 -c 'import socket; socket.socket().bind(("127.0.0.1", 8765))' 2>/dev/null; then
    port=8765
    listen=()
else
    port=$((20000 + RANDOM % 10000))
    listen=(--listen 127.0.0.1:$port)
fi
work=$(mktemp -d)
pid=
stop_server() { if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=; fi; }
trap 'stop_server; rm -rf "$work"' EXIT
start_server() {
    # As systemd would: the service user, the packaged config, its state directory.
    runuser -u presently -- env HOME=/var/lib/presently /usr/bin/presently-server --config /etc/presently/server.conf \
        "${listen[@]}" >"$work/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do grep -q "listening on" "$work/server.log" && return 0; sleep 0.1; done
    cat "$work/server.log"; return 1
}
start_server
# The package ships registration = closed: register is refused; the admin adds the account.
python3 packaging/linux/session_check.py ws://127.0.0.1:$port refused
echo "installed and running" | runuser -u presently -- env HOME=/var/lib/presently \
    /usr/bin/presently-server user add packagecheck --config /etc/presently/server.conf
python3 packaging/linux/session_check.py ws://127.0.0.1:$port hello
stop_server
test -f /var/lib/presently/presently.sqlite
start_server
python3 packaging/linux/session_check.py ws://127.0.0.1:$port hello
stop_server

echo "== purge"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq presently presently-server >/dev/null
! getent passwd presently >/dev/null
test ! -e /var/lib/presently
test ! -e /etc/presently/server.conf
test ! -e /usr/bin/presently-server
test ! -e /usr/bin/presently
if command -v rpm >/dev/null; then
    echo "== the server's .rpm: install (its scriptlets make the user), run as that user, remove"
    server_rpm=$(ls "$build"/presently-server-*.rpm)
    # Its library dependencies name Fedora's packages, which this rpm database does not hold.
    rpm -i --nodeps "$server_rpm"
    getent passwd presently >/dev/null
    test "$(stat -c '%a %U:%G' /etc/presently/server.conf)" = "640 root:presently"
    test "$(stat -c '%a %U' /var/lib/presently)" = "750 presently"
    test -f /lib/systemd/system/presently-server@.service
    start_server
    echo "installed and running" | runuser -u presently -- env HOME=/var/lib/presently \
        /usr/bin/presently-server user add rpmcheck --config /etc/presently/server.conf
    python3 packaging/linux/session_check.py ws://127.0.0.1:$port hello rpmcheck
    stop_server
    rpm -e presently-server
    test ! -e /usr/bin/presently-server
    # RPMs keep the user and the data by convention; this check leaves the machine as it found it.
    userdel presently
    getent group presently >/dev/null && groupdel presently
    rm -rf /var/lib/presently /etc/presently
fi
echo "packages: built, validated, installed, exercised and purged"
