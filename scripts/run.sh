#!/usr/bin/env bash
# Sets up and runs Presently on this machine: installs what is missing, builds, starts the
# server on its embedded store at 127.0.0.1:8765, and opens a client window signed in to it.
# Closing the client (Quit) stops the server too. Without a display only the server runs.
# Extra arguments go to presently-server.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRESENTLY_BUILD_TESTS=OFF >/dev/null
cmake --build build --parallel "$(nproc)"

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "no display: running the server only (open the client elsewhere with --server ws://HOST:8765)"
    exec ./build/server/presently-server "$@"
fi
./build/server/presently-server "$@" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
./build/client/presently --server ws://127.0.0.1:8765
