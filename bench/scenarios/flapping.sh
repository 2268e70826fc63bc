#!/usr/bin/env bash
# Scenario 6, flapping: sessions vanish without a close and come straight back (within the TTL)
# while their contacts watch. Any offline seen by a watcher is a false offline (must be 0).
# Usage: flapping.sh [USERS] [SESSIONS_PER_USER] [HEARTBEAT_MS] [SECONDS]
source "$(dirname "$0")/common.sh"
users=${1:-300}; per_user=${2:-1}; heartbeat=${3:-10000}; seconds=${4:-30}
build_tools
start_redis
start_gateway gw-a --redis redis://127.0.0.1:$REDIS_PORT/0 --heartbeat-interval-ms "$heartbeat" --presence-ttl-ms $((heartbeat * 3))
pid_a=$GW_PID; port_a=$GW_PORT
start_gateway gw-b --redis redis://127.0.0.1:$REDIS_PORT/0 --heartbeat-interval-ms "$heartbeat" --presence-ttl-ms $((heartbeat * 3))
"$build/bench/presently-load" --scenario flapping --gateway 127.0.0.1:$port_a --gateway 127.0.0.1:$GW_PORT \
    --gateway-pid "$pid_a" --gateway-pid "$GW_PID" --redis-port "$REDIS_PORT" --users "$users" \
    --sessions-per-user "$per_user" --heartbeat-ms "$heartbeat" --duration-s "$seconds" --flap-every-ms 20 \
    --prefix "flap$RANDOM" --output "$results/flapping.json" >/dev/null
summary "$results/flapping.json" | tee "$results/flapping.txt"
