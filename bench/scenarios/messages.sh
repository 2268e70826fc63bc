#!/usr/bin/env bash
# Scenario 7, messages: two gateways; every message goes to a contact on the other gateway. The
# offered rate climbs in steps; per step: sent (stored) and delivered per second, send -> sent
# and send -> delivery p50/p99, and the highest rate at which every message was delivered.
# GATEWAYS=3 for three gateways; DB=postgresql to put them on a PostgreSQL server (default: one
# SQLite file).
# Usage: [GATEWAYS=N] [DB=sqlite|postgresql] messages.sh [USERS 500] [RATES 100,200,...] [STEP_SECONDS 8]
source "$(dirname "$0")/common.sh"
users=${1:-500}; rates=${2:-100,200,400,800,1200,1600,2400}; step=${3:-8}
build_tools
start_fleet "${GATEWAYS:-2}" 10000
run_load "messages${DB:+-$DB}${GATEWAYS:+-$GATEWAYS}" 1 --scenario messages --users "$users" --sessions-per-user 1 --rate-steps "$rates" \
    --step-s "$step" --prefix "msg$RANDOM"
