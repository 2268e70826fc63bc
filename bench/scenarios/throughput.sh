#!/usr/bin/env bash
# Scenario 3, throughput: one gateway (on Redis) and a fixed set of sessions; the offered
# heartbeat rate climbs in steps. Reports, per step, the rate acknowledged, the ack p50/p99 and
# the gateway's CPU, and the highest rate acknowledged in full with p99 under 10 ms.
# Usage: throughput.sh [SESSIONS 2000] [RATES 1000,2000,...] [STEP_SECONDS 8]
source "$(dirname "$0")/common.sh"
sessions=${1:-2000}; rates=${2:-1000,2000,4000,6000,8000,10000,12000,14000,16000,20000}; step=${3:-8}
users=$(( sessions < 500 ? sessions / 2 : 500 ))
build_tools
start_fleet 1 10000
run_load throughput 1 --scenario throughput --users "$users" --sessions-per-user $(( sessions / users )) \
    --rate-steps "$rates" --step-s "$step" --max-p99-ms 10 --prefix "tput$RANDOM"
