#!/usr/bin/env bash
# Scenario 1, capacity: one gateway (on Redis) is offered more sessions than its open-file limit
# allows, from two load processes (each may hold 20,000 sockets here). Reports how many it holds
# (the rest must be refused with close code 4003, not hang), its RSS per session, the time to connect and
# sign them all in, and how they heartbeat once it is full.
# Usage: capacity.sh [SESSIONS 20000] [HEARTBEAT_MS 10000] [SECONDS 20]
source "$(dirname "$0")/common.sh"
sessions=${1:-20000}; heartbeat=${2:-10000}; seconds=${3:-20}
users=$(( sessions < 1000 ? sessions / 4 : 1000 ))
build_tools
start_fleet 1 "$heartbeat"
echo "gateway open-file limit: $(awk '/Max open files/ {print $4}' /proc/"$GW_PID"/limits)" >&2
run_load capacity 2 --scenario capacity --users "$users" --sessions-per-user $(( (sessions + users - 1) / users )) \
    --heartbeat-ms "$heartbeat" --duration-s "$seconds" --prefix "cap$RANDOM"
