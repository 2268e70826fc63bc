#!/usr/bin/env bash
# Sets up and runs the whole test suite: installs what is missing, builds with warnings as
# errors, runs ctest, builds and checks the Linux packages (as root: installs and removes them),
# then builds and runs everything again under AddressSanitizer and UndefinedBehaviorSanitizer.
# Usage: scripts/test.sh [--no-sanitizers]
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

jobs=$(nproc)
run_suite() {
    local dir=$1; shift
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRESENTLY_WERROR=ON "$@" >/dev/null
    cmake --build "$dir" --parallel "$jobs"
    ctest --test-dir "$dir" --output-on-failure --parallel "$jobs"
}

echo "== build and test"
run_suite build-ci

# Benchmarks, quick mode: scenarios 2, 4 and 6 produce their numbers (values are not judged).
echo "== benchmark smoke"
PRESENTLY_BUILD=$PWD/build-ci bash bench/scenarios/smoke.sh

# The Linux packages: built from that build, validated, installed, exercised, purged.
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "== packages"
    bash packaging/linux/check-packages.sh build-ci
else
    echo "== packages: skipped (needs root and apt to install them)"
fi

if [ "${1:-}" != "--no-sanitizers" ]; then
    echo "== build and test under AddressSanitizer + UndefinedBehaviorSanitizer"
    export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:detect_stack_use_after_return=1
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0
    # -O1 and line tables only: what sanitizer reports need, built in 3 minutes here, not 5.
    run_suite build-asan -DPRESENTLY_SANITIZE=ON "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"
fi
