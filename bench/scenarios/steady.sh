#!/usr/bin/env bash
# Scenario 2, steady state: N sessions on one gateway (on Redis) heartbeating every interval.
# Reports heartbeat_ack round trips, gateway CPU per 1,000 sessions and Redis commands (and
# Redis CPU time) per heartbeat.
# Usage: steady.sh [USERS 500] [SESSIONS_PER_USER 4] [HEARTBEAT_MS 10000] [SECONDS 30] [PROCESSES 1]
source "$(dirname "$0")/common.sh"
users=${1:-500}; per_user=${2:-4}; heartbeat=${3:-10000}; seconds=${4:-30}; processes=${5:-1}
build_tools
start_fleet 1 "$heartbeat"
run_load steady "$processes" --scenario steady --users "$users" --sessions-per-user "$per_user" \
    --heartbeat-ms "$heartbeat" --duration-s "$seconds" --prefix "steady$RANDOM"
