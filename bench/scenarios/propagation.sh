#!/usr/bin/env bash
# Scenario 4, propagation: two gateways on one Redis; each user's contacts sit half on the other
# gateway. Visible status changes on a schedule; time from set_status to the presence push at
# every watcher, under steady heartbeats. Usage: propagation.sh [USERS] [SESSIONS_PER_USER] [HEARTBEAT_MS] [SECONDS]
source "$(dirname "$0")/common.sh"
users=${1:-500}; per_user=${2:-2}; heartbeat=${3:-10000}; seconds=${4:-30}
build_tools
start_redis
start_gateway gw-a --redis redis://127.0.0.1:$REDIS_PORT/0 --heartbeat-interval-ms "$heartbeat" --presence-ttl-ms $((heartbeat * 3))
pid_a=$GW_PID; port_a=$GW_PORT
start_gateway gw-b --redis redis://127.0.0.1:$REDIS_PORT/0 --heartbeat-interval-ms "$heartbeat" --presence-ttl-ms $((heartbeat * 3))
"$build/bench/presently-load" --scenario propagation --gateway 127.0.0.1:$port_a --gateway 127.0.0.1:$GW_PORT \
    --gateway-pid "$pid_a" --gateway-pid "$GW_PID" --redis-port "$REDIS_PORT" --users "$users" \
    --sessions-per-user "$per_user" --heartbeat-ms "$heartbeat" --duration-s "$seconds" --status-every-ms 50 \
    --prefix "prop$RANDOM" --output "$results/propagation.json" >/dev/null
summary "$results/propagation.json" | tee "$results/propagation.txt"
