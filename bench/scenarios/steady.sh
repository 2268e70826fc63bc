#!/usr/bin/env bash
# Scenario 2, steady state: N sessions on one gateway (on Redis) heartbeating every interval.
# Reports heartbeat_ack round trips, gateway CPU per 1,000 sessions and Redis commands (and
# Redis CPU time) per heartbeat. Usage: steady.sh [USERS] [SESSIONS_PER_USER] [HEARTBEAT_MS] [SECONDS]
source "$(dirname "$0")/common.sh"
users=${1:-500}; per_user=${2:-4}; heartbeat=${3:-10000}; seconds=${4:-30}
build_tools
start_redis
start_gateway gw-steady --redis redis://127.0.0.1:$REDIS_PORT/0 --heartbeat-interval-ms "$heartbeat" \
    --presence-ttl-ms $((heartbeat * 3))
"$build/bench/presently-load" --scenario steady --gateway 127.0.0.1:$GW_PORT --gateway-pid "$GW_PID" \
    --redis-port "$REDIS_PORT" --users "$users" --sessions-per-user "$per_user" --heartbeat-ms "$heartbeat" \
    --duration-s "$seconds" --prefix "steady$RANDOM" --output "$results/steady.json" >/dev/null
summary "$results/steady.json" | tee "$results/steady.txt"
