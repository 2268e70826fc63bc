#!/usr/bin/env bash
# Installs the Debian packages Presently needs to build, test and run, if any is missing.
set -euo pipefail

packages=(
    cmake ninja-build g++ pkg-config
    qt6-base-dev qt6-websockets-dev libqt6sql6-sqlite libqt6sql6-psql postgresql
    libhiredis-dev libsodium-dev libssl-dev qtkeychain-qt6-dev prometheus-cpp-dev
    redis-server openssl haproxy xvfb xauth
    fonts-noto-color-emoji
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "installing: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
