#!/usr/bin/env bash
# Scenario 5, unclean drops: two gateways on a Redis that also holds SEED other presence
# entries. A share of the sessions vanish without a close (socket destroyed after a last
# heartbeat); their watchers, half on the other gateway, must see them offline no earlier than
# the TTL after that last frame and at most TTL + 2 s after it.
# Usage: drops.sh [USERS 2000] [SEED 1000000] [DROP_SHARE 0.2] [HEARTBEAT_MS 10000]
source "$(dirname "$0")/common.sh"
users=${1:-2000}; seed=${2:-1000000}; share=${3:-0.2}; heartbeat=${4:-10000}
build_tools
start_fleet 2 "$heartbeat" "$seed"
run_load drops 1 --scenario drops --users "$users" --sessions-per-user 1 --heartbeat-ms "$heartbeat" \
    --drop-share "$share" --prefix "drop$RANDOM"
