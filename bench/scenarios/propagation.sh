#!/usr/bin/env bash
# Scenario 4, propagation: two gateways on one Redis; each user's contacts sit half on the other
# gateway. Visible status changes on a schedule; time from set_status to the presence push at
# every watcher, under steady heartbeats.
# Usage: propagation.sh [USERS 500] [SESSIONS_PER_USER 2] [HEARTBEAT_MS 10000] [SECONDS 30] [PROCESSES 1]
source "$(dirname "$0")/common.sh"
users=${1:-500}; per_user=${2:-2}; heartbeat=${3:-10000}; seconds=${4:-30}; processes=${5:-1}
build_tools
start_fleet 2 "$heartbeat"
run_load propagation "$processes" --scenario propagation --users "$users" --sessions-per-user "$per_user" \
    --heartbeat-ms "$heartbeat" --duration-s "$seconds" --status-every-ms 50 --prefix "prop$RANDOM"
