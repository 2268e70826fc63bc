#!/usr/bin/env bash
# Scenario 6, flapping: sessions vanish without a close and come straight back (within the TTL)
# while their contacts watch. Any offline seen by a watcher is a false offline (must be 0).
# Usage: flapping.sh [USERS 300] [SESSIONS_PER_USER 1] [HEARTBEAT_MS 10000] [SECONDS 30]
source "$(dirname "$0")/common.sh"
users=${1:-300}; per_user=${2:-1}; heartbeat=${3:-10000}; seconds=${4:-30}
build_tools
start_fleet 2 "$heartbeat"
run_load flapping 1 --scenario flapping --users "$users" --sessions-per-user "$per_user" \
    --heartbeat-ms "$heartbeat" --duration-s "$seconds" --flap-every-ms 20 --prefix "flap$RANDOM"
