#!/usr/bin/env bash
# Scenario 4, propagation: two gateways on one Redis; each user's contacts sit half on the other
# gateway. Visible status changes on a schedule; time from set_status to the presence push at
# every watcher, under steady heartbeats. Usage: propagation.sh [USERS] [SESSIONS_PER_USER] [HEARTBEAT_MS] [SECONDS]
source "$(dirname "$0")/common.sh"
users=${1:-500}; per_user=${2:-2}; heartbeat=${3:-10000}; seconds=${4:-30}
build_tools
start_fleet 2 "$heartbeat"
"$build/bench/presently-load" --scenario propagation "${fleet_args[@]}" --users "$users" \
    --sessions-per-user "$per_user" --heartbeat-ms "$heartbeat" --duration-s "$seconds" --status-every-ms 50 \
    --prefix "prop$RANDOM" --output "$results/propagation.json" >/dev/null
summary "$results/propagation.json" | tee "$results/propagation.txt"
