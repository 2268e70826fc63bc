#!/usr/bin/env bash
# Sets up and runs Presently on this machine: installs what is missing, builds, and starts the
# server on its embedded store at 127.0.0.1:8765 (data in the platform's app-data folder).
# Extra arguments go to presently-server. Ctrl-C stops it cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRESENTLY_BUILD_TESTS=OFF >/dev/null
cmake --build build --parallel "$(nproc)"
exec ./build/server/presently-server "$@"
